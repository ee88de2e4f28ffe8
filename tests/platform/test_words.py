"""Words made from data: counts with their nouns, possessives of names, example dates counted from today."""

from datetime import date

import pytest

from tests.account_helpers import sign_in
from tests.builders import make_application
from tests.page_helpers import page_text
from workflow import words
from workflow.accounts.models import Role
from workflow.applications.lifecycle import State
from workflow.applications.operations import start_application
from workflow.reviews.models import Assessment, Recommendation
from workflow.words import counted, possessive


@pytest.mark.parametrize("count, noun, plural, expected", [
    (0, "application", None, "0 applications"),
    (1, "application", None, "1 application"),
    (2, "application", None, "2 applications"),
    (1500, "day", None, "1,500 days"),
    (1, "person", "people", "1 person"),
    (3, "person", "people", "3 people"),
])
def test_counted(count, noun, plural, expected):
    assert counted(count, noun, plural) == expected


@pytest.mark.parametrize("name, expected", [
    ("Ada Lovelace", "Ada Lovelace's"),
    ("Brackley Youth Strings", "Brackley Youth Strings'"),
    ("KETTERING BRASS", "KETTERING BRASS'"),
    ("Rutland Music ", "Rutland Music's"),
])
def test_possessive(name, expected):
    assert possessive(name) == expected


def test_one_application_in_the_queue_is_one_application(client, login, db, hub, organisation, applicant, officer):
    make_application(hub, organisation, applicant, State.SUBMITTED)
    text = page_text(login(officer).get("/office"))

    assert "New: 1 application" in text
    assert "Download the 1 application as a spreadsheet (CSV)" in text
    assert "these 1" not in text and "1 applications" not in text


def test_a_name_ending_in_s_takes_the_apostrophe_alone(login, db, make_user, admin):
    person = make_user(Role.TRUSTEE, name="Jo Bloggs Strings")
    text = page_text(sign_in(login, admin).get(f"/admin/users/{person.id}"))

    assert "Jo Bloggs Strings' roles" in text and "Strings's" not in text


def test_example_dates_are_counted_from_today_each_time(client, db, hub, organisation, applicant, login, monkeypatch):
    draft = start_application(applicant, organisation, hub)
    db.session.commit()
    login(applicant)
    url = f"/applications/{draft.id}/sections/documents"

    monkeypatch.setattr(words, "london_today", lambda: date(2031, 5, 4))
    assert "For example, 3 5 2032" in client.get(url).get_data(as_text=True)  # an expiry: a year ahead
    monkeypatch.setattr(words, "london_today", lambda: date(2040, 1, 10))
    assert "For example, 9 1 2041" in client.get(url).get_data(as_text=True)


@pytest.mark.parametrize("path, example", [
    ("/office/applications/{id}/put-to-trustees", "The vote closes at the end of this day. For example, 15 5 2031"),
    ("/office/meetings/schedule", "For example, 29 5 2031"),
])
def test_office_date_hints_give_a_date_to_come(client, login, db, hub, organisation, applicant, officer, monkeypatch, path, example):
    application = make_application(hub, organisation, applicant, State.IN_REVIEW, officer=officer)
    db.session.add(Assessment(application_id=application.id, recommendation=Recommendation.APPROVE, reasons="Good"))
    db.session.commit()
    monkeypatch.setattr(words, "london_today", lambda: date(2031, 5, 1))

    response = login(officer).get(path.format(id=application.id))
    assert response.status_code == 200 and example in response.get_data(as_text=True)
