"""Registration, sign-in and sign-out, and the session's version check."""

import re

import pytest
from sqlalchemy import func, select

from workflow.accounts.models import User
from workflow.organisations.models import Membership

from ..account_helpers import register, sign_in_by_form
from ..builders import writes_at_once
from ..conftest import PASSWORD


def test_registration_creates_account_organisation_and_membership(client, db):
    response = register(client)
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "_user_id" not in session  # signed in only with the password, once they have the email
    user = db.session.scalar(select(User).where(User.email == "ada@example.org"))
    assert user.is_applicant and not user.roles
    membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
    assert membership.organisation.name == "Kettering Community Strings"
    assert user.password_hash.startswith("$argon2id$")


def test_registration_errors_keep_what_was_typed(client, db):
    response = register(client, confirm="something else", email="not an email")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Passwords must match" in page
    assert "Enter an email address in the correct format" in page
    assert 'value="Kettering Community Strings"' in page
    assert db.session.scalar(select(User)) is None


@pytest.mark.parametrize("url", ["/register", "/sign-in", "/password-reset"])
def test_email_boxes_are_email_inputs(client, db, url):
    """A phone shows its @ keyboard; the browser offers the person's own address; no spellcheck."""
    page = client.get(url).get_data(as_text=True)

    box = re.search(r'<input[^>]*name="email"[^>]*>', page).group(0)
    assert 'type="email"' in box and 'autocomplete="email"' in box and 'spellcheck="false"' in box


def test_registering_an_address_that_has_an_account_answers_the_same_and_emails_its_owner(client, db, applicant):
    """Nobody learns from the page whether an address has an account: the email to it says what happened."""
    from ..account_helpers import emails

    new = register(client, email="someone.new@example.org", organisation_name="Another band")
    taken = register(client, email=applicant.email.upper(), organisation_name="Another band")
    assert taken.status_code == new.status_code == 200
    assert taken.get_data(as_text=True).replace(applicant.email, "someone.new@example.org") == new.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id)).where(User.email == applicant.email)) == 1
    (told,) = emails("already_registered", applicant.email)
    assert "You already have an account" in told.body and "/password-reset" in told.body
    assert len(emails("verify_email", "someone.new@example.org")) == 1
    assert applicant.organisation_ids == [m.organisation_id for m in applicant.memberships]  # nothing added to theirs
    assert sign_in_by_form(client, applicant.email, "a long enough password").status_code == 200  # their password is unchanged


def test_registration_is_limited_per_address(client, db, app, monkeypatch, rate_limited):
    monkeypatch.setitem(app.config, "EMAIL_LIMIT_PER_ADDRESS", "3 per hour")
    for n in range(3):
        assert register(client, email=f"person{n}@example.org").status_code == 200
    refused = register(client, email="person9@example.org")
    assert refused.status_code == 429 and "Many emails have been asked for from your network" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 3


def test_sign_in_and_out(client, applicant):
    response = client.post("/sign-in", data={"email": applicant.email, "password": PASSWORD})
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert session["_user_id"] == applicant.get_id()
    assert client.get("/sign-out").status_code == 405
    response = client.post("/sign-out")
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_checking_a_password_leaves_the_database_free_for_writers(client, db, applicant, monkeypatch):
    """The slow step of signing in holds no lock: on deadline day a crowd signing in never stalls saves."""
    from workflow.accounts import operations

    real, writers = operations.verify_password, []

    def checking_with_a_writer_beside(hashed, password):
        writers.append(writes_at_once(db.engine, f"UPDATE users SET name = name WHERE id = {applicant.id}"))
        return real(hashed, password)

    monkeypatch.setattr(operations, "verify_password", checking_with_a_writer_beside)
    email = applicant.email
    db.session.commit()  # the test's own transaction ends, as between two requests
    response = client.post("/sign-in", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302
    assert writers == [True]


def test_wrong_password_is_refused_with_email_kept(client, applicant):
    response = client.post("/sign-in", data={"email": applicant.email, "password": "wrong"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Enter a correct email address and password" in page
    assert applicant.email in page


def test_old_session_version_is_signed_out(client, db, applicant, login):
    login(applicant)
    applicant.session_version += 1
    db.session.commit()
    response = client.get("/organisation")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


def test_pages_carry_security_headers_with_a_nonce(client, db):
    response = client.get("/sign-in")
    policy = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.get_data(as_text=True)
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_production_sends_hsts_and_development_does_not(app, db, client):
    assert "Strict-Transport-Security" not in client.get("/sign-in").headers
    secure = app.config["SESSION_COOKIE_SECURE"]
    app.config["SESSION_COOKIE_SECURE"] = True
    try:
        assert client.get("/sign-in").headers["Strict-Transport-Security"].startswith("max-age=31536000")
    finally:
        app.config["SESSION_COOKIE_SECURE"] = secure
