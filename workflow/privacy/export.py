"""One organisation's data, every piece of it and nothing of anyone else's, as a ZIP archive."""

import json
import re
import tempfile
import zipfile
from typing import BinaryIO

from sqlalchemy import select

from ..applications.documents import document_path
from ..applications.models import Application
from ..directory.models import DirectoryEntry, Partnership
from ..extensions import db
from ..types import utcnow


def _when(moment) -> str | None:
    return moment.isoformat() if moment else None


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "file"


def organisation_data(organisation) -> dict:
    """The profile, the people who act for it, its directory entry and partnerships."""
    entry = db.session.scalar(select(DirectoryEntry).where(DirectoryEntry.organisation_id == organisation.id))
    partnerships = db.session.scalars(select(Partnership).where(Partnership.organisation_id == organisation.id))
    return {
        "exported_at": _when(utcnow()),
        "profile": organisation.profile(),
        "created_at": _when(organisation.created_at),
        "members": [
            {"name": m.user.name, "email": m.user.email, "joined_at": _when(m.joined_at)}
            for m in organisation.memberships
        ],
        "directory_entry": entry and {
            "description": entry.description, "website": entry.website, "public_email": entry.public_email,
            "hidden": entry.hidden,
        },
        "partnerships": [
            {"hub": p.hub.name, "starts_on": p.starts_on.isoformat(), "ends_on": p.ends_on.isoformat(),
             "application_id": p.application_id, "renewal_application_id": p.renewal_application_id}
            for p in partnerships
        ],
    }


def application_data(application: Application) -> dict:
    letter = application.letter
    return {
        "id": application.id,
        "reference": application.reference,
        "hub": application.hub.name,
        "state": application.state.value,
        "created_at": _when(application.created_at),
        "submitted_at": _when(application.submitted_at),
        "decided_at": _when(application.decided_at),
        "answers": {section.key: section.answers for section in sorted(application.sections, key=lambda s: s.key)},
        "documents": [
            {"id": d.id, "kind": d.kind, "filename": d.filename, "size": d.size, "sha256": d.sha256,
             "uploaded_at": _when(d.uploaded_at)}
            for d in application.documents
        ],
        "messages": [
            {"from": "trust office" if m.from_office else m.author.name, "sent_at": _when(m.created_at), "body": m.body}
            for m in application.messages
        ],
        "letter": letter and letter.is_issued and {
            "outcome": letter.outcome.value, "issued_at": _when(letter.issued_at), "sha256": letter.pdf_sha256,
        } or None,
    }


def export_archive(organisation) -> BinaryIO:
    """The ZIP, in a temporary file read from its start: organisation.json, and per application its
    answers, messages, documents and letter.

    Each document is copied into the archive in blocks, so memory does not grow with the
    documents' size. The caller closes the file, which deletes it.
    """
    applications = db.session.scalars(
        select(Application).where(Application.organisation_id == organisation.id).order_by(Application.id)
    ).all()
    file = tempfile.TemporaryFile()
    try:
        with zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("organisation.json", json.dumps(organisation_data(organisation), indent=2, default=str))
            for application in applications:
                _add_application(archive, application)
    except BaseException:
        file.close()
        raise
    file.seek(0)
    return file


def _add_application(archive: zipfile.ZipFile, application: Application) -> None:
    folder = f"applications/{_safe(application.reference or f'draft-{application.id}')}"
    archive.writestr(f"{folder}/application.json", json.dumps(application_data(application), indent=2, default=str))
    for document in application.documents:
        path = document_path(document)
        if path.is_file():
            archive.write(path, f"{folder}/documents/{document.id}-{_safe(document.filename)}")
    letter = application.letter
    if letter is not None and letter.is_issued and letter.pdf:
        archive.writestr(f"{folder}/decision-letter.pdf", letter.pdf)
