"""Nothing typed is lost when the session or the page expires; the copy of what was submitted.

A save that arrives signed out, or with a stale CSRF token, is refused, but its answers
are held for the person who loaded the page and put back into the form (unsaved) when
they sign in again, and for no one else.
"""

import io
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import g
from pypdf import PdfReader
from sqlalchemy import select

from tests.account_helpers import sign_in
from tests.builders import complete_answers, make_application
from workflow.applications.lifecycle import State
from workflow.applications.models import HeldAnswers
from workflow.applications.operations import save_section, start_application
from workflow.organisations.models import Membership
from workflow.types import utcnow

TYPED = "Samba drumming for teenagers, typed just before the session ran out."


def hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', page).group(1)


def offer_url(application) -> str:
    return f"/applications/{application.id}/sections/offer"


def load_offer(client, application) -> dict:
    page = client.get(offer_url(application)).get_data(as_text=True)
    return {name: hidden(page, name) for name in ("csrf_token", "version", "held_for")}


def typed(hub, loaded: dict, **changes) -> dict:
    return {**complete_answers(hub)["offer"], "description": TYPED, **loaded, **changes}


def held_token(location: str) -> str:
    """The held answers' token, from the sign-in page's `next` or the section URL."""
    query = parse_qs(urlsplit(location).query)
    if "next" in query:
        query = parse_qs(urlsplit(query["next"][0]).query)
    return query["held"][0]


def sign_out(client) -> None:
    g.pop("_login_user", None)
    with client.session_transaction() as session:
        session.pop("_user_id", None)


@pytest.fixture()
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


# --- Held while signed out, put back after signing in -----------------------------


def test_a_save_after_the_session_expired_is_held_and_put_back_after_sign_in(client, db, hub, draft, login, applicant):
    loaded = load_offer(client, draft)
    sign_out(client)

    response = client.post(offer_url(draft), data=typed(hub, loaded, genres=["jazz", "other"], genres_other="Gamelan"))
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/sign-in"
    token = held_token(response.location)
    db.session.expire_all()
    assert draft.section("offer") is None, "nothing is saved while signed out"
    held = db.session.scalars(select(HeldAnswers)).one()
    assert (held.user_id, held.application_id, held.key) == (applicant.id, draft.id, "offer")
    assert held.token_sha256 != token and token not in str(held.posted)
    assert "csrf_token" not in held.posted and "held_for" not in held.posted

    login(applicant)
    page = client.get(parse_qs(urlsplit(response.location).query)["next"][0]).get_data(as_text=True)
    assert TYPED in page and "Gamelan" in page and "They are not saved yet" in page
    assert re.search(r'value="other"[^>]*checked', page) and 'name="version" value="0"' in page
    db.session.expire_all()
    assert draft.section("offer") is None, "restored answers wait for the person to save them"
    assert db.session.scalars(select(HeldAnswers)).all() == [], "held answers are given back once"

    again = client.get(f"{offer_url(draft)}?held={token}").get_data(as_text=True)
    assert TYPED not in again

    assert client.post(offer_url(draft), data=typed(hub, load_offer(client, draft))).status_code == 302
    db.session.expire_all()
    assert draft.section("offer").answers["description"] == TYPED


def test_a_stale_csrf_token_refuses_the_save_but_keeps_the_answers(client, db, hub, draft, csrf_on):
    loaded = load_offer(client, draft)
    with client.session_transaction() as session:
        session["csrf_token"] = "a newer token: the page's one is stale"

    response = client.post(offer_url(draft), data=typed(hub, loaded))
    assert response.status_code == 302 and urlsplit(response.location).path == offer_url(draft)
    db.session.expire_all()
    assert draft.section("offer") is None
    page = client.get(response.location).get_data(as_text=True)
    assert TYPED in page and "not saved yet" in page

    g.pop("csrf_token", None)  # the test's app context outlives requests: forget the cached token
    fresh = load_offer(client, draft)
    assert client.post(offer_url(draft), data=typed(hub, fresh)).status_code == 302
    db.session.expire_all()
    assert draft.section("offer").answers["description"] == TYPED


def test_a_stale_csrf_token_without_the_pages_mark_is_refused_and_nothing_is_held(client, db, hub, draft, csrf_on):
    loaded = load_offer(client, draft)
    response = client.post(offer_url(draft), data=typed(hub, loaded, csrf_token="forged", held_for="forged"))
    assert response.status_code == 400 and "This form has expired" in response.get_data(as_text=True)
    assert db.session.scalars(select(HeldAnswers)).all() == []


def test_signed_out_without_a_mark_is_asked_to_sign_in_and_nothing_is_held(client, db, hub, draft):
    loaded = load_offer(client, draft)
    sign_out(client)
    response = client.post(offer_url(draft), data=typed(hub, {**loaded, "held_for": ""}))
    assert response.status_code == 302 and urlsplit(response.location).path == "/sign-in"
    assert "held" not in response.location
    assert db.session.scalars(select(HeldAnswers)).all() == []


def test_a_mark_for_another_section_or_application_holds_nothing(client, db, hub, draft, make_organisation, make_user):
    loaded = load_offer(client, draft)
    sign_out(client)
    other_key = client.post(f"/applications/{draft.id}/sections/goals", data={**loaded, "how": TYPED})
    stranger_org = make_organisation("Stranger Strings")
    stranger = make_user(name="Sam Stranger", organisation=stranger_org)
    other = start_application(stranger, stranger_org, hub)
    db.session.commit()
    other_application = client.post(offer_url(other), data=typed(hub, loaded))
    for response in (other_key, other_application):
        assert response.status_code == 302 and "held" not in response.location
    assert db.session.scalars(select(HeldAnswers)).all() == []


# --- Only the same person, still a member, before they expire -----------------------


def _held(client, db, hub, draft) -> str:
    loaded = load_offer(client, draft)
    sign_out(client)
    return held_token(client.post(offer_url(draft), data=typed(hub, loaded)).location)


def test_a_colleague_cannot_take_someone_elses_held_answers(client, db, hub, draft, organisation, make_user, login):
    token = _held(client, db, hub, draft)
    colleague = make_user(name="Colin Colleague", organisation=organisation)
    db.session.commit()
    login(colleague)
    page = client.get(f"{offer_url(draft)}?held={token}").get_data(as_text=True)
    assert TYPED not in page and "not saved yet" not in page
    assert len(db.session.scalars(select(HeldAnswers)).all()) == 1


def test_another_organisation_gets_404_with_a_held_token(client, db, hub, draft, other_applicant, login):
    token = _held(client, db, hub, draft)
    login(other_applicant)
    assert client.get(f"{offer_url(draft)}?held={token}").status_code == 404
    assert len(db.session.scalars(select(HeldAnswers)).all()) == 1


def test_someone_who_left_the_organisation_gets_nothing_back(client, db, hub, draft, applicant, login):
    token = _held(client, db, hub, draft)
    db.session.delete(db.session.get(Membership, (applicant.id, draft.organisation_id)))
    db.session.commit()
    login(applicant)
    assert client.get(f"{offer_url(draft)}?held={token}").status_code == 404


def test_held_answers_expire(client, db, hub, draft, applicant, login):
    token = _held(client, db, hub, draft)
    db.session.scalars(select(HeldAnswers)).one().expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    login(applicant)
    assert TYPED not in client.get(f"{offer_url(draft)}?held={token}").get_data(as_text=True)


def test_restored_answers_still_meet_the_version_check(client, db, hub, draft, applicant, organisation, make_user, login):
    token = _held(client, db, hub, draft)
    colleague = make_user(name="Colin Colleague", organisation=organisation)
    theirs = {**complete_answers(hub)["offer"], "description": "The colleague's answer, saved meanwhile."}
    assert save_section(draft, "offer", theirs, colleague, 0).saved
    db.session.commit()

    login(applicant)
    page = client.get(f"{offer_url(draft)}?held={token}").get_data(as_text=True)
    response = client.post(offer_url(draft), data=typed(hub, {
        "version": hidden(page, "version"), "held_for": hidden(page, "held_for"),
    }))
    clash = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "The colleague&#39;s answer, saved meanwhile." in clash and TYPED in clash
    db.session.expire_all()
    assert draft.section("offer").answers["description"] == "The colleague's answer, saved meanwhile."


# --- What the section page gives the browser ----------------------------------------


def test_long_answers_count_words_live_and_pages_warn_before_the_session_ends(client, app, draft):
    page = client.get(offer_url(draft)).get_data(as_text=True)
    assert 'data-module="govuk-character-count"' in page and 'data-maxwords="300"' in page
    assert '<meta name="session-timeout"' in page and 'data-extend-url="/session/extend"' in page
    assert f'data-warn-seconds="{app.config["SESSION_WARNING_MINUTES"] * 60}"' in page
    assert '<meta name="csrf-token"' in page


# --- The PDF copy of what was submitted ---------------------------------------------


@pytest.fixture()
def submitted(db, hub, organisation, applicant):
    application = make_application(hub, organisation, applicant, State.SUBMITTED, answers=complete_answers(hub))
    db.session.commit()
    return application


def test_members_download_a_pdf_copy_of_what_they_submitted(client, db, hub, submitted, applicant, login):
    login(applicant)
    response = client.get(f"/applications/{submitted.id}/copy.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert submitted.reference in text and "What you offer" in text
    assert complete_answers(hub)["complementarity"]["complementarity"][:30] in text
    assert "copy.pdf" in client.get(f"/applications/{submitted.id}").get_data(as_text=True)


@pytest.mark.parametrize("who, expected", [("officer", 200), ("other_applicant", 404)])
def test_the_copy_is_for_members_and_staff_only(request, client, submitted, login, who, expected):
    sign_in(login, request.getfixturevalue(who))  # staff sign in with a second step
    assert client.get(f"/applications/{submitted.id}/copy.pdf").status_code == expected


def test_a_draft_has_no_copy_yet(client, draft):
    assert client.get(f"/applications/{draft.id}/copy.pdf").status_code == 404

