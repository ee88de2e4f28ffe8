"""Privacy (issue 9): an organisation's data export, and anonymising old declined and withdrawn applications."""

import hashlib
import io
import json
import re
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.account_helpers import sign_in
from tests.builders import complete_answers, make_application
from workflow.applications.documents import document_path, store_document
from workflow.applications.lifecycle import State
from workflow.applications.models import Application, Document, Message
from workflow.applications.operations import send_message, start_application, withdraw_application
from workflow.audit.models import ApplicationEvent, EventDetail
from workflow.audit.operations import record_event
from workflow.audit.verify import verify_chains
from workflow.letters.models import DecisionLetter, LetterStatus, LetterTemplate
from workflow.notifications.models import OutboxAttachment, OutboxMessage
from workflow.privacy.anonymise import anonymise_due_applications
from workflow.privacy.export import export_archive
from workflow.privacy.models import Tombstone
from workflow.reviews.models import Assessment, Note
from workflow.types import london, utcnow
from workflow.votes.meetings import Resolution, record_meeting, record_resolution
from workflow.votes.models import BoardMeeting, MeetingConflict, MeetingItem, MeetingItemResult
from workflow.votes.rule import Choice

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def own_storage(app, monkeypatch, tmp_path):
    """Files stored by these tests go to a folder of their own, not the shared one."""
    monkeypatch.setitem(app.config, "STORAGE_DIR", tmp_path / "storage")


def full_application(db, hub, organisation, member, officer, state, *, marker: str, age_days: int = 0):
    """An application with answers, a document, messages, a note, an assessment and (if decided) a letter."""
    answers = complete_answers(hub)
    answers["organisation"]["name"] = organisation.name
    answers["organisation"]["contact_name"] = f"Contact {marker}"
    answers["offer"]["description"] = f"Offer words {marker}"
    application = make_application(hub, organisation, member, state, officer=officer, answers=answers)
    document = store_document(application, "safeguarding_policy", "Safeguarding policy", f"policy-{marker}.pdf", PDF + marker.encode(), member)
    for author, body in ((member, f"Message from the applicant {marker}"), (officer, f"Reply from the office {marker}")):
        db.session.add(Message(application_id=application.id, author_id=author.id, body=body))
        record_event(application, "message_sent", author, detail=body)
    db.session.add(Note(application_id=application.id, author_id=officer.id, body=f"Internal note {marker}"))
    db.session.add(Assessment(
        application_id=application.id, checklist={"Safeguarding in place": {"result": "yes", "note": f"Checked {marker}"}},
        reasons=f"Reasons {marker}", recorded_by_id=officer.id, recorded_at=utcnow(),
    ))
    record_event(application, "note_added", officer, detail=f"Event words {marker}")
    if state in (State.APPROVED, State.DECLINED):
        template = db.session.scalar(select(LetterTemplate).where(LetterTemplate.hub_id == hub.id))
        if template is None:
            template = LetterTemplate(hub_id=hub.id, outcome=Choice.DECLINE, version=1, body="Dear {{ organisation }}")
            db.session.add(template)
            db.session.flush()
        pdf = PDF + f"letter {marker}".encode()
        db.session.add(DecisionLetter(
            application_id=application.id, outcome=Choice.DECLINE, template_id=template.id, status=LetterStatus.ISSUED,
            free_paragraph=f"Free words {marker}", pdf=pdf, pdf_sha256=hashlib.sha256(pdf).hexdigest(),
            verification_code=f"CODE{application.id:06d}", issued_at=utcnow(), issued_by_id=officer.id,
        ))
    if age_days:
        past = utcnow() - timedelta(days=age_days)
        application.state_changed_at = past
        application.created_at = past - timedelta(days=30)
        if application.decided_at is not None:
            application.decided_at = past
        if application.submitted_at is not None:
            application.submitted_at = past - timedelta(days=10)
    db.session.commit()
    return application, document


# --- export ----------------------------------------------------------------------


@pytest.fixture()
def two_organisations(db, hub, organisation, applicant, other_applicant, officer):
    ours = full_application(db, hub, organisation, applicant, officer, State.DECLINED, marker="OURS")
    draft = make_application(hub, organisation, applicant, State.DRAFT, answers={"offer": {"description": "Draft words OURS"}})
    other_organisation = other_applicant.memberships[0].organisation
    theirs = full_application(db, hub, other_organisation, other_applicant, officer, State.DECLINED, marker="THEIRS")
    return ours, draft, theirs


def archive_of(response) -> zipfile.ZipFile:
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    return zipfile.ZipFile(io.BytesIO(response.data))


def test_the_export_holds_every_piece_of_the_organisations_data(db, login, applicant, organisation, two_organisations):
    (application, document), draft, _ = two_organisations

    archive = archive_of(sign_in(login, applicant).get("/organisation/export"))

    names = archive.namelist()
    folder = f"applications/{application.reference}"
    assert set(names) == {
        "organisation.json", f"{folder}/application.json", f"{folder}/documents/{document.id}-policy-OURS.pdf",
        f"{folder}/decision-letter.pdf", f"applications/draft-{draft.id}/application.json",
    }
    profile = json.loads(archive.read("organisation.json"))
    assert profile["profile"]["name"] == organisation.name and profile["profile"]["contact_email"] == "ada@example.org"
    assert [m["email"] for m in profile["members"]] == [applicant.email]
    data = json.loads(archive.read(f"{folder}/application.json"))
    assert data["reference"] == application.reference and data["state"] == "declined"
    assert data["answers"]["offer"]["description"] == "Offer words OURS"
    assert [m["body"] for m in data["messages"]] == ["Message from the applicant OURS", "Reply from the office OURS"]
    assert data["documents"][0]["sha256"] == document.sha256
    assert archive.read(f"{folder}/documents/{document.id}-policy-OURS.pdf") == PDF + b"OURS"
    letter = db.session.scalar(select(DecisionLetter).where(DecisionLetter.application_id == application.id))
    assert archive.read(f"{folder}/decision-letter.pdf") == letter.pdf
    assert data["letter"]["sha256"] == letter.pdf_sha256
    assert json.loads(archive.read(f"applications/draft-{draft.id}/application.json"))["answers"]["offer"] == {"description": "Draft words OURS"}


def test_the_export_streams_from_a_file_and_reads_no_document_whole(
    db, app, login, hub, applicant, officer, organisation, monkeypatch
):
    application, first = full_application(db, hub, organisation, applicant, officer, State.DECLINED, marker="ONE")
    contents = {first.id: PDF + b"ONE"}
    for n in range(3):
        data = PDF + bytes([n]) * (256 * 1024)
        with app.test_request_context():
            document = store_document(application, "other", "Other", f"extra-{n}.pdf", data, applicant)
        contents[document.id] = data
    db.session.commit()
    monkeypatch.setattr(Path, "read_bytes", lambda path: pytest.fail(f"{path} was read whole"))

    response = sign_in(login, applicant).get("/organisation/export")

    assert response.is_streamed and response.headers["Cache-Control"] == "no-store"
    assert re.search(rf'attachment; filename="?organisation-{organisation.id}-data-\d{{4}}-\d\d-\d\d\.zip"?$',
                     response.headers["Content-Disposition"])
    archive = archive_of(response)
    assert int(response.headers["Content-Length"]) == len(response.data)
    documents = {name.rsplit("/", 1)[1].split("-", 1)[0]: name for name in archive.namelist() if "/documents/" in name}
    assert {int(key): archive.read(name) for key, name in documents.items()} == contents
    with app.test_request_context(), export_archive(organisation) as built:  # a file to stream from, not bytes
        assert zipfile.ZipFile(built).namelist() == archive.namelist()


def test_the_export_holds_nothing_of_another_organisation(db, login, applicant, other_applicant, two_organisations):
    _, _, (theirs, _) = two_organisations

    archive = archive_of(sign_in(login, applicant).get("/organisation/export"))

    everything = b"".join(archive.read(name) for name in archive.namelist())
    assert b"THEIRS" not in everything and b"Another Band" not in everything
    assert other_applicant.email.encode() not in everything and theirs.reference.encode() not in everything
    assert b"Internal note" not in everything and b"Reasons OURS" not in everything


def test_an_organisation_cannot_export_another(db, login, applicant, other_applicant, two_organisations):
    other_id = other_applicant.memberships[0].organisation_id

    assert sign_in(login, applicant).get(f"/organisation/{other_id}/export").status_code == 404


@pytest.mark.parametrize("role", ["officer", "trustee"])
def test_staff_and_trustees_have_no_export(db, login, officer, trustees, role, organisation):
    user = officer if role == "officer" else trustees[0]

    assert sign_in(login, user).get(f"/organisation/{organisation.id}/export").status_code == 403


def test_the_export_needs_a_sign_in(client, organisation):
    assert client.get("/organisation/export").status_code == 302


# --- anonymisation ---------------------------------------------------------------


@pytest.fixture()
def old_and_new(db, hub, organisation, applicant, officer):
    return {
        "declined_old": full_application(db, hub, organisation, applicant, officer, State.DECLINED, marker="DOLD", age_days=400),
        "withdrawn_old": full_application(db, hub, organisation, applicant, officer, State.WITHDRAWN, marker="WOLD", age_days=400),
        "declined_new": full_application(db, hub, organisation, applicant, officer, State.DECLINED, marker="DNEW", age_days=10),
        "approved_old": full_application(db, hub, organisation, applicant, officer, State.APPROVED, marker="AOLD", age_days=400),
    }


def counts(db) -> dict:
    return dict(db.session.execute(select(Application.state, func.count()).group_by(Application.state)).all())


def all_text(db, application_id: int) -> str:
    """Every free-text column that belongs to an application, joined."""
    parts = [json.dumps(s.answers) for s in db.session.get(Application, application_id).sections]
    parts += db.session.scalars(select(Message.body).where(Message.application_id == application_id)).all()
    parts += db.session.scalars(select(Note.body).where(Note.application_id == application_id)).all()
    assessment = db.session.scalar(select(Assessment).where(Assessment.application_id == application_id))
    parts += [assessment.reasons, json.dumps(assessment.checklist)]
    parts += db.session.scalars(
        select(EventDetail.text).join(ApplicationEvent).where(ApplicationEvent.application_id == application_id)
    ).all()
    parts += db.session.scalars(select(Document.filename).where(Document.application_id == application_id)).all()
    letter = db.session.scalar(select(DecisionLetter).where(DecisionLetter.application_id == application_id))
    if letter is not None:
        parts.append(letter.free_paragraph)
    return " ".join(parts)


def test_old_declined_and_withdrawn_applications_are_anonymised(app, db, old_and_new):
    before = counts(db)
    kept = {key: (a.reference, a.state, a.hub_id, a.submitted_at, a.decided_at) for key, (a, _) in old_and_new.items()}

    assert anonymise_due_applications(utcnow()) == 2

    db.session.commit()
    db.session.expire_all()
    assert counts(db) == before
    for key, (application, document) in old_and_new.items():
        application = db.session.get(Application, application.id)
        assert (application.reference, application.state, application.hub_id, application.submitted_at, application.decided_at) == kept[key]
        marker = {"declined_old": "DOLD", "withdrawn_old": "WOLD", "declined_new": "DNEW", "approved_old": "AOLD"}[key]
        text = all_text(db, application.id)
        document = db.session.get(Document, document.id)
        if key in ("declined_old", "withdrawn_old"):
            assert marker not in text and "Contact" not in text and "Offer words" not in text
            assert not document_path(document).exists()
            assert document.sha256 == hashlib.sha256(PDF + marker.encode()).hexdigest()
            assert application.answers("offer")["genres"] == ["classical", "folk"]
            assert application.answers("organisation") == {"organisation_type": "registered_charity"}
            assert application.answers("declarations")["directory_consent"] == "yes"
            assert {t.object_type for t in db.session.scalars(select(Tombstone).where(Tombstone.application_id == application.id))} == (
                {"application", "document", "letter"} if key == "declined_old" else {"application", "document"}
            )
        else:
            assert marker in text and f"Message from the applicant {marker}" in text
            assert document_path(document).exists()
    old = db.session.get(Application, old_and_new["declined_old"][0].id)
    letter = db.session.scalar(select(DecisionLetter).where(DecisionLetter.application_id == old.id))
    tombstone = db.session.scalar(select(Tombstone).where(Tombstone.object_type == "letter"))
    assert letter.pdf is None and letter.pdf_sha256 == tombstone.sha256 and letter.status is LetterStatus.ISSUED
    assert db.session.scalar(select(func.count()).select_from(Message).where(Message.application_id == old.id)) == 2


def test_the_audit_chain_still_verifies_after_anonymising(app, db, old_and_new):
    anonymise_due_applications(utcnow())
    db.session.commit()

    assert verify_chains() == []
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    old = old_and_new["declined_old"][0]
    kinds = db.session.scalars(select(ApplicationEvent.kind).where(ApplicationEvent.application_id == old.id).order_by(ApplicationEvent.sequence)).all()
    assert kinds[-1] == "anonymised"
    assert db.session.scalar(
        select(func.count()).select_from(EventDetail).join(ApplicationEvent).where(ApplicationEvent.application_id == old.id)
    ) == 0


def test_anonymising_runs_once_per_application(db, old_and_new):
    anonymise_due_applications(utcnow())
    db.session.commit()

    assert anonymise_due_applications(utcnow()) == 0
    assert anonymise_due_applications(utcnow() + timedelta(days=400)) == 1  # the newer declined one, later


def test_the_period_comes_from_the_settings(app, db, old_and_new, monkeypatch):
    monkeypatch.setitem(app.config, "ANONYMISE_AFTER_DAYS", 500)

    assert anonymise_due_applications(utcnow()) == 0


def make_old(application, days: int = 400) -> None:
    """Move an application's last change (and decision, if any) `days` into the past."""
    past = utcnow() - timedelta(days=days)
    application.state_changed_at = past
    if application.decided_at is not None:
        application.decided_at = past


def emails_naming(db, reference: str) -> list[OutboxMessage]:
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.subject.contains(reference)).order_by(OutboxMessage.id)
    ).all()


def test_anonymising_erases_the_emails_about_the_application(app, db, hub, organisation, applicant, other_applicant, officer):
    old, _ = full_application(db, hub, organisation, applicant, officer, State.IN_REVIEW, marker="MAILOLD")
    other_organisation = other_applicant.memberships[0].organisation
    kept, _ = full_application(db, hub, other_organisation, other_applicant, officer, State.IN_REVIEW, marker="MAILKEPT")
    kept.reference = f"{old.reference}1"  # the old one's reference is a prefix of it
    db.session.commit()
    with app.test_request_context():
        for application, member, marker in ((old, applicant, "MAILOLD"), (kept, other_applicant, "MAILKEPT")):
            send_message(application, member, f"Question from the applicant {marker}")
            send_message(application, officer, f"Answer from the office {marker}")
            withdraw_application(application, member, f"Withdrawal reason {marker}")
    for message in db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind.like("message_to_%"))):
        message.sent_at, message.attempts = utcnow(), 1
    for message in db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "application_withdrawn")):
        message.attempts, message.last_error = 3, f"SMTPRecipientsRefused: {message.recipient}"
    make_old(old)
    db.session.commit()
    kept_before = [(m.id, m.subject, m.body, m.sent_at) for m in emails_naming(db, kept.reference)]
    assert "Withdrawal reason MAILKEPT" in " ".join(body for _, _, body, _ in kept_before)

    assert anonymise_due_applications(utcnow()) == 1

    db.session.commit()
    db.session.expire_all()
    delivered = [m for m in emails_naming(db, old.reference) if m.id not in {k[0] for k in kept_before}]
    assert sorted(m.kind for m in delivered) == ["message_to_applicant", "message_to_office"]
    for message in delivered:
        assert message.sent_at is not None and message.body == "" and message.last_error == ""
        assert message.subject == f"{old.reference} (anonymised)" and organisation.name not in message.subject
    assert db.session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "application_withdrawn")
    ) == 1  # the old one's, never sent, is dropped: it does not go out later
    everything = " ".join(m.subject + m.body + m.last_error for m in db.session.scalars(select(OutboxMessage)))
    assert "MAILOLD" not in everything
    assert [(m.id, m.subject, m.body, m.sent_at) for m in emails_naming(db, kept.reference)] == kept_before


@pytest.fixture()
def decided_at_a_meeting(app, db, hub, organisation, applicant, officer, trustees):
    """Two applications declined at one board meeting, each with a minute and a conflict; the first made old."""
    first, _ = full_application(db, hub, organisation, applicant, officer, State.WITH_TRUSTEES, marker="MEETONE")
    second, _ = full_application(db, hub, organisation, applicant, officer, State.WITH_TRUSTEES, marker="MEETTWO")
    with app.test_request_context():
        meeting = record_meeting(
            officer, utcnow().date(), [t.id for t in trustees], [], [first.id, second.id],
            minutes="Minutes: MEETONE and MEETTWO discussed.",
        )
        for item, marker in zip(meeting.items, ("MEETONE", "MEETTWO")):
            resolution = Resolution(
                approve=0, decline=3, abstain=0, conflicts={trustees[1].id: f"Conflict reason {marker}"},
                minute=f"Minute {marker}",
            )
            assert record_resolution(item, officer, resolution) is MeetingItemResult.DECLINED
    make_old(first)
    db.session.commit()
    return first, second, meeting


def meeting_items(db) -> dict[int, MeetingItem]:
    db.session.commit()
    db.session.expire_all()
    return {item.application_id: item for item in db.session.scalars(select(MeetingItem))}


def test_anonymising_erases_the_applications_minute_at_a_meeting(db, decided_at_a_meeting):
    first, second, _ = decided_at_a_meeting

    assert anonymise_due_applications(utcnow()) == 1

    items = meeting_items(db)
    assert items[first.id].minute == "" and items[second.id].minute == "Minute MEETTWO"
    assert (items[first.id].approve, items[first.id].decline, items[first.id].result) == (0, 3, MeetingItemResult.DECLINED)


def test_anonymising_erases_the_conflict_reasons_given_at_a_meeting(db, trustees, decided_at_a_meeting):
    first, second, _ = decided_at_a_meeting

    anonymise_due_applications(utcnow())

    items = meeting_items(db)
    assert [(c.trustee_id, c.reason) for c in items[first.id].conflicts] == [(trustees[1].id, "")]
    assert [c.reason for c in items[second.id].conflicts] == ["Conflict reason MEETTWO"]
    assert db.session.scalar(select(func.count()).select_from(MeetingConflict)) == 2


def test_a_meetings_minutes_go_once_every_application_it_considered_is_anonymised(db, decided_at_a_meeting):
    first, second, meeting = decided_at_a_meeting

    anonymise_due_applications(utcnow())

    db.session.commit()
    assert db.session.get(BoardMeeting, meeting.id).minutes == "Minutes: MEETONE and MEETTWO discussed."
    make_old(db.session.get(Application, second.id))
    db.session.commit()

    assert anonymise_due_applications(utcnow()) == 1

    db.session.commit()
    db.session.expire_all()
    assert db.session.get(BoardMeeting, meeting.id).minutes == ""
    assert {item.result for item in meeting_items(db).values()} == {MeetingItemResult.DECLINED}


def test_after_anonymising_the_letter_and_the_copy_say_they_were_erased(app, db, login, old_and_new, applicant, officer):
    old = old_and_new["declined_old"][0]
    assert anonymise_due_applications(utcnow()) == 2
    db.session.commit()
    day = f"{london(utcnow()):%-d %B %Y}"

    client = sign_in(login, applicant)
    overview = client.get(f"/applications/{old.id}").get_data(as_text=True)
    assert f"This application was anonymised on {day}" in overview
    assert "Download your decision letter" not in overview and "Download a copy of what you submitted" not in overview
    letter = client.get(f"/applications/{old.id}/letter.pdf")
    assert letter.status_code == 410 and letter.mimetype == "text/html"
    assert "This decision letter has been erased" in letter.get_data(as_text=True)
    assert f"erased on {day}" in letter.get_data(as_text=True)
    copy = client.get(f"/applications/{old.id}/copy.pdf")
    assert copy.status_code == 410 and "This application has been anonymised" in copy.get_data(as_text=True)

    newer = old_and_new["declined_new"][0]
    assert client.get(f"/applications/{newer.id}/letter.pdf").mimetype == "application/pdf"

    office = sign_in(login, officer)
    page = office.get(f"/office/applications/{old.id}/letter").get_data(as_text=True)
    assert f"The letter's file was erased on {day}" in page and "Download the issued letter" not in page
    preview = office.get(f"/office/applications/{old.id}/letter/preview.pdf")
    assert preview.status_code == 410 and "This decision letter has been erased" in preview.get_data(as_text=True)


def test_anonymising_finds_the_emails_of_a_draft_and_the_receipts_file(app, db, hub, organisation, applicant, officer):
    draft = start_application(applicant, organisation, hub)
    submitted, _ = full_application(db, hub, organisation, applicant, officer, State.IN_REVIEW, marker="FILEOLD")
    receipt = OutboxAttachment(application_id=submitted.id, filename="answers.pdf", content_type="application/pdf", content=PDF)
    db.session.add(OutboxMessage(kind="submission_receipt", recipient=applicant.email, subject="Received",
                                 body="Answers FILEOLD", attachment=receipt, application_id=submitted.id, sent_at=utcnow()))
    db.session.commit()
    with app.test_request_context():
        send_message(draft, applicant, "A question about our draft DRAFTOLD")
        withdraw_application(draft, applicant, "Not this year")
        withdraw_application(submitted, applicant, "Not this year either")
    for message in db.session.scalars(select(OutboxMessage)):
        message.sent_at = message.sent_at or utcnow()
    make_old(draft)
    make_old(submitted)
    db.session.commit()
    assert draft.reference is None

    assert anonymise_due_applications(utcnow()) == 2

    db.session.commit()
    db.session.expire_all()
    everything = " ".join(m.subject + m.body for m in db.session.scalars(select(OutboxMessage)))
    assert "FILEOLD" not in everything and organisation.name not in everything and applicant.name not in everything
    assert db.session.get(OutboxAttachment, receipt.id).content is None
    assert "An application (anonymised)" in everything


def test_anonymising_that_rolls_back_keeps_the_files(app, db, hub, organisation, applicant, officer):
    """The bytes go only once the erasure commits: a rolled-back run leaves rows and files as they were."""
    from workflow.applications.documents import document_path, store_document
    from workflow.applications.lifecycle import State
    from workflow.applications.models import Document
    from workflow.privacy.anonymise import anonymise_application

    application = make_application(hub, organisation, applicant, state=State.DECLINED)
    store_document(application, "safeguarding_policy", "Safeguarding policy", "policy.pdf", PDF, applicant)
    db.session.commit()
    path = document_path(db.session.scalar(select(Document)))
    anonymise_application(application)
    db.session.flush()
    assert path.exists()
    db.session.rollback()
    assert path.exists()
    anonymise_application(db.session.get(type(application), application.id))
    db.session.commit()
    assert not path.exists()
