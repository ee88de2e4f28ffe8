"""Checking the history chains: each event's digest, and its link to the one before."""

from dataclasses import dataclass

from sqlalchemy import select

from ..extensions import db
from .models import ApplicationEvent
from .operations import GENESIS, digest_text, event_digest


@dataclass(frozen=True)
class BrokenLink:
    """The first event of an application's chain that does not check out."""

    application_id: int
    sequence: int
    reason: str


def verify_chains() -> list[BrokenLink]:
    """The first broken link of every application whose chain is broken.

    An erased detail (the privacy job) breaks nothing: the chain covers the
    detail's digest, which stays.
    """
    broken: dict[int, BrokenLink] = {}
    previous: dict[int, tuple[int, str]] = {}
    events = db.session.scalars(
        select(ApplicationEvent).order_by(ApplicationEvent.application_id, ApplicationEvent.sequence)
    )
    for event in events:
        if event.application_id in broken:
            continue
        sequence, digest = previous.get(event.application_id, (0, GENESIS))
        reason = None
        if event.sequence != sequence + 1:
            reason = f"event {sequence + 1} is missing"
        elif event.previous_digest != digest:
            reason = "does not carry the digest of the event before it"
        elif event.digest != event_digest(event):
            reason = "its fields were changed after it was written"
        elif event.detail is not None and digest_text(event.detail.text) != event.detail_digest:
            reason = "its detail was changed after it was written"
        if reason:
            broken[event.application_id] = BrokenLink(event.application_id, event.sequence, reason)
        previous[event.application_id] = (event.sequence, event.digest)
    return list(broken.values())
