"""Arriving from a hub's page, the hub is chosen already when starting an application, through
registering or signing in; only a real hub's slug is carried, and never a way off the site."""

import re

import pytest

from ..account_helpers import emails, forget_user, link_in
from ..conftest import PASSWORD

NEW_ACCOUNT = {
    "name": "Ada Lovelace", "email": "ada@example.org", "organisation_name": "Kettering Community Strings",
    "password": "a long enough password", "confirm": "a long enough password",
}


def chosen_hub(page: str) -> str | None:
    """The hub radio checked on the start-an-application form, by its label."""
    for radio in re.finditer(r'<input class="govuk-radios__input" id="([^"]+)" name="hub" type="radio" value="\d+"( checked)?', page):
        if radio.group(2):
            return re.search(rf'<label[^>]*for="{radio.group(1)}">\s*([^<]+?)\s*<', page).group(1)
    return None


def test_the_hub_page_links_carry_the_hub(client, hub):
    page = client.get(f"/hubs/{hub.slug}").get_data(as_text=True)

    assert f'href="/register?hub={hub.slug}"' in page and f'href="/sign-in?hub={hub.slug}"' in page


def register_confirm_and_sign_in(client, hub_value: str):
    """Register from a hub's page, follow the emailed link, then sign in: where the person lands."""
    client.post("/register", query_string={"hub": hub_value}, data=NEW_ACCOUNT)
    confirmed = client.post(link_in(emails("verify_email", NEW_ACCOUNT["email"])[0]))
    forget_user()
    return client.post(confirmed.headers["Location"], data={"email": NEW_ACCOUNT["email"], "password": NEW_ACCOUNT["password"]})


def test_registering_from_a_hub_page_leads_to_that_hub_chosen(client, db, hub):
    response = register_confirm_and_sign_in(client, hub.slug)

    assert response.headers["Location"] == f"/organisation?next=/applications?hub%3D{hub.slug}"
    profile = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'name="next" value="/applications?hub={hub.slug}"' in profile
    assert chosen_hub(client.get(f"/applications?hub={hub.slug}").get_data(as_text=True)) == hub.name


@pytest.mark.parametrize("value", ["no-such-hub", "https://evil.example", "//evil.example", "/\\evil.example"])
def test_anything_but_a_hubs_slug_is_dropped(client, db, hub, value):
    response = register_confirm_and_sign_in(client, value)

    assert response.headers["Location"] == "/organisation"
    assert chosen_hub(client.get("/applications", query_string={"hub": value}).get_data(as_text=True)) is None


def test_signing_in_from_a_hub_page_leads_to_that_hub_chosen(client, db, hub, applicant):
    response = client.post("/sign-in?hub=rutland", data={"email": applicant.email, "password": PASSWORD})

    assert response.headers["Location"] == "/?hub=rutland"
    home = client.get(response.headers["Location"])
    assert home.headers["Location"] == "/applications?hub=rutland"
    assert chosen_hub(client.get(home.headers["Location"]).get_data(as_text=True)) == "Rutland Music"


def test_the_sign_in_page_carries_the_hub_to_registering(client, db, hub):
    page = client.get(f"/sign-in?hub={hub.slug}").get_data(as_text=True)

    assert f'href="/register?hub={hub.slug}"' in page


def test_the_profile_never_returns_off_the_site(client, db, applicant, login):
    login(applicant)
    page = client.get("/organisation", query_string={"next": "/\\evil.example"}).get_data(as_text=True)

    assert "evil.example" not in page
