"""Password reset by a single-use, expiring link; changing the password; the password policy."""

import pytest
from sqlalchemy import select

from workflow.accounts.models import User
from workflow.accounts.passwords import (
    common_passwords,
    password_problem,
    verify_password,
)

from ..account_helpers import Clock, emails, event_kinds, forget_user, link_in, register
from ..conftest import PASSWORD

NEW = "a brand new passphrase"


@pytest.fixture()
def clock(monkeypatch):
    return Clock(monkeypatch)


def _reset_link(client, email):
    client.post("/password-reset", data={"email": email})
    return link_in(emails("password_reset", email)[-1])


def test_the_answer_is_the_same_whether_or_not_the_account_exists(client, db, applicant):
    known = client.post("/password-reset", data={"email": applicant.email})
    unknown = client.post("/password-reset", data={"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    strip = lambda response, email: response.get_data(as_text=True).replace(email, "EMAIL")
    assert strip(known, applicant.email) == strip(unknown, "nobody@example.org")
    assert len(emails("password_reset")) == 1


def test_a_reset_link_sets_a_new_password_once(client, db, applicant):
    link = _reset_link(client, applicant.email)
    assert client.get(link).status_code == 200
    response = client.post(link, data={"password": NEW, "confirm": NEW})
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"
    db.session.expire_all()
    user = db.session.get(User, applicant.id)
    assert verify_password(user.password_hash, NEW)
    assert "password_reset" in event_kinds(user)
    assert emails("password_changed", applicant.email)
    again = client.post(link, data={"password": "yet another passphrase", "confirm": "yet another passphrase"})
    assert again.status_code == 410
    assert "already been used" in again.get_data(as_text=True)


@pytest.mark.parametrize("minutes, works", [(59, True), (61, False)])
def test_a_reset_link_expires_after_an_hour(client, db, applicant, clock, minutes, works):
    link = _reset_link(client, applicant.email)
    clock.forward(minutes=minutes)
    assert client.get(link).status_code == (200 if works else 410)


def test_an_older_link_stops_working_when_the_password_changes(client, db, applicant):
    first = _reset_link(client, applicant.email)
    second = _reset_link(client, applicant.email)
    assert client.post(second, data={"password": NEW, "confirm": NEW}).status_code == 302
    assert client.get(first).status_code == 410


def test_a_reset_ends_every_session(client, db, applicant, login, app):
    other = app.test_client()
    login(applicant, other)
    assert other.get("/account").status_code == 200
    link = _reset_link(client, applicant.email)
    client.post(link, data={"password": NEW, "confirm": NEW})
    forget_user()
    assert other.get("/account").status_code == 302


def test_changing_the_password_ends_the_other_sessions_and_keeps_this_one(client, db, applicant, login, app):
    laptop, phone = client, app.test_client()
    login(applicant, phone)
    login(applicant, laptop)
    response = laptop.post("/account/password", data={"current": PASSWORD, "password": NEW, "confirm": NEW})
    assert response.status_code == 302
    forget_user()
    assert laptop.get("/account").status_code == 200
    forget_user()
    response = phone.get("/account")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    db.session.expire_all()
    user = db.session.get(User, applicant.id)
    assert verify_password(user.password_hash, NEW)
    assert "password_changed" in event_kinds(user)
    assert emails("password_changed", applicant.email)


def test_changing_the_password_needs_the_current_one(client, db, applicant, login):
    login(applicant)
    response = client.post("/account/password", data={"current": "wrong", "password": NEW, "confirm": NEW})
    assert "Your current password is not right" in response.get_data(as_text=True)
    db.session.expire_all()
    assert verify_password(db.session.get(User, applicant.id).password_hash, PASSWORD)


@pytest.mark.parametrize(
    "password, problem",
    [
        ("short one", "at least 12 characters"),
        ("password1234", "too common"),
        ("qwertyuiop123!", "too common"),
        ("PASSWORD12345", "too common"),
        ("aaaaaaaaaaaaaaaa", "too common"),
        ("ada@example.org", "email address or your name"),
        ("Ada Lovelace Ada", None),
        ("adalovelace", "at least 12"),
        ("a long enough password", None),
    ],
)
def test_the_password_policy(password, problem):
    found = password_problem(password, email="ada@example.org", name="Ada Lovelace")
    assert (found is None) if problem is None else (problem in found)


def test_password_equal_to_the_name_is_refused():
    assert "your name" in password_problem("Grace Brewster Hopper", email="g@example.org", name="Grace Brewster Hopper")


def test_the_shipped_list_has_the_most_common_passwords():
    assert {"password", "123456", "qwerty", "password1234", "1q2w3e4r5t6y"} <= common_passwords()
    assert len(common_passwords()) > 1000


def test_registration_refuses_a_common_password(client, db):
    response = register(client, password="password12345", confirm="password12345")
    assert "too common" in response.get_data(as_text=True)
    assert db.session.scalar(select(User)) is None


def test_signing_out_everywhere_voids_a_pending_reset_link(client, db, applicant, login, app):
    link = _reset_link(app.test_client(), applicant.email)
    login(applicant)
    assert client.post("/account/sign-out-everywhere").status_code == 302
    forget_user()
    response = app.test_client().post(link, data={"password": NEW, "confirm": NEW})
    assert response.status_code == 410
    assert "the account was signed out after it was sent" in response.get_data(as_text=True)
    db.session.expire_all()
    assert verify_password(db.session.get(User, applicant.id).password_hash, PASSWORD)
