"""Applications, their saved sections, documents and messages."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..privacy.models import erased_at
from ..types import UTCDateTime, enum_column, utcnow
from .lifecycle import State


class Application(db.Model):
    """An organisation's application to become a partner of one hub."""

    __tablename__ = "applications"
    __table_args__ = (
        CheckConstraint(
            "(reference IS NULL AND submitted_at IS NULL)"
            " OR (reference IS NOT NULL AND submitted_at IS NOT NULL)",
            name="reference_iff_submitted",
        ),
        CheckConstraint(
            "state IN ('draft', 'withdrawn') OR submitted_at IS NOT NULL",
            name="submitted_unless_draft",
        ),
        CheckConstraint(
            "(state IN ('approved', 'declined')) = (decided_at IS NOT NULL)",
            name="decided_iff_decided_at",
        ),
        Index("ix_applications_state_changed", "state", "state_changed_at"),
        # The office's queues: each sort within a state, with the id as the tie-breaker.
        Index("ix_applications_state_changed_id", "state", "state_changed_at", "id"),
        Index("ix_applications_state_submitted_id", "state", "submitted_at", "id"),
        Index("ix_applications_state_reference", "state", "reference"),
        Index("ix_applications_state_hub", "state", "hub_id", "state_changed_at", "id"),
        Index("ix_applications_state_officer", "state", "assigned_officer_id", "state_changed_at", "id"),
        # The office's dashboard: partners by type, and applications by month.
        Index("ix_applications_state_organisation", "state", "organisation_id"),
        Index("ix_applications_submitted", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id"), index=True)
    # Set for every application (when started, and by the migration that made forms data); nullable only
    # because SQLite cannot make an existing column NOT NULL without copying the table.
    form_version_id: Mapped[int | None] = mapped_column(ForeignKey("form_versions.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))  # ix_applications_organisation_state leads with it
    state: Mapped[State] = mapped_column(enum_column(State, "state"), default=State.DRAFT)
    reference: Mapped[str | None] = mapped_column(String(30), unique=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assigned_officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    reopened_sections: Mapped[list] = mapped_column(JSON, default=list)
    event_count: Mapped[int] = mapped_column(default=0)

    hub: Mapped["Hub"] = relationship(lazy="joined")  # noqa: F821
    form_version: Mapped["FormVersion"] = relationship(lazy="joined")  # noqa: F821
    organisation: Mapped["Organisation"] = relationship(lazy="joined")  # noqa: F821
    assigned_officer: Mapped["User | None"] = relationship(foreign_keys=[assigned_officer_id])  # noqa: F821
    sections: Mapped[list["ApplicationSection"]] = relationship(
        back_populates="application", cascade="all, delete-orphan"
    )
    documents: Mapped[list["Document"]] = relationship(
        back_populates="application", order_by="Document.uploaded_at"
    )
    messages: Mapped[list["Message"]] = relationship(
        back_populates="application", order_by="Message.created_at"
    )
    revisions: Mapped[list["AnswerRevision"]] = relationship(
        back_populates="application", order_by="AnswerRevision.number", cascade="all, delete-orphan"
    )
    votes: Mapped[list["Vote"]] = relationship(  # noqa: F821
        back_populates="application", order_by="Vote.opened_at"
    )
    meeting_items: Mapped[list["MeetingItem"]] = relationship(  # noqa: F821
        viewonly=True, order_by="MeetingItem.id"
    )

    @property
    def has_been_with_trustees(self) -> bool:
        return self.state in {State.WITH_TRUSTEES, State.APPROVED, State.DECLINED} or bool(
            self.votes
        )

    @property
    def anonymised_at(self) -> datetime | None:
        """When anonymising erased the application's personal data and free text, or None."""
        return erased_at("application", self.id)

    def section(self, key: str) -> "ApplicationSection | None":
        return next((s for s in self.sections if s.key == key), None)

    def answers(self, key: str) -> dict:
        section = self.section(key)
        return dict(section.answers) if section else {}

    @property
    def title(self) -> str:
        return self.reference or f"Draft application to {self.hub.name}"


class ApplicationSection(db.Model):
    """One section's saved answers, kept even when incomplete or invalid."""

    __tablename__ = "application_sections"
    __table_args__ = (UniqueConstraint("application_id", "key", name="uq_application_sections_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40))
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    completed: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    application: Mapped[Application] = relationship(back_populates="sections")


REVISION_REASONS = {"submitted": "Submitted", "response": "Response to a request for information"}


class AnswerRevision(db.Model):
    """The answers as sent to the trust office once: at submission, and with each response.

    `answers` holds every section's answers, by section key, and `documents` the ids of
    the files they used, so each revision can be shown and compared in its version's words.
    """

    __tablename__ = "answer_revisions"
    __table_args__ = (UniqueConstraint("application_id", "number", name="uq_answer_revisions_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    form_version_id: Mapped[int] = mapped_column(ForeignKey("form_versions.id"))
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    documents: Mapped[list] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(String(20))  # "submitted" or "response"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    application: Mapped[Application] = relationship(back_populates="revisions")
    form_version: Mapped["FormVersion"] = relationship()  # noqa: F821
    created_by: Mapped["User | None"] = relationship()  # noqa: F821

    @property
    def reason_label(self) -> str:
        """Why the answers were sent, in words."""
        return REVISION_REASONS.get(self.reason, self.reason)


class ReferenceCounter(db.Model):
    """The last reference number given per hub and year; advanced atomically."""

    __tablename__ = "reference_counters"

    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)


class Document(db.Model):
    """An uploaded document, stored under a server-chosen name with its digest."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(100), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[Application] = relationship(back_populates="documents")


class Message(db.Model):
    """A message between the office and the applicant, seen by both."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[Application] = relationship(back_populates="messages")
    author: Mapped["User"] = relationship(lazy="joined")  # noqa: F821

    @property
    def from_office(self) -> bool:
        return not self.author.is_applicant


class HeldAnswers(db.Model):
    """A section's answers posted after the session expired, kept briefly for the same user.

    Only the token's SHA-256 is stored. They go back into the form (unsaved) when that
    user, still a member of the organisation, signs in again before `expires_at`.
    """

    __tablename__ = "held_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    posted: Mapped[dict] = mapped_column(JSON, default=dict)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
