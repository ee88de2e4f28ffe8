"""Who reaches the applicant's pages: 404 not theirs, 403 wrong role, 409 wrong state; refusals change nothing."""

import pytest
from sqlalchemy import func, select

from tests.builders import complete_answers, make_application
from workflow.applications.documents import store_document
from workflow.applications.lifecycle import State
from workflow.applications.models import Message
from workflow.audit.models import ApplicationEvent
from workflow.notifications.models import OutboxMessage

PDF = b"%PDF-1.4\n%%EOF\n"

GET_PAGES = [
    "", "/sections/offer", "/sections/organisation", "/check", "/submitted", "/messages", "/withdraw", "/respond",
]
POSTS = {
    "/sections/offer": {"version": "1", "description": "Changed"},
    "/submit": {},
    "/messages": {"body": "Hello"},
    "/withdraw": {"reason": "Because"},
    "/respond": {"message": "Here it is"},
}


def application_in(db, hub, organisation, applicant, state, reopened=("goals",)):
    application = make_application(hub, organisation, applicant, state, answers=complete_answers(hub))
    if state is State.INFO_REQUESTED:
        application.reopened_sections = list(reopened)
    document = store_document(application, "safeguarding_policy", "Safeguarding policy", "policy.pdf", PDF, applicant)
    db.session.commit()
    return application, document


def snapshot(db, application) -> tuple:
    """Everything a refused request must leave as it was."""
    db.session.expire_all()
    return (
        application.state,
        application.reference,
        application.event_count,
        {s.key: (dict(s.answers), s.version) for s in application.sections},
        db.session.scalar(select(func.count()).select_from(Message)),
        db.session.scalar(select(func.count()).select_from(OutboxMessage)),
        db.session.scalar(select(func.count()).select_from(ApplicationEvent)),
    )


@pytest.mark.parametrize("state", [State.DRAFT, State.SUBMITTED, State.INFO_REQUESTED, State.WITH_TRUSTEES])
def test_another_organisation_gets_404_everywhere(client, db, hub, organisation, applicant, other_applicant, login, state):
    application, document = application_in(db, hub, organisation, applicant, state)
    before = snapshot(db, application)
    login(other_applicant)
    base = f"/applications/{application.id}"
    for page in GET_PAGES + [f"/documents/{document.id}"]:
        assert client.get(base + page).status_code == 404, page
    for page, data in POSTS.items():
        assert client.post(base + page, data=data).status_code == 404, page
    assert client.get(f"/organisation/{organisation.id}").status_code == 404
    assert client.post(f"/organisation/{organisation.id}", data=organisation.profile()).status_code == 404
    assert "Kettering Community Strings" not in client.get("/applications").get_data(as_text=True)
    assert snapshot(db, application) == before


def test_a_document_of_another_application_is_not_found_through_this_one(client, db, hub, organisation, applicant, other_applicant, login):
    mine, _ = application_in(db, hub, organisation, applicant, State.SUBMITTED)
    theirs, their_document = application_in(db, hub, other_applicant.memberships[0].organisation, other_applicant, State.SUBMITTED)
    login(applicant)
    assert client.get(f"/applications/{mine.id}/documents/{their_document.id}").status_code == 404
    assert client.get(f"/applications/{theirs.id}/documents/{their_document.id}").status_code == 404
    assert client.get(f"/applications/{mine.id}/documents/999999").status_code == 404


def test_a_trustee_gets_404_for_a_draft(client, db, hub, organisation, applicant, chair, login):
    application, document = application_in(db, hub, organisation, applicant, State.DRAFT)
    login(chair)
    base = f"/applications/{application.id}"
    for page in GET_PAGES + [f"/documents/{document.id}"]:
        assert client.get(base + page).status_code == 404, page


@pytest.mark.parametrize("role", ["officer", "chair"])
def test_staff_and_trustees_cannot_act_for_the_applicant(request, client, db, hub, organisation, applicant, login, role):
    application, document = application_in(db, hub, organisation, applicant, State.WITH_TRUSTEES)
    before = snapshot(db, application)
    login(request.getfixturevalue(role))
    base = f"/applications/{application.id}"
    for page in GET_PAGES:
        assert client.get(base + page).status_code == 403, page
    for page, data in POSTS.items():
        response = client.post(base + page, data=data)
        assert response.status_code == 403, page
        assert "You cannot do this" in response.get_data(as_text=True)
    download = client.get(f"{base}/documents/{document.id}")
    assert download.status_code == 200 and download.headers["Content-Disposition"].startswith("attachment")
    assert client.get("/applications").status_code == 403
    assert client.post("/applications/new", data={"hub": str(hub.id)}).status_code == 403
    assert client.get("/organisation").status_code == 403
    assert snapshot(db, application) == before


def test_signing_in_is_required(client, db, hub, organisation, applicant):
    application, document = application_in(db, hub, organisation, applicant, State.DRAFT)
    base = f"/applications/{application.id}"
    for page in GET_PAGES + [f"/documents/{document.id}"]:
        response = client.get(base + page)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"], page
    for page in ["/applications", "/organisation"]:
        assert "/sign-in" in client.get(page).headers["Location"]
    for page, data in POSTS.items():
        assert client.post(base + page, data=data).status_code == 302


REFUSALS = [
    (State.SUBMITTED, "get", "/sections/offer", 409),
    (State.SUBMITTED, "post", "/sections/offer", 409),
    (State.IN_REVIEW, "post", "/sections/goals", 409),
    (State.INFO_REQUESTED, "post", "/sections/offer", 409),
    (State.INFO_REQUESTED, "get", "/sections/declarations", 409),
    (State.APPROVED, "post", "/sections/offer", 409),
    (State.WITHDRAWN, "post", "/sections/documents", 409),
    (State.SUBMITTED, "post", "/submit", 409),
    (State.IN_REVIEW, "post", "/submit", 409),
    (State.WITHDRAWN, "post", "/submit", 409),
    (State.DRAFT, "post", "/respond", 409),
    (State.SUBMITTED, "get", "/respond", 409),
    (State.IN_REVIEW, "post", "/respond", 409),
    (State.WITH_TRUSTEES, "post", "/respond", 409),
    (State.APPROVED, "post", "/withdraw", 409),
    (State.DECLINED, "get", "/withdraw", 409),
    (State.WITHDRAWN, "post", "/withdraw", 409),
    (State.DRAFT, "post", "/sections/organisation", 409),
    (State.DRAFT, "get", "/sections/nonsense", 404),
    (State.DRAFT, "post", "/sections/nonsense", 404),
]


@pytest.mark.parametrize("state, method, page, expected", REFUSALS)
def test_refusals_change_nothing(client, db, hub, organisation, applicant, login, state, method, page, expected):
    application, _ = application_in(db, hub, organisation, applicant, state)
    before = snapshot(db, application)
    login(applicant)
    data = {
        "version": "1", "description": "Changed", "how": "Changed", "reason": "Changed", "message": "Changed",
    }
    url = f"/applications/{application.id}{page}"
    response = client.get(url) if method == "get" else client.post(url, data=data)
    assert response.status_code == expected
    if expected == 409:
        assert "This cannot be done now" in response.get_data(as_text=True)
    assert snapshot(db, application) == before


def test_the_member_reaches_every_page_of_their_own_draft(client, db, hub, organisation, applicant, login):
    application, document = application_in(db, hub, organisation, applicant, State.DRAFT)
    login(applicant)
    base = f"/applications/{application.id}"
    expected = {"/respond": 409, "/submitted": 302}
    for page in GET_PAGES + [f"/documents/{document.id}"]:
        assert client.get(base + page).status_code == expected.get(page, 200), page
