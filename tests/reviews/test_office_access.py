"""Who may use the office's pages, and what the lifecycle refuses."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.builders import make_application
from workflow.accounts.models import Role
from workflow.applications.lifecycle import TRANSITIONS, Action, State
from workflow.applications.models import Application, Message
from workflow.audit.models import ApplicationEvent
from workflow.errors import WrongState
from workflow.notifications.models import OutboxMessage
from workflow.reviews.models import Assessment, Note
from workflow.reviews.operations import put_to_trustees
from workflow.types import LONDON, utcnow
from workflow.votes.models import Vote

# Every office URL, with the methods it answers; {id} is an application's id, {number} a revision's.
OFFICE_URLS = [
    ("GET", "/office"),
    ("GET", "/office/dashboard"),
    ("GET", "/office/export.csv"),
    ("POST", "/office/bulk"),
    ("POST", "/office/bulk/request-information"),
    ("POST", "/office/bulk/put-to-trustees"),
    ("GET", "/office/applications/{id}"),
    ("GET", "/office/applications/{id}/revisions/{number}"),
    ("GET", "/office/applications/{id}/revisions/{number}/changes"),
    ("POST", "/office/applications/{id}/take"),
    ("POST", "/office/applications/{id}/assign"),
    ("GET", "/office/applications/{id}/request-information"),
    ("POST", "/office/applications/{id}/request-information"),
    ("POST", "/office/applications/{id}/assessment"),
    ("GET", "/office/applications/{id}/put-to-trustees"),
    ("POST", "/office/applications/{id}/put-to-trustees"),
    ("POST", "/office/applications/{id}/notes"),
    ("POST", "/office/applications/{id}/messages"),
    ("GET", "/office/drafts/{id}/messages"),
    ("POST", "/office/drafts/{id}/messages"),
]


def test_every_office_route_is_in_the_table(app):
    listed = {
        (method, url.replace("{id}", "<int:application_id>").replace("{number}", "<int:number>"))
        for method, url in OFFICE_URLS
    }
    routes = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("reviews.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == listed


@pytest.fixture()
def application(hub, organisation, applicant, officer):
    return make_application(hub, organisation, applicant, State.IN_REVIEW, officer=officer)


def _call(client, method, url, application):
    return client.open(url.format(id=application.id, number=1), method=method, data={})


@pytest.mark.parametrize("method, url", OFFICE_URLS)
@pytest.mark.parametrize("role", ["applicant", "trustee", "chair"])
def test_only_staff_use_the_office(client, login, make_user, applicant, application, method, url, role):
    person = {
        "applicant": applicant,
        "trustee": make_user(Role.TRUSTEE),
        "chair": make_user(Role.CHAIR, Role.TRUSTEE),
    }[role]
    login(person)
    response = _call(client, method, url, application)
    assert response.status_code == 403
    assert "You cannot do this" in response.get_data(as_text=True)


@pytest.mark.parametrize("method, url", OFFICE_URLS)
def test_anonymous_people_are_asked_to_sign_in(client, application, method, url):
    response = _call(client, method, url, application)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


@pytest.mark.parametrize("method, url", [("GET", "/office"), ("GET", "/office/applications/{id}"), ("POST", "/office/applications/{id}/notes")])
def test_an_admin_who_is_not_an_officer_can_see_and_note(client, login, make_user, application, method, url):
    login(make_user(Role.ADMIN))
    response = client.open(url.format(id=application.id), method=method, data={"note-body": "Seen"})
    assert response.status_code in {200, 302}


@pytest.mark.parametrize("path", ["take", "assign", "assessment", "request-information", "put-to-trustees"])
def test_an_admin_who_is_not_an_officer_cannot_do_officer_work(client, login, db, make_user, hub, organisation, applicant, path):
    application = make_application(hub, organisation, applicant, State.SUBMITTED if path == "take" else State.IN_REVIEW)
    admin_only = make_user(Role.ADMIN)
    login(admin_only)
    response = client.post(f"/office/applications/{application.id}/{path}", data={"assign-assignee": admin_only.id})
    assert response.status_code == 403
    db.session.refresh(application)
    assert application.assigned_officer_id is None
    assert application.event_count == 0


# --- the lifecycle refuses what its table does not allow --------------------------


def _future_date() -> list[str]:
    day = (utcnow().astimezone(LONDON) + timedelta(days=10)).date()
    return [str(day.day), str(day.month), str(day.year)]


def _valid_data(path: str, colleague) -> dict:
    data = {
        "take": {},
        "assign": {"assign-assignee": colleague.id},
        "request-information": {"sections": ["offer"], "message": "More, please"},
        "assessment": {"assessment-recommendation": "approve", "assessment-reasons": "Good", "assessment-met_1": "yes"},
        "put-to-trustees": {"deadline": _future_date()},
    }
    return data[path]


# Which states each office action may start from: the lifecycle table for transitions,
# and for assigning (no transition) every state but draft and the final ones.
ALLOWED_FROM = {
    "take": TRANSITIONS[Action.TAKE].sources,
    "request-information": TRANSITIONS[Action.REQUEST_INFORMATION].sources,
    "put-to-trustees": TRANSITIONS[Action.PUT_TO_TRUSTEES].sources,
    "assessment": {State.IN_REVIEW},
    "assign": {State.SUBMITTED, State.IN_REVIEW, State.INFO_REQUESTED, State.WITH_TRUSTEES},
}
OFFICE_STATES = [state for state in State if state is not State.DRAFT]
REFUSED = [(state, path) for path, allowed in ALLOWED_FROM.items() for state in OFFICE_STATES if state not in allowed]


def _snapshot(db, application) -> tuple:
    db.session.expire_all()
    row = db.session.get(Application, application.id)
    counts = tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (ApplicationEvent, Message, Note, Assessment, Vote, OutboxMessage)
    )
    return (row.state, row.assigned_officer_id, row.state_changed_at, list(row.reopened_sections or []), counts)


@pytest.mark.parametrize("state, path", REFUSED)
def test_actions_outside_the_lifecycle_are_refused(client, login, db, make_user, hub, organisation, applicant, officer, trustees, state, path):
    colleague = make_user(Role.OFFICER)
    application = make_application(hub, organisation, applicant, state, officer=officer)
    before = _snapshot(db, application)
    login(officer)
    url = f"/office/applications/{application.id}/{path}"
    response = client.post(url, data=_valid_data(path, colleague))
    assert response.status_code == 409
    assert "This cannot be done now" in response.get_data(as_text=True)
    if path in {"request-information", "put-to-trustees"}:
        assert client.get(url).status_code == 409
    assert _snapshot(db, application) == before


def test_put_to_trustees_without_a_quorum_of_trustees_changes_nothing(client, login, db, make_user, hub, organisation, applicant, officer):
    make_user(Role.CHAIR, Role.TRUSTEE)
    application = make_application(hub, organisation, applicant, State.IN_REVIEW, officer=officer)
    login(officer)
    client.post(
        f"/office/applications/{application.id}/assessment",
        data={"assessment-recommendation": "decline", "assessment-reasons": "Not eligible"},
    )
    before = _snapshot(db, application)
    response = client.post(f"/office/applications/{application.id}/put-to-trustees", data={"deadline": _future_date()})
    page = response.get_data(as_text=True)
    assert response.status_code == 200  # an error beside the choice, what was typed kept
    assert "There is a problem" in page and "fewer trustees than the quorum" in page
    assert _snapshot(db, application) == before
    with pytest.raises(WrongState, match="quorum"):
        put_to_trustees(application, officer, utcnow() + timedelta(days=7))


@pytest.mark.parametrize("url, data", [
    ("/office/bulk", {"action": "assign"}),
    ("/office/bulk", {"action": "request_information"}),
    ("/office/bulk/request-information", {}),
    ("/office/bulk/put-to-trustees", {}),
])
def test_an_admin_who_is_not_an_officer_cannot_act_in_bulk(client, login, db, make_user, application, url, data):
    admin_only = make_user(Role.ADMIN)
    login(admin_only)
    response = client.post(url, data={"selected": [application.id], "assignee": admin_only.id, **data})
    assert response.status_code == 403
    db.session.refresh(application)
    assert application.event_count == 0
