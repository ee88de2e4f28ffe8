"""The lifecycle table: every (state, action, role) outside it is refused and changes nothing."""

import threading

import pytest
from sqlalchemy import func, select

from workflow.applications.lifecycle import TRANSITIONS, Action, State
from workflow.applications.models import Application
from workflow.applications.transitions import apply_transition
from workflow.audit.models import ApplicationEvent
from workflow.errors import WrongState
from workflow.extensions import db as _db
from workflow.policy import SYSTEM, refusal

from ..builders import make_application

S = State
WORKING = {S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.INFO_REQUESTED, S.WITH_TRUSTEES}
OFFICE = {"officer", "admin"}  # the admin fixture is also an officer

# The nine transitions of SPEC 4, written out by hand again: who may take each, from which
# states, and where it leads. A wrong edit to the policy or the lifecycle table fails here.
EXPECTED = {
    Action.SUBMIT: ({"member"}, {S.DRAFT}, S.SUBMITTED),
    Action.TAKE: (OFFICE, {S.SUBMITTED}, S.IN_REVIEW),
    Action.REQUEST_INFORMATION: (OFFICE, {S.IN_REVIEW}, S.INFO_REQUESTED),
    Action.RESPOND: ({"member"}, {S.INFO_REQUESTED}, S.IN_REVIEW),
    Action.PUT_TO_TRUSTEES: (OFFICE, {S.IN_REVIEW}, S.WITH_TRUSTEES),
    Action.DEFER: (OFFICE | {"chair", "system"}, {S.WITH_TRUSTEES}, S.IN_REVIEW),
    Action.APPROVE: ({"system"}, {S.WITH_TRUSTEES}, S.APPROVED),
    Action.DECLINE: ({"system"}, {S.WITH_TRUSTEES}, S.DECLINED),
    Action.WITHDRAW: ({"member"}, WORKING, S.WITHDRAWN),
}


def sees(role: str, state: State) -> bool:
    """Whose the application is (SPEC 1): the organisation's own; staff once submitted; the
    board once it has been with the trustees."""
    if role in {"member", "system"}:
        return True
    if role == "other_applicant" or state is S.DRAFT:
        return False
    return role in OFFICE or state in {S.WITH_TRUSTEES, S.APPROVED, S.DECLINED}


def expected(action: Action, state: State, role: str) -> int:
    """The status SPEC 1 gives: 404 not yours, 403 wrong role, 409 wrong state."""
    who, sources, _ = EXPECTED[action]
    if "member" in who:  # the applicant's pages: whose it is comes first
        if not sees(role, state):
            return 404
        if role not in who:
            return 403
    else:
        if role not in who:
            return 403
        if not sees(role, state):
            return 404
    return 200 if state in sources else 409


@pytest.fixture()
def people(applicant, other_applicant, officer, admin, trustees):
    chair, trustee = trustees[0], trustees[1]
    return {
        "member": applicant, "other_applicant": other_applicant, "officer": officer, "admin": admin,
        "trustee": trustee, "chair": chair, "system": SYSTEM,
    }


def test_the_lifecycle_table_is_the_one_written_here():
    assert {action: (t.sources, t.target) for action, t in TRANSITIONS.items()} == {
        action: (frozenset(sources), target) for action, (_, sources, target) in EXPECTED.items()
    }


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("action", list(Action))
def test_every_state_action_role(db, hub, organisation, applicant, people, state, action):
    application = make_application(hub, organisation, applicant, state)
    for role, user in people.items():
        refused = refusal(user, action, application)
        assert (refused.code if refused else 200) == expected(action, state, role), role
        if refused is not None and refused.code != 404:
            assert refused.description.strip(), f"{action.value} refused to {role} without saying why"


@pytest.mark.parametrize("action", list(Action))
def test_a_transition_moves_the_state_once_and_records_it(db, hub, organisation, applicant, people, action):
    who, sources, target = EXPECTED[action]
    source = sorted(sources, key=lambda s: s.value)[0]
    application = make_application(hub, organisation, applicant, source)
    actor = people[sorted(who)[0]]
    values = {}
    if target in {State.APPROVED, State.DECLINED}:
        values = {"decided_at": application.state_changed_at}
    if action is Action.SUBMIT:
        values = {"reference": "NMEH-2026-0001", "submitted_at": application.state_changed_at}
    apply_transition(application, action, actor, comment="a reason", **values)
    db.session.commit()
    assert application.state is target
    event = db.session.scalar(
        select(ApplicationEvent).where(ApplicationEvent.application_id == application.id, ApplicationEvent.kind == action.value)
    )
    assert (event.from_state, event.to_state, event.detail.text) == (source.value, target.value, "a reason")
    assert event.actor_id == (None if actor is SYSTEM else actor.id)


@pytest.mark.parametrize("action", list(Action))
def test_the_compare_and_set_refuses_a_state_the_action_cannot_leave(db, hub, organisation, applicant, officer, action):
    """A race guard, not a permission check: the UPDATE only matches a source state of the table."""
    _, sources, _ = EXPECTED[action]
    state = next(s for s in State if s not in sources)
    application = make_application(hub, organisation, applicant, state)
    events_before = db.session.scalar(select(func.count(ApplicationEvent.id)))
    with pytest.raises(WrongState):
        apply_transition(application, action, officer)
    db.session.rollback()
    db.session.refresh(application)
    assert application.state is state
    assert db.session.scalar(select(func.count(ApplicationEvent.id))) == events_before


def test_two_officers_taking_at_once_exactly_one_wins(app, db, hub, organisation, applicant, officer, make_user):
    from workflow.accounts.models import Role

    second = make_user(Role.OFFICER)
    application = make_application(hub, organisation, applicant, State.SUBMITTED)
    application_id, officer_ids = application.id, [officer.id, second.id]
    barrier = threading.Barrier(2, timeout=30)
    results = []

    def take(officer_id):
        from workflow.accounts.models import User

        with app.app_context():
            barrier.wait()
            try:
                user = _db.session.get(User, officer_id)
                target = _db.session.get(Application, application_id)
                apply_transition(target, Action.TAKE, user, assigned_officer_id=officer_id)
                _db.session.commit()
                results.append("won")
            except WrongState:
                _db.session.rollback()
                results.append("refused")
            finally:
                _db.session.remove()

    for _ in range(3):
        results.clear()
        _db.session.execute(
            Application.__table__.update().where(Application.id == application_id).values(state="submitted")
        )
        _db.session.commit()
        threads = [threading.Thread(target=take, args=(officer_id,)) for officer_id in officer_ids]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(results) == ["refused", "won"]
    takes = db.session.scalar(
        select(func.count(ApplicationEvent.id)).where(ApplicationEvent.kind == "take")
    )
    assert takes == 3
