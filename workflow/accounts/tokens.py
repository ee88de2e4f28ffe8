"""Signed, expiring tokens for the links we email (email verification, password reset, email change, signing in).

A token carries its purpose (as the signer's salt), a small payload and the time it
was made; `read_token` refuses it once `max_age` has passed. The time comes from
`utcnow` here, so tests can move the clock.
"""

from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from ..types import utcnow

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
