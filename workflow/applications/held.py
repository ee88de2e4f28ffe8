"""Answers posted after the session expired: held briefly, then put back for the same person.

Each section page carries a signed "answered by" mark naming the signed-in person,
the application and the section. A save that arrives signed out, or with a stale CSRF
token, is refused, but if its mark is genuine the answers are held server-side under
a random token (only its digest is stored). After signing in again, the person the
mark names, if they still act for the organisation, gets the answers back in the
form, not saved: they check them and save.
"""

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, select
from werkzeug.datastructures import MultiDict

from ..extensions import db
from ..policy import member
from ..types import utcnow
from .models import Application, HeldAnswers
from .sections import ANSWER_MAX_CHARS

MARK_SALT = "consort-held-answers"
MARK_MAX_AGE_SECONDS = 24 * 60 * 60
NOT_ANSWERS = {"csrf_token", "held_for", "later"}
MAX_VALUES = 200


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=MARK_SALT)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def answered_by_mark(user, application: Application, key: str) -> str:
    """The signed mark a section page carries: who may get its answers back, for what."""
    return _serializer().dumps([user.id, application.id, key])


def mark_owner(mark: str | None, application_id: int, key: str) -> int | None:
    """The user id in a genuine, recent mark for this application and section, else None."""
    try:
        user_id, marked_application, marked_key = _serializer().loads(mark or "", max_age=MARK_MAX_AGE_SECONDS)
    except (BadSignature, TypeError, ValueError):
        return None
    if marked_application != application_id or marked_key != key or not isinstance(user_id, int):
        return None
    return user_id


def hold_answers(user_id: int, application_id: int, key: str, posted: MultiDict) -> str:
    """Keep the posted text answers for a while; the token that gets them back."""
    now = utcnow()
    db.session.execute(delete(HeldAnswers).where(HeldAnswers.expires_at <= now))
    kept = {}
    for name, value in list(posted.items(multi=True))[:MAX_VALUES]:
        if name not in NOT_ANSWERS and isinstance(value, str):
            kept.setdefault(name[:100], []).append(value[:ANSWER_MAX_CHARS])
    token = secrets.token_urlsafe(32)
    db.session.add(
        HeldAnswers(
            token_sha256=_digest(token),
            user_id=user_id,
            application_id=application_id,
            key=key,
            posted=kept,
            expires_at=now + timedelta(minutes=current_app.config.get("HELD_ANSWERS_MINUTES", 120)),
        )
    )
    db.session.flush()
    return token


def take_held_answers(token: str | None, application: Application, key: str, user) -> MultiDict | None:
    """The held answers as form data, once, if they are this user's, for this section, and
    the user still acts for the organisation; None otherwise."""
    if not token or not member(user, application):
        return None
    held = db.session.scalar(
        select(HeldAnswers).where(
            HeldAnswers.token_sha256 == _digest(token),
            HeldAnswers.user_id == user.id,
            HeldAnswers.application_id == application.id,
            HeldAnswers.key == key,
            HeldAnswers.expires_at > utcnow(),
        )
    )
    if held is None:
        return None
    posted = MultiDict([(name, value) for name, values in held.posted.items() for value in values])
    db.session.delete(held)
    db.session.flush()
    return posted
