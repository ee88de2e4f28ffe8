"""A partner's public directory entry, and the term of each approved partnership."""

from datetime import date, datetime, timedelta

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..admin.settings import deployment_settings
from ..extensions import db
from ..types import UTCDateTime, utcnow


def renewal_window() -> timedelta:
    """How long before a partnership ends the partner is reminded, and may renew it (an admin's setting)."""
    return timedelta(days=deployment_settings().partnership_reminder_days)


class DirectoryEntry(db.Model):
    """What a partner says about itself in the public directory; the office may hide it."""

    __tablename__ = "directory_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    public_email: Mapped[str] = mapped_column(String(254), default="")
    hidden: Mapped[bool] = mapped_column(default=False)
    hidden_reason: Mapped[str] = mapped_column(String(500), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped["Organisation"] = relationship(lazy="joined")  # noqa: F821


class Partnership(db.Model):
    """An approved partnership of an organisation with a hub, for a term."""

    __tablename__ = "partnerships"
    __table_args__ = (UniqueConstraint("application_id", name="uq_partnerships_application"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date, index=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    renewal_application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))

    organisation: Mapped["Organisation"] = relationship(lazy="joined")  # noqa: F821
    hub: Mapped["Hub"] = relationship(lazy="joined")  # noqa: F821
    application: Mapped["Application"] = relationship(foreign_keys=[application_id])  # noqa: F821
    renewal: Mapped["Application | None"] = relationship(foreign_keys=[renewal_application_id])  # noqa: F821

    def renewal_opens_on(self) -> date:
        """The first day it can be renewed: when the reminder comes, near its end."""
        return self.ends_on - renewal_window()
