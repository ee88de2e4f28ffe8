"""A draft moving to its hub's current form version, and what is sent: the answers asked, nothing else.

A draft answers the version it was started on until its next visit after a new version
is published; then its answers carry over by question key (a key keeps its type for
life), and the applicant is told what changed. Nothing is deleted while it is a draft:
an answer to a question no longer asked stays in its row, unseen. At submission (and at
each response to the office) answers that are not asked, because their question was
removed or a condition hides them, are dropped, so the office never holds what the
organisation cannot see in its own export.
"""

from dataclasses import dataclass, field

from ..audit.operations import record_event
from ..extensions import db
from ..hubs.definition import FormDefinition, Question, definition_of
from ..types import utcnow
from .lifecycle import State
from .models import Application, ApplicationSection
from .questions import holds
from .sections import all_answers, answer_errors, form_of, sections_of


@dataclass
class FormChange:
    """What changed between the version a draft answered and the one it moved to, by question label."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    required: list[str] = field(default_factory=list)  # new questions that must be answered

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    @property
    def summary(self) -> str:
        parts = []
        for label, items in (("New", self.added), ("Reworded or changed", self.changed), ("No longer asked", self.removed)):
            if items:
                parts.append(f"{label}: " + "; ".join(f"“{item}”" for item in items))
        return ". ".join(parts)


def _questions(definition: FormDefinition) -> dict[str, Question]:
    return {question.key: question for _, question in definition.questions()}


def compare(old: FormDefinition, new: FormDefinition) -> FormChange:
    """The questions added, removed and changed (in wording, choices or settings) from `old` to `new`."""
    before, after = _questions(old), _questions(new)
    change = FormChange()
    for key, question in after.items():
        if key not in before:
            change.added.append(question.label)
            if question.required:
                change.required.append(question.label)
        elif before[key] != question:
            change.changed.append(question.label)
    change.removed = [question.label for key, question in before.items() if key not in after]
    return change


def bring_up_to_date(application: Application, user) -> FormChange | None:
    """Move a draft to its hub's current form version, answers carried over by key; what changed, or None.

    Each section's answers are placed under the section that asks them now; a section whose
    answers no longer validate is no longer complete, and new required questions show as
    not started.
    """
    current = application.hub.current_form()
    if application.state is not State.DRAFT or current is None or current.id == application.form_version_id:
        return None
    old = form_of(application)
    new = definition_of(current)
    change = compare(old, new)
    answers = all_answers(application)
    rows = {row.key: row for row in application.sections}
    placed: set[str] = set()
    for section in new.sections:
        if section.is_organisation:
            continue
        keys = {name for question in section.questions for name in (question.key, question.other_key) if name}
        moved = {key: answers[key] for key in keys if key in answers}
        placed |= moved.keys()
        row = rows.get(section.key)
        if row is None and moved:
            row = ApplicationSection(application_id=application.id, key=section.key, answers={}, version=0)
            db.session.add(row)
            rows[section.key] = row
        if row is not None:
            kept = {key: value for key, value in (row.answers or {}).items() if key not in placed or key in moved}
            row.answers = {**kept, **moved}
            row.version = (row.version or 0) + 1
            row.updated_at = utcnow()
    application.form_version_id = current.id
    application.form_version = current
    db.session.flush()
    db.session.expire(application, ["sections"])
    for row in application.sections:
        if new.section(row.key) is not None and not new.section(row.key).is_organisation:
            row.completed = not answer_errors(application, row.key)
    record_event(
        application, "form_updated", user,
        detail=f"Moved to version {current.number} of the form. {change.summary}".strip(),
    )
    return change


def _asked_keys(application: Application, section) -> set[str]:
    """The answers a section asks now: its questions whose conditions hold, with their "Other" boxes."""
    answers = all_answers(application)
    keys = set()
    for question in section.questions:
        if holds(question.shows_when, answers):
            keys |= {name for name in (question.key, question.other_key) if name}
    return keys


def drop_unasked_answers(application: Application) -> None:
    """Keep only the answers the application's form asks now, before they are sent."""
    asked = {section.key: section for section in sections_of(application)}
    for row in list(application.sections):
        section = asked.get(row.key)
        if section is None:
            db.session.delete(row)
        elif not section.is_organisation:
            keys = _asked_keys(application, section)
            if set(row.answers or {}) - keys:
                row.answers = {key: value for key, value in row.answers.items() if key in keys}
    db.session.flush()
    db.session.expire(application, ["sections"])
