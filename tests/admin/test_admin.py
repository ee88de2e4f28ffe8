"""Administration (issue 9): admins only; hubs, rounds, people and roles, settings; every change logged."""

import re
from datetime import timedelta

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from tests.account_helpers import sign_in
from tests.page_helpers import page_text
from workflow.accounts.models import Role, User
from workflow.accounts.passwords import verify_password
from workflow.admin.models import AdminEvent, DeploymentSettings
from workflow.admin.settings import deployment_settings
from workflow.hubs.models import Hub, Round
from workflow.hubs.operations import DEFAULT_CRITERIA
from workflow.notifications.models import OutboxMessage
from workflow.types import utcnow
from workflow.votes.deployment import current_vote_rule  # noqa: F401  (the votes area's reader)
from workflow.votes.rule import Majority


def events(db, kind=None) -> list[AdminEvent]:
    query = select(AdminEvent).order_by(AdminEvent.id)
    if kind:
        query = query.where(AdminEvent.kind == kind)
    return list(db.session.scalars(query))


def hub_form(hub, **changes) -> dict:
    data = {
        "name": hub.name,
        "introduction": hub.introduction or "An introduction.",
        "goals": "\n\n".join(f"{g.title}\n{g.description}".strip() for g in hub.goals),
        "commitments": hub.commitments,
        "how_to_apply": hub.how_to_apply,
        "contact": hub.contact,
        "districts": "\n".join(d.name for d in hub.districts),
        "criteria": "\n".join(c.title for c in hub.criteria),
        "address": hub.address,
        "charity_number": hub.charity_number,
        "company_number": hub.company_number,
        "reference_prefix": hub.reference_prefix,
        "partnership_term_years": str(hub.partnership_term_years),
    }
    if hub.open_all_year:
        data["open_all_year"] = "y"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


ADMIN_PAGES = ["/admin", "/admin/activity", "/admin/users", "/admin/users/invite", "/admin/settings", "/admin/hubs/new"]


@pytest.mark.parametrize("path", ADMIN_PAGES)
@pytest.mark.parametrize("role", ["applicant", "officer", "trustee"])
def test_non_admins_are_refused(path, role, login, applicant, officer, trustees, hub):
    user = {"applicant": applicant, "officer": officer, "trustee": trustees[1]}[role]
    client = sign_in(login, user)

    assert client.get(path).status_code == 403
    assert client.get(f"/admin/hubs/{hub.id}").status_code == 403
    assert client.post(f"/admin/hubs/{hub.id}", data=hub_form(hub, name="Taken over")).status_code == 403
    assert client.post("/admin/settings", data={"vote_quorum": "1"}).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client, hub):
    response = client.get("/admin")

    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_open_for_an_admin(path, login, admin, hub):
    response = sign_in(login, admin).get(path)

    assert response.status_code == 200
    assert 'style="' not in response.get_data(as_text=True)


def test_admin_home_links_to_every_part(login, admin, hub):
    html = sign_in(login, admin).get("/admin").get_data(as_text=True)

    for href in (f"/admin/hubs/{hub.id}", f"/admin/hubs/{hub.id}/rounds", "/admin/hubs/new", "/admin/users",
                 "/admin/settings", "/admin/letters", "/admin/activity"):
        assert f'href="{href}"' in html


def test_editing_a_hub_shows_on_its_public_page_and_in_the_log(login, admin, hub, db, client):
    form = hub_form(
        hub,
        introduction="A brand new introduction for everyone.",
        goals="Singing in every school\nEvery child sings each week.\n\nBands for all\nBrass and steel bands.",
        districts="Corby\nKettering\nBrackley",
        commitments="Partners give time in kind and never pay a fee.",
        partnership_term_years="4",
        address="9 Placeholder Lane (demo)",
        charity_number="0000001",
    )
    response = sign_in(login, admin).post(f"/admin/hubs/{hub.id}", data=form)

    assert response.status_code == 302
    text = page_text(client.get(f"/hubs/{hub.slug}"))
    assert "A brand new introduction for everyone." in text
    assert "Singing in every school" in text and "Every child sings each week." in text and "Bands for all" in text
    assert "Every child singing and playing" not in text
    assert "Brackley" in text and "Northampton" not in text.replace("Northamptonshire", "")
    assert "never pay a fee" in text
    assert "A partnership lasts 4 years." in text
    assert "9 Placeholder Lane (demo)" in text and "Registered charity number 0000001" in text
    [event] = events(db, "hub_changed")
    assert event.actor_id == admin.id and event.object_id == hub.id
    for name in ("introduction", "goals", "districts", "commitments", "partnership_term_years", "address", "charity_number"):
        assert name in event.summary
    activity = page_text(client.get("/admin/activity"))
    assert "Hub changed" in activity and "Adam Admin" in activity


def test_goals_keep_their_rows_when_only_descriptions_change(login, admin, hub, db):
    ids = [goal.id for goal in hub.goals]
    form = hub_form(hub, goals="Every child singing and playing\nNew words.\n\nReaching every young person")

    sign_in(login, admin).post(f"/admin/hubs/{hub.id}", data=form)

    db.session.expire_all()
    hub = db.session.get(Hub, hub.id)
    assert [goal.id for goal in hub.goals] == ids
    assert hub.goals[0].description == "New words."


def test_saving_an_unchanged_hub_logs_nothing(login, admin, hub, db):
    sign_in(login, admin).post(f"/admin/hubs/{hub.id}", data=hub_form(hub))

    assert events(db) == []


def test_criteria_and_prefix_change(login, admin, hub, db):
    sign_in(login, admin).post(f"/admin/hubs/{hub.id}", data=hub_form(hub, criteria="Safeguarding\nReach", reference_prefix="NORTH"))

    db.session.expire_all()
    hub = db.session.get(Hub, hub.id)
    assert [c.title for c in hub.criteria] == ["Safeguarding", "Reach"]
    assert hub.reference_prefix == "NORTH"


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"name": ""}, "Enter the hub&#39;s name"),
        ({"goals": "  "}, "Enter at least one goal"),
        ({"reference_prefix": "no good"}, "Reference prefix must be 2 to 12 capital letters"),
        ({"partnership_term_years": "0"}, "Partnership term must be between 1 and 10 years"),
        ({"districts": ""}, "Enter at least one district"),
    ],
)
def test_invalid_hub_changes_are_shown_not_saved(login, admin, hub, db, changes, message):
    response = sign_in(login, admin).post(f"/admin/hubs/{hub.id}", data=hub_form(hub, **changes))

    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert events(db) == []


def test_a_prefix_taken_by_another_hub_is_refused(login, admin, hub, db):
    response = sign_in(login, admin).post(
        f"/admin/hubs/{hub.id}", data=hub_form(hub, reference_prefix="RM", introduction="A new introduction typed")
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 200  # the form again, with its error and what was typed
    assert "already uses the reference prefix RM" in page and "A new introduction typed" in page
    db.session.expire_all()
    assert db.session.get(Hub, hub.id).reference_prefix == "NMEH"


def new_hub_form(**changes) -> dict:
    data = {"name": "Luton Music Hub", "slug": "", "lead_organisation": "Demo Lead Trust", "reference_prefix": "LMH"}
    return data | changes


def test_a_new_hub_starts_with_the_lead_organisation_of_the_others(login, admin, hub):
    response = sign_in(login, admin).get("/admin/hubs/new")

    assert 'value="Demo Lead Trust"' in response.get_data(as_text=True)


def test_adding_a_hub_shows_it_on_the_public_list_and_in_the_log(login, admin, hub, db, client):
    response = sign_in(login, admin).post("/admin/hubs/new", data=new_hub_form(name="Luton & Bedford Music Hub"))

    created = db.session.scalar(select(Hub).where(Hub.slug == "luton-bedford-music-hub"))
    assert response.status_code == 302 and response.location.endswith(f"/admin/hubs/{created.id}")
    assert created.name == "Luton & Bedford Music Hub" and created.reference_prefix == "LMH"
    assert created.lead_organisation == "Demo Lead Trust"
    assert [c.title for c in created.criteria] == list(DEFAULT_CRITERIA)
    assert created.open_all_year and created.partnership_term_years == 3
    edit_page = client.get(response.location)
    assert edit_page.status_code == 200 and "Luton &amp; Bedford Music Hub has been added." in edit_page.get_data(as_text=True)
    public = client.get("/hubs")
    assert 'href="/hubs/luton-bedford-music-hub"' in public.get_data(as_text=True)
    assert client.get("/hubs/luton-bedford-music-hub").status_code == 200
    [event] = events(db, "hub_created")
    assert event.actor_id == admin.id and event.object_id == created.id
    assert event.summary == "Luton & Bedford Music Hub added at /hubs/luton-bedford-music-hub, references LMH"
    assert "Hub created" in page_text(client.get("/admin/activity"))


def test_a_typed_web_address_is_used(login, admin, hub, db):
    sign_in(login, admin).post("/admin/hubs/new", data=new_hub_form(slug="luton"))

    assert db.session.scalar(select(Hub.name).where(Hub.slug == "luton")) == "Luton Music Hub"


@pytest.mark.parametrize("changes, message", [
    ({"slug": "northamptonshire"}, "Another hub already has the web address /hubs/northamptonshire. Enter a different one"),
    ({"name": "Rutland Music"}, "Another hub already has the web address /hubs/rutland-music. Enter a different one"),
    ({"reference_prefix": "NMEH"}, "Another hub already uses the reference prefix NMEH. Enter a different one"),
    ({"slug": "Luton Hub"}, "Web address must be lower-case letters, numbers and single hyphens between them"),
    ({"slug": "-luton"}, "Web address must be lower-case letters, numbers and single hyphens between them"),
    ({"name": "!!!"}, "Enter a web address: the hub&#39;s name has no letters or numbers to make one from"),
    ({"name": ""}, "Enter the hub&#39;s name"),
    ({"lead_organisation": ""}, "Enter the lead organisation"),
    ({"reference_prefix": "lm"}, "Reference prefix must be 2 to 12 capital letters"),
])
def test_a_new_hub_that_clashes_or_is_incomplete_is_refused_keeping_what_was_typed(login, admin, hub, db, changes, message):
    if changes.get("name") == "Rutland Music":
        db.session.add(Hub(slug="rutland-music", name="Rutland Music", lead_organisation="Demo Lead Trust", reference_prefix="RMX"))
        db.session.commit()
    before = db.session.scalar(select(func.count()).select_from(Hub))
    data = new_hub_form(**changes)

    response = sign_in(login, admin).post("/admin/hubs/new", data=data)

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and message in html
    for name, value in data.items():
        assert re.search(rf'<input[^>]* name="{name}"[^>]* value="{re.escape(escape(value))}"', html), name
    assert db.session.scalar(select(func.count()).select_from(Hub)) == before
    assert events(db, "hub_created") == []


def test_unknown_hub_is_not_found(login, admin, hub):
    assert sign_in(login, admin).get("/admin/hubs/99999").status_code == 404


def test_rounds_show_the_closing_date_on_the_public_page(app, login, admin, hub, db, client):
    client = sign_in(login, admin)
    client.post(f"/admin/hubs/{hub.id}", data=hub_form(hub, open_all_year=None))
    today = utcnow().date()
    closes = today + timedelta(days=20)

    response = client.post(f"/admin/hubs/{hub.id}/rounds", data={
        "name": "Spring round",
        "opens_on": [str(today.day), str(today.month), str(today.year)],
        "closes_on": [str(closes.day), str(closes.month), str(closes.year)],
    })

    assert response.status_code == 302
    [round_] = db.session.scalars(select(Round)).all()
    text = page_text(client.get(f"/hubs/{hub.slug}"))
    assert f"Applications are open until {app.jinja_env.filters['when'](round_.closes_at)} (Spring round)." in text
    assert closes.strftime("%-d %B %Y") in text
    assert [e.kind for e in events(db)] == ["hub_changed", "round_added"]

    client.post(f"/admin/rounds/{round_.id}/remove")

    assert db.session.scalars(select(Round)).all() == []
    assert events(db)[-1].kind == "round_removed"
    assert "no round is planned" in page_text(client.get(f"/hubs/{hub.slug}"))


def test_a_round_must_close_after_it_opens(login, admin, hub, db):
    response = sign_in(login, admin).post(f"/admin/hubs/{hub.id}/rounds", data={
        "name": "Backwards", "opens_on": ["10", "3", "2030"], "closes_on": ["1", "3", "2030"],
    })

    assert response.status_code == 200
    assert "Closing date must be the same as or after the opening date" in response.get_data(as_text=True)
    assert db.session.scalars(select(Round)).all() == []


def test_inviting_a_trustee_emails_a_link_that_sets_the_password_once(admin, db, client, login):
    response = sign_in(login, admin).post("/admin/users/invite", data={
        "name": "Tess Trustee", "email": "Tess@Example.org", "roles": ["trustee"],
    })

    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "tess@example.org"))
    assert user.roles == {Role.TRUSTEE} and not user.is_applicant
    [mail] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "staff_invitation")).all()
    assert mail.recipient == "tess@example.org"
    link = re.search(r"http://localhost(/invitation/\S+)", mail.body).group(1)
    assert events(db, "user_invited")[0].summary == "tess@example.org invited as Trustee"

    client.post("/sign-out")
    with client.session_transaction() as session:
        session.clear()
    assert client.get(link).status_code == 200
    response = client.post(link, data={"password": "a long new password", "confirm": "a long new password"})

    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert verify_password(user.password_hash, "a long new password")
    assert user.email_verified_at is not None
    used = client.get(link)
    assert used.status_code == 410 and "already been used" in used.get_data(as_text=True)


def test_a_forged_invitation_is_refused(client, db):
    response = client.get("/invitation/not-a-real-token")

    assert response.status_code == 410
    assert "not valid" in response.get_data(as_text=True)


def test_inviting_an_existing_email_is_refused(login, admin, officer, db):
    response = sign_in(login, admin).post("/admin/users/invite", data={
        "name": "Again", "email": officer.email, "roles": ["officer"],
    })

    assert response.status_code == 409
    assert events(db) == []


def test_role_changes_need_the_password_typed_recently(login, admin, officer, db):
    client = sign_in(login, admin, password_typed=False)

    response = client.post(f"/admin/users/{officer.id}", data={"roles": ["officer", "admin"]})

    assert response.status_code == 302 and "/confirm-password" in response.headers["Location"]
    db.session.expire_all()
    assert db.session.get(User, officer.id).roles == {Role.OFFICER}


def test_changing_roles_is_logged_and_ends_their_sessions(login, admin, officer, db):
    version = officer.session_version

    response = sign_in(login, admin).post(f"/admin/users/{officer.id}", data={"roles": ["officer", "admin"]})

    assert response.status_code == 302
    db.session.expire_all()
    officer = db.session.get(User, officer.id)
    assert officer.roles == {Role.OFFICER, Role.ADMIN}
    assert officer.session_version == version + 1
    [event] = events(db, "roles_changed")
    assert event.summary == f"{officer.email}: Officer → Admin, Officer"


@pytest.mark.parametrize(
    "target, roles, status, message",
    [
        ("self", ["officer"], 409, "cannot remove your own admin role"),
        ("other", ["chair"], 409, "already has a chair"),
    ],
)
def test_role_changes_that_are_refused(login, admin, officer, chair, db, target, roles, status, message):
    person = admin if target == "self" else officer

    response = sign_in(login, admin).post(f"/admin/users/{person.id}", data={"roles": roles})

    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert events(db) == []


def test_applicants_are_not_managed_here(login, admin, applicant):
    assert sign_in(login, admin).get(f"/admin/users/{applicant.id}").status_code == 404


def test_settings_fall_back_to_the_configuration(app, db):
    settings = deployment_settings()

    assert settings.vote_quorum == str(app.config["VOTE_QUORUM"])
    assert settings.anonymise_after_days == app.config["ANONYMISE_AFTER_DAYS"]
    assert settings.partnership_reminder_days == app.config["PARTNERSHIP_REMINDER_DAYS"]


def test_changing_the_vote_rule_is_stored_logged_and_described(login, admin, db, client):
    response = sign_in(login, admin).post("/admin/settings", data={
        "vote_quorum": "1/2", "vote_majority": "two_thirds", "vote_reminder_days": "3",
        "partnership_reminder_days": "60", "anonymise_after_days": "400",
    })

    assert response.status_code == 302
    row = db.session.get(DeploymentSettings, 1)
    assert (row.vote_quorum, row.vote_majority, row.anonymise_after_days) == ("1/2", "two_thirds", 400)
    rule = deployment_settings().vote_rule
    assert rule.majority is Majority.TWO_THIRDS and rule.quorum_for(6) == 3
    [event] = events(db, "settings_changed")
    assert "vote quorum: 3 → 1/2" in event.summary and "anonymise after days: 365 → 400" in event.summary
    assert "At least half of the board" in page_text(client.get("/admin"))
    assert "anonymised 400 days after the decision or withdrawal" in page_text(client.get("/privacy"))


@pytest.mark.parametrize("quorum", ["0", "none", "3/2"])
def test_a_bad_quorum_is_refused(login, admin, db, quorum):
    response = sign_in(login, admin).post("/admin/settings", data={
        "vote_quorum": quorum, "vote_majority": "simple", "vote_reminder_days": "2",
        "partnership_reminder_days": "90", "anonymise_after_days": "365",
    })

    assert response.status_code == 200
    assert "Enter the quorum as a number of trustees" in response.get_data(as_text=True)
    assert db.session.get(DeploymentSettings, 1) is None


def test_admins_see_the_administration_link(login, admin, officer):
    assert 'href="/admin"' in sign_in(login, admin).get("/admin/activity").get_data(as_text=True)
    assert 'href="/admin"' not in sign_in(login, officer).get("/office/applications").get_data(as_text=True)


def test_switching_an_account_off_and_on_is_logged(login, admin, officer, db):
    client = sign_in(login, admin)

    assert client.post(f"/admin/users/{officer.id}/active").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, officer.id).active is False
    client.post(f"/admin/users/{officer.id}/active")
    db.session.expire_all()
    assert db.session.get(User, officer.id).active is True
    assert [e.kind for e in events(db)] == ["user_deactivated", "user_activated"]


def test_an_admin_cannot_switch_themselves_off(login, admin, db):
    response = sign_in(login, admin).post(f"/admin/users/{admin.id}/active")

    assert response.status_code == 409
    assert db.session.get(User, admin.id).active is True


def test_the_invitation_can_be_sent_again(login, admin, db):
    client = sign_in(login, admin)
    client.post("/admin/users/invite", data={"name": "Olly", "email": "olly@example.org", "roles": ["officer"]})
    user = db.session.scalar(select(User).where(User.email == "olly@example.org"))

    assert "Send the invitation again" in client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    client.post(f"/admin/users/{user.id}/invitation")

    assert len(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "staff_invitation")).all()) == 2
    assert events(db)[-1].kind == "invitation_sent"


def test_a_hub_name_of_spaces_alone_is_refused_with_what_was_typed_kept(login, admin, hub, db):
    hubs = db.session.scalar(select(func.count()).select_from(Hub))
    response = sign_in(login, admin).post("/admin/hubs/new", data={
        "name": "   ", "slug": "north", "lead_organisation": "  ", "reference_prefix": "NORTH",
    })

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Enter the hub&#39;s name" in page or "Enter the hub's name" in page
    assert "Enter the lead organisation" in page and 'value="north"' in page and 'value="NORTH"' in page
    assert db.session.scalar(select(func.count()).select_from(Hub)) == hubs
