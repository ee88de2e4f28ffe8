"""Decision letter templates, and the letters drafted and issued from them."""

import enum
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, backref, deferred, mapped_column, relationship

from ..extensions import db
from ..privacy.models import erased_at
from ..types import UTCDateTime, enum_column, utcnow
from ..votes.rule import Choice


CODE_LENGTH = 10


def display_code(code: str) -> str:
    """A verification code as printed and shown everywhere: two groups of five, like "ABCDE-FGHIJ"."""
    return f"{code[:5]}-{code[5:]}" if len(code) == CODE_LENGTH else code


class LetterStatus(str, enum.Enum):
    DRAFTED = "drafted"
    ISSUED = "issued"


class LetterTemplate(db.Model):
    """One version of a hub's letter template for an outcome; versions are kept."""

    __tablename__ = "letter_templates"
    __table_args__ = (
        UniqueConstraint("hub_id", "outcome", "version", name="uq_letter_templates_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id"))
    outcome: Mapped[Choice] = mapped_column(enum_column(Choice, "letter_outcome"))
    version: Mapped[int]
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    created_by: Mapped["User | None"] = relationship()  # noqa: F821


class DecisionLetter(db.Model):
    """The letter telling an organisation the trustees' decision; fixed once issued."""

    __tablename__ = "decision_letters"
    __table_args__ = (
        CheckConstraint(
            "(status = 'issued') = (pdf_sha256 IS NOT NULL AND issued_at IS NOT NULL"
            " AND issued_by_id IS NOT NULL)",
            name="issued_iff_recorded",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), unique=True)
    outcome: Mapped[Choice] = mapped_column(enum_column(Choice, "decision"))
    template_id: Mapped[int] = mapped_column(ForeignKey("letter_templates.id"))
    status: Mapped[LetterStatus] = mapped_column(
        enum_column(LetterStatus, "letter_status"), default=LetterStatus.DRAFTED
    )
    free_paragraph: Mapped[str] = mapped_column(Text, default="")
    drafted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    verification_code: Mapped[str | None] = mapped_column(String(20), unique=True)
    # The organisation's name as the issued letter prints it (the public check by code
    # shows it); anonymising erases it with the letter's bytes.
    organisation_name: Mapped[str | None] = mapped_column(String(200))
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    # application.letter: the application's letter, or None.
    application: Mapped["Application"] = relationship(backref=backref("letter", uselist=False))  # noqa: F821
    template: Mapped[LetterTemplate] = relationship()
    issued_by: Mapped["User | None"] = relationship()  # noqa: F821

    @property
    def printed_code(self) -> str:
        """The verification code as the letter prints it ("" before issue)."""
        return display_code(self.verification_code or "")

    @property
    def is_issued(self) -> bool:
        return self.status is LetterStatus.ISSUED

    @property
    def erased_at(self) -> datetime | None:
        """When anonymising erased the issued letter's bytes (its digest stays), or None."""
        return erased_at("letter", self.id) if self.is_issued else None
