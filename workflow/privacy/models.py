"""What anonymising leaves behind: a tombstone for each thing it erased."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..types import UTCDateTime, utcnow


class Tombstone(db.Model):
    """An erased application, document or letter: what it was, its digest, and when it went."""

    __tablename__ = "tombstones"
    __table_args__ = (Index("ix_tombstones_object", "object_type", "object_id", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    object_type: Mapped[str] = mapped_column(String(20))  # application, document, letter
    object_id: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64), default="")
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def erased_at(object_type: str, object_id: int) -> datetime | None:
    """When anonymising erased this application, document or letter, or None."""
    return db.session.scalar(
        select(Tombstone.erased_at).where(Tombstone.object_type == object_type, Tombstone.object_id == object_id)
    )
