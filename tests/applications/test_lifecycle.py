"""The lifecycle table: every (state, action, role) outside it is refused and changes nothing."""

import threading

import pytest
from sqlalchemy import func, select

from workflow.applications.lifecycle import TRANSITIONS, Action, State
from workflow.applications.models import Application
from workflow.applications.transitions import apply_transition
from workflow.audit.models import ApplicationEvent
from workflow.errors import NotAllowed, WrongState
from workflow.extensions import db as _db

from ..builders import make_application

ROLES = ["member", "other_applicant", "officer", "admin", "trustee", "chair"]
ROLE_ACTORS = {
    "member": {"applicant"},
    "other_applicant": set(),
    "officer": {"officer"},
    "admin": {"officer"},  # the admin fixture is also an officer
    "trustee": set(),
    "chair": {"chair"},
}


def expected(action: Action, state: State, role: str) -> int:
    transition = TRANSITIONS[action]
    if not {actor.value for actor in transition.actors} & ROLE_ACTORS[role]:
        return 403
    if state not in transition.sources:
        return 409
    return 200


@pytest.fixture()
def people(applicant, other_applicant, officer, admin, trustees):
    chair, trustee = trustees[0], trustees[1]
    return {
        "member": applicant,
        "other_applicant": other_applicant,
        "officer": officer,
        "admin": admin,
        "trustee": trustee,
        "chair": chair,
    }


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("action", list(Action))
def test_every_state_action_role(db, hub, organisation, applicant, people, state, action):
    application = make_application(hub, organisation, applicant, state)
    events_before = db.session.scalar(select(func.count(ApplicationEvent.id)))
    for role, user in people.items():
        outcome = expected(action, state, role)
        if outcome == 200:
            continue
        refusal = NotAllowed if outcome == 403 else WrongState
        with pytest.raises(refusal) as raised:
            apply_transition(application, action, user)
        assert raised.value.code == outcome
        db.session.rollback()
        db.session.refresh(application)
        assert application.state is state
    assert db.session.scalar(select(func.count(ApplicationEvent.id))) == events_before


@pytest.mark.parametrize("action", list(Action))
def test_allowed_transition_moves_state_and_records_event(db, hub, organisation, applicant, people, action):
    transition = TRANSITIONS[action]
    source = sorted(transition.sources, key=lambda s: s.value)[0]
    application = make_application(hub, organisation, applicant, source)
    role = next(r for r in ROLES if expected(action, source, r) == 200) if any(
        expected(action, source, r) == 200 for r in ROLES
    ) else None
    values = {}
    if transition.target in {State.APPROVED, State.DECLINED}:
        values = {"decided_at": application.state_changed_at}
    if action is Action.SUBMIT:
        values = {"reference": "NMEH-2026-0001", "submitted_at": application.state_changed_at}
    if role is None:
        apply_transition(application, action, system=True, comment="by the system", **values)
    else:
        apply_transition(application, action, people[role], comment="a reason", **values)
    db.session.commit()
    assert application.state is transition.target
    event = db.session.scalar(select(ApplicationEvent).where(ApplicationEvent.application_id == application.id))
    assert (event.kind, event.from_state, event.to_state) == (action.value, source.value, transition.target.value)
    assert event.detail.text in {"a reason", "by the system"}


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
