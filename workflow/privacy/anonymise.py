"""Anonymising declined and withdrawn applications after the configured period (SPEC 10).

Personal data and free text go: answers other than the choices counted in reports
(those saved, and in each revision of those sent, by its own version's choices),
message and note bodies, the assessment's words, ballot comments and conflict
reasons, a meeting's minute and conflict reasons on the application (and the
meeting's own minutes once every application it considered is anonymised), the
history's event details, the emails about it, the documents' files and the letter's
bytes. What stays: the application row (state, hub, dates, reference), the event
chain (which covers only each detail's digest), the counts and results of votes and
meetings, each delivered email's kind, recipient and times, and a tombstone with the
digest of each erased document and letter.
"""

from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_, select, update

from ..admin.settings import deployment_settings
from ..applications.documents import unlink_after_commit
from ..applications.lifecycle import State
from ..applications.models import Application, Document, HeldAnswers, Message
from ..audit.models import ApplicationEvent, EventDetail
from ..audit.operations import record_event
from ..extensions import db
from ..hubs.definition import definition_of
from ..hubs.models import FormVersion
from ..letters.models import DecisionLetter
from ..notifications.models import OutboxAttachment, OutboxMessage
from ..policy import SYSTEM, authorize
from ..reviews.models import Assessment, Note
from ..types import utcnow
from ..votes.models import Ballot, BoardMeeting, Conflict, MeetingConflict, MeetingItem, Vote
from .models import Tombstone

# The answers kept: choices, which reports count (never the words of an "Other" box).
CHOICE_TYPES = {"choice", "choices", "yes_no", "declaration"}
KEPT_PROFILE = {"organisation_type"}


def kept_answers(version: FormVersion) -> set[str]:
    """The question keys whose answers anonymising keeps: the choices of a form version."""
    definition = definition_of(version)
    return KEPT_PROFILE | {question.key for _, question in definition.questions() if question.type in CHOICE_TYPES}


def _kept(answers: dict, keep: set[str]) -> dict:
    return {name: value for name, value in (answers or {}).items() if name in keep}


def due_applications(now: datetime) -> list[Application]:
    """Declined and withdrawn applications older than the period, not yet anonymised."""
    cutoff = now - timedelta(days=deployment_settings().anonymise_after_days)
    done = select(Tombstone.object_id).where(Tombstone.object_type == "application")
    return list(
        db.session.scalars(
            select(Application)
            .where(
                or_(
                    and_(Application.state == State.DECLINED, Application.decided_at <= cutoff),
                    and_(Application.state == State.WITHDRAWN, Application.state_changed_at <= cutoff),
                ),
                Application.id.not_in(done),
            )
            .order_by(Application.id)
        )
    )


def anonymise_application(application: Application, now: datetime | None = None) -> None:
    """Erase the application's personal data and free text, leaving counts, digests and tombstones."""
    now = now or utcnow()
    keep = kept_answers(application.form_version)
    for section in application.sections:
        section.answers = _kept(section.answers, keep)
    for revision in application.revisions:
        kept = kept_answers(revision.form_version)
        revision.answers = {key: _kept(answers, kept) for key, answers in (revision.answers or {}).items()}
    db.session.execute(delete(HeldAnswers).where(HeldAnswers.application_id == application.id))
    db.session.execute(update(Message).where(Message.application_id == application.id).values(body=""))
    db.session.execute(update(Note).where(Note.application_id == application.id).values(body=""))
    assessment = db.session.scalar(select(Assessment).where(Assessment.application_id == application.id))
    if assessment is not None:
        assessment.reasons = ""
        assessment.checklist = {
            title: {"result": (value or {}).get("result", "")} if isinstance(value, dict) else value
            for title, value in (assessment.checklist or {}).items()
        }
    votes = select(Vote.id).where(Vote.application_id == application.id)
    db.session.execute(update(Ballot).where(Ballot.vote_id.in_(votes)).values(comment=""))
    db.session.execute(update(Conflict).where(Conflict.vote_id.in_(votes)).values(reason=""))
    _erase_meeting_words(application)
    _erase_emails(application)
    events = select(ApplicationEvent.id).where(ApplicationEvent.application_id == application.id)
    db.session.execute(delete(EventDetail).where(EventDetail.event_id.in_(events)))
    for document in db.session.scalars(select(Document).where(Document.application_id == application.id)):
        unlink_after_commit(document)
        db.session.add(Tombstone(application_id=application.id, object_type="document", object_id=document.id,
                                 sha256=document.sha256, erased_at=now))
        document.filename = "erased"
        document.stored_name = f"erased-{document.id}"
    letter = db.session.scalar(select(DecisionLetter).where(DecisionLetter.application_id == application.id))
    if letter is not None:
        letter.free_paragraph = ""
        letter.pdf = None
        letter.organisation_name = None
        db.session.add(Tombstone(application_id=application.id, object_type="letter", object_id=letter.id,
                                 sha256=letter.pdf_sha256 or "", erased_at=now))
    db.session.add(Tombstone(application_id=application.id, object_type="application", object_id=application.id, erased_at=now))
    db.session.flush()
    db.session.expire_all()
    record_event(application, "anonymised")


def _erase_meeting_words(application: Application) -> None:
    """The minute and conflict reasons on the application's meeting items; a meeting's
    own minutes, shared by the applications it considered, once all of them are anonymised."""
    items = select(MeetingItem.id).where(MeetingItem.application_id == application.id)
    db.session.execute(update(MeetingItem).where(MeetingItem.application_id == application.id).values(minute=""))
    db.session.execute(update(MeetingConflict).where(MeetingConflict.item_id.in_(items)).values(reason=""))
    anonymised = select(Tombstone.object_id).where(Tombstone.object_type == "application")
    still_held = select(MeetingItem.meeting_id).where(
        MeetingItem.application_id != application.id, MeetingItem.application_id.not_in(anonymised)
    )
    meetings = select(MeetingItem.meeting_id).where(MeetingItem.application_id == application.id)
    db.session.execute(
        update(BoardMeeting).where(BoardMeeting.id.in_(meetings), BoardMeeting.id.not_in(still_held)).values(minutes="")
    )


def _erase_emails(application: Application) -> None:
    """The outbox rows about the application, and the files they carry.

    Undelivered ones are dropped unsent: mail still pending this long after the
    decision would carry words the application no longer holds. Delivered ones keep
    their kind, recipient and times as the record that they went; their words go.
    Deleting before updating leaves a row sent meanwhile to the update.
    """
    about = OutboxMessage.application_id == application.id
    db.session.execute(delete(OutboxMessage).where(about, OutboxMessage.sent_at.is_(None)))
    db.session.execute(
        update(OutboxMessage)
        .where(about)
        .values(subject=f"{application.reference or 'An application'} (anonymised)", body="", last_error="")
    )
    db.session.execute(
        update(OutboxAttachment)
        .where(OutboxAttachment.application_id == application.id)
        .values(content=None, source_html=None)
    )


def anonymise_due_applications(now: datetime | None = None) -> int:
    """For `flask tick`: anonymise every application that is due; returns how many."""
    now = now or utcnow()
    due = due_applications(now)
    for application in due:
        authorize(SYSTEM, "anonymise", application)
        anonymise_application(application, now)
    return len(due)
