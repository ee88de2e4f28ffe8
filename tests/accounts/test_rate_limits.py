"""Rate limits in one app: each budget, per account and per address, in memory and in the local Redis.

The same limits across gunicorn workers sharing Redis: tests/accounts/test_limits_across_workers.py.
"""

import uuid

import pyotp
import pytest
import redis
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from workflow.accounts.sessions import PASSWORD_AT
from workflow.accounts.two_factor import enable_two_factor
from workflow.extensions import limiter
from workflow.types import utcnow

from ..account_helpers import emails, forget_user
from ..conftest import PASSWORD


def attempt(client, email, password="wrong password", address="127.0.0.1"):
    forget_user()
    return client.post(
        "/sign-in", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def test_an_account_is_limited_after_five_failures_a_minute(client, db, applicant, rate_limited):
    for _ in range(5):
        assert attempt(client, applicant.email).status_code == 200
    response = attempt(client, applicant.email)
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Signing in with a password is paused" in page and "too many wrong passwords" in page
    assert "Email me a link to sign in" in page and f'value="{applicant.email}"' in page
    assert int(response.headers["Retry-After"]) > 0
    right = attempt(client, applicant.email, PASSWORD)  # even the right password waits, and is told nothing more
    assert right.status_code == 429 and right.get_data(as_text=True) == page
    assert attempt(client, "someone.else@example.org").status_code == 200  # other accounts are not locked


def test_the_limit_resets_when_its_window_passes(client, db, applicant, rate_limited, monkeypatch):
    for _ in range(5):
        attempt(client, applicant.email)
    assert attempt(client, applicant.email).status_code == 429
    import time

    later = time.time() + 61
    monkeypatch.setattr("limits.storage.memory.time.time", lambda: later)
    assert attempt(client, applicant.email, PASSWORD).status_code == 302


def test_successful_sign_ins_do_not_count(client, db, applicant, rate_limited):
    for _ in range(8):
        assert attempt(client, applicant.email, PASSWORD).status_code == 302
        client.post("/sign-out")


def test_the_configured_limits_are_loose_per_address_and_tight_per_account(app):
    assert app.config["SIGN_IN_LIMIT_PER_ADDRESS"] == "50 per 5 minutes"
    assert app.config["SIGN_IN_LIMIT_PER_ACCOUNT"] == "5 per minute;20 per hour"


def test_an_address_is_limited_across_accounts(client, db, rate_limited, app, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_IN_LIMIT_PER_ADDRESS", "10 per 5 minutes")
    for n in range(10):
        assert attempt(client, f"person{n}@office.example", address="203.0.113.9").status_code == 200
    assert attempt(client, "another@office.example", address="203.0.113.9").status_code == 429
    assert attempt(client, "another@office.example", address="198.51.100.1").status_code == 200


def test_second_step_codes_are_limited_per_account_whatever_email_is_posted(client, db, officer, rate_limited):
    """An `email` field added to each guess (item 1 of the security report) moves no guess to another count."""
    secret = pyotp.random_base32()
    enable_two_factor(officer, secret, pyotp.TOTP(secret).now())
    db.session.commit()
    assert attempt(client, officer.email, PASSWORD).status_code == 302
    for n in range(5):
        forget_user()
        guess = client.post("/sign-in/two-factor", data={"code": "000000", "email": f"decoy{n}@example.org"})
        assert guess.status_code == 200
    forget_user()
    refused = client.post("/sign-in/two-factor", data={"code": "000000", "email": "decoy9@example.org"})
    assert refused.status_code == 429 and "too many wrong codes" in refused.get_data(as_text=True)


NEW_PASSWORD = "a new and longer passphrase"
GUESSES = {
    "/confirm-password": lambda guess: {"password": guess},
    "/account/password": lambda guess: {"current": guess, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
}


@pytest.mark.parametrize("url", GUESSES)
def test_a_stolen_session_cannot_guess_the_password_freely(client, db, applicant, login, rate_limited, url):
    """Both pages share one budget per account, counted by the person signed in, whatever email is posted."""
    login(applicant)
    other = next(page for page in GUESSES if page != url)
    for n in range(5):
        forget_user()
        page = url if n % 2 else other
        assert client.post(page, data=GUESSES[page]("guess") | {"email": f"decoy{n}@example.org"}).status_code == 200
    forget_user()
    refused = client.post(url, data=GUESSES[url](PASSWORD) | {"email": "decoy@example.org"})
    assert refused.status_code == 429 and "too many wrong passwords" in refused.get_data(as_text=True)


@pytest.mark.parametrize("url", GUESSES)
def test_the_password_pages_are_limited_per_address(client, db, make_user, login, rate_limited, app, monkeypatch, url):
    monkeypatch.setitem(app.config, "SIGN_IN_LIMIT_PER_ADDRESS", "4 per 5 minutes")
    for n in range(4):
        login(make_user(name=f"Person {n}"))
        assert client.post(url, data=GUESSES[url]("guess"), environ_base={"REMOTE_ADDR": "203.0.113.5"}).status_code == 200
    login(make_user(name="Person 9"))
    refused = client.post(url, data=GUESSES[url]("guess"), environ_base={"REMOTE_ADDR": "203.0.113.5"})
    assert refused.status_code == 429 and "from your network" in refused.get_data(as_text=True)


def test_send_the_link_again_is_limited_per_person_whatever_email_is_posted(client, db, make_user, login, rate_limited):
    person = make_user(name="Unverified")
    person.email_verified_at = None
    db.session.commit()
    login(person)
    for n in range(5):
        forget_user()
        assert client.post("/account/verify-email", data={"email": f"decoy{n}@example.org"}).status_code == 302
    forget_user()
    refused = client.post("/account/verify-email", data={"email": "decoy9@example.org"})
    assert refused.status_code == 429 and "already sent several emails" in refused.get_data(as_text=True)
    assert len(emails("verify_email", person.email)) == 5


def password_just_typed(client):
    with client.session_transaction() as session:
        session[PASSWORD_AT] = int(utcnow().timestamp())


def test_email_change_requests_are_limited(client, db, applicant, login, rate_limited):
    login(applicant)
    password_just_typed(client)
    for n in range(5):
        forget_user()
        assert client.post("/account/email", data={"email": f"new{n}@example.org"}).status_code == 200
    forget_user()
    assert client.post("/account/email", data={"email": "new9@example.org"}).status_code == 429
    assert len(emails("verify_email")) == 5


def test_invitations_are_limited_per_sender(client, db, applicant, organisation, login, rate_limited, app, monkeypatch):
    monkeypatch.setitem(app.config, "INVITATION_LIMIT_PER_ACCOUNT", "3 per hour")
    login(applicant)
    url = f"/organisation/{organisation.id}/members"
    for n in range(3):
        forget_user()
        assert client.post(url, data={"email": f"colleague{n}@example.org"}).status_code == 302
    forget_user()
    refused = client.post(url, data={"email": "colleague9@example.org"})
    assert refused.status_code == 429 and "many invitations" in refused.get_data(as_text=True)
    assert len(emails("invitation")) == 3


def test_staff_invitations_are_limited_per_admin(client, db, admin, login, rate_limited, app, monkeypatch):
    monkeypatch.setitem(app.config, "INVITATION_LIMIT_PER_ACCOUNT", "2 per hour")
    login(admin)
    password_just_typed(client)
    for n in range(2):
        forget_user()
        data = {"name": f"Trustee {n}", "email": f"trustee{n}@example.org", "roles": "trustee"}
        assert client.post("/admin/users/invite", data=data).status_code == 302
    forget_user()
    data = {"name": "Trustee 9", "email": "trustee9@example.org", "roles": "trustee"}
    assert client.post("/admin/users/invite", data=data).status_code == 429


def test_password_reset_emails_are_limited_per_account(client, db, applicant, rate_limited):
    for _ in range(5):
        assert client.post("/password-reset", data={"email": applicant.email}).status_code == 200
    assert client.post("/password-reset", data={"email": applicant.email}).status_code == 429


def test_the_limiter_in_redis(client, db, applicant, rate_limited, monkeypatch):
    """Against the local Redis on 127.0.0.1:6379, under key prefixes of this test's own (so that
    resetting the limiter afterwards clears this test's keys only, not another worker's)."""
    prefix = f"consort-test-{uuid.uuid4().hex}"
    storage = storage_from_string("redis://127.0.0.1:6379", key_prefix=prefix)
    monkeypatch.setattr(limiter, "_storage", storage)
    monkeypatch.setattr(limiter, "_limiter", FixedWindowRateLimiter(storage))
    monkeypatch.setattr(limiter, "_key_prefix", prefix)
    server = redis.Redis.from_url("redis://127.0.0.1:6379")
    try:
        for _ in range(5):
            assert attempt(client, applicant.email).status_code == 200
        assert attempt(client, applicant.email).status_code == 429
        keys = server.keys(f"*{prefix}*")
        assert keys and any(applicant.email.encode() in key for key in keys)
        for key in keys:
            server.delete(key)
        assert attempt(client, applicant.email, PASSWORD).status_code == 302
    finally:
        for key in server.keys(f"*{prefix}*"):
            server.delete(key)
        server.close()


def test_behind_a_proxy_the_address_comes_from_proxy_fix(db):
    from config import TestConfig
    from workflow import create_app

    proxied = create_app(TestConfig, PROXY_FIX_HOPS=1, SQLALCHEMY_DATABASE_URI="sqlite://")

    @proxied.route("/_address")
    def _address():
        from flask import request

        return request.remote_addr

    client = proxied.test_client()
    response = client.get("/_address", headers={"X-Forwarded-For": "198.51.100.7"}, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert response.get_data(as_text=True) == "198.51.100.7"
