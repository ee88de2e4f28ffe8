"""Drafting and issuing decision letters."""

from sqlalchemy import select

from ..extensions import db
from ..votes.rule import Choice
from .models import DecisionLetter, LetterTemplate


def current_template(hub_id: int, outcome: Choice) -> LetterTemplate:
    """The newest version of the hub's template for this outcome."""
    template = db.session.scalar(
        select(LetterTemplate)
        .where(LetterTemplate.hub_id == hub_id, LetterTemplate.outcome == outcome)
        .order_by(LetterTemplate.version.desc())
        .limit(1)
    )
    if template is None:
        from .defaults import default_template_body

        template = LetterTemplate(hub_id=hub_id, outcome=outcome, version=1, body=default_template_body(outcome))
        db.session.add(template)
        db.session.flush()
    return template


def draft_letter(application, outcome: Choice) -> DecisionLetter:
    """Draft the decision letter from the hub's current template for the outcome."""
    letter = DecisionLetter(
        application_id=application.id,
        outcome=outcome,
        template_id=current_template(application.hub_id, outcome).id,
    )
    db.session.add(letter)
    db.session.flush()
    return letter
