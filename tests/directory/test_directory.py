"""The public partner directory (issue 9): consenting approved partners, filters, a page each, entries and hiding."""

import copy
from itertools import pairwise

import pytest
from flask import current_app, g
from sqlalchemy import select

from tests.account_helpers import sign_in
from tests.builders import complete_answers, make_application
from tests.page_helpers import page_text, parse
from workflow.admin.models import AdminEvent
from workflow.applications.lifecycle import State
from workflow.applications.models import Application
from workflow.directory.models import DirectoryEntry
from workflow.directory.partnerships import start_partnership
from workflow.hubs.models import Hub
from workflow.organisations.models import OrganisationType


def visit(path: str):
    """A GET by a visitor who is not signed in (the test's app context caches the last user)."""
    g.pop("_login_user", None)
    return current_app.test_client().get(path)


def answers(hub, *, consent="yes", districts=None, age_groups=None, genres=None) -> dict:
    result = copy.deepcopy(complete_answers(hub))
    result["declarations"]["directory_consent"] = consent
    if districts is not None:
        result["offer"]["districts"] = districts
    if age_groups is not None:
        result["offer"]["age_groups"] = age_groups
    if genres is not None:
        result["offer"]["genres"] = genres
    return result


@pytest.fixture()
def partners(db, hub, make_organisation, make_user):
    """Four organisations: two listed partners, one that said no, one not approved."""
    rutland = db.session.scalar(select(Hub).where(Hub.slug == "rutland"))

    def partner(name, state, kind=OrganisationType.REGISTERED_CHARITY, target=hub, **kwargs):
        organisation = make_organisation(name)
        organisation.organisation_type = kind
        db.session.commit()
        member = make_user(name=f"Member of {name}", organisation=organisation)
        make_application(target, organisation, member, state, answers=answers(target, **kwargs))
        return organisation, member

    return {
        "strings": partner("Corby Strings", State.APPROVED, districts=["Corby"], age_groups=["5_to_18"], genres=["classical"]),
        "beats": partner(
            "Oakham Beats", State.APPROVED, OrganisationType.CIC, rutland,
            districts=["Oakham"], age_groups=["adults", "5_to_18"], genres=["digital", "rock_pop"],
        ),
        "private": partner("Private Choir", State.APPROVED, consent="no", districts=["Corby"], genres=["singing"]),
        "pending": partner("Pending Brass", State.SUBMITTED, districts=["Corby"], genres=["bands"]),
    }


def names(response) -> list[str]:
    html = response.get_data(as_text=True)
    return [name for name in ("Corby Strings", "Oakham Beats", "Private Choir", "Pending Brass") if name in html]


def test_the_directory_lists_only_consenting_approved_partners(client, partners):
    response = client.get("/partners")

    assert response.status_code == 200
    assert names(response) == ["Corby Strings", "Oakham Beats"]
    text = page_text(response)
    assert "2 partners" in text
    assert "Community interest company (CIC)" in text and "Registered charity" in text
    assert "Digital, electronic and music technology" in text and "Adults" in text
    assert "Rutland Music" in text


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", ["Corby Strings", "Oakham Beats"]),
        ("organisation_type=cic", ["Oakham Beats"]),
        ("organisation_type=registered_charity", ["Corby Strings"]),
        ("district=Corby", ["Corby Strings"]),
        ("district=Oakham", ["Oakham Beats"]),
        ("age_groups=adults", ["Oakham Beats"]),
        ("age_groups=5_to_18", ["Corby Strings", "Oakham Beats"]),
        ("age_groups=early_years", []),
        ("genres=classical&genres=rock_pop", ["Corby Strings", "Oakham Beats"]),
        ("genres=singing", []),
        ("hub=rutland", ["Oakham Beats"]),
        ("hub=northamptonshire&genres=classical", ["Corby Strings"]),
        ("district=Corby&age_groups=adults", []),
        ("district=Nowhere&organisation_type=nonsense&genres=junk", ["Corby Strings", "Oakham Beats"]),
    ],
)
def test_filters(client, partners, query, expected):
    response = client.get(f"/partners?{query}")

    assert response.status_code == 200
    assert names(response) == expected


def test_filters_are_a_get_form_with_labelled_controls(client, partners):
    html = client.get("/partners?district=Corby").get_data(as_text=True)

    assert '<form method="get"' in html
    for control in ("hub", "organisation_type", "district"):
        assert f'<label class="govuk-label govuk-label--s" for="{control}">' in html
    assert "<legend" in html and 'name="age_groups"' in html and 'name="genres"' in html
    assert '<option value="Corby" selected>' in html


def test_a_page_per_partner(client, partners):
    organisation, _ = partners["beats"]

    response = client.get(f"/partners/{organisation.id}")

    assert response.status_code == 200
    text = page_text(response)
    assert "Oakham Beats" in text and "Partner of Rutland Music" in text
    assert "Oakham" in text and "Rock and pop" in text


@pytest.mark.parametrize("key", ["private", "pending"])
def test_unlisted_organisations_have_no_page(client, partners, key):
    organisation, _ = partners[key]

    assert client.get(f"/partners/{organisation.id}").status_code == 404


def test_the_latest_approval_decides_consent(db, client, partners, hub):
    organisation, member = partners["strings"]
    rutland = db.session.scalar(select(Hub).where(Hub.slug == "rutland"))
    make_application(rutland, organisation, member, State.APPROVED, answers=answers(rutland, consent="no"))

    assert "Corby Strings" not in names(client.get("/partners"))


def test_a_partner_updates_its_public_entry(db, client, partners, login):
    organisation, member = partners["strings"]
    client = sign_in(login, member)

    response = client.post(f"/partners/{organisation.id}/edit", data={
        "description": "Strings for every child in Corby.", "website": "https://corby-strings.example.org",
        "public_email": "hello@corby-strings.example.org",
    })

    assert response.status_code == 302
    text = page_text(client.get(f"/partners/{organisation.id}"))
    assert "Strings for every child in Corby." in text
    assert "https://corby-strings.example.org" in text and "hello@corby-strings.example.org" in text


def test_an_invalid_entry_is_shown_not_saved(db, client, partners, login):
    organisation, member = partners["strings"]

    response = sign_in(login, member).post(f"/partners/{organisation.id}/edit", data={"website": "not a url", "public_email": "nope"})

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Enter a website address like https://www.example.org" in html
    assert "Enter an email address in the correct format" in html
    assert db.session.scalar(select(DirectoryEntry.website)) in (None, "https://strings.example.org")


@pytest.mark.parametrize("who", ["other_member", "officer", "not_a_partner"])
def test_others_cannot_edit_an_entry(db, client, partners, login, officer, who):
    organisation, _ = partners["strings"]
    user = {"other_member": partners["beats"][1], "officer": officer, "not_a_partner": partners["pending"][1]}[who]
    target = partners["pending"][0] if who == "not_a_partner" else organisation

    response = sign_in(login, user).post(f"/partners/{target.id}/edit", data={"description": "Taken over"})

    # Not theirs: 404; the office is the wrong role: 403; not yet a partner: 409, saying why.
    assert response.status_code == {"other_member": 404, "officer": 403, "not_a_partner": 409}[who]
    if who == "not_a_partner":
        assert "once it is an approved partner" in response.get_data(as_text=True)
    assert db.session.scalar(select(DirectoryEntry).where(DirectoryEntry.description == "Taken over")) is None


def test_the_office_hides_a_partner_and_shows_it_again(db, client, partners, login, officer):
    organisation, _ = partners["strings"]
    client = sign_in(login, officer)

    response = client.post(f"/partners/{organisation.id}/hide", data={"reason": "Lapsed insurance"})

    assert response.status_code == 302
    staff_view = page_text(client.get(f"/partners/{organisation.id}"))
    assert "Hidden from the public directory: Lapsed insurance" in staff_view
    [event] = db.session.scalars(select(AdminEvent)).all()
    assert (event.kind, event.actor_id, event.summary) == ("directory_hidden", officer.id, "Corby Strings: Lapsed insurance")

    assert names(visit("/partners")) == ["Oakham Beats"]
    assert visit(f"/partners/{organisation.id}").status_code == 404

    shown = sign_in(login, officer).post(f"/partners/{organisation.id}/show")
    assert shown.status_code == 302, shown.get_data(as_text=True)
    assert names(visit("/partners")) == ["Corby Strings", "Oakham Beats"]
    assert [e.kind for e in db.session.scalars(select(AdminEvent).order_by(AdminEvent.id))] == ["directory_hidden", "directory_shown"]


@pytest.mark.parametrize("who", ["member", "trustee"])
def test_only_staff_hide_partners(db, client, partners, login, trustees, who):
    organisation, member = partners["strings"]
    user = member if who == "member" else trustees[1]

    response = sign_in(login, user).post(f"/partners/{organisation.id}/hide", data={"reason": "x"})

    assert response.status_code == 403
    assert names(visit("/partners")) == ["Corby Strings", "Oakham Beats"]


def test_an_ended_partnership_leaves_the_directory(db, client, partners):
    organisation, _ = partners["strings"]
    approved = db.session.scalar(select(Application).where(Application.organisation_id == organisation.id))
    partnership = start_partnership(approved)
    partnership.ends_on = partnership.starts_on.replace(year=partnership.starts_on.year - 1)
    db.session.commit()

    assert names(client.get("/partners")) == ["Oakham Beats"]


def test_the_hub_page_links_to_its_partners(client, hub):
    assert f"/partners?hub={hub.slug}" in parse(client.get(f"/hubs/{hub.slug}")).links


def test_directory_page_has_one_h1_and_ordered_headings(client, partners):
    page = parse(client.get("/partners"))
    levels = [level for level, _ in page.headings]

    assert levels.count(1) == 1 and levels[0] == 1
    assert all(later - earlier <= 1 for earlier, later in pairwise(levels))
