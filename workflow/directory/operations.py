"""Changing a directory entry: the partner's own words, or the office hiding it."""

from ..admin.operations import record_admin_event
from ..extensions import db
from ..types import utcnow
from .models import DirectoryEntry
from .partnerships import directory_entry


def update_entry(organisation, *, description: str, website: str, public_email: str) -> DirectoryEntry:
    """Save the partner's public description, website and contact email."""
    entry = directory_entry(organisation)
    entry.description = description.strip()
    entry.website = website.strip()
    entry.public_email = public_email.strip()
    entry.updated_at = utcnow()
    db.session.flush()
    return entry


def set_hidden(organisation, user, hidden: bool, reason: str = "") -> DirectoryEntry:
    """The office hides a partner from the directory, or shows it again; logged."""
    entry = directory_entry(organisation)
    if entry.hidden == hidden:
        return entry
    entry.hidden = hidden
    entry.hidden_reason = reason.strip() if hidden else ""
    db.session.flush()
    record_admin_event(
        user, "directory_hidden" if hidden else "directory_shown", entry,
        f"{organisation.name}" + (f": {entry.hidden_reason}" if hidden and entry.hidden_reason else ""),
    )
    return entry
