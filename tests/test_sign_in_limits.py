"""Rate limits on signing in, per account and per address, in memory and in the local Redis."""

import uuid

import pytest
import redis
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from workflow.extensions import limiter

from .account_helpers import forget_user
from .conftest import PASSWORD


@pytest.fixture()
def limited(app, monkeypatch):
    """The sign-in limits switched on (the suite runs with them off), from a clean slate."""
    monkeypatch.setitem(app.config, "RATE_LIMITS", True)
    limiter.reset()
    yield
    limiter.reset()


def attempt(client, email, password="wrong password", address="127.0.0.1"):
    forget_user()
    return client.post(
        "/sign-in", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def test_an_account_is_limited_after_five_failures_a_minute(client, db, applicant, limited):
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


def test_the_limit_resets_when_its_window_passes(client, db, applicant, limited, monkeypatch):
    for _ in range(5):
        attempt(client, applicant.email)
    assert attempt(client, applicant.email).status_code == 429
    import time

    later = time.time() + 61
    monkeypatch.setattr("limits.storage.memory.time.time", lambda: later)
    assert attempt(client, applicant.email, PASSWORD).status_code == 302


def test_successful_sign_ins_do_not_count(client, db, applicant, limited):
    for _ in range(8):
        assert attempt(client, applicant.email, PASSWORD).status_code == 302
        client.post("/sign-out")


def test_the_configured_limits_are_loose_per_address_and_tight_per_account(app):
    assert app.config["SIGN_IN_LIMIT_PER_ADDRESS"] == "50 per 5 minutes"
    assert app.config["SIGN_IN_LIMIT_PER_ACCOUNT"] == "5 per minute;20 per hour"


def test_an_address_is_limited_across_accounts(client, db, limited, app, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_IN_LIMIT_PER_ADDRESS", "10 per 5 minutes")
    for n in range(10):
        assert attempt(client, f"person{n}@office.example", address="203.0.113.9").status_code == 200
    assert attempt(client, "another@office.example", address="203.0.113.9").status_code == 429
    assert attempt(client, "another@office.example", address="198.51.100.1").status_code == 200


def test_second_step_codes_are_limited_per_account(client, db, officer, limited):
    assert attempt(client, officer.email, PASSWORD).status_code == 302
    officer_id = officer.id
    from workflow.accounts.models import User
    from workflow.extensions import db as database

    user = database.session.get(User, officer_id)
    user.totp_secret, user.totp_enabled_at = "JBSWY3DPEHPK3PXP", user.created_at
    database.session.commit()
    for _ in range(5):
        forget_user()
        assert client.post("/sign-in/two-factor", data={"code": "000000"}).status_code == 200
    forget_user()
    assert client.post("/sign-in/two-factor", data={"code": "000000"}).status_code == 429


def test_password_reset_emails_are_limited_per_account(client, db, applicant, limited):
    for _ in range(5):
        assert client.post("/password-reset", data={"email": applicant.email}).status_code == 200
    assert client.post("/password-reset", data={"email": applicant.email}).status_code == 429


def test_the_limiter_in_redis(client, db, applicant, limited, monkeypatch):
    """Against the local Redis on 127.0.0.1:6379, under a key prefix of this test's own."""
    prefix = f"consort-test-{uuid.uuid4().hex}"
    storage = storage_from_string("redis://127.0.0.1:6379")
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
