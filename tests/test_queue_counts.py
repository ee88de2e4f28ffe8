"""The queues' tab counts, kept by triggers, always agree with a fresh count."""

import pytest
from sqlalchemy import delete, func, select, update

from workflow.applications.lifecycle import Action, State
from workflow.applications.models import Application
from workflow.applications.transitions import apply_transition
from workflow.hubs.models import Hub
from workflow.reviews.counts import fold_queue_counts
from workflow.reviews.models import QueueCount, QueueCountChange
from workflow.reviews.queries import QueueFilter, queue_counts

from .builders import make_application
from .test_seed import seed


def kept(db) -> dict:
    """(hub, state) -> the folded count plus the changes written since."""
    totals = {}
    for hub_id, state, number in [
        *db.session.execute(select(QueueCount.hub_id, QueueCount.state, QueueCount.count)).tuples(),
        *db.session.execute(select(QueueCountChange.hub_id, QueueCountChange.state, QueueCountChange.change)).tuples(),
    ]:
        totals[(hub_id, state)] = totals.get((hub_id, state), 0) + number
    return {key: number for key, number in totals.items() if number}


def counted(db) -> dict:
    rows = db.session.execute(
        select(Application.hub_id, Application.state, func.count())
        .where(Application.submitted_at.is_not(None))
        .group_by(Application.hub_id, Application.state)
    ).all()
    return {(hub_id, state.value): count for hub_id, state, count in rows}


def test_counts_follow_every_kind_of_write(app, db, hub, organisation, applicant, officer):
    seed(app, 120)
    assert sum(kept(db).values()) == 120
    assert kept(db) == counted(db)

    draft = make_application(hub, organisation, applicant, State.DRAFT)
    assert kept(db) == counted(db)
    draft.reference, draft.submitted_at = "TEST-1", draft.state_changed_at
    apply_transition(draft, Action.SUBMIT, applicant)
    db.session.commit()
    assert kept(db)[(hub.id, "submitted")] == counted(db)[(hub.id, "submitted")]

    apply_transition(draft, Action.WITHDRAW, applicant)
    other = db.session.scalar(select(Hub).where(Hub.id != hub.id))
    moved = db.session.scalar(select(Application).where(Application.state == State.IN_REVIEW).limit(1))
    moved.hub_id = other.id if moved.hub_id == hub.id else hub.id
    removed = make_application(hub, organisation, applicant, State.APPROVED)  # no events, so it may go
    db.session.execute(delete(Application).where(Application.id == removed.id))
    db.session.commit()
    assert kept(db) == counted(db)
    assert sum(kept(db).values()) == 121

    fold_queue_counts()
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(QueueCountChange)) == 0
    assert kept(db) == counted(db)


def test_queues_read_the_kept_counts_unless_filtered_finely(app, db, hub, officer):
    seed(app, 60)
    total = counted(db)
    by_state = {state: sum(n for (_, s), n in total.items() if s == state.value) for state in State if state is not State.DRAFT}
    assert queue_counts(QueueFilter(), officer) == by_state
    in_hub = {state: total.get((hub.id, state.value), 0) for state in by_state}
    assert queue_counts(QueueFilter(hub_id=hub.id), officer) == in_hub
    assert queue_counts(QueueFilter(officer="unassigned"), officer) == {
        state: db.session.scalar(
            select(func.count()).select_from(Application)
            .where(Application.state == state, Application.assigned_officer_id.is_(None), Application.submitted_at.is_not(None))
        )
        for state in by_state
    }


def test_moving_applications_never_waits_on_another_transaction(app, db, hub, organisation, applicant):
    """Opposite moves in one hub, in two open transactions: the triggers only append, so neither waits."""
    first = make_application(hub, organisation, applicant, State.IN_REVIEW)
    second = make_application(hub, organisation, applicant, State.WITH_TRUSTEES)
    fold_queue_counts()
    db.session.commit()
    engine = db.engine
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite takes one writer at a time by design: only PostgreSQL runs writers side by side")
    one, two = engine.connect(), engine.connect()
    try:
        for connection in (one, two):
            connection.exec_driver_sql("SET lock_timeout = '2s'")  # a wait would fail the test
        one.execute(update(Application).where(Application.id == first.id).values(state=State.WITH_TRUSTEES))
        two.execute(update(Application).where(Application.id == second.id).values(state=State.IN_REVIEW))
        one.commit()
        two.commit()
    finally:
        one.close()
        two.close()
    assert kept(db) == counted(db)
