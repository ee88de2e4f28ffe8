"""Helpers for the account tests: links from the outbox, moving the clock, the account log."""

import re
from datetime import timedelta

from flask import g
from sqlalchemy import select

from workflow.accounts.models import AccountEvent
from workflow.extensions import db
from workflow.notifications.models import OutboxMessage
from workflow.types import utcnow


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
