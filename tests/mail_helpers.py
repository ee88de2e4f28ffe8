"""Reading delivered emails back: their PDF attachments, as text (pypdf)."""

import io
from email import message_from_bytes, policy

import pypdf


def parse_email(raw: bytes):
    """The email as an `EmailMessage`."""
    return message_from_bytes(raw, policy=policy.default)


def pdf_attachments(email) -> dict[str, bytes]:
    """Each application/pdf attachment of the email, by filename."""
    return {
        part.get_filename(): part.get_content()
        for part in email.iter_attachments()
        if part.get_content_type() == "application/pdf"
    }


def pdf_text(pdf: bytes) -> str:
    """Every page's text, joined."""
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
