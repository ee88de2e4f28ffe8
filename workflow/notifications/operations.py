"""Writing emails to the outbox, in the transaction of the change that causes them."""

from flask import current_app, render_template

from ..extensions import db
from .models import OutboxAttachment, OutboxMessage


def queue_email(
    kind: str, recipient: str, subject: str, *, attachment: OutboxAttachment | None = None, **context
) -> OutboxMessage:
    """Add an email to the outbox; `templates/emails/<kind>.txt` is its body, `attachment` goes with it.

    An `application` in the context is recorded as what the email is about.
    """
    body = render_template(
        f"emails/{kind}.txt", public_url=current_app.config["PUBLIC_URL"], **context
    )
    # A subject is one line: names typed by users must not add headers to the email.
    subject = " ".join(subject.split())[:300]
    application = context.get("application")
    message = OutboxMessage(
        kind=kind, recipient=recipient, subject=subject, body=body, attachment=attachment,
        application_id=application.id if application is not None else None,
    )
    db.session.add(message)
    db.session.info["outbox_written"] = True
    return message


def notify_office(kind: str, subject: str, **context) -> OutboxMessage:
    """An email to the trust office's shared address."""
    return queue_email(kind, current_app.config["OFFICE_EMAIL"], subject, **context)


def notify_organisation(
    kind: str, organisation, subject: str, *, attachment: OutboxAttachment | None = None, **context
) -> list[OutboxMessage]:
    """An email to every member of an organisation, each addressed by name and carrying `attachment` if given."""
    return [
        queue_email(
            kind, membership.user.email, subject,
            attachment=attachment, organisation=organisation, addressee=membership.user.name, **context,
        )
        for membership in organisation.memberships
        if membership.user.active
    ]
