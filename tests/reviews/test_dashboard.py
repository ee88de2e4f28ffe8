"""The office's dashboard: figures counted by the database and kept by the tick, charts drawn as accessible SVG."""

import re
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser

import pytest
from sqlalchemy import select, update

from tests.builders import counting_queries, make_application, seed
from workflow.applications.lifecycle import State
from workflow.applications.models import Application, ApplicationSection
from workflow.directory.models import Partnership
from workflow.directory.partnerships import start_partnership
from workflow.organisations.models import Organisation, OrganisationType
from workflow.reviews.dashboard import by_month, figures
from workflow.reviews.districts import index_districts
from workflow.reviews.models import DashboardSnapshot
from workflow.reviews.snapshot import STALE_AFTER, kept_figures, refresh_snapshot
from workflow.types import london, utcnow


def decided_after(db, application, days: float, months_ago: int = 0):
    """Submitted `months_ago` months back (about), decided `days` later."""
    submitted = utcnow() - timedelta(days=30 * months_ago + days + 1)
    db.session.execute(
        update(Application)
        .where(Application.id == application.id)
        .values(submitted_at=submitted, decided_at=submitted + timedelta(days=days))
    )
    db.session.commit()


def serve(db, application, *districts):
    db.session.add(ApplicationSection(application_id=application.id, key="offer", answers={"districts": list(districts)}))
    db.session.commit()
    db.session.refresh(application)
    index_districts(application)
    db.session.commit()


@pytest.fixture()
def decided(db, hub, organisation, make_organisation, applicant):
    school = make_organisation("Corby Primary School")
    db.session.execute(update(Organisation).where(Organisation.id == school.id).values(organisation_type=OrganisationType.SCHOOL))
    db.session.commit()
    approved = [make_application(hub, org, applicant, State.APPROVED) for org in (organisation, school, school)]
    declined = make_application(hub, organisation, applicant, State.DECLINED)
    for application, days in zip(approved + [declined], (10, 20, 40, 30)):
        decided_after(db, application, days)
    for application in approved:
        start_partnership(application)
    db.session.commit()
    serve(db, approved[0], "Corby", "Kettering")
    serve(db, approved[1], "Corby")
    serve(db, approved[2], "Northampton")
    serve(db, declined, "Corby")
    make_application(hub, organisation, applicant, State.SUBMITTED)
    make_application(hub, organisation, applicant, State.DRAFT)
    return approved, declined


def test_figures(db, decided):
    shown = figures()
    assert dict(shown.by_state)[State.APPROVED] == 3
    assert dict(shown.by_state)[State.DECLINED] == 1
    assert dict(shown.by_state)[State.SUBMITTED] == 1
    assert State.DRAFT not in dict(shown.by_state)
    assert shown.decided == 4
    assert shown.approval_rate == pytest.approx(0.75)
    assert shown.median_days_to_decision == pytest.approx(25, abs=0.01)  # between 20 and 30
    assert shown.partners_by_district == [("Corby", 2), ("Kettering", 1), ("Northampton", 1)]
    assert shown.partners_by_type == [("Registered charity", 1), ("School or academy", 1)]  # a renewal is one partner
    assert len(shown.by_month) == 12
    assert sum(number for _, number in shown.by_month) == 5


def test_median_of_an_odd_count(db, hub, organisation, applicant, decided):
    decided_after(db, make_application(hub, organisation, applicant, State.APPROVED), 100)
    assert figures().median_days_to_decision == pytest.approx(30, abs=0.01)  # 10, 20, 30, 40, 100


def test_an_ended_partnership_no_longer_counts(db, decided):
    approved, _ = decided
    db.session.execute(
        update(Partnership).where(Partnership.application_id == approved[0].id).values(ends_on=london(utcnow()).date() - timedelta(days=1))
    )
    db.session.commit()
    shown = figures()
    assert shown.partners_by_district == [("Corby", 1), ("Northampton", 1)]
    assert shown.partners_by_type == [("School or academy", 1)]


def test_months_are_london_calendar_months(db, hub, organisation, applicant):
    first_of_june_in_london = datetime(2026, 5, 31, 23, 30, tzinfo=timezone.utc)  # 00:30 BST
    for moment in (first_of_june_in_london, first_of_june_in_london - timedelta(hours=1)):
        application = make_application(hub, organisation, applicant, State.SUBMITTED)
        db.session.execute(update(Application).where(Application.id == application.id).values(submitted_at=moment))
    db.session.commit()
    months = by_month(datetime(2026, 6, 15, tzinfo=timezone.utc))
    assert [label for label, _ in months][0] == "July 2025" and months[-1][0] == "June 2026"
    assert dict(months)["May 2026"] == 1 and dict(months)["June 2026"] == 1


def test_seeded_approvals_have_their_partnerships(app, db, hub):
    seed(app, 200)
    approved = db.session.scalars(select(Application).where(Application.state == State.APPROVED)).all()
    partnerships = {p.application_id: p for p in db.session.scalars(select(Partnership))}
    assert approved and set(partnerships) == {a.id for a in approved}
    for application in approved:
        assert partnerships[application.id].starts_on == london(application.decided_at).date()
        assert partnerships[application.id].organisation_id == application.organisation_id


def test_no_decisions_yet(db, hub):
    shown = figures()
    assert shown.median_days_to_decision is None and shown.approval_rate is None
    assert shown.partners_by_district == [] and shown.partners_by_type == []


class ChartParser(HTMLParser):
    """The page's SVGs (with their title and description) and any style attribute or script."""

    def __init__(self):
        super().__init__()
        self.svgs, self.styles, self.scripts, self.tables, self._in = [], [], 0, 0, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "style" in attrs:
            self.styles.append(tag)
        if tag == "script" and "nonce" not in attrs:
            self.scripts += 1
        if tag == "table":
            self.tables += 1
        if tag == "svg":
            self.svgs.append({"attrs": attrs, "title": "", "desc": "", "rects": 0})
        elif tag in {"title", "desc"} and self.svgs:
            self._in = tag
        elif tag == "rect" and self.svgs:
            self.svgs[-1]["rects"] += 1

    def handle_endtag(self, tag):
        if tag in {"title", "desc"}:
            self._in = None

    def handle_data(self, data):
        if self._in and self.svgs:
            self.svgs[-1][self._in] += data


def test_dashboard_page_draws_accessible_charts(client, login, db, officer, decided):
    login(officer)
    response = client.get("/office/dashboard")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "75% of decided applications approved" in html
    assert "25.0 days" in html
    parser = ChartParser()
    parser.feed(html)
    chart_svgs = [svg for svg in parser.svgs if svg["attrs"].get("role") == "img" and svg["title"]]
    assert [svg["title"] for svg in chart_svgs] == [
        "Applications by state", "Applications submitted by month", "Partners by district", "Partners by type of organisation"
    ]
    for svg in chart_svgs:
        ids = svg["attrs"]["aria-labelledby"].split()
        assert all(f'id="{n}"' in html for n in ids)
        assert svg["desc"].strip()
    assert chart_svgs[0]["rects"] == 7 and chart_svgs[1]["rects"] == 12
    assert parser.tables >= 4
    assert parser.styles == []
    assert "The largest is Corby with 2" in html
    assert re.search(r'<th scope="row" class="govuk-table__header">Corby</th>\s*<td[^>]*>2</td>', html)


def test_the_tick_keeps_the_figures_and_the_page_shows_them_with_their_time(
    app, client, login, db, officer, decided, hub, organisation, applicant
):
    result = app.test_cli_runner().invoke(args=["tick"])
    assert result.exit_code == 0 and "counted the dashboard's figures" in result.output
    kept = db.session.get(DashboardSnapshot, 1)
    assert kept_figures() == figures(kept.counted_at)  # kept exactly as counted
    make_application(hub, organisation, applicant, State.DECLINED)
    login(officer)
    html = client.get("/office/dashboard").get_data(as_text=True)
    assert f"Figures as of {london(kept.counted_at).strftime('%-d %B %Y at %-I:%M')}" in html
    assert "75% of decided applications approved" in html  # the new decision is not counted until the next tick
    refresh_snapshot()
    db.session.commit()
    assert "60% of decided applications approved" in client.get("/office/dashboard").get_data(as_text=True)


def test_figures_kept_too_long_ago_are_counted_afresh_for_the_view_and_not_kept(
    client, login, db, officer, decided, hub, organisation, applicant
):
    long_ago = utcnow() - STALE_AFTER - timedelta(minutes=1)
    refresh_snapshot(long_ago)
    db.session.commit()
    assert kept_figures() is None
    make_application(hub, organisation, applicant, State.DECLINED)
    login(officer)
    html = client.get("/office/dashboard").get_data(as_text=True)
    assert "60% of decided applications approved" in html
    db.session.expire_all()
    assert db.session.get(DashboardSnapshot, 1).counted_at == long_ago


def test_kept_figures_are_read_in_one_query_whatever_the_size(app, client, login, db, hub, officer):
    login(officer)
    statements = []
    for count in (10, 300):
        seed(app, count)
        refresh_snapshot()
        db.session.commit()
        with counting_queries(db) as ran:
            assert client.get("/office/dashboard").status_code == 200
        statements.append(ran)
    assert len(statements[0]) == len(statements[1])
    assert [s for s in statements[1] if "FROM applications" in s or "partnerships" in s] == []
