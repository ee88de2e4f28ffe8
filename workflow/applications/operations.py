"""What applicants do with an application: start it, save its sections, submit it,
answer the office, message it, withdraw it. `send_message` serves the office too.

Each operation guards, changes state, writes the audit event and the outbox rows,
and flushes; the request commits.
"""

from dataclasses import dataclass, field

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest

from ..audit.models import ApplicationEvent
from ..audit.operations import record_event
from ..errors import WrongState
from ..extensions import db
from ..notifications.models import OutboxAttachment
from ..notifications.operations import notify_office, notify_organisation, queue_email
from ..policy import member
from ..reviews.districts import index_districts
from ..types import london, utcnow
from .copy import submission_copy_html
from .documents import UploadRefused, discard_document, read_upload, store_document, was_sent
from .lifecycle import TRANSITIONS, Action, State
from .models import Application, ApplicationSection, Document, Message, ReferenceCounter
from .revisions import keep_revision
from .sections import (
    answer_errors,
    answers_from,
    build_form,
    get_section,
    incomplete_sections,
)
from .transitions import apply_transition
from .versions import drop_unasked_answers

ACTIVE_STATES = {State.SUBMITTED, State.IN_REVIEW, State.INFO_REQUESTED, State.WITH_TRUSTEES}


@dataclass
class SaveResult:
    """What happened to a section's save: saved (valid or not), or refused as a conflict."""

    saved: bool
    conflict: bool
    errors: dict = field(default_factory=dict)
    version: int = 0  # the section's version now: load the form at this version


def _text_required(text: str | None, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise BadRequest(message)
    return text


def applications_for(user) -> list[Application]:
    """The applications of every organisation the user acts for, newest first."""
    if not user.organisation_ids:
        return []
    return list(
        db.session.scalars(
            select(Application)
            .where(Application.organisation_id.in_(user.organisation_ids))
            .order_by(Application.created_at.desc(), Application.id.desc())
        )
    )


def start_application(user, organisation, hub) -> Application:
    """A new draft, or the organisation's existing draft to this hub (for one of `user`'s organisations)."""
    existing = db.session.scalars(
        select(Application).where(
            Application.organisation_id == organisation.id,
            Application.hub_id == hub.id,
            Application.state.in_([State.DRAFT, *ACTIVE_STATES]),
        )
    ).all()
    draft = next((a for a in existing if a.state is State.DRAFT), None)
    if draft is not None:
        return draft
    if existing:
        raise WrongState(
            f"{organisation.name} already has an application to {hub.name} in progress "
            f"({existing[0].reference}). You can apply again once it has been decided."
        )
    version = hub.current_form()
    if version is None:
        raise WrongState(f"{hub.name} has no application form published yet. Ask the trust office when it opens.")
    application = Application(
        hub_id=hub.id, organisation_id=organisation.id, created_by_id=user.id, form_version_id=version.id,
    )
    db.session.add(application)
    db.session.flush()
    db.session.refresh(application)
    record_event(application, "started", user)
    return application


def _split_posted(posted) -> tuple[MultiDict, dict]:
    """The posted text values, and the uploaded files by field (anything else is ignored)."""
    if hasattr(posted, "getlist"):
        items = posted.items(multi=True)
    else:
        items = ((name, item) for name, value in (posted or {}).items()
                 for item in (value if isinstance(value, list | tuple) else [value]))
    text, files = MultiDict(), {}
    for name, value in items:
        if isinstance(value, str):
            text.add(name, value)
        elif getattr(value, "filename", None):
            files.setdefault(name, value)
    return text, files


def _discardable(application: Application, document_id) -> Document | None:
    """The application's document of this id, if no answers sent to the trust office used it."""
    document_id = str(document_id or "")
    document = db.session.get(Document, int(document_id)) if document_id.isdigit() else None
    if document is not None and document.application_id == application.id and not was_sent(application, document):
        return document
    return None


def _store_uploads(application, form, files: dict, answers: dict, previous: dict, user) -> dict[str, list[str]]:
    """Keep each valid new upload; refused ones leave the previous document in place.

    The documents the stored uploads replace, and that will be discarded, do not count
    toward the application's caps.
    """
    errors, leaving = {}, set()
    for file_field in form.file_fields():
        answers[file_field.name] = previous.get(file_field.name, "")
        upload = files.get(file_field.name)
        if upload is None:
            continue
        question = form.question(file_field.name)
        replaced = _discardable(application, previous.get(file_field.name))
        making_room = leaving | ({replaced.id} if replaced else set())
        try:
            document = store_document(
                application, file_field.name, file_field.label.text, upload.filename, read_upload(upload.stream), user,
                leaving=making_room, kinds=question.kinds, max_mb=question.max_mb,
            )
        except UploadRefused as refusal:
            errors[file_field.name] = [refusal.about(form.upload_name(file_field))]
        else:
            answers[file_field.name] = str(document.id)
            leaving = making_room
    return errors


def _discard_replaced(application: Application, form, previous: dict, answers: dict) -> None:
    """Delete the files the answers no longer use, unless answers sent to the trust office used them."""
    for file_field in form.file_fields():
        old = previous.get(file_field.name)
        if str(old or "") == str(answers.get(file_field.name) or ""):
            continue
        document = _discardable(application, old)
        if document is not None:
            discard_document(document)


def _current_version(application: Application, key: str) -> int:
    return db.session.scalar(
        select(ApplicationSection.version).where(
            ApplicationSection.application_id == application.id, ApplicationSection.key == key
        )
    ) or 0


def save_section(application: Application, key: str, posted: dict, user, loaded_version: int) -> SaveResult:
    """Save a section's posted answers, valid or not, unless it changed since it was loaded.

    The answers are stored as typed; the section is completed only when they are
    valid. If the section's version moved on since `loaded_version` (another tab,
    or a colleague), nothing is written and the result says so.
    """
    section = get_section(application, key)
    if section is None or section.is_organisation:
        raise WrongState("This section is filled in from your organisation's profile.")
    row = application.section(key)
    if (row.version if row else 0) != loaded_version:
        return SaveResult(saved=False, conflict=True, version=row.version if row else 0)

    text, files = _split_posted(posted)
    previous = application.answers(key)
    form = build_form(application, key, formdata=text)
    answers = answers_from(form)
    upload_errors = _store_uploads(application, form, files, answers, previous, user)
    db.session.expire(application, ["documents"])
    errors = {**answer_errors(application, key, answers), **upload_errors}

    if row is None:
        row = ApplicationSection(application_id=application.id, key=key, answers={}, completed=False, version=0)
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:
            db.session.expire(application, ["sections"])
            return SaveResult(saved=False, conflict=True, version=_current_version(application, key))
    version = db.session.execute(
        update(ApplicationSection)
        .where(ApplicationSection.id == row.id, ApplicationSection.version == loaded_version)
        .values(answers=answers, completed=not errors, version=loaded_version + 1, updated_at=utcnow(), updated_by_id=user.id)
        .returning(ApplicationSection.version)
        .execution_options(synchronize_session=False)
    ).scalar()
    db.session.expire(row)
    if version is None:
        return SaveResult(saved=False, conflict=True, version=_current_version(application, key))
    _discard_replaced(application, form, previous, answers)
    db.session.expire(application, ["sections", "documents"])
    if application.state is State.INFO_REQUESTED:
        record_event(application, "section_updated", user, detail=section.title)
    return SaveResult(saved=True, conflict=False, errors=errors, version=version)


def _snapshot_profile(application: Application, user) -> None:
    """Copy the organisation's profile into section 1, as it stands now."""
    row = application.section("organisation")
    if row is None:
        row = ApplicationSection(application_id=application.id, key="organisation", version=0)
        db.session.add(row)
    row.answers = application.organisation.profile()
    row.completed = True
    row.version = (row.version or 0) + 1
    row.updated_at = utcnow()
    row.updated_by_id = user.id
    db.session.flush()
    db.session.expire(application, ["sections"])


def allocate_reference(hub, year: int) -> str:
    """The hub's next reference for the year, e.g. NMEH-2026-0007, from an atomic counter.

    The year's counter row is created if missing, tolerating a concurrent creation
    (a savepoint around the insert); the number is then taken with one UPDATE, which
    holds the row's lock until the transaction ends, so no two submissions share one.
    """
    counter = ReferenceCounter.__table__
    where = (counter.c.hub_id == hub.id) & (counter.c.year == year)
    if db.session.execute(select(counter.c.last_number).where(where)).first() is None:
        try:
            with db.session.begin_nested():
                db.session.execute(insert(counter).values(hub_id=hub.id, year=year, last_number=0))
        except IntegrityError:
            pass
    number = db.session.execute(
        update(counter).where(where).values(last_number=counter.c.last_number + 1).returning(counter.c.last_number)
    ).scalar_one()
    return f"{hub.reference_prefix}-{year}-{number:04d}"


def _lock(application: Application, action: Action) -> None:
    """Hold the application's row until the transaction ends, so a second submit or
    response waits, then is told the state moved on before anything else is checked."""
    db.session.execute(select(Application.id).where(Application.id == application.id).with_for_update())
    db.session.refresh(application)
    if application.state not in TRANSITIONS[action].sources:
        raise WrongState(
            "Someone else changed this application while you were working on it. "
            f"It is now {application.state.label.lower()}: reload the page to see where it stands."
        )


def submit_application(application: Application, user) -> Application:
    """Submit a complete draft while the hub is open: reference, receipt, office notice."""
    _lock(application, Action.SUBMIT)
    hub = application.hub
    if not hub.is_open():
        next_round = hub.next_round()
        opens = f" The next round opens on {london(next_round.opens_at):%-d %B %Y}." if next_round else ""
        raise WrongState(
            f"Applications to {hub.name} are closed at the moment. Your draft is saved: "
            f"you can submit it when applications open again.{opens}"
        )
    if not user.is_email_verified:
        raise WrongState(
            "Confirm your email address before you submit: we sent you a link. "
            "You can send it again from your account page. Your answers are saved."
        )
    missing = incomplete_sections(application)
    if missing:
        raise WrongState(
            "Complete every section before you submit. Not complete yet: "
            + ", ".join(section.title for section in missing) + "."
        )
    _snapshot_profile(application, user)
    drop_unasked_answers(application)
    now = utcnow()
    reference = allocate_reference(hub, london(now).year)
    apply_transition(application, Action.SUBMIT, user, reference=reference, submitted_at=now)
    keep_revision(application, user, "submitted")
    index_districts(application)
    _send_receipt(application)
    notify_office(
        "submission_received_office",
        f"New application {reference} from {application.organisation.name}",
        application=application,
    )
    return application


def _send_receipt(application: Application) -> None:
    """The receipt to the organisation's members and contact, each with one copy of the answers.

    The copy is frozen now as the page its PDF is made from; delivery makes the PDF
    (a tenth of a second) outside the request, which holds the write lock.
    """
    subject = f"We have received your application {application.reference}"
    copy = OutboxAttachment(
        application_id=application.id,
        filename=f"{application.reference}-answers.pdf",
        content_type="application/pdf",
        source_html=submission_copy_html(application),
    )
    organisation = application.organisation
    messages = notify_organisation(
        "submission_receipt", organisation, subject, attachment=copy, application=application
    )
    contact = (organisation.contact_email or "").strip().lower()
    if contact and contact not in {message.recipient.lower() for message in messages}:
        queue_email(
            "submission_receipt", contact, subject, attachment=copy,
            organisation=organisation, application=application, addressee=organisation.contact_name,
        )


def withdraw_application(application: Application, user, reason: str) -> Application:
    """Withdraw, with a reason; what follows withdrawal (a vote still open on it ends, it
    leaves any waiting agenda) is in the consequences of the withdrawn state."""
    reason = _text_required(reason, "Say why you are withdrawing the application.")
    was_submitted = application.submitted_at is not None
    apply_transition(application, Action.WITHDRAW, user, comment=reason)
    if was_submitted:
        notify_office(
            "application_withdrawn",
            f"{application.reference} has been withdrawn",
            application=application,
            reason=reason,
        )
    return application


def latest_request(application: Application) -> ApplicationEvent | None:
    """The office's latest request for information (its detail is the officer's message)."""
    return db.session.scalar(
        select(ApplicationEvent)
        .where(
            ApplicationEvent.application_id == application.id,
            ApplicationEvent.kind == Action.REQUEST_INFORMATION.value,
        )
        .order_by(ApplicationEvent.sequence.desc())
        .limit(1)
    )


def respond_to_request(application: Application, user, message: str) -> Message:
    """Answer the office's request: the reopened sections complete, with a message."""
    body = _text_required(message, "Enter a message for the trust office.")
    _lock(application, Action.RESPOND)
    missing = incomplete_sections(application, list(application.reopened_sections or []))
    if missing:
        raise WrongState(
            "Complete the sections the trust office asked about before you respond. Not complete yet: "
            + ", ".join(section.title for section in missing) + "."
        )
    if "organisation" in (application.reopened_sections or []):
        _snapshot_profile(application, user)
    drop_unasked_answers(application)
    reply = Message(application_id=application.id, author_id=user.id, body=body)
    db.session.add(reply)
    db.session.flush()
    apply_transition(application, Action.RESPOND, user, comment=body)
    keep_revision(application, user, "response")
    index_districts(application)
    notify_office(
        "information_provided",
        f"{application.reference}: the applicant has responded",
        application=application,
        message=reply,
    )
    return reply


def send_message(application: Application, user, body: str) -> Message:
    """A message between the applicant and the office, in any state; the other side is emailed."""
    body = _text_required(body, "Enter a message.")
    message = Message(application_id=application.id, author_id=user.id, body=body)
    db.session.add(message)
    db.session.flush()
    db.session.expire(application, ["messages"])
    record_event(application, "message_sent", user, detail=body)
    if member(user, application):
        notify_office(
            "message_to_office",
            f"New message about {application.title} from {application.organisation.name}",
            application=application,
            message=message,
        )
    else:
        notify_organisation(
            "message_to_applicant",
            application.organisation,
            f"New message from the trust office about {application.title}",
            application=application,
            message=message,
        )
    return message
