"""The audit trail: chained, append-only, verifiable; details erasable without breaking it."""

import os

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from workflow.applications.lifecycle import State
from workflow.audit.models import ApplicationEvent, EventDetail
from workflow.audit.operations import GENESIS, history, record_event
from workflow.audit.verify import verify_chains

from ..builders import make_application


@pytest.fixture()
def chained(db, hub, organisation, applicant, officer):
    application = make_application(hub, organisation, applicant, State.SUBMITTED)
    for n in range(3):
        record_event(application, "note", officer, detail=f"detail {n}")
    db.session.commit()
    return application


def test_events_form_a_chain(db, chained):
    events = history(chained)
    assert [e.sequence for e in events] == [1, 2, 3]
    assert events[0].previous_digest == GENESIS
    assert events[1].previous_digest == events[0].digest
    assert events[2].previous_digest == events[1].digest
    assert verify_chains() == []


def test_verify_cli_reports_the_first_broken_link(app, db, chained):
    application_id = chained.id
    runner = app.test_cli_runner()
    assert "checks out" in runner.invoke(args=["audit", "verify"]).output
    # The command ran in this test's session; end its transaction before writing
    # on another connection (SQLite has one writer).
    db.session.rollback()
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        connection.execute(
            text("UPDATE application_events SET kind = 'forged' WHERE sequence = 2 AND application_id = :id"),
            {"id": application_id},
        )
    db.session.expire_all()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"Application {application_id}: event 2 its fields were changed" in result.output


def test_erasing_a_detail_breaks_nothing(db, chained):
    db.session.query(EventDetail).delete()
    db.session.commit()
    assert verify_chains() == []


def test_changing_a_detail_is_detected(db, chained):
    detail = db.session.query(EventDetail).first()
    detail.text = "rewritten"
    db.session.commit()
    [link] = verify_chains()
    assert "detail was changed" in link.reason


@pytest.mark.skipif(os.environ.get("CONSORT_TEST_DB") != "postgresql", reason="PostgreSQL's trigger")
def test_postgresql_refuses_to_change_or_delete_an_event(db, chained):
    for statement in ("UPDATE application_events SET kind = 'x'", "DELETE FROM application_events"):
        with pytest.raises(DBAPIError, match="append-only"):
            with db.engine.begin() as connection:
                connection.execute(text(statement))
    assert db.session.query(ApplicationEvent).count() == 3
