"""Organisations that apply, and the people who act for them."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..types import UTCDateTime, enum_column, utcnow


class OrganisationType(str, enum.Enum):
    """The legal form of an organisation (SPEC 3, section 1)."""

    REGISTERED_CHARITY = "registered_charity"
    CIO = "cio"
    CIC = "cic"
    COMPANY_LIMITED_BY_GUARANTEE = "company_limited_by_guarantee"
    SCHOOL = "school"
    LOCAL_AUTHORITY = "local_authority"
    UNINCORPORATED = "unincorporated"
    SELF_EMPLOYED = "self_employed"
    OTHER = "other"

    @property
    def label(self) -> str:
        return ORGANISATION_TYPE_LABELS[self]

    @property
    def needs_charity_number(self) -> bool:
        return self in {OrganisationType.REGISTERED_CHARITY, OrganisationType.CIO}

    @property
    def needs_company_number(self) -> bool:
        return self in {OrganisationType.CIC, OrganisationType.COMPANY_LIMITED_BY_GUARANTEE}


ORGANISATION_TYPE_LABELS = {
    OrganisationType.REGISTERED_CHARITY: "Registered charity",
    OrganisationType.CIO: "Charitable incorporated organisation (CIO)",
    OrganisationType.CIC: "Community interest company (CIC)",
    OrganisationType.COMPANY_LIMITED_BY_GUARANTEE: "Company limited by guarantee",
    OrganisationType.SCHOOL: "School or academy",
    OrganisationType.LOCAL_AUTHORITY: "Local-authority music service",
    OrganisationType.UNINCORPORATED: "Unincorporated group",
    OrganisationType.SELF_EMPLOYED: "Self-employed",
    OrganisationType.OTHER: "Other",
}


class Organisation(db.Model):
    """An organisation's profile, which fills its part of every application."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    organisation_type: Mapped[OrganisationType | None] = mapped_column(
        enum_column(OrganisationType, "organisation_type"), nullable=True
    )
    type_other: Mapped[str] = mapped_column(String(200), default="")
    charity_number: Mapped[str] = mapped_column(String(20), default="")
    company_number: Mapped[str] = mapped_column(String(20), default="")
    address: Mapped[str] = mapped_column(String(500), default="")
    town: Mapped[str] = mapped_column(String(100), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_role: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    safeguarding_lead: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )
    applications: Mapped[list["Application"]] = relationship(viewonly=True)  # noqa: F821

    PROFILE_FIELDS = (
        "name", "organisation_type", "type_other", "charity_number", "company_number",
        "address", "town", "postcode", "website", "contact_name", "contact_role",
        "contact_email", "contact_phone", "safeguarding_lead",
    )

    def profile(self) -> dict:
        """The profile as the organisation section's answers."""
        answers = {field: getattr(self, field) for field in self.PROFILE_FIELDS}
        kind = answers["organisation_type"]
        answers["organisation_type"] = kind.value if kind else ""
        return answers


class Membership(db.Model):
    """A person who acts for an organisation."""

    __tablename__ = "memberships"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped["User"] = relationship(back_populates="memberships")  # noqa: F821
    organisation: Mapped[Organisation] = relationship(back_populates="memberships", lazy="joined")
