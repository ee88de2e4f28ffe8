"""Sessions: rotated at sign-in, ended by sign-out everywhere, idle and absolute timeouts, cookie settings."""

import pytest

from config import Config, ProductionConfig

from ..account_helpers import Clock, event_kinds, forget_user
from ..conftest import PASSWORD


@pytest.fixture()
def clock(monkeypatch):
    return Clock(monkeypatch)


def sign_in(client, user, password=PASSWORD):
    forget_user()
    return client.post("/sign-in", data={"email": user.email, "password": password})


def test_the_session_is_rotated_at_sign_in(client, db, applicant):
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
        session["second_factor"] = True
    assert sign_in(client, applicant).status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == applicant.get_id()
        assert session["signed_in_at"] == session["last_seen"] == session["password_at"]
    assert event_kinds(applicant) == ["signed_in"]


def test_a_wrong_password_is_logged(client, db, applicant):
    sign_in(client, applicant, "wrong password")
    sign_in(client, type("Nobody", (), {"email": "nobody@example.org"}), "wrong password")
    assert event_kinds(applicant) == ["sign_in_failed"]
    assert event_kinds() == ["sign_in_failed", "sign_in_failed"]


def test_a_copy_of_the_cookie_stops_working_after_sign_out(client, db, applicant, app):
    sign_in(client, applicant)
    with client.session_transaction() as session:
        copied = dict(session)
    client.post("/sign-out")
    replay = app.test_client()
    with replay.session_transaction() as session:
        session.update(copied)
    forget_user()
    response = replay.get("/account")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert event_kinds(applicant)[-1] == "signed_out"


def test_sign_out_everywhere_ends_every_session(client, db, applicant, login, app):
    phone = app.test_client()
    login(applicant, phone)
    login(applicant)
    assert client.post("/account/sign-out-everywhere").status_code == 302
    for browser in (client, phone):
        forget_user()
        assert browser.get("/account").status_code == 302
    assert "signed_out_everywhere" in event_kinds(applicant)


@pytest.mark.parametrize("minutes, signed_in", [(29, True), (31, False)])
def test_the_inactivity_timeout(client, db, applicant, clock, minutes, signed_in):
    sign_in(client, applicant)
    clock.forward(minutes=minutes)
    forget_user()
    response = client.get("/account")
    assert (response.status_code == 200) is signed_in
    if not signed_in:
        assert "/sign-in" in response.headers["Location"]
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "had not used Consort for 30 minutes" in page


def test_activity_and_extend_keep_the_session_alive(client, db, applicant, clock):
    sign_in(client, applicant)
    for _ in range(3):
        clock.forward(minutes=20)
        forget_user()
        assert client.post("/session/extend").status_code == 204
    forget_user()
    assert client.get("/account").status_code == 200


def test_extend_refuses_an_expired_session(client, db, applicant, clock):
    sign_in(client, applicant)
    clock.forward(minutes=31)
    forget_user()
    assert client.post("/session/extend").status_code == 302


def test_the_absolute_timeout_ends_even_an_active_session(client, db, applicant, clock):
    sign_in(client, applicant)
    for minutes in [20] * 35 + [19]:  # 11 hours 59 minutes, never idle for long
        clock.forward(minutes=minutes)
        forget_user()
        assert client.post("/session/extend").status_code == 204
    clock.forward(minutes=2)
    forget_user()
    response = client.post("/session/extend")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert "signed in for a long time" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_cookie_settings():
    assert Config.SESSION_COOKIE_HTTPONLY and Config.SESSION_COOKIE_SAMESITE == "Lax"
    assert ProductionConfig.SESSION_COOKIE_SECURE and ProductionConfig.SESSION_COOKIE_NAME == "__Host-session"
    assert ProductionConfig.SESSION_COOKIE_SAMESITE == "Lax" and ProductionConfig.SESSION_COOKIE_HTTPONLY


def test_the_session_cookie_is_sent_http_only_and_lax(client, db, applicant):
    response = sign_in(client, applicant)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_confirm_password_only_goes_to_this_site(client, db, applicant, login):
    login(applicant)
    response = client.post("/confirm-password?next=https://evil.example/", data={"password": PASSWORD})
    assert response.headers["Location"] == "/"
