"""The trust office's work on an application: take, assign, assess, ask, note, put to the trustees
(an online vote, or a board meeting's agenda).

Each operation changes what it changes, writes the audit event and the emails, and
flushes; the request commits. The view has asked the policy first; the bulk actions,
which have no view per application, ask it here.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from werkzeug.exceptions import NotFound

from ..applications.lifecycle import Action, State
from ..applications.models import Application, Message
from ..applications.sections import sections_of
from ..applications.transitions import apply_transition
from ..audit.operations import record_event
from ..errors import NotAllowed, WrongState
from ..extensions import db
from ..hubs.definition import definition_of
from ..hubs.models import Hub
from ..notifications.operations import notify_office, notify_organisation
from ..policy import authorize
from ..types import utcnow
from ..votes.meetings import add_to_agenda
from ..votes.models import BoardMeeting, MeetingItem
from ..votes.operations import open_vote
from .models import Assessment, Note, Recommendation
from .queries import assessment_for

CRITERION_RESULTS = {"yes": "Met", "partly": "Partly met", "no": "Not met"}

def section_titles(application: Application | None = None) -> dict[str, str]:
    """The sections an officer can reopen, key to title, in the form's order: the application's,
    or (for several at once) those of every hub's current form."""
    if application is not None:
        return {section.key: section.title for section in sections_of(application)}
    titles: dict[str, str] = {}
    for hub in db.session.scalars(select(Hub).order_by(Hub.name)):
        version = hub.current_form()
        for section in definition_of(version).sections if version else ():
            titles.setdefault(section.key, section.title)
    return titles


def has_recommendation(assessment: Assessment | None) -> bool:
    """Whether the assessment recommends approve or decline, with reasons: what the trustees need."""
    return bool(assessment and assessment.recommendation and assessment.reasons.strip())


def take_application(application: Application, officer, assignee=None) -> None:
    """Start the review of a submitted application, assigned to `assignee` (the officer by default)."""
    assignee = assignee or officer
    authorize(assignee, "be_assigned", application)
    comment = "" if assignee.id == officer.id else f"Assigned to {assignee.name}"
    apply_transition(application, Action.TAKE, officer, comment=comment, assigned_officer_id=assignee.id)


def assign_application(application: Application, officer, assignee) -> None:
    """Give the application to a colleague: a submitted one starts its review, a later one changes hands."""
    authorize(assignee, "be_assigned", application)
    if application.state is State.SUBMITTED:
        take_application(application, officer, assignee)
        return
    application.assigned_officer_id = assignee.id
    db.session.flush()
    record_event(application, "assigned", officer, detail=f"Assigned to {assignee.name}")


def request_information(application: Application, officer, sections: list[str], message: str) -> Message:
    """Reopen the named sections for the applicant, with a message they see in their thread."""
    titles = section_titles(application)
    keys = [key for key in titles if key in sections]
    if not keys or not message.strip():
        raise WrongState("Choose sections of the form to reopen, and write a message to the applicant.")
    apply_transition(
        application, Action.REQUEST_INFORMATION, officer, comment=message, reopened_sections=keys
    )
    sent = Message(application_id=application.id, author_id=officer.id, body=message)
    db.session.add(sent)
    db.session.flush()
    notify_organisation(
        "information_requested",
        application.organisation,
        f"{application.reference}: the trust office needs more information",
        application=application,
        sections=[titles[key] for key in keys],
        message=message,
    )
    return sent


def record_assessment(
    application: Application, officer, checklist: dict, recommendation: Recommendation | None, reasons: str
) -> Assessment:
    """Record (or update) the office's assessment and recommendation while in review."""
    assessment = assessment_for(application)
    if assessment is None:
        assessment = Assessment(application_id=application.id)
        db.session.add(assessment)
    assessment.checklist = checklist
    assessment.recommendation = recommendation
    assessment.reasons = reasons.strip()
    assessment.recorded_by_id = officer.id
    assessment.recorded_at = utcnow()
    db.session.flush()
    summary = f"Recommends: {recommendation.label.lower()}" if recommendation else "No recommendation yet"
    record_event(application, "assessment_recorded", officer, detail=summary)
    return assessment


def _put_to_trustees(application: Application) -> Assessment:
    """The assessment an application goes to the trustees with: it must recommend, with reasons."""
    assessment = assessment_for(application)
    if not has_recommendation(assessment):
        raise WrongState("Record a recommendation with reasons before putting this to the trustees.")
    return assessment


def put_to_trustees(application: Application, officer, deadline: datetime):
    """Put an assessed application to the trustees and open their vote until `deadline`."""
    assessment = _put_to_trustees(application)
    if deadline <= utcnow():
        raise WrongState("The vote's deadline must be in the future.")
    apply_transition(application, Action.PUT_TO_TRUSTEES, officer, comment=assessment.reasons)
    vote = open_vote(application, officer, deadline)
    notify_office(
        "put_to_trustees_office",
        f"{application.reference} is with the trustees",
        application=application,
        officer=officer,
        recommendation=assessment.recommendation,
        deadline=deadline,
    )
    return vote


def put_on_agenda(application: Application, officer, meeting: BoardMeeting) -> MeetingItem:
    """Put an assessed application to the trustees on an upcoming board meeting's agenda.

    No online vote opens: the meeting's resolution decides it.
    """
    assessment = _put_to_trustees(application)
    apply_transition(application, Action.PUT_TO_TRUSTEES, officer, comment=assessment.reasons)
    item = add_to_agenda(meeting, application, officer)
    notify_office(
        "put_on_agenda_office",
        f"{application.reference} is with the trustees",
        application=application,
        officer=officer,
        recommendation=assessment.recommendation,
        meeting=meeting,
    )
    return item


def add_note(application: Application, officer, body: str) -> Note:
    """An internal note for the office; never shown to the applicant."""
    if not body.strip():
        raise WrongState("Write the note before adding it.")
    note = Note(application_id=application.id, author_id=officer.id, body=body.strip())
    db.session.add(note)
    db.session.flush()
    record_event(application, "note_added", officer)
    return note


@dataclass(frozen=True)
class BulkOutcome:
    """What happened to one selected application."""

    application_id: int
    reference: str
    done: bool
    reason: str = ""


def apply_to_each(applications: list[Application], operation: Callable[[Application], object]) -> list[BulkOutcome]:
    """Run `operation` on each application in its own savepoint.

    `operation` asks the policy for its actor (a bulk action has no view per application).
    A refusal (404, 403 or 409) undoes that application's changes only, and is reported
    with its reason; the others go ahead.
    """
    outcomes = []
    for application in applications:
        application_id, reference = application.id, application.reference
        try:
            with db.session.begin_nested():
                operation(application)
        except (NotAllowed, NotFound, WrongState) as refusal:
            outcomes.append(BulkOutcome(application_id, reference, False, refusal.description))
        else:
            outcomes.append(BulkOutcome(application_id, reference, True))
    return outcomes


def assign_each(applications: list[Application], officer, assignee) -> list[BulkOutcome]:
    """Assign every selected application to `assignee`; new ones start their review."""
    def assign(application: Application) -> None:
        authorize(officer, "assign", application)
        assign_application(application, officer, assignee)

    return apply_to_each(applications, assign)


def request_information_from_each(
    applications: list[Application], officer, sections: list[str], message: str
) -> list[BulkOutcome]:
    """Send the same request, reopening the same sections, on every selected application."""
    def ask(application: Application) -> None:
        authorize(officer, Action.REQUEST_INFORMATION, application)
        request_information(application, officer, sections, message)

    return apply_to_each(applications, ask)


def put_each_to_trustees(applications: list[Application], officer, deadline: datetime) -> list[BulkOutcome]:
    """Put every selected application with a recorded recommendation to the trustees."""
    def put(application: Application) -> None:
        authorize(officer, Action.PUT_TO_TRUSTEES, application)
        put_to_trustees(application, officer, deadline)

    return apply_to_each(applications, put)
