"""The outbox: written with the change, delivered once, never lost while the server is down."""

from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from jinja2 import ChoiceLoader, FileSystemLoader
from sqlalchemy import select

from tests.builders import complete_answers, make_application
from tests.mail_helpers import parse_email, pdf_attachments, pdf_text
from tests.servers import free_port
from workflow.applications.copy import submission_copy_pdf
from workflow.notifications.delivery import deliver_outbox
from workflow.notifications.models import OutboxAttachment, OutboxMessage
from workflow.notifications.operations import queue_email
from workflow.types import utcnow


class Recorder:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture()
def smtp_app(app):
    port = free_port()
    saved = {key: app.config[key] for key in ("MAIL_TRANSPORT", "MAIL_PORT", "MAIL_SERVER")}
    app.config.update(MAIL_TRANSPORT="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    yield app, port
    app.config.update(saved)


def queue(db, count: int = 3) -> list[int]:
    rows = [
        OutboxMessage(kind="test", recipient=f"person{n}@example.org", subject=f"Message {n}", body="Hello")
        for n in range(count)
    ]
    db.session.add_all(rows)
    db.session.commit()
    return [row.id for row in rows]


def test_folder_transport_writes_eml_files(app, db):
    queue(db, 2)
    sent, failed = deliver_outbox()
    assert (sent, failed) == (2, 0)
    files = sorted(app.config["MAIL_FOLDER"].glob("*.eml"))
    assert len(files) == 2
    assert b"Subject: Message 0" in files[0].read_bytes()


def test_in_development_a_request_delivers_the_mail_it_wrote_after_its_commit(app, client, db, applicant, monkeypatch):
    monkeypatch.setattr(app, "testing", False)  # tests otherwise leave the outbox to deliver_outbox()
    assert client.post("/password-reset", data={"email": applicant.email}).status_code == 200
    [file] = app.config["MAIL_FOLDER"].glob("*.eml")
    assert f"To: {applicant.email}".encode() in file.read_bytes()
    db.session.expire_all()
    assert db.session.scalars(select(OutboxMessage.sent_at)).one() is not None


def server_up_then_deliver(db, port: int, expected: int) -> "Recorder":
    """Start the mail server, make every message due, deliver: `expected` go, then none more."""
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        for row in db.session.scalars(select(OutboxMessage)):
            row.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        assert deliver_outbox() == (expected, 0)
        assert deliver_outbox() == (0, 0)
    finally:
        controller.stop()
    return recorder


def test_smtp_down_then_up_delivers_each_message_once(smtp_app, db):
    app, port = smtp_app
    ids = queue(db, 3)

    sent, failed = deliver_outbox()
    assert (sent, failed) == (0, 3)
    rows = db.session.scalars(select(OutboxMessage)).all()
    assert all(row.sent_at is None and row.attempts == 1 and row.last_error for row in rows)
    assert all(row.next_attempt_at > utcnow() for row in rows)

    # Backoff: nothing is due yet, so a run now tries nothing.
    assert deliver_outbox() == (0, 0)

    recorder = server_up_then_deliver(db, port, expected=3)

    assert sorted(envelope.rcpt_tos[0] for envelope in recorder.messages) == [
        f"person{n}@example.org" for n in range(3)
    ]
    rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids))).all()
    assert all(row.sent_at is not None for row in rows)


def test_smtp_carries_a_stored_pdf_attachment_once_through_a_retry(smtp_app, db, hub, organisation, applicant):
    app, port = smtp_app
    application = make_application(hub, organisation, applicant, answers=complete_answers(hub))
    pdf = submission_copy_pdf(application)
    copy = OutboxAttachment(
        application_id=application.id, filename=f"{application.reference}-answers.pdf",
        content_type="application/pdf", content=pdf,
    )
    db.session.add_all([
        OutboxMessage(kind="test", recipient=recipient, subject="Your copy", body="Your answers are attached.", attachment=copy)
        for recipient in ("first@example.org", "second@example.org")
    ])
    db.session.commit()

    assert deliver_outbox() == (0, 2)  # the mail server is down
    recorder = server_up_then_deliver(db, port, expected=2)

    assert sorted(envelope.rcpt_tos[0] for envelope in recorder.messages) == ["first@example.org", "second@example.org"]
    for envelope in recorder.messages:
        email = parse_email(envelope.content)
        assert email.get_body(("plain",)).get_content().strip() == "Your answers are attached."
        assert pdf_attachments(email) == {f"{application.reference}-answers.pdf": pdf}
    text = pdf_text(pdf)
    assert application.reference in text and "Weekly string groups" in text



def test_a_subject_cannot_carry_extra_headers(app, db, tmp_path):
    (tmp_path / "emails").mkdir()
    (tmp_path / "emails" / "probe.txt").write_text("Body for {{ name }}")
    loader = app.jinja_loader
    app.jinja_loader = ChoiceLoader([FileSystemLoader(str(tmp_path)), loader])
    try:
        with app.test_request_context():
            message = queue_email("probe", "someone@example.org", "Hello\r\nBcc: evil@example.org\nX: y", name="Ada")
            db.session.commit()
        assert message.subject == "Hello Bcc: evil@example.org X: y"
        assert deliver_outbox() == (1, 0)
        [eml] = app.config["MAIL_FOLDER"].glob("*.eml")
        headers = eml.read_bytes().split(b"\n\n", 1)[0]
        assert b"\nBcc:" not in headers and b"\nX: y" not in headers
    finally:
        app.jinja_loader = loader


def test_delivery_makes_a_pdf_from_its_stored_page_once(app, db, hub, organisation, applicant, monkeypatch):
    from workflow.applications.copy import submission_copy_html
    from workflow.notifications import delivery

    application = make_application(hub, organisation, applicant, answers=complete_answers(hub))
    with app.test_request_context():
        page = OutboxAttachment(application_id=application.id, filename="copy.pdf", content_type="application/pdf",
                                source_html=submission_copy_html(application))
        erased = OutboxAttachment(application_id=application.id, filename="gone.pdf", content_type="application/pdf")
        for attachment in (page, erased, page):
            db.session.add(OutboxMessage(kind="test", recipient="a@example.org", subject="Copy", body="Attached.",
                                         attachment=attachment))
    db.session.commit()
    made = []
    real = delivery.render_pdf
    monkeypatch.setattr(delivery, "render_pdf", lambda html, **kw: made.append(html) or real(html, **kw))

    with app.app_context():
        assert deliver_outbox() == (3, 0)
    db.session.expire_all()
    assert len(made) == 1  # one PDF for both messages that carry it; none for the erased one
    assert page.source_html is None and application.reference in pdf_text(page.content)
    assert erased.content is None and erased.source_html is None
