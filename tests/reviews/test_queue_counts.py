"""The queues' tab counts, kept by triggers, always agree with a fresh count."""

from sqlalchemy import delete, func, select

from workflow.applications.lifecycle import Action, State
from workflow.applications.models import Application
from workflow.applications.transitions import apply_transition
from workflow.hubs.models import Hub
from workflow.reviews.counts import fold_queue_counts
from workflow.organisations.models import Organisation, OrganisationType
from workflow.reviews.models import ApplicationDistrict, QueueCount, QueueCountChange
from workflow.reviews.queries import QUEUE_STATES, QueueFilter, queue_counts, queue_page

from ..builders import make_application, seed, writes_at_once


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


def matching(db, criteria: QueueFilter) -> dict[State, set[int]]:
    """The ids of the submitted applications in each queue under a district and type, found from the applications."""
    statement = (
        select(Application.state, Application.id)
        .join(Organisation, Organisation.id == Application.organisation_id)
        .join(ApplicationDistrict, ApplicationDistrict.application_id == Application.id)
        .where(Application.submitted_at.is_not(None), ApplicationDistrict.district == criteria.district)
    )
    if criteria.organisation_type is not None:
        statement = statement.where(Organisation.organisation_type == criteria.organisation_type)
    if criteria.hub_id is not None:
        statement = statement.where(Application.hub_id == criteria.hub_id)
    found = {state: set() for state in QUEUE_STATES}
    for state, number in db.session.execute(statement).tuples():
        found[state].add(number)
    return found


def test_district_queues_follow_moves_and_organisation_types(app, db, hub, officer):
    """A district's rows carry their application's state and organisation type: counts and pages stay right."""
    seed(app, 150)
    district = db.session.scalar(select(ApplicationDistrict.district).limit(1))
    kinds = [QueueFilter(district=district), QueueFilter(district=district, organisation_type=OrganisationType.SCHOOL),
             QueueFilter(district=district, organisation_type=OrganisationType.SCHOOL, hub_id=hub.id)]

    def agree():
        for criteria in kinds:
            found = matching(db, criteria)
            assert queue_counts(criteria, officer) == {state: len(ids) for state, ids in found.items()}
            for state in QUEUE_STATES:
                page = queue_page(QueueFilter(**{**criteria.__dict__, "state": state}), officer, per_page=500)
                assert {application.id for application in page.applications} == found[state]

    agree()
    assert sum(queue_counts(kinds[1], officer).values()) > 0
    moved = db.session.scalar(
        select(Application).join(ApplicationDistrict).where(
            ApplicationDistrict.district == district, Application.state == State.IN_REVIEW
        ).limit(1)
    )
    moved.state = State.INFO_REQUESTED
    school = db.session.scalar(
        select(Organisation).join(Application).join(ApplicationDistrict)
        .where(ApplicationDistrict.district == district, Organisation.organisation_type != OrganisationType.SCHOOL)
        .limit(1)
    )
    school.organisation_type = OrganisationType.SCHOOL
    db.session.commit()
    agree()


def test_moving_applications_never_waits_on_another_transaction(app, db, hub, organisation, applicant):
    """Opposite moves in one hub: the triggers only append, so the second mover never waits for the first.

    On PostgreSQL both transactions are open at once; SQLite takes one writer at a
    time by design, so there the second begins when the first has committed.
    """
    first = make_application(hub, organisation, applicant, State.IN_REVIEW)
    second = make_application(hub, organisation, applicant, State.WITH_TRUSTEES)
    move_first = f"UPDATE applications SET state = 'with_trustees' WHERE id = {first.id}"
    move_second = f"UPDATE applications SET state = 'in_review' WHERE id = {second.id}"
    fold_queue_counts()
    db.session.commit()
    engine = db.engine
    if engine.dialect.name == "sqlite":
        with engine.begin() as one:
            one.exec_driver_sql(move_first)
        assert writes_at_once(engine, move_second)
        with engine.begin() as two:
            two.exec_driver_sql(move_second)
    else:
        one = engine.connect()
        try:
            one.exec_driver_sql(move_first)
            assert writes_at_once(engine, move_second)  # while the first is still open
            with engine.begin() as two:
                two.exec_driver_sql(move_second)
            one.commit()
        finally:
            one.close()
    assert kept(db) == counted(db)
