"""Appending to an application's history: one chained event per thing that happened."""

import hashlib
import json

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from ..accounts.models import name_only
from ..applications.models import Application
from ..extensions import db
from ..types import utcnow
from .models import ApplicationEvent, EventDetail

GENESIS = "0" * 64


def digest_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def event_digest(event: ApplicationEvent) -> str:
    """The digest of an event's fields and the digest before it."""
    fields = [
        event.application_id, event.sequence, event.kind, event.actor_id,
        event.from_state, event.to_state, event.created_at.isoformat(),
        event.detail_digest, event.previous_digest,
    ]
    return digest_text(json.dumps(fields, separators=(",", ":")))


def record_event(
    application: Application,
    kind: str,
    actor=None,
    *,
    from_state=None,
    to_state=None,
    detail: str = "",
) -> ApplicationEvent:
    """Append an event to the application's chain, by `actor` (a person, or None or
    `policy.SYSTEM`, whose id is None, for Consort itself).

    The application's event counter is advanced with one UPDATE, which takes the
    row's write lock, so writers of one application queue and writers of
    different applications never wait on each other.
    """
    sequence = db.session.execute(
        update(Application)
        .where(Application.id == application.id)
        .values(event_count=Application.event_count + 1)
        .returning(Application.event_count)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    previous = db.session.execute(
        select(ApplicationEvent.digest).where(
            ApplicationEvent.application_id == application.id,
            ApplicationEvent.sequence == sequence - 1,
        )
    ).scalar_one_or_none()
    event = ApplicationEvent(
        application_id=application.id,
        sequence=sequence,
        kind=kind,
        actor_id=actor.id if actor is not None else None,
        from_state=getattr(from_state, "value", from_state),
        to_state=getattr(to_state, "value", to_state),
        created_at=utcnow(),
        detail_digest=digest_text(detail),
        previous_digest=previous or GENESIS,
    )
    event.digest = event_digest(event)
    if detail:
        event.detail = EventDetail(text=detail)
    db.session.add(event)
    db.session.flush()
    return event


def history(application: Application) -> list[ApplicationEvent]:
    """The application's events, oldest first."""
    return list(
        db.session.scalars(
            select(ApplicationEvent)
            .where(ApplicationEvent.application_id == application.id)
            .order_by(ApplicationEvent.sequence)
            .options(*name_only(joinedload(ApplicationEvent.actor)))
        )
    )
