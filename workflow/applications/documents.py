"""Uploaded documents: checked by their content and size, kept under a server-chosen name.

A document that no version of the answers sent to the trust office used is deleted
when it is replaced: its row at once, its bytes once the transaction has committed, so
a rollback never leaves a row whose file is gone. A new upload's bytes are deleted if
its transaction rolls back, so no file is left without a row. The documents one
application keeps are capped in number and in bytes.
"""

import hashlib
import io
import secrets
import unicodedata
import zipfile
from collections.abc import Collection
from pathlib import Path

from flask import current_app
from sqlalchemy import event, func, select

from ..audit.operations import record_event
from ..extensions import db
from .lifecycle import State
from .models import Application, Document

PDF = ("application/pdf", "pdf")
DOCX = ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
ODT = ("application/vnd.oasis.opendocument.text", "odt")
DOCX_MAIN_PART = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
ZIP_PART_LIMIT = 1024 * 1024

WRONG_TYPE = "must be a PDF, a Word document (.docx) or an OpenDocument text (.odt)"
ASK_THE_OFFICE = "Ask the trust office how to send it."


class UploadRefused(ValueError):
    """A file that is not accepted, and why: `about(name)` says it in plain words, naming the file."""

    def about(self, name: str) -> str:
        return f"{name} {self.args[0]}"


def size_limit_text() -> str:
    return f"{current_app.config['UPLOAD_MAX_BYTES'] // (1024 * 1024)} MB"


def read_upload(stream) -> bytes:
    """The uploaded bytes, refused if empty or over UPLOAD_MAX_BYTES."""
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise UploadRefused(f"must be {size_limit_text()} or smaller")
    if not data:
        raise UploadRefused("is empty")
    return data


def _zip_part(archive: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        with archive.open(name) as part:
            return part.read(ZIP_PART_LIMIT)
    except KeyError:
        return None


def detect_type(data: bytes) -> tuple[str, str]:
    """The content type and extension the bytes really are, or UploadRefused."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if (_zip_part(archive, "mimetype") or b"").strip() == ODT[0].encode():
                    return ODT
                if DOCX_MAIN_PART in (_zip_part(archive, "[Content_Types].xml") or b""):
                    return DOCX
        except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, OSError):
            pass
    raise UploadRefused(WRONG_TYPE)


def display_filename(filename: str | None, extension: str) -> str:
    """The name people gave the file, without folders or control characters."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in unicodedata.normalize("NFC", name) if unicodedata.category(c)[0] != "C").strip()
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return f"{(stem or 'document')[:200]}.{extension}"


def documents_folder() -> Path:
    folder = Path(current_app.config["STORAGE_DIR"]) / "documents"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def document_path(document: Document) -> Path:
    return documents_folder() / document.stored_name


def check_room(application: Application, size: int, leaving: Collection[int] = ()) -> None:
    """Refuse a new document of `size` bytes that would take the application past its caps.

    Every document the application keeps counts (those sent to the trust office
    stay however often they are replaced), except `leaving`: the ids this save discards.
    """
    count, total = db.session.execute(
        select(func.count(Document.id), func.coalesce(func.sum(Document.size), 0)).where(
            Document.application_id == application.id, Document.id.not_in(leaving)
        )
    ).one()
    most = current_app.config["DOCUMENTS_MAX_PER_APPLICATION"]
    limit = current_app.config["DOCUMENTS_MAX_BYTES_PER_APPLICATION"]
    if count >= most:
        raise UploadRefused(
            f"cannot be added: one application can keep {most} documents, counting those already sent to the "
            f"trust office. {ASK_THE_OFFICE}"
        )
    if total + size > limit:
        raise UploadRefused(
            f"cannot be added: one application's documents can come to {human_size(limit)} together, and this "
            f"application's already come to {human_size(total)}. {ASK_THE_OFFICE}"
        )


def store_document(
    application: Application, kind: str, question: str, filename: str | None, data: bytes, user,
    leaving: Collection[int] = (), kinds: Collection[str] = (), max_mb: int = 0,
) -> Document:
    """Check the bytes and the application's room, keep them under a random name, and record the upload.

    `leaving`: the ids of documents the same save discards, which make room. `kinds` and
    `max_mb`: what the question accepts (its extensions and size), if it says.
    """
    content_type, extension = detect_type(data)
    if kinds and extension not in kinds:
        raise UploadRefused(f"must be {_kinds_text(kinds)}")
    if max_mb and len(data) > max_mb * 1024 * 1024:
        raise UploadRefused(f"must be {max_mb} MB or smaller")
    check_room(application, len(data), leaving)
    stored_name = f"{secrets.token_hex(16)}.{extension}"
    path = documents_folder() / stored_name
    path.write_bytes(data)
    db.session.info.setdefault(_UNLINK_ON_ROLLBACK, []).append(path)
    document = Document(
        application_id=application.id,
        kind=kind,
        filename=display_filename(filename, extension),
        stored_name=stored_name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by_id=user.id,
    )
    db.session.add(document)
    db.session.flush()
    record_event(application, "document_uploaded", user, detail=f"{question}: {document.filename}")
    return document


KIND_NAMES = {"pdf": "a PDF", "docx": "a Word document (.docx)", "odt": "an OpenDocument text (.odt)"}


def _kinds_text(kinds: Collection[str]) -> str:
    names = [KIND_NAMES[kind] for kind in kinds]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def was_sent(application: Application, document: Document) -> bool:
    """Whether a version of the answers sent to the trust office may have used the document.

    Answers change only in a draft (never sent) or after a request for information; a
    file uploaded since that request was opened has not been sent either.
    """
    if application.state is State.DRAFT:
        return False
    if application.state is State.INFO_REQUESTED:
        return document.uploaded_at < application.state_changed_at
    return True


_UNLINK_AFTER_COMMIT = "documents_to_unlink"  # the session's list of stored files to delete once committed
_UNLINK_ON_ROLLBACK = "documents_written"  # the files stored since the last commit, deleted if it rolls back


def unlink_after_commit(document: Document) -> None:
    """Delete the document's stored bytes once the transaction commits (never if it rolls back)."""
    db.session.info.setdefault(_UNLINK_AFTER_COMMIT, []).append(document_path(document))


def discard_document(document: Document) -> None:
    """Delete the document: its row now, its stored bytes when the transaction commits."""
    unlink_after_commit(document)
    db.session.delete(document)


@event.listens_for(db.session, "after_commit")
def _unlink_discarded(session) -> None:
    if session.get_nested_transaction() is None:  # the whole transaction, not a savepoint
        session.info.pop(_UNLINK_ON_ROLLBACK, None)
        for path in session.info.pop(_UNLINK_AFTER_COMMIT, []):
            path.unlink(missing_ok=True)


@event.listens_for(db.session, "after_transaction_end")
def _keep_discarded_on_rollback(session, transaction) -> None:
    """A transaction ended without committing: keep what it discarded, delete what it stored."""
    if transaction.parent is None:
        session.info.pop(_UNLINK_AFTER_COMMIT, None)
        for path in session.info.pop(_UNLINK_ON_ROLLBACK, []):
            path.unlink(missing_ok=True)


def human_size(size: int) -> str:
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB"
