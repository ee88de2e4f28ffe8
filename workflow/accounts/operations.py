"""Creating accounts and signing in."""

from sqlalchemy import func, select

from ..errors import NotAllowed
from ..extensions import db
from ..organisations.models import Membership, Organisation
from .models import Role, User, UserRole
from .passwords import hash_password, needs_rehash, verify_password

# A real hash to verify against when the email is unknown, so that a wrong
# email takes as long as a wrong password.
_DUMMY_HASH = hash_password("not-a-real-password")


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def email_taken(email: str) -> bool:
    return find_user(email) is not None


def register_applicant(*, name: str, email: str, password: str, organisation_name: str) -> User:
    """An applicant's account and their organisation, with them as its first member."""
    user = User(name=name.strip(), email=email.strip().lower(), password_hash=hash_password(password), is_applicant=True)
    organisation = Organisation(name=organisation_name.strip(), contact_name=name.strip(), contact_email=user.email)
    db.session.add_all([user, organisation])
    db.session.flush()
    db.session.add(Membership(user_id=user.id, organisation_id=organisation.id))
    db.session.flush()
    db.session.refresh(user)
    return user


def create_member(*, name: str, email: str, password: str, roles: set[Role]) -> User:
    """An office or board account (officer, admin, trustee, chair)."""
    if not roles:
        raise NotAllowed("An office or board account needs at least one role.")
    if Role.CHAIR in roles:
        roles = roles | {Role.TRUSTEE}
        existing = db.session.scalar(select(UserRole).where(UserRole.role == Role.CHAIR))
        if existing is not None:
            raise NotAllowed("The board already has a chair.")
    user = User(
        name=name.strip(), email=email.strip().lower(), password_hash=hash_password(password), is_applicant=False
    )
    user.role_rows = [UserRole(role=role) for role in sorted(roles, key=lambda r: r.value)]
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None."""
    user = find_user(email)
    if user is None:
        verify_password(_DUMMY_HASH, password)
        return None
    if not user.active or not verify_password(user.password_hash, password):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def end_other_sessions(user: User) -> None:
    """Invalidate every session of this user, by moving its session version on."""
    user.session_version += 1
