"""An organisation's members: invitations end to end, leaving, removing, and who may do it."""

import re

import pytest
from sqlalchemy import select

from workflow.accounts.models import Invitation, User
from workflow.organisations.models import Membership

from ..account_helpers import Clock, emails, event_kinds, forget_user
from ..page_helpers import invite

NEW_PASSWORD = "a colleague's passphrase"


@pytest.fixture()
def clock(monkeypatch):
    return Clock(monkeypatch)


def member_ids(db, organisation):
    return set(db.session.scalars(select(Membership.user_id).where(Membership.organisation_id == organisation.id)))


def test_the_members_page_lists_the_members(client, db, applicant, organisation, login):
    login(applicant)
    page = client.get(f"/organisation/{organisation.id}/members").get_data(as_text=True)
    assert applicant.name in page and applicant.email in page
    assert "You are the only member" in page
    box = re.search(r'<input[^>]*\bid="email"[^>]*>', page).group(0)
    assert 'type="email"' in box and 'autocomplete="off"' in box and 'spellcheck="false"' in box


def test_a_new_colleague_registers_from_the_invitation_and_sees_the_applications(
    client, db, app, applicant, organisation, login, hub
):
    from workflow.applications.lifecycle import State

    from ..builders import make_application

    application = make_application(hub, organisation, applicant, State.DRAFT)
    login(applicant)
    link = invite(client, organisation, "Colleague@Example.org")
    assert link.startswith("/join/")
    colleague = app.test_client()
    forget_user()
    page = colleague.get(link).get_data(as_text=True)
    assert organisation.name in page and "colleague@example.org" in page
    response = colleague.post(link, data={"name": "Cole League", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "colleague@example.org"))
    assert user.is_applicant and user.is_email_verified
    assert member_ids(db, organisation) == {applicant.id, user.id}
    forget_user()
    assert colleague.get(f"/applications/{application.id}").status_code == 200
    assert colleague.post(link).status_code == 410  # single use
    assert "joined_organisation" in event_kinds(user)


def test_an_existing_account_signs_in_and_accepts(client, db, app, applicant, other_applicant, organisation, login):
    login(applicant)
    link = invite(client, organisation, other_applicant.email)
    other = app.test_client()
    forget_user()
    page = other.get(link).get_data(as_text=True)
    assert "Sign in to accept" in page
    login(other_applicant, other)
    assert other.post(link).status_code == 302
    assert other_applicant.id in member_ids(db, organisation)


def test_only_the_invited_account_can_accept(client, db, app, applicant, other_applicant, organisation, login):
    login(applicant)
    link = invite(client, organisation, "someone.specific@example.org")
    other = app.test_client()
    login(other_applicant, other)
    page = other.post(link).get_data(as_text=True)
    assert "Only the account for someone.specific@example.org" in page
    assert other_applicant.id not in member_ids(db, organisation)


def test_an_invitation_expires_after_a_week(client, db, app, applicant, organisation, login, clock):
    login(applicant)
    link = invite(client, organisation, "late@example.org")
    clock.forward(days=8)
    forget_user()
    response = app.test_client().get(link)
    assert response.status_code == 410
    assert "has expired" in response.get_data(as_text=True)


def test_a_cancelled_invitation_does_not_work(client, db, app, applicant, organisation, login):
    login(applicant)
    link = invite(client, organisation, "maybe@example.org")
    invitation = db.session.scalar(select(Invitation))
    assert client.post(f"/organisation/{organisation.id}/invitations/{invitation.id}/cancel").status_code == 302
    forget_user()
    assert app.test_client().get(link).status_code == 410


def test_inviting_a_member_again_is_refused(client, db, applicant, organisation, login):
    login(applicant)
    response = client.post(f"/organisation/{organisation.id}/members", data={"email": applicant.email})
    assert response.status_code == 409


def test_a_member_removes_another_and_can_leave_but_not_as_the_last(client, db, make_user, applicant, organisation, login):
    colleague = make_user(name="Colleague", organisation=organisation)
    login(applicant)
    assert client.post(f"/organisation/{organisation.id}/members/{colleague.id}/remove").status_code == 302
    assert member_ids(db, organisation) == {applicant.id}
    assert "removed_from_organisation" in event_kinds(colleague)
    forget_user()
    assert client.post(f"/organisation/{organisation.id}/members/{applicant.id}/remove").status_code == 409
    assert member_ids(db, organisation) == {applicant.id}


def test_a_member_leaves(client, db, make_user, applicant, organisation, login):
    colleague = make_user(name="Colleague", organisation=organisation)
    login(colleague)
    response = client.post(f"/organisation/{organisation.id}/members/{colleague.id}/remove")
    assert response.status_code == 302
    assert member_ids(db, organisation) == {applicant.id}
    assert "left_organisation" in event_kinds(colleague)
    forget_user()
    assert client.get(f"/organisation/{organisation.id}/members").status_code == 404


@pytest.mark.parametrize(
    "who, method, path, expected",
    [
        ("other_applicant", "get", "/organisation/{org}/members", 404),
        ("other_applicant", "post", "/organisation/{org}/members", 404),
        ("other_applicant", "post", "/organisation/{org}/members/{member}/remove", 404),
        ("officer", "get", "/organisation/{org}/members", 403),
        ("officer", "post", "/organisation/{org}/members/{member}/remove", 403),
        ("anonymous", "get", "/organisation/{org}/members", 302),
        ("applicant", "post", "/organisation/{org}/members/{outsider}/remove", 404),
        ("applicant", "get", "/organisation/999999/members", 404),
    ],
)
def test_who_may_see_and_change_members(client, db, login, request, applicant, other_applicant, officer, organisation, who, method, path, expected):
    if who != "anonymous":
        login(request.getfixturevalue(who))
    url = path.format(org=organisation.id, member=applicant.id, outsider=other_applicant.id)
    response = getattr(client, method)(url, data={"email": "x@example.org"} if method == "post" else None)
    assert response.status_code == expected
    assert member_ids(db, organisation) == {applicant.id}
    assert emails("invitation") == []
