"""Helpers for the account tests: signing in, links from the outbox, moving the clock, the account log."""

import re
from datetime import timedelta

from flask import g
from sqlalchemy import select

from workflow.accounts.models import AccountEvent
from workflow.accounts.sessions import LAST_SEEN, PASSWORD_AT, SECOND_FACTOR, SIGNED_IN_AT
from workflow.extensions import db
from workflow.notifications.models import OutboxMessage
from workflow.types import utcnow


def sign_in(login, user, test_client=None, *, password_typed: bool = True):
    """Sign `user` in just now, second step done and (unless `password_typed=False`) the
    password typed just now; returns the test client. `login` is the conftest fixture."""
    signed_in = login(user, test_client)
    moment = int(utcnow().timestamp())
    with signed_in.session_transaction() as session:
        session[SIGNED_IN_AT] = session[LAST_SEEN] = moment
        session[SECOND_FACTOR] = True
        if password_typed:
            session[PASSWORD_AT] = moment
    return signed_in


def emails(kind: str, recipient: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
    if recipient:
        query = query.where(OutboxMessage.recipient == recipient)
    return list(db.session.scalars(query))


def link_in(message: OutboxMessage) -> str:
    """The path of the link in an email (public_url is http://localhost in tests)."""
    return re.search(r"http://localhost(/\S+)", message.body).group(1)


def event_kinds(user=None) -> list[str]:
    query = select(AccountEvent).order_by(AccountEvent.id)
    if user is not None:
        query = query.where(AccountEvent.user_id == user.id)
    return [event.kind for event in db.session.scalars(query)]


class Clock:
    """Moves `utcnow` in the modules that read it for tokens, sessions and codes."""

    MODULES = (
        "workflow.accounts.tokens", "workflow.accounts.sessions", "workflow.accounts.two_factor",
        "workflow.organisations.membership",
    )

    def __init__(self, monkeypatch):
        self.offset = timedelta()
        for module in self.MODULES:
            monkeypatch.setattr(f"{module}.utcnow", self.now)

    def now(self):
        return utcnow() + self.offset

    def forward(self, **delta):
        self.offset += timedelta(**delta)


def forget_user():
    """Requests share the test's app context: drop Flask-Login's cached user."""
    g.pop("_login_user", None)


def register(client, **overrides):
    """Post the registration form: Ada Lovelace of Kettering Community Strings, unless overridden."""
    data = {
        "name": "Ada Lovelace",
        "email": "Ada@Example.org",
        "organisation_name": "Kettering Community Strings",
        "password": "a long enough password",
        "confirm": "a long enough password",
    }
    data.update(overrides)
    return client.post("/register", data=data)


def sign_in_by_form(client, email="ada@example.org", password="a long enough password"):
    """Sign in through the form, as a newly registered applicant does once they have their email."""
    return client.post("/sign-in", data={"email": email, "password": password})


def become(client, login, user):
    """Sign in as `user` (fresh, second step done), or clear the session for anonymous."""
    g.pop("_login_user", None)
    if user is None:
        with client.session_transaction() as session:
            session.clear()
        return
    sign_in(login, user, client)
