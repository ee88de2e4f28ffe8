"""Delivering the outbox: as .eml files in development, over SMTP in production.

Each message is committed as sent on its own, so a failure part-way loses
nothing and resends nothing already marked. A crash between handing a message
to the mail server and committing the mark sends it again on the next run: the
outbox is at-least-once, and each message carries a stable Message-ID so mail
servers and clients can recognise a repeat. An attachment is read as it was stored
when the message was written, so every attempt sends the same bytes; one stored as
the page of a PDF is made into the PDF once, in a read transaction of its own, before
the messages that carry it are sent.
"""

import smtplib
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from flask import Flask, Response, current_app, request_finished
from sqlalchemy import select, update

from ..database import read_transaction
from ..extensions import db
from ..letters.render import render_pdf
from ..types import utcnow
from .models import OutboxAttachment, OutboxMessage

BACKOFF_SECONDS = (30, 120, 600, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600)


def make_attachments(message_ids: list[int]) -> None:
    """Make and store the PDFs the messages carry as pages; each is stored once, unless
    anonymising erased its page meanwhile."""
    with read_transaction():
        pages = db.session.execute(
            select(OutboxAttachment.id, OutboxAttachment.source_html).where(
                OutboxAttachment.content.is_(None),
                OutboxAttachment.source_html.is_not(None),
                OutboxAttachment.id.in_(select(OutboxMessage.attachment_id).where(OutboxMessage.id.in_(message_ids))),
            )
        ).all()
    for attachment_id, html in pages:
        pdf = render_pdf(html, static_folder=current_app.static_folder)
        db.session.execute(
            update(OutboxAttachment)
            .where(
                OutboxAttachment.id == attachment_id,
                OutboxAttachment.content.is_(None),
                OutboxAttachment.source_html.is_not(None),
            )
            .values(content=pdf, source_html=None)
        )
        db.session.commit()


def build_email(message: OutboxMessage) -> EmailMessage:
    """The MIME message for an outbox row, with its stored attachment (never rendered here)."""
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}", domain="consort.invalid")
    email.set_content(message.body)
    attachment = message.attachment
    if attachment is not None and attachment.content is not None:
        maintype, subtype = attachment.content_type.split("/", 1)
        email.add_attachment(attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename)
    return email


class FolderTransport:
    """Writes each message as an .eml file (development)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def send(self, email: EmailMessage, message: OutboxMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / f"{message.id:08d}.eml").write_bytes(bytes(email))


class SMTPTransport:
    """Sends over SMTP, reusing one connection for a batch."""

    def __init__(self, config):
        self.config = config
        self.connection: smtplib.SMTP | None = None

    def send(self, email: EmailMessage, message: OutboxMessage) -> None:
        if self.connection is None:
            self.connection = smtplib.SMTP(self.config["MAIL_SERVER"], self.config["MAIL_PORT"], timeout=10)
            if self.config["MAIL_USE_TLS"]:
                self.connection.starttls()
            if self.config["MAIL_USERNAME"]:
                self.connection.login(self.config["MAIL_USERNAME"], self.config["MAIL_PASSWORD"])
        self.connection.send_message(email)

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except smtplib.SMTPException:
                pass
            self.connection = None


def transport_for(config):
    """The transport named by MAIL_TRANSPORT."""
    if config["MAIL_TRANSPORT"] == "smtp":
        return SMTPTransport(config)
    return FolderTransport(config["MAIL_FOLDER"])


def deliver_outbox(limit: int = 500) -> tuple[int, int]:
    """Deliver due messages, committing each on its own. Returns (sent, failed)."""
    config = current_app.config
    transport = transport_for(config)
    now = utcnow()
    query = (
        select(OutboxMessage.id)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    ids = list(db.session.scalars(query))
    db.session.commit()
    make_attachments(ids)
    sent = failed = 0
    try:
        for message_id in ids:
            message = db.session.get(OutboxMessage, message_id, with_for_update={"skip_locked": True})
            if message is None or message.sent_at is not None:
                db.session.commit()
                continue
            try:
                transport.send(build_email(message), message)
            except (OSError, smtplib.SMTPException) as error:
                message.attempts += 1
                message.last_error = f"{type(error).__name__}: {error}"[:2000]
                delay = BACKOFF_SECONDS[min(message.attempts, len(BACKOFF_SECONDS)) - 1]
                message.next_attempt_at = utcnow() + timedelta(seconds=delay)
                failed += 1
                if isinstance(transport, SMTPTransport):
                    transport.close()
            else:
                message.attempts += 1
                message.sent_at = utcnow()
                sent += 1
            db.session.commit()
    finally:
        if isinstance(transport, SMTPTransport):
            transport.close()
    return sent, failed


def init_delivery(app: Flask) -> None:
    """In development (mail as .eml files), deliver the outbox after each request that wrote to it."""
    request_finished.connect(_deliver_after_request, app)


def _deliver_after_request(app: Flask, response: Response, **_extra) -> None:
    # Flask sends request_finished after every after-request function, so the request's
    # own commit (database.py) is done: what is delivered is what was saved.
    written = db.session.info.pop("outbox_written", False)
    if written and response.status_code < 400 and app.config["MAIL_TRANSPORT"] == "folder" and not app.testing:
        deliver_outbox()
