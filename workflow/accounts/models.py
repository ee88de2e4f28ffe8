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
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Two-factor sign-in: the TOTP secret once enrolled, encrypted (a Fernet token, keys.py),
    # and the last time step accepted, so that a code cannot be used twice.
    totp_secret: Mapped[str | None] = mapped_column(String(255), nullable=True)
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    totp_last_step: Mapped[int] = mapped_column(default=0)

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

    @property
    def is_email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def has_second_factor(self) -> bool:
        return self.totp_enabled_at is not None

    @property
    def requires_second_factor(self) -> bool:
        """Officers, admins and trustees must sign in with a second factor."""
        return self.is_staff or self.is_trustee

    @property
    def needs_second_factor(self) -> bool:
        """Whether signing in takes a code as well as the password."""
        return self.has_second_factor or self.requires_second_factor

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


class RecoveryCode(db.Model):
    """A single-use code to sign in without the authenticator app; only its HMAC is kept (two_factor.py)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_digest: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AccountEvent(db.Model):
    """The account audit log: sign-ins, failures, second-factor and password changes, roles."""

    __tablename__ = "account_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(40))
    ip: Mapped[str] = mapped_column(String(45), default="")
    detail: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Invitation(db.Model):
    """An invitation for a colleague to act for an organisation; only the token's digest is kept."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    organisation: Mapped["Organisation"] = relationship(lazy="joined")  # noqa: F821
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])

    def is_open(self, now: datetime) -> bool:
        return self.accepted_at is None and self.cancelled_at is None and now < self.expires_at


def name_only(path):
    """Loader options for people shown by name only: their roles and memberships are not loaded."""
    return [path.lazyload(User.role_rows), path.lazyload(User.memberships)]
