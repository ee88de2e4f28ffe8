"""The deployment's settings: the stored row, else the configuration's defaults."""

from dataclasses import dataclass

from flask import current_app

from ..extensions import db
from ..votes.rule import VoteRule, rule_from_config
from .models import DeploymentSettings

SETTINGS_ID = 1


@dataclass(frozen=True)
class Settings:
    vote_quorum: str
    vote_majority: str
    vote_reminder_days: int
    anonymise_after_days: int
    partnership_reminder_days: int

    @property
    def vote_rule(self) -> VoteRule:
        return rule_from_config({"VOTE_QUORUM": self.vote_quorum, "VOTE_MAJORITY": self.vote_majority})


FIELDS = tuple(Settings.__dataclass_fields__)


def configured_defaults() -> Settings:
    """The settings as the configuration gives them, before an admin changes any."""
    config = current_app.config
    rule = rule_from_config(config)
    return Settings(
        vote_quorum=str(config.get("VOTE_QUORUM", 3)).strip(),
        vote_majority=rule.majority.value,
        vote_reminder_days=int(config.get("VOTE_REMINDER_DAYS", 2)),
        anonymise_after_days=int(config.get("ANONYMISE_AFTER_DAYS", 365)),
        partnership_reminder_days=int(config.get("PARTNERSHIP_REMINDER_DAYS", 90)),
    )


def deployment_settings() -> Settings:
    """The settings in force: the admin's stored row, or the configuration's defaults."""
    row = db.session.get(DeploymentSettings, SETTINGS_ID)
    if row is None:
        return configured_defaults()
    return Settings(**{name: getattr(row, name) for name in FIELDS})
