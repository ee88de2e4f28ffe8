"""The deployment's vote rule: the one place everything asks for it."""

from ..admin.settings import deployment_settings
from .rule import VoteRule


def current_vote_rule() -> VoteRule:
    """The rule new votes and meetings use: the admin's setting, else VOTE_QUORUM and VOTE_MAJORITY."""
    return deployment_settings().vote_rule
