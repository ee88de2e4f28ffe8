"""Partnership terms (issue 9): start on approval, remind once before the end, renew from the last answers."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.account_helpers import sign_in
from tests.builders import complete_answers, make_application
from tests.page_helpers import page_text
from workflow.applications.lifecycle import State
from workflow.applications.models import Application
from workflow.audit.operations import history
from workflow.directory.models import DirectoryEntry, Partnership
from workflow.directory.partnerships import (
    remind_partnerships_ending,
    start_partnership,
)
from workflow.errors import WrongState
from workflow.letters.operations import add_years
from workflow.notifications.models import OutboxMessage
from workflow.policy import can
from workflow.types import london, utcnow


@pytest.fixture()
def approved(db, hub, organisation, applicant):
    return make_application(hub, organisation, applicant, State.APPROVED, answers=complete_answers(hub))


@pytest.fixture()
def partnership(db, approved):
    partnership = start_partnership(approved)
    db.session.commit()
    return partnership


@pytest.fixture()
def renewable(db, partnership):
    """The partnership in its last 30 days, when it can be renewed."""
    ending_in(db, partnership, 30)
    return partnership


def test_an_approved_application_starts_a_partnership_of_the_hubs_term(db, approved, hub, organisation):
    partnership = start_partnership(approved)

    starts = london(approved.decided_at).date()
    assert (partnership.organisation_id, partnership.hub_id, partnership.application_id) == (organisation.id, hub.id, approved.id)
    assert partnership.starts_on == starts
    assert partnership.ends_on == add_years(starts, 3)
    assert db.session.scalar(select(DirectoryEntry.website)) == organisation.website


def test_the_term_follows_the_hub_setting_and_starting_twice_gives_the_same_one(db, approved, hub):
    hub.partnership_term_years = 5
    first = start_partnership(approved)

    assert start_partnership(approved) is first
    assert first.ends_on == add_years(first.starts_on, 5)
    assert len(db.session.scalars(select(Partnership)).all()) == 1


@pytest.mark.parametrize("state", [State.SUBMITTED, State.DECLINED, State.WITH_TRUSTEES])
def test_only_approved_applications_start_one(db, hub, organisation, applicant, state):
    application = make_application(hub, organisation, applicant, state)

    with pytest.raises(WrongState):
        start_partnership(application)


def test_a_leap_day_start_ends_on_28_february():
    assert add_years(date(2028, 2, 29), 3) == date(2031, 2, 28)


def test_the_term_is_the_one_the_decision_letter_states(db, approved):
    from types import SimpleNamespace

    from workflow.letters.operations import partnership_term

    letter = SimpleNamespace(application=approved)

    assert partnership_term(letter, utcnow()) == (start_partnership(approved).starts_on, start_partnership(approved).ends_on)


def ending_in(db, partnership, days: int) -> None:
    partnership.ends_on = london(utcnow()).date() + timedelta(days=days)
    db.session.commit()


def reminders(db) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind.like("partnership_ending%"))))


def test_the_office_and_the_partner_are_reminded_once_before_the_end(app, db, partnership, applicant):
    ending_in(db, partnership, 30)

    assert remind_partnerships_ending(utcnow()) == 1
    assert remind_partnerships_ending(utcnow()) == 0

    sent = {(m.kind, m.recipient) for m in reminders(db)}
    assert sent == {("partnership_ending_office", app.config["OFFICE_EMAIL"]), ("partnership_ending", applicant.email)}
    assert all("Kettering Community Strings" in m.body for m in reminders(db))
    assert db.session.get(Partnership, partnership.id).reminded_at is not None


@pytest.mark.parametrize("days, expected", [(200, 0), (90, 1), (0, 1), (-1, 0)])
def test_reminders_come_within_the_configured_days(db, partnership, days, expected):
    ending_in(db, partnership, days)

    assert remind_partnerships_ending(utcnow()) == expected


def test_renewing_copies_the_last_answers_into_a_marked_draft(db, login, renewable, approved, applicant, hub):
    partnership = renewable
    response = sign_in(login, applicant).post(f"/partnerships/{partnership.id}/renew")

    assert response.status_code == 302
    partnership = db.session.get(Partnership, partnership.id)
    draft = db.session.get(Application, partnership.renewal_application_id)
    assert draft.state is State.DRAFT and draft.organisation_id == approved.organisation_id
    assert response.headers["Location"].endswith(f"/applications/{draft.id}")
    previous = complete_answers(hub)
    for key in ("offer", "goals", "national_plan", "complementarity", "in_kind"):
        assert draft.answers(key) == previous[key]
    assert draft.answers("documents") == previous["documents"]
    assert draft.answers("declarations") == {}
    assert [e.kind for e in history(draft)][-1] == "renewal_started"


def test_a_renewal_is_started_once(db, login, renewable, applicant):
    partnership = renewable
    client = sign_in(login, applicant)
    client.post(f"/partnerships/{partnership.id}/renew")

    response = client.post(f"/partnerships/{partnership.id}/renew")

    assert response.status_code == 409
    assert len(db.session.scalars(select(Application).where(Application.state == State.DRAFT)).all()) == 1


@pytest.mark.parametrize("who", ["other_applicant", "officer"])
def test_others_cannot_renew(db, login, renewable, other_applicant, officer, who):
    partnership = renewable
    user = {"other_applicant": other_applicant, "officer": officer}[who]

    response = sign_in(login, user).post(f"/partnerships/{partnership.id}/renew")

    assert response.status_code == {"other_applicant": 404, "officer": 403}[who]  # not theirs; wrong role
    assert db.session.get(Partnership, partnership.id).renewal_application_id is None


def test_the_partner_sees_its_term_and_can_renew(db, login, renewable, applicant):
    text = page_text(sign_in(login, applicant).get("/partnerships"))

    assert renewable.ends_on.strftime("%-d %B %Y") in text
    assert "Renew the partnership with" in text and "Download all your organisation's data" in text


def test_renewal_is_not_offered_on_the_day_a_partnership_starts(db, login, partnership, applicant):
    client = sign_in(login, applicant)
    opens = partnership.ends_on - timedelta(days=90)  # PARTNERSHIP_REMINDER_DAYS

    text = page_text(client.get("/partnerships"))
    response = client.post(f"/partnerships/{partnership.id}/renew")

    assert "Renew the partnership with" not in text
    assert f"You can renew the partnership from {opens.strftime('%-d %B %Y')}" in text
    assert response.status_code == 409
    assert db.session.get(Partnership, partnership.id).renewal_application_id is None


@pytest.mark.parametrize("days, offered", [(91, False), (90, True), (1, True), (-10, True)])
def test_renewal_opens_when_the_reminder_comes(db, partnership, applicant, days, offered):
    ending_in(db, partnership, days)

    assert can("renew", partnership, user=applicant) is offered


def test_staff_have_no_partnerships_page(login, officer):
    assert sign_in(login, officer).get("/partnerships").status_code == 403
