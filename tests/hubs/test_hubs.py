"""Hubs as data (SPEC 2): the example configurations, `flask hubs load`, `flask demo`, and the public pages (SPEC 9)."""

import re
import tomllib
from datetime import timedelta
from itertools import pairwise

import pytest
from sqlalchemy import func, select

from config import BASE_DIR
from tests.page_helpers import page_text, parse
from workflow.accounts.models import User
from workflow.demo import DEMO_APPLICANT, DEMO_MEMBERS
from workflow.hubs.models import Criterion, District, Goal, Hub, HubImage, ImageKind, Round
from workflow.hubs.definition import definition_data, definition_of
from workflow.hubs.operations import DEFAULT_CRITERIA, load_hubs, publish_form, read_configuration
from workflow.types import utcnow

NMPAT = BASE_DIR / "hubs" / "nmpat.toml"
THE_MIX = BASE_DIR / "hubs" / "the-mix.toml"
EXAMPLES = sorted((BASE_DIR / "hubs").glob("*.toml"))
EXAMPLE_HUBS = [
    (path.name, entry)
    for path in EXAMPLES
    for entry in tomllib.loads(path.read_text(encoding="utf-8"))["hubs"]
]


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def hub_by_slug(db, slug: str) -> Hub:
    db.session.expire_all()
    return db.session.scalar(select(Hub).where(Hub.slug == slug))


@pytest.fixture()
def runner(app, db):
    return app.test_cli_runner()


@pytest.fixture()
def nmpat(db):
    hubs = load_hubs(read_configuration(NMPAT))
    db.session.commit()
    return {hub.slug: hub for hub in hubs}


# --- `flask hubs load` -------------------------------------------------------


def test_loading_nmpat_creates_both_hubs_with_districts_goals_and_criteria(runner, db):
    result = runner.invoke(args=["hubs", "load", str(NMPAT)])

    assert result.exit_code == 0, result.output
    assert "Northamptonshire Music Education Hub (NMEH): 9 goals, 7 districts" in result.output
    assert "Rutland Music (RM): 4 goals, 3 districts" in result.output
    northamptonshire = hub_by_slug(db, "northamptonshire")
    rutland = hub_by_slug(db, "rutland")
    assert [d.name for d in northamptonshire.districts] == [
        "Corby", "Daventry", "East Northamptonshire", "Kettering", "Northampton",
        "South Northamptonshire", "Wellingborough",
    ]
    assert [d.name for d in rutland.districts] == ["Oakham", "Rural Rutland", "Uppingham"]
    assert northamptonshire.reference_prefix == "NMEH" and rutland.reference_prefix == "RM"
    assert northamptonshire.lead_organisation == rutland.lead_organisation == "NMPAT (demo)"
    assert [g.position for g in northamptonshire.goals] == list(range(1, 10))
    assert all(g.title and g.description for g in northamptonshire.goals + rutland.goals)
    assert [c.title for c in northamptonshire.criteria] == list(DEFAULT_CRITERIA)
    assert [c.title for c in rutland.criteria] == list(DEFAULT_CRITERIA)
    assert northamptonshire.open_all_year and northamptonshire.partnership_term_years == 3
    assert northamptonshire.rounds == []


def test_loading_twice_updates_without_duplicating(runner, db):
    runner.invoke(args=["hubs", "load", str(NMPAT)])
    first = {model: count(db, model) for model in (Hub, Goal, District, Criterion, Round, HubImage)}
    stamps = sorted(db.session.scalars(select(HubImage.updated_at)))

    result = runner.invoke(args=["hubs", "load", str(NMPAT)])

    assert result.exit_code == 0, result.output
    assert {model: count(db, model) for model in (Hub, Goal, District, Criterion, Round, HubImage)} == first
    assert first[Hub] == 2 and first[District] == 10 and first[Criterion] == 12 and first[HubImage] == 4
    assert sorted(db.session.scalars(select(HubImage.updated_at))) == stamps


def test_loading_reads_the_logo_and_signature_files_into_the_database(runner, db):
    result = runner.invoke(args=["hubs", "load", str(NMPAT)])

    assert result.exit_code == 0, result.output
    static = BASE_DIR / "workflow" / "static"
    for slug, logo in (("northamptonshire", "nmeh-demo-logo.svg"), ("rutland", "rm-demo-logo.svg")):
        hub = hub_by_slug(db, slug)
        assert hub.logo_image.data == (static / "hubs" / logo).read_bytes()
        assert hub.logo_image.content_type == "image/svg+xml"
        assert hub.signature_image.data == (static / "hubs" / "demo-signature.svg").read_bytes()
        assert hub.image(ImageKind.SIGNATURE) is hub.signature_image


def test_image_paths_may_be_relative_to_the_project_folder(db):
    configuration = read_configuration(THE_MIX)
    configuration["hubs"][0]["logo"] = "workflow/static/hubs/rm-demo-logo.svg"
    [mix] = load_hubs(configuration)

    assert mix.logo_image.data == (BASE_DIR / "workflow" / "static" / "hubs" / "rm-demo-logo.svg").read_bytes()


@pytest.mark.parametrize("logo, message", [
    ("hubs/no-such-logo.svg", "There is no image file hubs/no-such-logo.svg"),
    ("consort.js", "The selected file must be a PNG, JPEG or SVG image"),
])
def test_a_missing_or_unusable_image_file_is_refused(runner, db, tmp_path, logo, message):
    configuration = (BASE_DIR / "hubs" / "the-mix.toml").read_text(encoding="utf-8")
    path = tmp_path / "mix.toml"
    path.write_text(re.sub(r'(?m)^logo = ".*"$', f'logo = "{logo}"', configuration), encoding="utf-8")

    result = runner.invoke(args=["hubs", "load", str(path)])

    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_the_mix_loads_beside_nmpat(runner, db):
    runner.invoke(args=["hubs", "load", str(NMPAT)])

    result = runner.invoke(args=["hubs", "load", str(THE_MIX)])

    assert result.exit_code == 0, result.output
    mix = hub_by_slug(db, "the-mix")
    assert mix.reference_prefix == "MIX" and mix.lead_organisation == "The MIX (demo)"
    assert [d.name for d in mix.districts] == ["Luton"]
    assert len(mix.goals) == 6 and len(mix.criteria) == len(DEFAULT_CRITERIA)
    assert count(db, Hub) == 3


def test_loading_a_missing_file_is_refused(runner, db, tmp_path):
    result = runner.invoke(args=["hubs", "load", str(tmp_path / "missing.toml")])

    assert result.exit_code != 0
    assert count(db, Hub) == 0


# --- the example files are obvious placeholders ---------------------------------


def test_the_examples_are_the_two_shipped_configurations():
    assert [path.name for path in EXAMPLES] == ["nmpat.toml", "the-mix.toml"]
    assert [entry["slug"] for _, entry in EXAMPLE_HUBS] == ["northamptonshire", "rutland", "the-mix"]


@pytest.mark.parametrize("filename, entry", EXAMPLE_HUBS, ids=[e["slug"] for _, e in EXAMPLE_HUBS])
def test_example_letterheads_are_placeholders(filename, entry):
    assert entry["charity_number"] == "0000000"
    assert entry["company_number"] == "00000000"
    assert "demo" in entry["address"].lower()
    emails = re.findall(r"[\w.+-]+@[\w.-]+", entry["contact"] + entry["how_to_apply"] + entry["introduction"])
    assert emails and all(e.endswith((".example.org", ".invalid")) for e in emails)
    assert not re.search(r"\b0\d{3} ?\d{3} ?\d{4}\b|\b0\d{4} ?\d{6}\b", entry["contact"])


@pytest.mark.parametrize("filename", [path.name for path in EXAMPLES])
def test_example_lead_organisations_are_marked_demo(filename):
    assert tomllib.loads((BASE_DIR / "hubs" / filename).read_text())["lead_organisation"].endswith("(demo)")


@pytest.mark.parametrize("filename, entry", EXAMPLE_HUBS, ids=[e["slug"] for _, e in EXAMPLE_HUBS])
def test_example_logos_read_demo_and_fetch_nothing(filename, entry):
    logo = BASE_DIR / "workflow" / "static" / entry["logo"]
    svg = logo.read_text(encoding="utf-8")

    assert logo.suffix == ".svg"
    assert ">DEMO<" in svg
    assert re.findall(r"https?://[^\"']+", svg) == ["http://www.w3.org/2000/svg"]
    assert "href" not in svg and "@import" not in svg and "<script" not in svg


# --- `flask demo` --------------------------------------------------------------


def test_demo_loads_hubs_creates_accounts_and_prints_sign_ins(runner, db):
    result = runner.invoke(args=["demo"])

    assert result.exit_code == 0, result.output
    emails = [email for _, email, _ in DEMO_MEMBERS] + [DEMO_APPLICANT[1]]
    for email in emails:
        assert email in result.output
    assert "password for all" in result.output
    assert set(db.session.scalars(select(User.email))) == set(emails)
    assert {hub.slug for hub in db.session.scalars(select(Hub))} == {"northamptonshire", "rutland"}


def test_demo_runs_twice_safely(runner, db):
    runner.invoke(args=["demo"])

    result = runner.invoke(args=["demo"])

    assert result.exit_code == 0, result.output
    assert count(db, User) == len(DEMO_MEMBERS) + 1
    assert count(db, Hub) == 2 and count(db, District) == 10


# --- public pages ----------------------------------------------------------------


def test_hubs_page_lists_each_hub_with_its_introduction(client, nmpat):
    response = client.get("/hubs")

    assert response.status_code == 200
    page = parse(response)
    text = page_text(response)
    assert "/hubs/northamptonshire" in page.links and "/hubs/rutland" in page.links
    assert ("Northamptonshire Music Education Hub" in text) and ("Rutland Music" in text)
    assert "brings together schools, music services" in text
    assert "This is a demonstration configuration" not in text
    assert "Corby, Daventry" in text


def test_hubs_page_without_hubs_says_so(client):
    response = client.get("/hubs")

    assert response.status_code == 200
    assert "No hubs have been set up yet." in page_text(response)


def test_hub_page_shows_introduction_goals_commitments_districts_and_contact(client, nmpat):
    hub = nmpat["northamptonshire"]

    response = client.get("/hubs/northamptonshire")

    assert response.status_code == 200
    text = page_text(response)
    assert "Led by NMPAT (demo)" in text
    assert "This is a demonstration configuration: the details on this page are placeholders." in text
    for goal in hub.goals:
        assert goal.title in text and goal.description in text
    for commitment in ("commit to the hub's mission", "complement the work", "do not pay",
                       "support in kind", "commissioned", "core and extension roles"):
        assert commitment in text
    for district in hub.districts:
        assert district.name in text
    assert "Applications are open all year." in text
    assert "A partnership lasts 3 years." in text
    assert "trust-office@nmpat-demo.example.org" in text
    assert "Demo House (demo address)" in text
    assert "Registered charity number 0000000" in text and "Company number 00000000" in text


def test_hub_page_invites_visitors_to_register_or_sign_in(client, nmpat):
    response = client.get("/hubs/rutland")

    page = parse(response)
    assert "Create an account to apply" in page_text(response)
    assert "/register" in page.links and "/sign-in" in page.links


def test_hub_page_shows_the_logo_with_alt_text(client, nmpat):
    logo = nmpat["northamptonshire"].logo_image
    page = parse(client.get("/hubs/northamptonshire"))

    assert page.images == [{
        "src": f"/hubs/northamptonshire/logo?v={logo.sha256[:16]}",
        "alt": "Northamptonshire Music Education Hub logo",
        "width": "240",
    }]
    response = client.get(page.images[0]["src"])
    assert response.status_code == 200
    assert response.data == (BASE_DIR / "workflow" / "static" / "hubs" / "nmeh-demo-logo.svg").read_bytes()
    assert response.mimetype == "image/svg+xml"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none';")
    assert "script-src" not in response.headers["Content-Security-Policy"]
    assert response.headers["ETag"] == f'"{logo.sha256}"'
    assert "public" in response.headers["Cache-Control"]


def test_the_logo_is_revalidated_by_its_digest(client, nmpat):
    logo = nmpat["rutland"].logo_image

    response = client.get("/hubs/rutland/logo", headers={"If-None-Match": f'"{logo.sha256}"'})

    assert response.status_code == 304 and response.data == b""


def test_a_hub_without_a_logo_shows_none(client, hub):
    assert parse(client.get(f"/hubs/{hub.slug}")).images == []
    assert client.get(f"/hubs/{hub.slug}/logo").status_code == 404
    assert client.get("/hubs/nowhere/logo").status_code == 404


def test_unknown_hub_is_not_found(client, nmpat):
    response = client.get("/hubs/nowhere")

    assert response.status_code == 404


def test_hub_text_is_escaped_and_split_into_paragraphs(client, db, hub):
    hub.introduction = "First <b>bold</b>\r\nsecond line\r\n\r\n\r\nSecond paragraph & more"
    hub.address = "Line one\n<script>x</script>"
    db.session.commit()

    html = client.get(f"/hubs/{hub.slug}").get_data(as_text=True)

    assert '<p class="govuk-body-l">First &lt;b&gt;bold&lt;/b&gt;<br>second line</p>' in html
    assert '<p class="govuk-body-l">Second paragraph &amp; more</p>' in html
    assert "Line one<br>&lt;script&gt;x&lt;/script&gt;" in html
    assert "<script>x" not in html


def when(app, moment) -> str:
    return app.jinja_env.filters["when"](moment)


@pytest.mark.parametrize(
    "opens_in, closes_in, expected",
    [
        (timedelta(days=-1), timedelta(days=10), "open until"),
        (timedelta(days=20), timedelta(days=50), "open again on"),
        (timedelta(days=-50), timedelta(days=-20), "no round is planned"),
    ],
    ids=["open-round", "next-round", "no-round"],
)
def test_hub_with_rounds_says_when_applications_close_or_open(app, client, db, hub, opens_in, closes_in, expected):
    now = utcnow()
    hub.open_all_year = False
    hub.rounds = [Round(name="Spring round", opens_at=now + opens_in, closes_at=now + closes_in)]
    db.session.commit()

    text = page_text(client.get(f"/hubs/{hub.slug}"))

    assert "open all year" not in text
    if expected == "open until":
        assert f"Applications are open until {when(app, now + closes_in)} (Spring round)." in text
    elif expected == "open again on":
        assert "Applications are closed at the moment." in text
        assert f"They open again on {when(app, now + opens_in)} (Spring round)." in text
    else:
        assert "Applications are closed at the moment and no round is planned yet." in text


def test_hub_with_a_closed_round_shows_the_next_one_not_the_past_one(app, client, db, hub):
    now = utcnow()
    hub.open_all_year = False
    hub.rounds = [
        Round(name="Autumn round", opens_at=now - timedelta(days=90), closes_at=now - timedelta(days=60)),
        Round(name="Spring round", opens_at=now + timedelta(days=30), closes_at=now + timedelta(days=60)),
    ]
    db.session.commit()

    text = page_text(client.get(f"/hubs/{hub.slug}"))

    assert f"They open again on {when(app, now + timedelta(days=30))} (Spring round)." in text
    assert "Autumn round" not in text


def test_rounds_load_from_a_configuration(client, db):
    configuration = read_configuration(THE_MIX)
    configuration["hubs"][0]["open_all_year"] = False
    configuration["hubs"][0]["rounds"] = [
        {"name": "Next round", "opens_at": "2099-01-11T09:00:00+00:00", "closes_at": "2099-03-12T17:00:00+00:00"},
    ]
    load_hubs(configuration)
    db.session.commit()

    text = page_text(client.get("/hubs/the-mix"))

    assert "They open again on 11 January 2099 at 9:00am (Next round)." in text



def test_the_current_form_is_the_open_or_next_rounds_own_else_the_newest_for_no_round(db, hub):
    now = utcnow()
    general = hub.current_form()
    spring = Round(name="Spring round", opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=10))
    autumn = Round(name="Autumn round", opens_at=now + timedelta(days=60), closes_at=now + timedelta(days=90))
    hub.rounds = [spring, autumn]
    db.session.flush()
    assert hub.current_form() == general  # no round has a form of its own

    def form_titled(title: str) -> dict:
        return {**definition_data(definition_of(general)), "title": title}

    autumn_form = publish_form(hub, form_titled("Autumn form"), autumn)
    assert hub.current_form() == general  # the open round has none of its own
    assert hub.current_form(now + timedelta(days=30)) == autumn_form  # the next round to open
    spring_form = publish_form(hub, form_titled("Spring form"), spring)
    assert hub.current_form() == spring_form
    assert hub.current_form(now + timedelta(days=70)) == autumn_form
    assert hub.current_form(now + timedelta(days=100)) == general  # no round open or planned

# --- accessibility statement and privacy notice ----------------------------------


def test_accessibility_statement(app, client, db):
    response = client.get("/accessibility")

    assert response.status_code == 200
    text = page_text(response)
    assert "WCAG" in text and "2.2" in text and "AA" in text
    for heading in ("How accessible this website is", "Feedback and how to report a problem",
                    "Enforcement procedure", "How we tested this website"):
        assert heading in [h for _, h in parse(response).headings]
    assert "Equality and Human Rights Commission (EHRC)" in text
    assert "Equality Advisory and Support Service (EASS)" in text
    assert app.config["OFFICE_EMAIL"] in text
    assert app.config["LEAD_ORGANISATION"] in text


def test_privacy_notice(app, client, db):
    response = client.get("/privacy")

    assert response.status_code == 200
    text = page_text(response)
    headings = [h for _, h in parse(response).headings]
    for heading in ("What we collect", "Why we collect it", "Our lawful basis", "How long we keep it",
                    "Your rights", "Contact us", "How to complain"):
        assert heading in headings
    assert "UK General Data Protection Regulation" in text
    assert "declined or withdrawn are anonymised" in text
    assert "Information Commissioner's Office" in text
    assert f"{app.config['LEAD_ORGANISATION']} is the data controller" in text
    assert app.config["OFFICE_EMAIL"] in text


def test_privacy_notice_gives_the_configured_anonymisation_period(app, client, db, monkeypatch):
    monkeypatch.setitem(app.config, "ANONYMISE_AFTER_DAYS", 365)

    text = page_text(client.get("/privacy"))

    assert "anonymised 365 days after the decision or withdrawal" in text


@pytest.mark.parametrize("path", ["/hubs", "/hubs/northamptonshire", "/hubs/rutland", "/accessibility", "/privacy"])
def test_public_pages_have_one_h1_and_headings_in_order(client, nmpat, path):
    response = client.get(path)

    page = parse(response)
    levels = [level for level, _ in page.headings if level > 0]
    assert response.status_code == 200
    assert levels.count(1) == 1 and levels[0] == 1
    assert all(later - earlier <= 1 for earlier, later in pairwise(levels))
    assert all(image.get("alt") for image in page.images)
    assert 'style="' not in response.get_data(as_text=True)
