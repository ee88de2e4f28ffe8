"""The append-only history of each application, chained by digest.

An event holds ids, its kind, its time and digests; the free text (comments,
reasons) lives in `EventDetail`, which the privacy job may erase without
breaking the chain, since the chain covers only the detail's digest.
"""

from datetime import datetime

from sqlalchemy import DDL, ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..types import UTCDateTime, utcnow


class ApplicationEvent(db.Model):
    """Something that happened to an application: a transition, a message, a vote."""

    __tablename__ = "application_events"
    __table_args__ = (
        UniqueConstraint("application_id", "sequence", name="uq_application_events_sequence"),
        Index("ix_application_events_kind_created", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"))
    sequence: Mapped[int]
    kind: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    detail_digest: Mapped[str] = mapped_column(String(64))
    previous_digest: Mapped[str] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(64))

    actor: Mapped["User | None"] = relationship(lazy="joined")  # noqa: F821
    detail: Mapped["EventDetail | None"] = relationship(lazy="joined", uselist=False)


class EventDetail(db.Model):
    """The erasable words of an event: a comment or reason."""

    __tablename__ = "application_event_details"

    event_id: Mapped[int] = mapped_column(ForeignKey("application_events.id"), primary_key=True)
    text: Mapped[str] = mapped_column(Text)


# On PostgreSQL the database itself refuses to change or delete an event.
REFUSE_CHANGES = DDL(
    """
    CREATE OR REPLACE FUNCTION refuse_event_change() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'application events are append-only';
    END;
    $$ LANGUAGE plpgsql;
    CREATE TRIGGER application_events_append_only
        BEFORE UPDATE OR DELETE ON application_events
        FOR EACH ROW EXECUTE FUNCTION refuse_event_change();
    """
)
event.listen(ApplicationEvent.__table__, "after_create", REFUSE_CHANGES.execute_if(dialect="postgresql"))
