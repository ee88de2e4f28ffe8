"""Who may reach the decision letter pages: officers prepare it, whoever sees the application downloads it."""

import pytest
from flask import g

from tests.builders import make_application
from workflow.accounts.models import Role
from workflow.applications.lifecycle import State
from workflow.letters.models import DecisionLetter, LetterStatus, LetterTemplate
from workflow.letters.operations import draft_letter, issue_letter
from workflow.votes.rule import Choice

OFFICE = {
    "letters.edit GET": ("get", "/office/applications/{id}/letter", None),
    "letters.edit POST": ("post", "/office/applications/{id}/letter", {"free_paragraph": "Changed."}),
    "letters.issue": ("post", "/office/applications/{id}/letter/issue", {"confirm": "y"}),
    "letters.preview": ("get", "/office/applications/{id}/letter/preview.pdf", None),
}
DOWNLOAD = "/applications/{id}/letter.pdf"
ADMIN = {
    "letters.templates": ("get", "/admin/letters", None, 200),
    "letters.edit_template GET": ("get", "/admin/letters/{hub}/approve", None, 200),
    "letters.edit_template POST": ("post", "/admin/letters/{hub}/decline", {"body": "<p>Dear {{ contact }},</p>", "save": "y"}, 302),
    "letters.template_version": ("get", "/admin/letters/{hub}/approve/1", None, 200),
    "letters.template_preview": ("get", "/admin/letters/{hub}/approve/1/preview.pdf", None, 200),
}
ROUTES = {
    "letters.edit", "letters.issue", "letters.preview", "letters.download", "letters.verify",
    "letters.templates", "letters.edit_template", "letters.template_version", "letters.template_preview",
}


@pytest.fixture()
def people(applicant, other_applicant, officer, admin, make_user):
    return {
        "applicant": applicant,
        "other organisation": other_applicant,
        "officer": officer,
        "admin": admin,
        "trustee": make_user(Role.TRUSTEE, name="Tom Trustee"),
        "chair": make_user(Role.CHAIR, Role.TRUSTEE, name="Charlotte Chair"),
    }


@pytest.fixture()
def drafted(db, hub, organisation, applicant, officer):
    application = make_application(hub, organisation, applicant, State.APPROVED, officer=officer)
    letter = draft_letter(application, Choice.APPROVE)
    db.session.commit()
    return letter


@pytest.fixture()
def issued(app, db, drafted, officer):
    with app.test_request_context():
        issue_letter(drafted, officer)
        db.session.commit()
    g.pop("_login_user", None)
    return drafted


def _request(client, method, path, data, application_id):
    return getattr(client, method)(path.format(id=application_id), data=data)


def test_every_letters_route_is_in_this_table(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("letters.")}
    assert endpoints == ROUTES


@pytest.mark.parametrize("route", OFFICE)
@pytest.mark.parametrize("role", ["applicant", "other organisation", "trustee", "chair"])
def test_office_letter_pages_are_for_staff_only(db, client, login, people, drafted, route, role):
    method, path, data = OFFICE[route]
    login(people[role])
    response = _request(client, method, path, data, drafted.application_id)
    assert response.status_code == 403
    assert "trust office" in response.get_data(as_text=True)
    letter = db.session.get(DecisionLetter, drafted.id)
    assert letter.status is LetterStatus.DRAFTED and letter.free_paragraph == ""


@pytest.mark.parametrize("route", OFFICE)
def test_signed_out_people_are_sent_to_sign_in(db, client, drafted, route):
    method, path, data = OFFICE[route]
    response = _request(client, method, path, data, drafted.application_id)
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


@pytest.mark.parametrize(
    "route, expected",
    [("letters.edit GET", 200), ("letters.edit POST", 302), ("letters.issue", 302), ("letters.preview", 200)],
)
@pytest.mark.parametrize("role", ["officer", "admin"])
def test_officers_prepare_and_issue_letters(db, client, login, people, drafted, route, expected, role):
    method, path, data = OFFICE[route]
    login(people[role])  # the admin here is also an officer
    assert _request(client, method, path, data, drafted.application_id).status_code == expected


@pytest.mark.parametrize("route, expected", [("letters.edit GET", 200), ("letters.preview", 200)])
def test_an_admin_who_is_not_an_officer_reads_the_letter(db, client, login, make_user, drafted, route, expected):
    method, path, data = OFFICE[route]
    login(make_user(Role.ADMIN, name="Ada Admin"))
    response = _request(client, method, path, data, drafted.application_id)
    assert response.status_code == expected
    if route == "letters.edit GET":
        page = response.get_data(as_text=True)
        assert "Issue the letter" not in page and 'name="free_paragraph"' not in page
        assert "An officer adds any conditions" in page


@pytest.mark.parametrize("route", ["letters.edit POST", "letters.issue"])
def test_an_admin_who_is_not_an_officer_cannot_change_or_issue_the_letter(db, client, login, make_user, drafted, route):
    method, path, data = OFFICE[route]
    login(make_user(Role.ADMIN, name="Ada Admin"))
    response = _request(client, method, path, data, drafted.application_id)
    assert response.status_code == 403
    assert "trust office&#39;s officers" in response.get_data(as_text=True)
    letter = db.session.get(DecisionLetter, drafted.id)
    assert letter.status is LetterStatus.DRAFTED and letter.free_paragraph == ""


@pytest.mark.parametrize("route", OFFICE)
def test_office_pages_404_without_a_letter(db, client, login, officer, hub, organisation, applicant, route):
    waiting = make_application(hub, organisation, applicant, State.WITH_TRUSTEES)
    method, path, data = OFFICE[route]
    login(officer)
    assert _request(client, method, path, data, waiting.id).status_code == 404
    assert _request(client, method, path, data, 999_999).status_code == 404


@pytest.mark.parametrize(
    "role, expected",
    [
        ("applicant", 200),
        ("other organisation", 404),
        ("officer", 200),
        ("admin", 200),
        ("trustee", 200),
        ("chair", 200),
    ],
)
def test_who_downloads_an_issued_letter(db, client, login, people, issued, role, expected):
    login(people[role])
    response = client.get(DOWNLOAD.format(id=issued.application_id))
    assert response.status_code == expected
    if expected == 200:
        assert response.mimetype == "application/pdf"
        assert response.data == db.session.get(DecisionLetter, issued.id).pdf


@pytest.mark.parametrize("role", ["applicant", "other organisation", "officer", "trustee"])
def test_a_letter_not_yet_issued_cannot_be_downloaded(db, client, login, people, drafted, role):
    login(people[role])
    assert client.get(DOWNLOAD.format(id=drafted.application_id)).status_code == 404


def test_downloads_404_without_a_letter_or_an_application(db, client, login, applicant, hub, organisation):
    waiting = make_application(hub, organisation, applicant, State.WITH_TRUSTEES)
    login(applicant)
    assert client.get(DOWNLOAD.format(id=waiting.id)).status_code == 404
    assert client.get(DOWNLOAD.format(id=999_999)).status_code == 404


def test_signed_out_people_cannot_download(db, client, issued):
    response = client.get(DOWNLOAD.format(id=issued.application_id))
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]



# Letter templates: admins only; checking a letter: anyone


@pytest.mark.parametrize("route", ADMIN)
@pytest.mark.parametrize("role", ["applicant", "officer", "trustee", "chair", "signed out"])
def test_letter_templates_are_for_admins_only(db, client, login, people, drafted, route, role):
    method, path, data, _ = ADMIN[route]
    if role != "signed out":
        login(people[role])
    response = getattr(client, method)(path.format(hub=drafted.application.hub_id), data=data)
    if role == "signed out":
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    else:
        assert response.status_code == 403
        assert "Only an admin" in response.get_data(as_text=True)
    assert db.session.query(LetterTemplate).filter_by(outcome=Choice.DECLINE).count() == 0


@pytest.mark.parametrize("route", ADMIN)
def test_admins_edit_letter_templates(db, client, login, people, drafted, route):
    method, path, data, expected = ADMIN[route]
    login(people["admin"])
    response = getattr(client, method)(path.format(hub=drafted.application.hub_id), data=data)
    assert response.status_code == expected


@pytest.mark.parametrize("path", ["/admin/letters/999999/approve", "/admin/letters/{hub}/abstain", "/admin/letters/{hub}/approve/9"])
def test_unknown_hubs_outcomes_and_versions_are_404(db, client, login, people, drafted, path):
    login(people["admin"])
    assert client.get(path.format(hub=drafted.application.hub_id)).status_code == 404


@pytest.mark.parametrize("role", ["signed out", "applicant", "officer", "trustee"])
def test_anyone_may_check_a_letter(db, client, login, people, issued, role):
    if role != "signed out":
        login(people[role])
    assert client.get("/verify").status_code == 200
    response = client.get("/verify", query_string={"code": issued.verification_code})
    assert response.status_code == 200
    assert "This letter is genuine" in response.get_data(as_text=True)
