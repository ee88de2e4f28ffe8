"""Signed, expiring tokens for the links we email (email verification, password reset, email change, signing in).

A token carries its purpose (as the signer's salt), a small payload and the time it
was made; `read_token` refuses it once `max_age` has passed. The time comes from
`utcnow` here, so tests can move the clock.

An account token (password reset, email change, signing in) also carries a fingerprint
of the account's address, password hash and session version, so it stops working as soon
as the address or password changes or the account is signed out (which moves the
session version on).
"""

import hashlib
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from ..errors import LinkGone
from ..extensions import db
from ..types import utcnow
from .models import User

VERIFY_EMAIL = "verify-email"
PASSWORD_RESET = "password-reset"
CHANGE_EMAIL = "change-email"
SIGN_IN_LINK = "sign-in-link"

MAX_AGE = {
    VERIFY_EMAIL: timedelta(days=3),
    PASSWORD_RESET: timedelta(hours=1),
    CHANGE_EMAIL: timedelta(days=1),
    SIGN_IN_LINK: timedelta(minutes=15),
}

# Why an account link does not work: too old, not genuine or used; or voided by a
# password change or a sign-out since it was made.
EXPIRED = "expired"
VOIDED = "voided"


#: What each link is called on the page that says it does not work.
LINK_NAMES = {
    VERIFY_EMAIL: "email confirmation", PASSWORD_RESET: "password reset",
    CHANGE_EMAIL: "email change", SIGN_IN_LINK: "sign-in",
}


class DeadLink(LinkGone):
    """An emailed link that does not work (410): which link, and why (EXPIRED or VOIDED)."""

    def __init__(self, purpose: str, reason: str = EXPIRED):
        super().__init__()
        self.what = LINK_NAMES[purpose]
        self.reason = reason


def _serializer(purpose: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=f"consort-{purpose}")


def make_token(purpose: str, **payload) -> str:
    """A token for this purpose carrying the payload and the time now."""
    return _serializer(purpose).dumps({**payload, "t": int(utcnow().timestamp())})


def read_token(purpose: str, token: str) -> dict | None:
    """The payload of a genuine, unexpired token for this purpose, or None."""
    try:
        payload = _serializer(purpose).loads(token)
    except BadSignature:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("t"), int):
        return None
    age = utcnow().timestamp() - payload["t"]
    if age < -60 or age > MAX_AGE[purpose].total_seconds():
        return None
    return payload


def account_fingerprint(user: User) -> str:
    """A digest of the address, password hash and session version: it changes when any does."""
    return hashlib.sha256(f"{user.session_version}:{user.email}:{user.password_hash}".encode()).hexdigest()[:16]


def make_account_token(purpose: str, user: User, **payload) -> str:
    """A token for this person's account, void once their password or session version moves on."""
    return make_token(purpose, **payload, u=user.id, a=account_fingerprint(user))


def read_account_token(purpose: str, token: str) -> tuple[User, dict]:
    """The active account and payload of a genuine, unexpired, still current account token.

    Raises DeadLink: EXPIRED when the token is not genuine, too old or its account is
    gone or switched off; VOIDED when the password or session version has moved on.
    """
    payload = read_token(purpose, token)
    user = db.session.get(User, payload["u"]) if payload and isinstance(payload.get("u"), int) else None
    if user is None or not user.active:
        raise DeadLink(purpose)
    if payload.get("a") != account_fingerprint(user):
        raise DeadLink(purpose, VOIDED)
    return user, payload
