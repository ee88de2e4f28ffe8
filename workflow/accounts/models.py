"""People who sign in, and the roles they hold."""

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..types import UTCDateTime, enum_column, utcnow


class Role(str, enum.Enum):
    """A role held by a member of the office or the board."""

    OFFICER = "officer"
    ADMIN = "admin"
    TRUSTEE = "trustee"
    CHAIR = "chair"


class User(UserMixin, db.Model):
    """An account: an applicant (member of organisations) or office and board member."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_applicant: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    role_rows: Mapped[list["UserRole"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    memberships: Mapped[list["Membership"]] = relationship(  # noqa: F821
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> set[Role]:
        return {row.role for row in self.role_rows}

    @property
    def is_officer(self) -> bool:
        return Role.OFFICER in self.roles

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    @property
    def is_staff(self) -> bool:
        return self.is_officer or self.is_admin

    @property
    def is_chair(self) -> bool:
        return Role.CHAIR in self.roles

    @property
    def is_trustee(self) -> bool:
        return Role.TRUSTEE in self.roles or self.is_chair

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """Flask-Login id: the user id and session version, so old sessions end."""
        return f"{self.id}:{self.session_version}"

    def is_member_of(self, organisation_id: int) -> bool:
        return any(m.organisation_id == organisation_id for m in self.memberships)

    @property
    def organisation_ids(self) -> list[int]:
        return [m.organisation_id for m in self.memberships]


class UserRole(db.Model):
    """One role held by one user."""

    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"), primary_key=True)
