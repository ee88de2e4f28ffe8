"""Rate limits: each budget, whom it counts, and the 429 page that says which one was reached.

A budget is counted only on the requests that call `count()`: a wrong password or code,
an email sent, a letter checked. Routes that name the same budget share its count. The
counts live in the store named by RATELIMIT_STORAGE_URI: Redis in production, so that
every worker counts together (production refuses to start with memory://).

Per-account budgets count the account the request is about: before signing in, the
address typed in the form; after, the person signed in, never a field a signed-in request
could add. Per-address budgets count the client's address (behind a proxy, as PROXY_FIX_HOPS
reads it) and are loose, so that an office whose people share one address is not stopped
by one of them.
"""

from dataclasses import dataclass

from flask import current_app, g, render_template, request
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_login import current_user

from ..extensions import limiter


@dataclass(frozen=True)
class Budget:
    """A rate limit shared by the routes that name it: its setting, and what the 429 page says."""

    scope: str
    config_key: str
    message: str
    switch: str = "RATE_LIMITS"


PASSWORD = Budget(
    "password", "SIGN_IN_LIMIT_PER_ACCOUNT",
    "There have been too many wrong passwords for this account in a short time, so the password "
    "is not being checked for a few minutes.",
)
SECOND_FACTOR = Budget(
    "second-factor", "SIGN_IN_LIMIT_PER_ACCOUNT",
    "There have been too many wrong codes in a short time. Wait a few minutes, then enter the code your app shows.",
)
SIGN_IN_FROM_ADDRESS = Budget(
    "sign-in-address", "SIGN_IN_LIMIT_PER_ADDRESS",
    "There have been too many failed attempts to sign in from your network in a short time. "
    "Wait a few minutes and try again. If you have forgotten your password, you can reset it.",
)
EMAILS = Budget(
    "emails", "EMAIL_LIMIT_PER_ACCOUNT",
    "We have already sent several emails for this account in the last hour. Check your inbox and spam "
    "folder for the links already sent (the latest one works), or wait an hour and ask again.",
)
SIGN_IN_LINKS = Budget(
    "sign-in-links", "EMAIL_LIMIT_PER_ACCOUNT",
    "We have already sent several sign-in links to this account's address in the last hour. Each of them "
    "works for 15 minutes until one is used: check your inbox and spam folder, and use the latest.",
)
EMAILS_FROM_ADDRESS = Budget(
    "emails-address", "EMAIL_LIMIT_PER_ADDRESS",
    "Many emails have been asked for from your network in the last hour. Wait an hour and try again.",
)
INVITATIONS = Budget(
    "invitations", "INVITATION_LIMIT_PER_ACCOUNT",
    "You have sent many invitations in the last hour. The invitations already sent still work: "
    "wait an hour before sending more.",
)
LETTER_CHECKS = Budget(
    "letter-checks", "VERIFY_LIMIT_PER_ADDRESS",
    "There have been too many letter checks from your network in a short time. Wait a few minutes and try again.",
    switch="VERIFY_RATE_LIMIT",
)
BUDGETS = {budget.scope: budget for budget in (
    PASSWORD, SECOND_FACTOR, SIGN_IN_FROM_ADDRESS, EMAILS, SIGN_IN_LINKS, EMAILS_FROM_ADDRESS, INVITATIONS, LETTER_CHECKS
)}


def email_typed() -> str:
    """The account named by the email address in the form: for the pages before signing in."""
    return "account:" + (request.form.get("email") or "").strip().lower()


def person_signed_in() -> str:
    """The account of the person signed in (empty when nobody is: such requests are sent to sign in)."""
    return "account:" + (current_user.email if current_user.is_authenticated else "")


def count() -> None:
    """Count this request against its route's budgets."""
    g.limit_counted = True


def _was_counted(_response) -> bool:
    return bool(g.get("limit_counted"))


def _limit(budget: Budget, key_func, methods: tuple[str, ...], counted_only: bool):
    return limiter.shared_limit(
        lambda: current_app.config[budget.config_key], scope=budget.scope, key_func=key_func, methods=list(methods),
        deduct_when=_was_counted if counted_only else None,
        exempt_when=lambda: not current_app.config[budget.switch], error_message=budget.message,
    )


def per_account(budget: Budget, key_func):
    """A budget counted per account (`email_typed` or `person_signed_in`) on the POSTs that `count()`."""
    return _limit(budget, key_func, ("POST",), counted_only=True)


def per_address(budget: Budget, *, methods: tuple[str, ...] = ("POST",)):
    """A budget counted per client address on the requests of `methods` that `count()`."""
    return _limit(budget, get_remote_address, methods, counted_only=True)


def too_many_attempts(error: RateLimitExceeded):
    """The 429 page: which limit was reached, what to do now, and when to try again.

    Reached on the sign-in page for one account, it offers a sign-in link by email, so that
    someone else's wrong guesses never lock the owner out.
    """
    budget = BUDGETS.get(getattr(error.limit, "scope", ""))
    offer_link = budget is PASSWORD and request.endpoint == "accounts.sign_in"
    if offer_link:
        from .forms import SignInLinkForm

        form = SignInLinkForm(email=request.form.get("email", ""))
        page = render_template("accounts/sign_in_paused.html", message=budget.message, form=form)
    else:
        message = budget.message if budget else "There have been too many attempts in a short time. Wait a few minutes and try again."
        page = render_template("errors/error.html", title="Too many attempts", message=message, status=429)
    response = current_app.make_response((page, 429))
    response.headers["Retry-After"] = str(error.limit.limit.get_expiry())
    return response


PROXY_WARNING = (
    "PROXY_FIX_HOPS is 0, so every request is counted against the address that connected. Behind a "
    "reverse proxy that address is the proxy's: all clients would share one per-address limit. "
    "Set PROXY_FIX_HOPS to the number of proxies in front of Consort."
)


def watch_for_proxies(app) -> None:
    """Warn when no proxy is named: at start-up in production, and at the first forwarded request."""
    if app.config["PROXY_FIX_HOPS"]:
        return
    if app.config["ENV_NAME"] == "production":
        app.logger.warning(PROXY_WARNING)
    seen = []

    @app.before_request
    def _forwarded_without_proxy_fix():
        if not seen and "X-Forwarded-For" in request.headers:
            seen.append(True)
            app.logger.warning("A request came through a proxy (it has X-Forwarded-For). " + PROXY_WARNING)
