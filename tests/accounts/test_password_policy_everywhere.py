"""Every form and command that sets a password holds it to the one password policy."""

import pytest
from sqlalchemy import func, select

from workflow.accounts.models import Role, User
from workflow.accounts.passwords import verify_password
from workflow.admin.operations import invitation_token

from ..account_helpers import emails, forget_user, link_in, register
from ..conftest import PASSWORD
from ..page_helpers import invite

# A common password with digits added, a repeated character, and one of the person's names.
WEAK = [("password1234", "too common"), ("zzzzzzzzzzzzzzzz", "too common"), ("Tess Trustee", "your name")]


def _password_kept(db, user) -> bool:
    db.session.expire_all()
    return verify_password(db.session.get(User, user.id).password_hash, PASSWORD)


def _refused(response, message) -> str:
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page and message in page
    return page


@pytest.mark.parametrize("password, message", WEAK)
def test_accepting_a_staff_invitation(client, db, make_user, password, message):
    trustee = make_user(Role.TRUSTEE, name="Tess Trustee")
    link = f"/invitation/{invitation_token(trustee)}"
    page = _refused(client.post(link, data={"password": password, "confirm": password}), message)
    assert trustee.email in page
    assert _password_kept(db, trustee)
    assert client.get(link).status_code == 200  # the invitation still works


@pytest.mark.parametrize("password, message", WEAK)
def test_the_users_create_command(app, db, password, message):
    result = app.test_cli_runner().invoke(args=[
        "users", "create", "--email", "tess@example.org", "--name", "Tess Trustee",
        "--role", "trustee", "--password", password,
    ])
    assert result.exit_code != 0 and message in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_the_users_create_command_takes_a_good_password(app, db):
    result = app.test_cli_runner().invoke(args=[
        "users", "create", "--email", "tess@example.org", "--name", "Tess Trustee",
        "--role", "trustee", "--password", PASSWORD,
    ])
    assert result.exit_code == 0, result.output
    assert verify_password(db.session.scalar(select(User)).password_hash, PASSWORD)


@pytest.mark.parametrize("password, message", WEAK)
def test_registering(client, db, password, message):
    page = _refused(register(client, name="Tess Trustee", password=password, confirm=password), message)
    assert 'value="Kettering Community Strings"' in page and 'value="Tess Trustee"' in page
    assert db.session.scalar(select(User)) is None


@pytest.mark.parametrize("password, message", WEAK)
def test_joining_an_organisation_by_invitation(client, db, app, applicant, organisation, login, password, message):
    login(applicant)
    link = invite(client, organisation, "colleague@example.org")
    forget_user()
    response = app.test_client().post(link, data={"name": "Tess Trustee", "password": password, "confirm": password})
    assert 'value="Tess Trustee"' in _refused(response, message)
    assert db.session.scalar(select(User).where(User.email == "colleague@example.org")) is None


@pytest.mark.parametrize("password, message", WEAK)
def test_resetting_the_password(client, db, make_user, password, message):
    user = make_user(name="Tess Trustee")
    client.post("/password-reset", data={"email": user.email})
    link = link_in(emails("password_reset", user.email)[-1])
    _refused(client.post(link, data={"password": password, "confirm": password}), message)
    assert _password_kept(db, user)


@pytest.mark.parametrize("password, message", WEAK)
def test_changing_the_password(client, db, make_user, login, password, message):
    user = make_user(name="Tess Trustee")
    login(user)
    response = client.post("/account/password", data={"current": PASSWORD, "password": password, "confirm": password})
    _refused(response, message)
    assert _password_kept(db, user)
