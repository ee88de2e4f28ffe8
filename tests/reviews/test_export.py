"""The CSV export of a filtered queue: board-report columns, formula-safe, streamed."""

import csv
import io

import pytest
from sqlalchemy import update

from tests.builders import make_application
from workflow.applications.lifecycle import State
from workflow.applications.models import Application, ApplicationSection
from workflow.reviews.export import COLUMNS, formula_safe
from workflow.reviews.models import Assessment, Recommendation
from workflow.reviews.districts import index_districts
from workflow.types import london, utcnow


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


@pytest.mark.parametrize(
    "value, safe",
    [
        ("=HYPERLINK(\"http://evil\")", "'=HYPERLINK(\"http://evil\")"),
        ("+44 1536", "'+44 1536"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Kettering Strings", "Kettering Strings"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (12, "12"),
    ],
)
def test_formula_safe(value, safe):
    assert formula_safe(value) == safe


def test_export_has_the_board_report_columns(client, login, db, hub, organisation, applicant, officer, make_organisation):
    reviewed = make_application(hub, organisation, applicant, State.IN_REVIEW, officer=officer)
    db.session.add(ApplicationSection(application_id=reviewed.id, key="offer", answers={"districts": ["Kettering", "Corby"]}))
    db.session.add(Assessment(application_id=reviewed.id, recommendation=Recommendation.APPROVE, reasons="Good"))
    db.session.commit()
    db.session.refresh(reviewed)
    index_districts(reviewed)
    db.session.execute(
        update(Application).where(Application.id == reviewed.id).values(state_changed_at=utcnow().replace(year=utcnow().year - 1))
    )
    db.session.commit()
    make_application(hub, make_organisation("Other Band"), applicant, State.SUBMITTED)
    login(officer)

    response = client.get("/office/export.csv?state=in_review")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="applications-in_review-')
    header, *rows = rows_of(response)
    assert header == COLUMNS
    assert len(rows) == 1
    row = dict(zip(header, rows[0]))
    assert row["Reference"] == reviewed.reference
    assert row["Organisation"] == organisation.name
    assert row["Type"] == "Registered charity"
    assert row["Hub"] == hub.name
    assert row["State"] == "In review"
    assert row["Submitted"] == f"{london(reviewed.submitted_at):%Y-%m-%d}"
    assert int(row["Days in this state"]) >= 365
    assert row["Assigned officer"] == officer.name
    assert row["Districts"] == "Corby; Kettering"
    assert row["Recommendation"] == "Approve"


def test_export_neutralises_formulae_and_streams(client, login, db, hub, applicant, officer, make_organisation):
    for name in ["=cmd|' /C calc'!A0", "+SUM(1)", "-1", "@import", "Plain Strings"]:
        make_application(hub, make_organisation(name), applicant, State.SUBMITTED)
    login(officer)
    response = client.get("/office/export.csv?state=submitted&sort=organisation")
    assert response.is_streamed
    names = [row[1] for row in rows_of(response)[1:]]
    assert sorted(names) == sorted(["'=cmd|' /C calc'!A0", "'+SUM(1)", "'-1", "'@import", "Plain Strings"])
    assert all(not name.startswith(("=", "+", "-", "@")) for name in names)


def test_export_follows_the_queue_filters(client, login, db, hub, organisation, applicant, officer, make_organisation):
    band = make_organisation("Oakham Brass Band")
    mine = make_application(hub, band, applicant, State.IN_REVIEW, officer=officer)
    make_application(hub, organisation, applicant, State.IN_REVIEW)
    make_application(hub, band, applicant, State.SUBMITTED)
    login(officer)
    assert [row[0] for row in rows_of(client.get("/office/export.csv?state=in_review&q=oakham"))[1:]] == [mine.reference]
    assert [row[0] for row in rows_of(client.get("/office/export.csv?state=in_review&officer=mine"))[1:]] == [mine.reference]
    assert len(rows_of(client.get("/office/export.csv?state=in_review"))) == 3
    assert client.get("/office/export.csv?state=draft").status_code == 404
    queue = client.get("/office?state=in_review&q=oakham").get_data(as_text=True)
    assert "/office/export.csv?state=in_review&amp;q=oakham" in queue
