"""The owner's way through when someone else's wrong passwords pause an account: a sign-in link
by email. Also: asking for a link answers the same whether or not the address has an account."""

import pyotp
import pytest

from workflow.accounts.models import User
from workflow.accounts.two_factor import enable_two_factor
from workflow.extensions import limiter

from ..account_helpers import Clock, emails, event_kinds, forget_user, link_in
from ..conftest import PASSWORD


def pause(client, email):
    """Five wrong passwords from a stranger: the account's password is paused."""
    for _ in range(5):
        forget_user()
        client.post("/sign-in", data={"email": email, "password": "a wrong guess"}, environ_base={"REMOTE_ADDR": "198.51.100.66"})
    forget_user()
    return client.post("/sign-in", data={"email": email, "password": PASSWORD})


def ask_for_link(client, email):
    forget_user()
    return client.post("/sign-in/link", data={"email": email})


def test_the_owner_of_a_paused_account_signs_in_by_an_emailed_link(client, db, applicant, rate_limited):
    paused = pause(client, applicant.email)
    assert paused.status_code == 429 and "Email me a link to sign in" in paused.get_data(as_text=True)

    page = ask_for_link(client, applicant.email)
    assert page.status_code == 200 and "we have sent it a link to sign in" in page.get_data(as_text=True)
    (message,) = emails("sign_in_link", applicant.email)
    link = link_in(message)
    assert client.get(link).status_code == 200  # a mail scanner's GET spends nothing
    response = client.post(link)
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert session["_user_id"].startswith(f"{applicant.id}:")
    assert "signed_in_by_link" in event_kinds(applicant) and "signed_in" in event_kinds(applicant)
    forget_user()
    changing = client.get("/account/email")  # the password was never typed: it is asked before changes
    assert changing.status_code == 302 and "/confirm-password" in changing.headers["Location"]

    forget_user()
    client.post("/sign-out")
    assert client.post(link).status_code == 410  # it works once


def test_a_link_still_needs_the_second_step(client, db, officer, rate_limited):
    secret = pyotp.random_base32()
    enable_two_factor(officer, secret, pyotp.TOTP(secret).now())
    db.session.commit()
    ask_for_link(client, officer.email)
    response = client.post(link_in(emails("sign_in_link", officer.email)[0]))
    assert response.headers["Location"].startswith("/sign-in/two-factor")
    forget_user()
    assert client.get("/reviews/queue").status_code == 302


def test_a_link_dies_after_fifteen_minutes_and_with_a_password_change(client, db, applicant, monkeypatch):
    clock = Clock(monkeypatch)
    ask_for_link(client, applicant.email)
    ask_for_link(client, applicant.email)
    late, changed = (link_in(message) for message in emails("sign_in_link", applicant.email))
    clock.forward(minutes=16)
    assert client.post(late).status_code == 410
    clock.forward(minutes=-16)
    from workflow.accounts.operations import reset_password

    reset_password(db.session.get(User, applicant.id), "a completely new passphrase")
    db.session.commit()
    assert client.post(changed).status_code == 410


@pytest.mark.parametrize(
    "url, kind, asked", [("/sign-in/link", "sign_in_link", "to sign in"), ("/password-reset", "password_reset", "to reset a password")]
)
def test_asking_for_a_link_answers_the_same_for_any_address(client, db, applicant, url, kind, asked):
    """The page is the same, and the same work is done: one email either way (the email says which)."""
    known = client.post(url, data={"email": applicant.email}).get_data(as_text=True)
    unknown = client.post(url, data={"email": "nobody@example.org"}).get_data(as_text=True)
    strip = lambda page, email: page.replace(email, "ADDRESS")  # noqa: E731
    assert strip(known, applicant.email) == strip(unknown, "nobody@example.org")
    (told,) = emails("no_account", "nobody@example.org")
    assert asked in told.body and "no account you can sign in to" in told.body
    assert len(emails(kind, applicant.email)) == 1


def test_a_switched_off_account_gets_no_link(client, db, applicant):
    applicant.active = False
    db.session.commit()
    ask_for_link(client, applicant.email)
    assert emails("sign_in_link") == [] and len(emails("no_account", applicant.email)) == 1


def test_links_asked_for_are_limited_per_address_too(client, db, app, rate_limited, monkeypatch):
    monkeypatch.setitem(app.config, "EMAIL_LIMIT_PER_ADDRESS", "3 per hour")
    for n in range(3):
        assert ask_for_link(client, f"person{n}@example.org").status_code == 200
    assert ask_for_link(client, "person9@example.org").status_code == 429


def test_links_sent_to_the_old_address_die_when_the_address_changes(client, db, applicant):
    """A reset or sign-in link in a mailbox the account has left opens it no more."""
    from workflow.accounts.operations import change_email

    ask_for_link(client, applicant.email)
    client.post("/password-reset", data={"email": applicant.email})
    links = [link_in(emails("sign_in_link", applicant.email)[0]), link_in(emails("password_reset", applicant.email)[0])]
    change_email(db.session.get(User, applicant.id), "moved@example.org")
    db.session.commit()
    for link in links:
        forget_user()
        assert client.post(link).status_code == 410


def test_other_emails_asked_for_an_address_never_use_up_its_sign_in_links(client, db, applicant, rate_limited):
    """Registering five times with the owner's address (each sends "you already have an account")
    leaves the owner's way through open: sign-in links have a budget of their own."""
    for _ in range(5):
        forget_user()
        client.post("/register", data={
            "name": "Someone", "email": applicant.email, "organisation_name": "A band",
            "password": "a long enough password", "confirm": "a long enough password",
        }, environ_base={"REMOTE_ADDR": f"198.51.100.{_}"})
    forget_user()
    assert client.post("/password-reset", data={"email": applicant.email}).status_code == 429
    assert ask_for_link(client, applicant.email).status_code == 200
    assert len(emails("sign_in_link", applicant.email)) == 1
