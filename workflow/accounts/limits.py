"""Rate limits on signing in, on the emails anyone can ask for and on checking letters, with a
429 page in plain words.

Failures only are counted: per account (the email typed, or the person at the second
step) and per address. The per-address limit is loose, so that an office whose
people share one address is not locked out by one of them.
"""

from flask import current_app, g, render_template, request, session
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address

from ..extensions import limiter


def _switched_off(switch: str):
    return lambda: not current_app.config[switch]


def _account_key() -> str:
    email = (request.form.get("email") or "").strip().lower()
    user_id = session.get("_user_id", "").partition(":")[0]
    return f"account:{email or user_id}" if (email or user_id) else ""


def count() -> None:
    """Count this request against its route's limits: a wrong password, code or link, or a letter checked."""
    g.limit_counted = True


def _was_counted(_response) -> bool:
    return bool(g.get("limit_counted"))


def per_account(config_key: str):
    """The limit named by a config key, counted per account on the requests that `count()`."""
    return limiter.limit(
        lambda: current_app.config[config_key], key_func=_account_key, methods=["POST"],
        deduct_when=_was_counted, exempt_when=_switched_off("SIGN_IN_RATE_LIMITS"), scope="account",
    )


def per_address(
    config_key: str, *, counted_only: bool = True, methods: tuple[str, ...] = ("POST",), switch: str = "SIGN_IN_RATE_LIMITS"
):
    """The limit named by a config key, counted per address: on the requests that `count()`, or on
    every request of `methods`; off while the config key `switch` is false."""
    return limiter.limit(
        lambda: current_app.config[config_key], key_func=get_remote_address, methods=list(methods),
        deduct_when=_was_counted if counted_only else None, exempt_when=_switched_off(switch), scope="address",
    )


def too_many_attempts(error: RateLimitExceeded):
    """The 429 page: what happened and when to try again."""
    message = (
        "There have been too many attempts from here in a short time. Wait a few minutes and try again. "
        "If you were signing in and have forgotten your password, you can reset it."
    )
    response = current_app.make_response(
        (render_template("errors/error.html", title="Too many attempts", message=message, status=429), 429)
    )
    window = getattr(getattr(error, "limit", None), "limit", None)
    if window is not None:
        response.headers["Retry-After"] = str(window.get_expiry())
    return response
