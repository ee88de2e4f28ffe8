"""TOTP secrets are kept encrypted: in the database, in the enrolment cookie, across key rotation."""

import base64
import json
import logging
import re

import pyotp
import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import text

from config import TestConfig
from workflow import create_app
from workflow.accounts.keys import decrypt_totp_secret, derived_key
from workflow.accounts.models import User
from workflow.accounts.two_factor import check_second_factor, enable_two_factor, new_secret

from ..account_helpers import Clock, forget_user
from ..conftest import PASSWORD

OLD_KEY, NEW_KEY = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@pytest.fixture()
def clock(monkeypatch):
    return Clock(monkeypatch)


def stored_secret(db, user) -> str:
    """The users.totp_secret column as the database holds it."""
    return db.session.execute(text("SELECT totp_secret FROM users WHERE id = :id"), {"id": user.id}).scalar_one()


def enrolled(db, user, clock) -> str:
    """Enrol the user through the two-factor API under the keys configured now; the secret in clear."""
    secret = new_secret()
    assert enable_two_factor(user, secret, pyotp.TOTP(secret).at(clock.now())) is not None
    db.session.commit()
    clock.forward(seconds=30)
    return secret


def opens(key: str | bytes, token: str) -> bool:
    try:
        Fernet(key).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def test_enrolling_keeps_only_an_encrypted_secret_and_its_codes_sign_in(client, db, officer, clock):
    forget_user()
    client.post("/sign-in", data={"email": officer.email, "password": PASSWORD})
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).at(clock.now())})
    stored = stored_secret(db, officer)
    assert stored.startswith("gAAAA") and secret not in stored and secret.lower() not in stored.lower()

    client.post("/sign-out")
    clock.forward(seconds=30)
    forget_user()
    client.post("/sign-in", data={"email": officer.email, "password": PASSWORD})
    forget_user()
    response = client.post("/sign-in/two-factor", data={"code": pyotp.TOTP(secret).at(clock.now())})
    assert response.status_code == 302
    forget_user()
    assert client.get("/office").status_code == 200


def test_the_enrolment_cookie_holds_the_candidate_secret_encrypted(client, db, app, officer, clock):
    forget_user()
    client.post("/sign-in", data={"email": officer.email, "password": PASSWORD})
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    session = json.dumps(app.session_interface.get_signing_serializer(app).loads(cookie))
    assert secret not in session and secret.lower() not in session.lower()
    assert secret in client.get("/account/two-factor").get_data(as_text=True)  # the same candidate each time

    client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).at(clock.now())})
    db.session.expire_all()
    assert db.session.get(User, officer.id).has_second_factor


def test_rotating_keys_keeps_codes_working_and_moves_the_secret_to_the_new_key(db, app, officer, clock, monkeypatch):
    monkeypatch.setitem(app.config, "TOTP_ENCRYPTION_KEYS", OLD_KEY)
    secret = enrolled(db, officer, clock)
    assert opens(OLD_KEY, stored_secret(db, officer))

    monkeypatch.setitem(app.config, "TOTP_ENCRYPTION_KEYS", f"{NEW_KEY},{OLD_KEY}")
    assert check_second_factor(officer, pyotp.TOTP(secret).at(clock.now())) == "totp"
    db.session.commit()
    stored = stored_secret(db, officer)
    assert opens(NEW_KEY, stored) and not opens(OLD_KEY, stored)

    unchanged = stored
    clock.forward(seconds=30)
    monkeypatch.setitem(app.config, "TOTP_ENCRYPTION_KEYS", NEW_KEY)  # the old key retired
    assert check_second_factor(officer, pyotp.TOTP(secret).at(clock.now())) == "totp"
    db.session.commit()
    assert stored_secret(db, officer) == unchanged  # already under the first key: not written again


def test_without_a_key_the_derived_one_is_used_and_still_opens_old_secrets_once_a_key_is_set(
    db, app, officer, clock, monkeypatch
):
    monkeypatch.setitem(app.config, "TOTP_ENCRYPTION_KEYS", None)
    secret = enrolled(db, officer, clock)
    derived = base64.urlsafe_b64encode(derived_key("totp-secret-key"))
    assert opens(derived, stored_secret(db, officer))

    monkeypatch.setitem(app.config, "TOTP_ENCRYPTION_KEYS", NEW_KEY)
    assert check_second_factor(officer, pyotp.TOTP(secret).at(clock.now())) == "totp"
    db.session.commit()
    assert opens(NEW_KEY, stored_secret(db, officer))


def test_a_secret_no_key_opens_refuses_its_codes_and_says_why_in_the_log(
    client, db, app, officer, clock, monkeypatch, caplog
):
    monkeypatch.setitem(app.config, "TOTP_ENCRYPTION_KEYS", OLD_KEY)
    secret = enrolled(db, officer, clock)
    monkeypatch.setitem(app.config, "TOTP_ENCRYPTION_KEYS", NEW_KEY)  # the old key lost
    forget_user()
    client.post("/sign-in", data={"email": officer.email, "password": PASSWORD})
    forget_user()
    with caplog.at_level(logging.WARNING):
        response = client.post("/sign-in/two-factor", data={"code": pyotp.TOTP(secret).at(clock.now())})
    assert response.status_code == 200 and "The code is not right" in response.get_data(as_text=True)
    assert any(
        "could not be decrypted" in record.getMessage() and f"user {officer.id}" in record.getMessage()
        for record in caplog.records
    )
    assert decrypt_totp_secret(stored_secret(db, officer)) is None


def test_a_key_that_is_not_a_fernet_key_stops_the_app(tmp_path):
    with pytest.raises(RuntimeError, match="TOTP_ENCRYPTION_KEYS: key 2 is not a Fernet key"):
        create_app(TestConfig, TOTP_ENCRYPTION_KEYS=f"{NEW_KEY},not-a-key", INSTANCE_DIR=tmp_path,
                   STORAGE_DIR=tmp_path / "storage", MAIL_FOLDER=tmp_path / "mail")
