"""Hubs as data: each hub's goals, districts, assessment criteria, rounds and letterhead images."""

import base64
import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..types import UTCDateTime, enum_column, utcnow


class ImageKind(str, enum.Enum):
    """The images a hub keeps: its letterhead logo and its chair's signature."""

    LOGO = "logo"
    SIGNATURE = "signature"


class Hub(db.Model):
    """A music education hub run by the lead organisation."""

    __tablename__ = "hubs"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    lead_organisation: Mapped[str] = mapped_column(String(200))
    reference_prefix: Mapped[str] = mapped_column(String(12), unique=True)
    introduction: Mapped[str] = mapped_column(Text, default="")
    commitments: Mapped[str] = mapped_column(Text, default="")
    how_to_apply: Mapped[str] = mapped_column(Text, default="")
    contact: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(Text, default="")
    charity_number: Mapped[str] = mapped_column(String(20), default="")
    company_number: Mapped[str] = mapped_column(String(20), default="")
    partnership_term_years: Mapped[int] = mapped_column(default=3)
    open_all_year: Mapped[bool] = mapped_column(default=True)

    goals: Mapped[list["Goal"]] = relationship(
        back_populates="hub", order_by="Goal.position", cascade="all, delete-orphan"
    )
    districts: Mapped[list["District"]] = relationship(
        back_populates="hub", order_by="District.name", cascade="all, delete-orphan"
    )
    criteria: Mapped[list["Criterion"]] = relationship(
        back_populates="hub", order_by="Criterion.position", cascade="all, delete-orphan"
    )
    rounds: Mapped[list["Round"]] = relationship(
        back_populates="hub", order_by="Round.opens_at", cascade="all, delete-orphan"
    )
    images: Mapped[list["HubImage"]] = relationship(back_populates="hub", cascade="all, delete-orphan")
    form_versions: Mapped[list["FormVersion"]] = relationship(
        back_populates="hub", order_by="FormVersion.number", cascade="all, delete-orphan"
    )

    def image(self, kind: ImageKind) -> "HubImage | None":
        """The hub's logo or chair's signature, if it has one."""
        return next((image for image in self.images if image.kind is kind), None)

    @property
    def logo_image(self) -> "HubImage | None":
        return self.image(ImageKind.LOGO)

    @property
    def signature_image(self) -> "HubImage | None":
        return self.image(ImageKind.SIGNATURE)

    def current_round(self, now: datetime | None = None) -> "Round | None":
        """The round open at `now`, if any."""
        now = now or utcnow()
        return next((r for r in self.rounds if r.opens_at <= now < r.closes_at), None)

    def is_open(self, now: datetime | None = None) -> bool:
        """Whether applications can be submitted now (all year, or within a round)."""
        return self.open_all_year or self.current_round(now) is not None

    def next_round(self, now: datetime | None = None) -> "Round | None":
        """The next round to open after `now`, if one is planned."""
        now = now or utcnow()
        return next((r for r in self.rounds if r.opens_at > now), None)

    def current_form(self, now: datetime | None = None) -> "FormVersion | None":
        """The published form applicants answer now: the newest for the round open (or next to
        open), else the newest for no round in particular."""
        published = [version for version in self.form_versions if version.published_at is not None]
        if all(version.round_id is None for version in published):  # no round has a form of its own: the rounds need not be read
            return published[-1] if published else None
        chosen_round = self.current_round(now) or self.next_round(now)
        for round_id in ([chosen_round.id] if chosen_round else []) + [None]:
            for_round = [version for version in published if version.round_id == round_id]
            if for_round:
                return for_round[-1]
        return published[-1] if published else None


class Goal(db.Model):
    """One of a hub's goals, which applicants say they support."""

    __tablename__ = "hub_goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    hub: Mapped[Hub] = relationship(back_populates="goals")


class District(db.Model):
    """An area a hub serves."""

    __tablename__ = "hub_districts"
    __table_args__ = (UniqueConstraint("hub_id", "name", name="uq_hub_districts_hub_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    hub: Mapped[Hub] = relationship(back_populates="districts")


class Criterion(db.Model):
    """An assessment criterion officers check applications against."""

    __tablename__ = "hub_criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    hub: Mapped[Hub] = relationship(back_populates="criteria")


class Round(db.Model):
    """An application round with an opening and a closing time."""

    __tablename__ = "hub_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    hub: Mapped[Hub] = relationship(back_populates="rounds")


class HubImage(db.Model):
    """A hub's letterhead logo or its chair's signature: the checked bytes of an uploaded image."""

    __tablename__ = "hub_images"
    __table_args__ = (UniqueConstraint("hub_id", "kind", name="uq_hub_images_hub_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"))
    kind: Mapped[ImageKind] = mapped_column(enum_column(ImageKind, "hub_image_kind"))
    content_type: Mapped[str] = mapped_column(String(40))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    sha256: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    hub: Mapped[Hub] = relationship(back_populates="images")

    @property
    def data_url(self) -> str:
        """The image as a ``data:`` URL, as the PDF renderer reads it."""
        return f"data:{self.content_type};base64,{base64.b64encode(self.data).decode('ascii')}"


class FormVersion(db.Model):
    """One version of a hub's application form: its definition, which never changes once published.

    A hub's current form is its newest published version for the round open now, or,
    where no version names that round, its newest published version for no round.
    """

    __tablename__ = "form_versions"
    __table_args__ = (UniqueConstraint("hub_id", "number", name="uq_form_versions_hub_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("hub_rounds.id", ondelete="SET NULL"))
    number: Mapped[int]
    definition: Mapped[dict] = mapped_column(JSON, deferred=True)  # read once per worker: see definition_of
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    hub: Mapped[Hub] = relationship(back_populates="form_versions")
    round: Mapped["Round | None"] = relationship()

    @property
    def state(self) -> str:
        return "published" if self.published_at else "draft"

    @property
    def name(self) -> str:
        where = f", {self.round.name}" if self.round else ""
        return f"{self.hub.name} form, version {self.number}{where}"
