"""Email verification at registration, and changing the email address by a link to the new one."""

import pytest
from sqlalchemy import select

from workflow.accounts.models import User

from ..account_helpers import Clock, emails, event_kinds, forget_user, link_in, register, sign_in_by_form
from ..conftest import PASSWORD

REGISTRATION = {
    "name": "Ada Lovelace", "email": "ada@example.org", "organisation_name": "Kettering Community Strings",
    "password": "a long enough password", "confirm": "a long enough password",
}


@pytest.fixture()
def clock(monkeypatch):
    return Clock(monkeypatch)


def _new_user(db):
    return db.session.scalar(select(User).where(User.email == "ada@example.org"))


def test_registration_sends_a_verification_link_and_the_user_starts_unverified(client, db):
    register(client)
    user = _new_user(db)
    assert not user.is_email_verified and user.email_verified_at is None
    (message,) = emails("verify_email", "ada@example.org")
    assert link_in(message).startswith("/verify-email/")
    sign_in_by_form(client)
    page = client.get("/account").get_data(as_text=True)
    assert "Confirm your email address" in page and "Send the link again" in page


def test_the_link_shows_a_button_and_only_the_post_verifies(client, db):
    register(client)
    link = link_in(emails("verify_email")[0])
    assert client.get(link).status_code == 200
    assert not _new_user(db).is_email_verified
    assert client.post(link).status_code == 302
    db.session.expire_all()
    user = _new_user(db)
    assert user.is_email_verified
    assert "email_verified" in event_kinds(user)
    forget_user()
    sign_in_by_form(client)
    assert "Send the link again" not in client.get("/account").get_data(as_text=True)


def test_after_confirming_the_applicant_signs_in_and_starts_with_the_profile(client, db, hub):
    client.post(f"/register?hub={hub.slug}", data=REGISTRATION)
    link = link_in(emails("verify_email")[0])
    assert link.endswith(f"?hub={hub.slug}")  # the hub they came to apply to rides along
    response = client.post(link)
    assert "/sign-in" in response.headers["Location"] and "Sign in to complete" in client.get(response.headers["Location"]).get_data(as_text=True)
    forget_user()
    signed_in = client.post(response.headers["Location"], data={"email": "ada@example.org", "password": REGISTRATION["password"]})
    assert signed_in.headers["Location"].startswith("/organisation?next=") and hub.slug in signed_in.headers["Location"]


def test_verification_works_signed_out(client, db):
    register(client)
    link = link_in(emails("verify_email")[0])
    client.post("/sign-out")
    assert client.post(link).status_code == 302
    db.session.expire_all()
    assert _new_user(db).is_email_verified


@pytest.mark.parametrize("days, works", [(2, True), (4, False)])
def test_the_verification_link_expires(client, db, clock, days, works):
    register(client)
    link = link_in(emails("verify_email")[0])
    clock.forward(days=days)
    response = client.post(link)
    assert response.status_code == (302 if works else 410)
    db.session.expire_all()
    assert _new_user(db).is_email_verified is works


def test_a_tampered_link_is_refused(client, db):
    register(client)
    link = link_in(emails("verify_email")[0])
    response = client.post(link[:-2] + ("AA" if not link.endswith("AA") else "BB"))
    assert response.status_code == 410
    assert "This link does not work" in response.get_data(as_text=True)


def test_resend_sends_another_link(client, db):
    register(client)
    sign_in_by_form(client)
    response = client.post("/account/verify-email", data={"next": "/applications"})
    assert response.status_code == 302 and response.headers["Location"] == "/applications"
    assert len(emails("verify_email")) == 2


def test_change_email_needs_the_password_again(client, db, applicant, login, clock):
    login(applicant)
    clock.forward(minutes=11)
    response = client.get("/account/email")
    assert response.status_code == 302 and "/confirm-password" in response.headers["Location"]
    response = client.post(response.headers["Location"], data={"password": "wrong"})
    assert "The password is not right" in response.get_data(as_text=True)
    response = client.post("/confirm-password?next=/account/email", data={"password": "correct horse battery staple"})
    assert response.headers["Location"] == "/account/email"
    assert client.get("/account/email").status_code == 200


def test_change_email_by_a_link_to_the_new_address_and_the_old_one_is_told(client, db, applicant, login):
    login(applicant)
    old = applicant.email
    with client.session_transaction() as session:
        session["password_at"] = 10**10  # typed just now
    response = client.post("/account/email", data={"email": "New.Address@Example.org"})
    assert "Check your email" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, applicant.id).email == old
    (message,) = emails("verify_email", "new.address@example.org")
    link = link_in(message)
    assert link.startswith("/account/email/confirm/")
    assert client.post(link).status_code == 302
    db.session.expire_all()
    user = db.session.get(User, applicant.id)
    assert user.email == "new.address@example.org" and user.is_email_verified
    (notice,) = emails("email_changed", old)
    assert "new.address@example.org" in notice.body
    assert "email_changed" in event_kinds(user)
    assert client.post(link).status_code == 410  # used: the account's address is no longer the old one


def test_changing_to_an_address_in_use_answers_the_same_and_tells_its_owner(client, db, applicant, other_applicant, login):
    """Nobody learns from the page that an address has an account; its owner is told, and nothing changes."""
    login(applicant)
    with client.session_transaction() as session:
        session["password_at"] = 10**10
    taken = client.post("/account/email", data={"email": other_applicant.email}).get_data(as_text=True)
    free = client.post("/account/email", data={"email": "free.address@example.org"}).get_data(as_text=True)
    assert taken.replace(other_applicant.email, "ADDRESS") == free.replace("free.address@example.org", "ADDRESS")
    assert emails("verify_email", other_applicant.email) == []
    (told,) = emails("email_change_to_taken", other_applicant.email)
    assert "nothing has changed" in told.body
    assert db.session.get(User, applicant.id).email == applicant.email


def _ask_for_email_change(client, db, applicant, login, new="new.address@example.org"):
    login(applicant)
    with client.session_transaction() as session:
        session["password_at"] = 10**10
    client.post("/account/email", data={"email": new})
    return link_in(emails("verify_email", new)[-1])


def _refused_as_voided(client, db, applicant, link):
    for response in (client.get(link), client.post(link)):
        assert response.status_code == 410
        assert "the password was changed or the account was signed out after it was sent" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, applicant.id).email == applicant.email


def test_a_password_change_voids_a_pending_email_change_link(client, db, applicant, login, app):
    link = _ask_for_email_change(client, db, applicant, login)
    other = app.test_client()
    login(applicant, other)
    new = "a brand new passphrase"
    changed = other.post("/account/password", data={"current": PASSWORD, "password": new, "confirm": new})
    assert changed.status_code == 302
    forget_user()
    _refused_as_voided(app.test_client(), db, applicant, link)


def test_signing_out_everywhere_voids_a_pending_email_change_link(client, db, applicant, login, app):
    """Someone who once held a session asks for a change to their own address; the owner signs out everywhere."""
    link = _ask_for_email_change(client, db, applicant, login, new="intruder@example.org")
    owner = app.test_client()
    login(applicant, owner)
    assert owner.post("/account/sign-out-everywhere").status_code == 302
    forget_user()
    _refused_as_voided(app.test_client(), db, applicant, link)


def test_an_email_change_link_still_works_after_the_session_times_out(client, db, applicant, login, clock, app):
    link = _ask_for_email_change(client, db, applicant, login)
    clock.forward(hours=13)
    forget_user()
    assert client.get("/account").status_code == 302
    assert app.test_client().post(link).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, applicant.id).email == "new.address@example.org"
