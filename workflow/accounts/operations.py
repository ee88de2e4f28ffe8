"""Creating accounts, signing in, and keeping an account: email, password, sessions, the account log."""

from flask import has_request_context, request
from sqlalchemy import func, select

from ..database import read_transaction
from ..errors import NotAllowed
from ..extensions import db
from ..notifications.operations import queue_email
from ..organisations.models import Membership, Organisation
from ..types import utcnow
from . import tokens
from .models import AccountEvent, Role, User, UserRole
from .passwords import hash_password, needs_rehash, verify_password

# A real hash to verify against when the email is unknown, so that a wrong
# email takes as long as a wrong password.
_DUMMY_HASH = hash_password("not-a-real-password")


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def email_taken(email: str) -> bool:
    return find_user(email) is not None


def register_or_tell_owner(*, name: str, email: str, password: str, organisation_name: str, hub: str | None = None) -> None:
    """Create an applicant's account, or tell the owner of the address that they have one.

    Either way one email goes to the address and the same work is done, so the page
    that follows cannot tell anyone whether the address already had an account.
    """
    owner = find_user(email)
    if owner is None:
        register_applicant(name=name, email=email, password=password, organisation_name=organisation_name, hub=hub)
        return
    hash_password(password)
    queue_email("already_registered", owner.email, "You already have a Consort account", user=owner, hub=hub)


def register_applicant(
    *, name: str, email: str, password: str, organisation_name: str, verified: bool = False, hub: str | None = None
) -> User:
    """An applicant's account and their organisation, with them as its first member.

    Unless `verified` (the demo), a link to verify the email address is sent.
    """
    user = User(name=name.strip(), email=email.strip().lower(), password_hash=hash_password(password), is_applicant=True)
    organisation = Organisation(name=organisation_name.strip(), contact_name=name.strip(), contact_email=user.email)
    db.session.add_all([user, organisation])
    db.session.flush()
    db.session.add(Membership(user_id=user.id, organisation_id=organisation.id))
    if verified:
        user.email_verified_at = utcnow()
    else:
        send_verification(user, hub=hub)
    db.session.flush()
    db.session.refresh(user)
    return user


def register_invited(*, name: str, email: str, password: str) -> User:
    """An applicant's account made from an invitation (which proved the email address)."""
    user = User(
        name=name.strip(), email=email.strip().lower(), password_hash=hash_password(password),
        is_applicant=True, email_verified_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
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
    """The active user with this email and password, or None.

    The slow password check runs in a read transaction of its own, so that on SQLite
    a crowd signing in at once never holds the write lock that saves wait for.
    """
    with read_transaction():
        user = find_user(email)
        known = user is not None and user.active
        if not verify_password(user.password_hash if user is not None else _DUMMY_HASH, password) or not known:
            return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def end_other_sessions(user: User) -> None:
    """Invalidate every session of this user, by moving its session version on."""
    user.session_version += 1


def _ip() -> str:
    return (request.remote_addr or "")[:45] if has_request_context() else ""


def record_account_event(user: User | None, kind: str, actor: User | None = None, detail: str = "") -> AccountEvent:
    """Write to the account audit log (sign-ins, failures, password and role changes).

    Kinds: signed_in, sign_in_failed, two_factor_failed, recovery_code_used,
    two_factor_enabled, two_factor_reset, recovery_codes_replaced, password_changed,
    password_reset, email_verified, email_changed, signed_out, signed_out_everywhere,
    signed_in_by_link, roles_changed (with `actor` the admin and `detail` the roles).
    """
    event = AccountEvent(
        user_id=user.id if user is not None else None,
        actor_id=actor.id if actor is not None else None,
        kind=kind, ip=_ip(), detail=detail[:500],
    )
    db.session.add(event)
    db.session.flush()
    return event


def record_failed_sign_in(email: str) -> None:
    """A wrong email or password: logged against the account when the email is one."""
    record_account_event(find_user(email), "sign_in_failed")


def sign_out(user: User) -> None:
    """Sign out: the session version moves on, so no copy of the session works again."""
    end_other_sessions(user)
    record_account_event(user, "signed_out")


def sign_out_everywhere(user: User) -> None:
    """End every session of this person, on every device."""
    end_other_sessions(user)
    record_account_event(user, "signed_out_everywhere")


# Email verification: bound to the address alone (not an account token), so a link still
# works after signing out; it proves the address and gives no access to the account.

def send_verification(user: User, hub: str | None = None) -> None:
    """Email a link that verifies the account's address (carrying the hub they came to apply to)."""
    token = tokens.make_token(tokens.VERIFY_EMAIL, u=user.id, e=user.email)
    queue_email("verify_email", user.email, "Confirm your email address", user=user, token=token, hub=hub)


def verification_user(token: str) -> User:
    """The account a genuine, unexpired verification link is for (its address unchanged); else raises tokens.DeadLink."""
    payload = tokens.read_token(tokens.VERIFY_EMAIL, token)
    user = db.session.get(User, payload.get("u")) if payload else None
    if user is None or not user.active or user.email != payload.get("e"):
        raise tokens.DeadLink(tokens.VERIFY_EMAIL)
    return user


def verify_email(user: User) -> None:
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        record_account_event(user, "email_verified")


# Password reset: a link void once the password changes (so it works once) or the account signs out.

def _email_account_link(email: str, purpose: str, kind: str, subject: str, asked_for: str) -> None:
    """Email the account's link for `purpose`, or tell the address it has no account it can use.

    One email either way, so the caller's page and the work done are the same for any address.
    """
    user = find_user(email)
    if user is None or not user.active:
        queue_email("no_account", email.strip().lower(), "About your request to Consort", asked_for=asked_for)
        return
    token = tokens.make_account_token(purpose, user)
    queue_email(kind, user.email, subject, user=user, token=token)


def request_password_reset(email: str) -> None:
    """Email a reset link, or say there is no account."""
    _email_account_link(email, tokens.PASSWORD_RESET, "password_reset", "Reset your password", "to reset a password")


# Signing in by an emailed link: the way through when someone else's wrong guesses have
# paused the password. It works once (using it moves the session version on, which voids
# it), for 15 minutes, and never after a password change.

def request_sign_in_link(email: str) -> None:
    """Email a single-use sign-in link, or say there is no account."""
    _email_account_link(email, tokens.SIGN_IN_LINK, "sign_in_link", "Your link to sign in to Consort", "to sign in")


def sign_in_link_user(token: str) -> User:
    """The account of a genuine, unexpired, unused sign-in link; else raises tokens.DeadLink."""
    user, _ = tokens.read_account_token(tokens.SIGN_IN_LINK, token)
    return user


def use_sign_in_link(user: User) -> None:
    """Spend a sign-in link: every other session ends, and with them the link."""
    end_other_sessions(user)
    record_account_event(user, "signed_in_by_link")


def password_reset_user(token: str) -> User:
    """The account of a genuine, unexpired, unused reset link; else raises tokens.DeadLink."""
    user, _ = tokens.read_account_token(tokens.PASSWORD_RESET, token)
    return user


def _set_password(user: User, password: str, kind: str) -> None:
    user.password_hash = hash_password(password)
    end_other_sessions(user)
    record_account_event(user, kind)
    queue_email("password_changed", user.email, "Your password has been changed", user=user)


def reset_password(user: User, password: str) -> None:
    """Set a new password from a reset link: every session ends; the email is proven too."""
    _set_password(user, password, "password_reset")
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    db.session.flush()


def change_password(user: User, current: str, new: str) -> bool:
    """Change the password if `current` is right; every other session ends. False when it is wrong."""
    if not verify_password(user.password_hash, current):
        return False
    _set_password(user, new, "password_changed")
    db.session.flush()
    return True


# Changing the email address: verified by a link sent to the new address, void once the
# account's address, password or session version changes.

def request_email_change(user: User, new_email: str) -> None:
    """Email the new address a link that makes it the account's address, or, when another
    account has it, tell that address so: the page after says the same either way."""
    new_email = new_email.strip().lower()
    owner = find_user(new_email)
    if owner is not None:
        queue_email("email_change_to_taken", owner.email, "About your request to Consort", user=owner)
        return
    token = tokens.make_account_token(tokens.CHANGE_EMAIL, user, e=new_email, o=user.email)
    queue_email("verify_email", new_email, "Confirm your new email address", user=user, token=token, change=True)


def email_change(token: str) -> tuple[User, str]:
    """The account and new address of a genuine, unexpired, unused email-change link; else raises tokens.DeadLink."""
    user, payload = tokens.read_account_token(tokens.CHANGE_EMAIL, token)
    if user.email != payload.get("o") or not isinstance(payload.get("e"), str):
        raise tokens.DeadLink(tokens.CHANGE_EMAIL)
    return user, payload["e"]


def change_email(user: User, new_email: str) -> None:
    """Make the verified new address the account's; the old address is told."""
    if email_taken(new_email):
        raise NotAllowed("Another account already uses this email address.")
    old = user.email
    user.email = new_email
    user.email_verified_at = utcnow()
    record_account_event(user, "email_changed")
    queue_email("email_changed", old, "Your email address has been changed", user=user, old_email=old)
    db.session.flush()
