"""The signed-in session: rotation at sign-in, the second step, timeouts and recent password.

The session cookie holds, beside Flask-Login's user id (which carries the user's
session version, so moving the version on ends every copy of every session):

- `signed_in_at`: when the password was accepted (the absolute timeout counts from it);
- `last_seen`: the last request (the inactivity timeout counts from it);
- `second_factor`: True once the second step is done, or when the account needs none;
- `password_at`: when the password was last typed (for `require_recent_password`).

Times are whole seconds since the epoch, from `utcnow` here so tests can move the clock.
"""

from functools import wraps
from urllib.parse import unquote

from flask import Flask, current_app, flash, g, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from ..types import utcnow

SIGNED_IN_AT = "signed_in_at"
LAST_SEEN = "last_seen"
SECOND_FACTOR = "second_factor"
PASSWORD_AT = "password_at"

# Pages open to someone who has given the password but not yet the second step.
SECOND_STEP_ENDPOINTS = {
    "accounts.two_factor", "accounts.two_factor_setup", "accounts.recovery_codes",
    "accounts.sign_out", "accounts.confirm_password", "static", "hubs.accessibility", "hubs.privacy",
}
# Requests that must not count as activity, nor be refused for it.
NOT_ACTIVITY = {"static"}


def now() -> int:
    return int(utcnow().timestamp())


def safe_next(target: str | None) -> str | None:
    """A path on this site to go to next, or None.

    The target must start with a single "/" and hold no backslash, space or control
    character, nor may its path once percent-decoded: so no scheme, and no "//host"
    or "/\\host" however spelt (percent-encoded, or split by a tab or newline, which
    browsers drop), can lead a browser to another site.
    """
    if not target or not target.startswith("/") or _unsafe(target):
        return None
    path = target.split("?", 1)[0].split("#", 1)[0]
    while (decoded := unquote(path)) != path:
        path = decoded
    return None if _unsafe(path) else target


def _unsafe(text: str) -> bool:
    return text.startswith("//") or any(c == "\\" or c.isspace() or not c.isprintable() for c in text)


def start_session(user, *, password_typed: bool = True) -> None:
    """Sign this person in on a fresh session (nothing from before survives); signed in by an
    emailed link, they have not typed the password, so it is asked before sensitive changes."""
    session.clear()
    login_user(user)
    moment = now()
    session[SIGNED_IN_AT] = moment
    session[LAST_SEEN] = moment
    if password_typed:
        session[PASSWORD_AT] = moment
    session[SECOND_FACTOR] = not user.needs_second_factor


def keep_session() -> None:
    """After the session version moved on (a password change), keep this session signed in.

    The user object itself is signed in again, never the `current_user` proxy: a proxy
    stored as the request's user would resolve to itself.
    """
    kept = {key: session[key] for key in (SIGNED_IN_AT, SECOND_FACTOR) if key in session}
    login_user(current_user._get_current_object())
    session.update(kept)
    session[PASSWORD_AT] = session[LAST_SEEN] = now()


def second_factor_done() -> None:
    session[SECOND_FACTOR] = True


def end_session() -> None:
    logout_user()
    session.clear()


def password_is_recent() -> bool:
    limit = current_app.config["RECENT_PASSWORD_MINUTES"] * 60
    return now() - session.get(PASSWORD_AT, 0) <= limit


def mark_password_typed() -> None:
    session[PASSWORD_AT] = now()


def require_recent_password(view):
    """Ask for the password again (at /confirm-password) unless it was typed in the last minutes."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_user.is_authenticated and not password_is_recent():
            return redirect(url_for("accounts.confirm_password", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped


def _expiry_reason() -> str | None:
    moment = now()
    idle = current_app.config["SESSION_IDLE_MINUTES"]
    signed_in_at = session.setdefault(SIGNED_IN_AT, moment)
    if moment - session.get(LAST_SEEN, moment) > idle * 60:
        return f"You were signed out because you had not used Consort for {idle} minutes. Sign in again to carry on."
    if moment - signed_in_at > current_app.config["SESSION_MAX_HOURS"] * 3600:
        return "You were signed out because you had been signed in for a long time. Sign in again to carry on."
    return None


def check_session():
    """Before each request: end a session that was idle or too long, then hold it at the second step."""
    if request.endpoint in NOT_ACTIVITY or not current_user.is_authenticated:
        return None
    reason = _expiry_reason()
    if reason:
        end_session()
        flash(reason, "info")
        return None
    session[LAST_SEEN] = now()
    if session.get(SECOND_FACTOR) or not current_user.needs_second_factor:
        return None
    if request.endpoint in SECOND_STEP_ENDPOINTS:
        return None
    flash("Enter the code from your authenticator app to finish signing in.", "info")
    step = "accounts.two_factor" if current_user.has_second_factor else "accounts.two_factor_setup"
    return redirect(url_for(step, next=safe_next(request.full_path.rstrip("?"))))


def forget_user(_error=None) -> None:
    """After each request, forget Flask-Login's signed-in user: it belongs to that request.

    An app context can outlive a request (tests, CLI); the next request loads its user afresh.
    """
    g.pop("_login_user", None)


def init_sessions(app: Flask) -> None:
    """Check every request's session (registered after Flask-Login, before the views)."""
    app.before_request(check_session)
    app.teardown_request(forget_user)
