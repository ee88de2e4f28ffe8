"""Changing a directory entry: the partner's own words, or the office hiding it."""

from ..admin.operations import record_admin_event
from ..errors import NotAllowed
from ..extensions import db
from ..types import utcnow
from .models import DirectoryEntry
from .partnerships import directory_entry


def can_edit_entry(organisation, user) -> bool:
    """The people who act for the partner keep its public entry."""
    return bool(user and user.is_authenticated and user.is_applicant and user.is_member_of(organisation.id))


def can_hide_entry(user) -> bool:
    return bool(user and user.is_authenticated and user.is_staff)


def update_entry(organisation, user, *, description: str, website: str, public_email: str) -> DirectoryEntry:
    """Save the partner's public description, website and contact email."""
    if not can_edit_entry(organisation, user):
        raise NotAllowed("Only the people who act for the partner can change its entry.")
    entry = directory_entry(organisation)
    entry.description = description.strip()
    entry.website = website.strip()
    entry.public_email = public_email.strip()
    entry.updated_at = utcnow()
    db.session.flush()
    return entry


def set_hidden(organisation, user, hidden: bool, reason: str = "") -> DirectoryEntry:
    """The office hides a partner from the directory, or shows it again; logged."""
    if not can_hide_entry(user):
        raise NotAllowed("Only the trust office can hide a partner from the directory.")
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
