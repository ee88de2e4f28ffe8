"""The deployment's settings (one row) and the log of every administrative change."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..types import UTCDateTime, utcnow


class DeploymentSettings(db.Model):
    """Settings an admin changes without a developer; a single row (id 1)."""

    __tablename__ = "deployment_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_quorum: Mapped[str] = mapped_column(String(10))  # a count ("3") or a share of the board ("1/2")
    vote_majority: Mapped[str] = mapped_column(String(20))
    vote_reminder_days: Mapped[int]
    anonymise_after_days: Mapped[int]
    partnership_reminder_days: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AdminEvent(db.Model):
    """One administrative change: who made it, when, to what, and a summary."""

    __tablename__ = "admin_events"
    __table_args__ = (Index("ix_admin_events_created", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None]
    summary: Mapped[str] = mapped_column(Text, default="")

    actor: Mapped["User | None"] = relationship(lazy="joined")  # noqa: F821
