"""What follows a decision in the letters: the decision letter is drafted."""

from flask import Flask

from ..applications.consequences import follows
from ..applications.lifecycle import State
from ..votes.rule import Choice
from .operations import draft_letter

OUTCOMES = {State.APPROVED: Choice.APPROVE, State.DECLINED: Choice.DECLINE}


def register(app: Flask) -> None:
    for target, outcome in OUTCOMES.items():
        follows(app, target, _drafting(outcome))


def _drafting(outcome: Choice):
    def draft_the_letter(application, source, actor) -> None:
        draft_letter(application, outcome)

    draft_the_letter.__qualname__ = f"draft_the_letter[{outcome.value}]"
    return draft_the_letter
