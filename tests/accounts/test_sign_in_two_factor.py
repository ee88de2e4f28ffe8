"""Two-factor sign-in by TOTP: required for officers, admins and trustees; recovery codes once each."""

import hashlib
import hmac
import json
import re

import pyotp
import pytest
from sqlalchemy import select

from workflow.accounts.keys import decrypt_totp_secret
from workflow.accounts.models import RecoveryCode, Role, User
from workflow.accounts.two_factor import check_second_factor

from ..account_helpers import Clock, event_kinds, forget_user
from ..conftest import PASSWORD


@pytest.fixture()
def clock(monkeypatch):
    return Clock(monkeypatch)


def password_step(client, user):
    forget_user()
    return client.post("/sign-in", data={"email": user.email, "password": PASSWORD})


def enrol(client, user):
    """Set up the authenticator from the setup page's text; the recovery codes shown."""
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    assert "otpauth://totp/" in page and f"secret={secret}" in page
    response = client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    return secret, shown_codes(response)


def shown_codes(response) -> list[str]:
    return re.findall(r"<code>([0-9a-f]{6}-[0-9a-f]{6})</code>", response.get_data(as_text=True))


@pytest.mark.parametrize("roles", [(Role.OFFICER,), (Role.ADMIN, Role.OFFICER), (Role.TRUSTEE,), (Role.CHAIR, Role.TRUSTEE)])
def test_staff_and_trustees_cannot_go_on_without_the_second_step(client, db, make_user, roles):
    user = make_user(*roles)
    response = password_step(client, user)
    assert "/account/two-factor" in response.headers["Location"]
    for url in ("/office", "/trustees", "/account", "/organisation"):
        forget_user()
        response = client.get(url)
        assert response.status_code == 302 and "/account/two-factor" in response.headers["Location"], url
    assert "signed_in" not in event_kinds(user)


def test_applicants_sign_in_with_the_password_alone(client, db, applicant):
    response = password_step(client, applicant)
    assert response.headers["Location"] == "/"
    forget_user()
    assert client.get("/applications").status_code == 200


def test_enrolment_then_signing_in_with_a_code(client, db, officer, clock):
    password_step(client, officer)
    secret, codes = enrol(client, officer)
    assert len(codes) == 10 and len(set(codes)) == 10
    forget_user()
    assert client.get("/office").status_code == 200
    assert event_kinds(officer) == ["two_factor_enabled", "signed_in"]
    digests = db.session.scalars(select(RecoveryCode.code_digest).where(RecoveryCode.user_id == officer.id)).all()
    assert len(digests) == 10 and not any(code in digest for code in codes for digest in digests)
    assert client.get("/account/recovery-codes").status_code == 302  # shown once

    client.post("/sign-out")
    clock.forward(seconds=30)
    response = password_step(client, officer)
    assert "/sign-in/two-factor" in response.headers["Location"]
    forget_user()
    assert client.get("/office").status_code == 302
    response = client.post("/sign-in/two-factor", data={"code": "000000"})
    assert "The code is not right" in response.get_data(as_text=True)
    response = client.post("/sign-in/two-factor", data={"code": pyotp.TOTP(secret).at(clock.now())})
    assert response.status_code == 302
    forget_user()
    assert client.get("/office").status_code == 200
    assert event_kinds(officer)[-2:] == ["two_factor_failed", "signed_in"]


def test_a_code_works_once(client, db, officer, app):
    password_step(client, officer)
    secret, _ = enrol(client, officer)
    other = app.test_client()
    password_step(other, officer)
    db.session.expire_all()
    used_step = db.session.get(User, officer.id).totp_last_step
    forget_user()
    response = other.post("/sign-in/two-factor", data={"code": pyotp.TOTP(secret).generate_otp(used_step)})
    assert "has been used" in response.get_data(as_text=True)
    assert "signed_in" not in event_kinds(officer)[-1:]


def test_a_recovery_code_works_once(client, db, trustees, clock):
    trustee = trustees[1]
    password_step(client, trustee)
    _, codes = enrol(client, trustee)
    client.post("/sign-out")
    for attempt, expected in ((1, 302), (2, 200)):
        password_step(client, trustee)
        forget_user()
        response = client.post("/sign-in/two-factor", data={"code": codes[0].upper()})
        assert response.status_code == expected, attempt
        if expected == 302:
            forget_user()
            assert client.get("/trustees").status_code == 200
            assert "recovery_code_used" in event_kinds(trustee)
            client.post("/sign-out")
    used = db.session.scalars(select(RecoveryCode).where(RecoveryCode.used_at.is_not(None))).all()
    assert len(used) == 1


def test_enrolment_refuses_a_wrong_code(client, db, officer):
    password_step(client, officer)
    response = client.post("/account/two-factor", data={"code": "123456"})
    assert "The code is not right" in response.get_data(as_text=True)
    db.session.expire_all()
    assert not db.session.get(User, officer.id).has_second_factor


def test_staff_cannot_turn_it_off_but_an_applicant_can(client, db, officer, applicant, login):
    password_step(client, officer)
    enrol(client, officer)
    assert client.post("/account/two-factor/turn-off").status_code == 403
    client.post("/sign-out")
    password_step(client, applicant)
    forget_user()
    enrol(client, applicant)
    assert client.post("/account/two-factor/turn-off").status_code == 302
    db.session.expire_all()
    assert not db.session.get(User, applicant.id).has_second_factor


def test_new_recovery_codes_replace_the_old(client, db, officer):
    password_step(client, officer)
    _, old = enrol(client, officer)
    response = client.post("/account/recovery-codes")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    new = shown_codes(response)
    assert len(new) == 10 and not set(new) & set(old)
    assert db.session.query(RecoveryCode).count() == 10


def test_changing_the_second_factor_needs_a_recent_password(client, db, officer, clock):
    password_step(client, officer)
    enrol(client, officer)
    clock.forward(minutes=11)
    forget_user()
    response = client.get("/account/two-factor")
    assert "/confirm-password" in response.headers["Location"]


def test_the_demo_enrols_office_and_board_accounts_and_prints_their_secrets(app, client, db):
    from workflow.demo import DEMO_MEMBERS, demo_totp_secret

    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    for _name, email, _roles in DEMO_MEMBERS:
        secret = demo_totp_secret(email)
        assert f"{email:<34} {secret}" in result.output
        user = db.session.scalar(select(User).where(User.email == email))
        assert user.has_second_factor and secret not in user.totp_secret
        assert decrypt_totp_secret(user.totp_secret) == secret
    applicant = db.session.scalar(select(User).where(User.email == "applicant@demo.consort.invalid"))
    assert applicant.is_email_verified and not applicant.has_second_factor

    email = "officer@demo.consort.invalid"
    forget_user()
    client.post("/sign-in", data={"email": email, "password": "demo-password-2026"})
    forget_user()
    response = client.post("/sign-in/two-factor", data={"code": pyotp.TOTP(demo_totp_secret(email)).now()})
    assert response.status_code == 302
    forget_user()
    assert client.get("/office").status_code == 200


def _digests(db, user) -> set[str]:
    return set(db.session.scalars(select(RecoveryCode.code_digest).where(RecoveryCode.user_id == user.id)))


def test_recovery_codes_are_kept_as_a_keyed_hash_not_a_plain_one(client, db, officer, app, monkeypatch):
    monkeypatch.setitem(app.config, "RECOVERY_CODE_KEY", "a key kept out of the database")
    password_step(client, officer)
    _, codes = enrol(client, officer)
    plain = {hashlib.sha256(code.replace("-", "").encode()).hexdigest() for code in codes}
    keyed = {
        hmac.new(b"a key kept out of the database", code.replace("-", "").encode(), hashlib.sha256).hexdigest()
        for code in codes
    }
    assert _digests(db, officer) == keyed and not plain & keyed


@pytest.mark.parametrize("own_key", [None, "the recovery code key"])
def test_a_recovery_code_works_only_with_the_key_it_was_made_with(client, db, officer, app, monkeypatch, own_key):
    monkeypatch.setitem(app.config, "RECOVERY_CODE_KEY", own_key)
    password_step(client, officer)
    _, codes = enrol(client, officer)
    user = db.session.get(User, officer.id)
    changed = "RECOVERY_CODE_KEY" if own_key else "SECRET_KEY"
    with monkeypatch.context() as patch:
        patch.setitem(app.config, changed, "another key")
        assert check_second_factor(user, codes[0]) is None
    if own_key:
        with monkeypatch.context() as patch:
            patch.setitem(app.config, "SECRET_KEY", "a rotated secret key")
            assert check_second_factor(user, codes[1]) == "recovery"  # its own key: SECRET_KEY can change
    assert check_second_factor(user, codes[0]) == "recovery"


def test_codes_made_before_recovery_code_key_was_set_still_work(client, db, officer, app, monkeypatch):
    password_step(client, officer)
    _, codes = enrol(client, officer)
    monkeypatch.setitem(app.config, "RECOVERY_CODE_KEY", "set later")
    assert check_second_factor(db.session.get(User, officer.id), codes[0]) == "recovery"


def _session_in_cookie(client, app) -> str:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    return json.dumps(app.session_interface.get_signing_serializer(app).loads(cookie.value))


def test_recovery_codes_never_go_into_the_session_cookie(client, db, officer, app):
    password_step(client, officer)
    _, first = enrol(client, officer)
    after_enrolment = _session_in_cookie(client, app)
    second = shown_codes(client.post("/account/recovery-codes"))
    after_replacing = _session_in_cookie(client, app)
    assert len(first) == len(second) == 10
    for code in first + second:
        for session in (after_enrolment, after_replacing):
            assert code not in session and code.replace("-", "") not in session
    assert client.get("/account/recovery-codes").headers["Location"] == "/account"  # nothing kept to show again


def test_the_account_page_asks_for_new_codes_when_none_are_left(client, db, officer):
    password_step(client, officer)
    enrol(client, officer)
    forget_user()
    assert "You have no recovery codes" not in client.get("/account").get_data(as_text=True)
    db.session.execute(RecoveryCode.__table__.delete())
    db.session.commit()
    forget_user()
    assert "You have no recovery codes. Get new ones" in client.get("/account").get_data(as_text=True)
