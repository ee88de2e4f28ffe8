"""Counts with their nouns, and possessives of names, on the pages that build them."""

import pytest

from tests.builders import make_application
from tests.test_admin import sign_in  # noqa: F401  (the fixture: signed in with the password typed just now)
from tests.test_hubs import page_text
from workflow.accounts.models import Role
from workflow.applications.lifecycle import State
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


def test_a_name_ending_in_s_takes_the_apostrophe_alone(sign_in, db, make_user, admin):
    person = make_user(Role.TRUSTEE, name="Jo Bloggs Strings")
    text = page_text(sign_in(admin).get(f"/admin/users/{person.id}"))

    assert "Jo Bloggs Strings' roles" in text and "Strings's" not in text
