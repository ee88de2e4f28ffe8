"""Builders for tests: applications put straight into a given state, votes opened, drafts
filled, the demo data seeded; and the few reads of the database that tests share."""

import io
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event, func, select, update
from werkzeug.datastructures import FileStorage

from workflow.applications.lifecycle import State
from workflow.applications.models import Application, ApplicationSection
from workflow.applications.operations import save_section
from workflow.applications.sections import sections_of
from workflow.audit.models import ApplicationEvent
from workflow.extensions import db
from workflow.notifications.models import OutboxMessage
from workflow.reviews.models import Assessment, Recommendation
from workflow.types import utcnow
from workflow.votes.models import Vote
from workflow.votes.operations import open_vote

_numbers = {"n": 0}


def make_application(hub, organisation, created_by, state: State = State.SUBMITTED, *, officer=None, answers: dict | None = None) -> Application:
    """An application in `state`, with the columns that state implies set directly.

    For tests of later stages only; the applicant's journey goes through the
    operations and pages instead.
    """
    _numbers["n"] += 1
    now = utcnow()
    application = Application(
        hub_id=hub.id,
        form_version_id=hub.current_form().id,
        organisation_id=organisation.id,
        created_by_id=created_by.id,
        state=state,
        state_changed_at=now,
    )
    if state is not State.DRAFT:
        application.reference = f"{hub.reference_prefix}-{now.year}-{9000 + _numbers['n']:04d}"
        application.submitted_at = now - timedelta(days=3)
    if state in {State.APPROVED, State.DECLINED}:
        application.decided_at = now
    if officer is not None:
        application.assigned_officer_id = officer.id
    db.session.add(application)
    db.session.flush()
    for key, section_answers in (answers or {}).items():
        db.session.add(ApplicationSection(application_id=application.id, key=key, answers=section_answers, completed=True))
    db.session.commit()
    return application


def complete_answers(hub) -> dict[str, dict]:
    """Valid answers for every section of an application to `hub`, as they are stored.

    The documents section's two required uploads are Document rows of one
    application, so they cannot be given here: its answers hold the expiry date
    and the DBS confirmation only (store files with
    `workflow.applications.documents.store_document` and put their ids under
    "safeguarding_policy" and "insurance_certificate" if a test needs them).
    """
    next_year = str(utcnow().year + 1)
    return {
        "organisation": {
            "name": "Kettering Community Strings", "organisation_type": "registered_charity", "type_other": "",
            "charity_number": "1234567", "company_number": "", "address": "2 Example Road", "town": "Kettering",
            "postcode": "NN16 8AA", "website": "https://strings.example.org", "contact_name": "Ada Lovelace",
            "contact_role": "Director", "contact_email": "ada@example.org", "contact_phone": "01536 000000",
            "safeguarding_lead": "Grace Hopper",
        },
        "offer": {
            "description": "Weekly string groups and holiday courses for young people across the county.",
            "age_groups": ["5_to_18"], "genres": ["classical", "folk"], "genres_other": "",
            "settings": ["schools", "community"], "settings_other": "", "districts": [hub.districts[0].name],
        },
        "goals": {"goals": [hub.goals[0].title], "how": "Every pupil in our partner schools plays in a group."},
        "national_plan": {"core_roles": ["whole_class", "inclusion"], "extension_roles": ["training"], "commissioning": "yes"},
        "complementarity": {"complementarity": "No other partner teaches strings in the north of the county."},
        "in_kind": {
            "contributions": ["space", "tutor_time"], "contributions_other": "",
            "in_kind_description": "Our hall on Saturday mornings and two tutors for a term.", "estimated_value": "1,500",
        },
        "documents": {"insurance_expiry": ["31", "3", next_year], "dbs_confirmed": "y"},
        "declarations": {"information_true": "y", "agrees_commitments": "y", "directory_consent": "yes"},
    }


def writes_at_once(engine, statement: str) -> bool:
    """Whether a second connection can run `statement` in a write transaction at once, without waiting for a lock.

    SQLite: the database's one write lock (BEGIN IMMEDIATE); PostgreSQL: the rows' and table's locks.
    """
    if engine.dialect.name == "sqlite":
        import sqlite3

        other = sqlite3.connect(engine.url.database, timeout=0, isolation_level=None)
        begin, refused = "BEGIN IMMEDIATE", sqlite3.OperationalError
    else:
        import psycopg

        other = psycopg.connect(engine.url.set(drivername="postgresql").render_as_string(hide_password=False))
        begin, refused = "SET lock_timeout = 1", psycopg.errors.LockNotAvailable
    try:
        other.execute(begin)
        other.execute(statement)
        return True
    except refused:
        return False
    finally:
        other.rollback()
        other.close()


VOTE_ANSWERS = {"offer": {"description": "Weekly string ensembles in Kettering schools"}}


def put_to_vote(
    hub, organisation, applicant, officer, deadline=None, recommendation=Recommendation.APPROVE
) -> Vote:
    """An application with the trustees, recommended, with its vote open (committed)."""
    application = make_application(
        hub, organisation, applicant, State.WITH_TRUSTEES, officer=officer, answers=VOTE_ANSWERS
    )
    db.session.add(
        Assessment(
            application_id=application.id,
            recommendation=recommendation,
            reasons="A strong fit with the hub's first goal.",
            recorded_by_id=officer.id,
            recorded_at=utcnow(),
        )
    )
    vote = open_vote(application, officer, deadline or utcnow() + timedelta(days=7))
    db.session.commit()
    return vote


def past_deadline(vote: Vote) -> None:
    """Move the vote's deadline an hour into the past (committed)."""
    db.session.execute(update(Vote).where(Vote.id == vote.id).values(deadline=utcnow() - timedelta(hours=1)))
    db.session.commit()
    db.session.refresh(vote)


def application_events(application) -> list[str]:
    """The kinds of the application's audit events, in order."""
    return list(
        db.session.scalars(
            select(ApplicationEvent.kind)
            .where(ApplicationEvent.application_id == application.id)
            .order_by(ApplicationEvent.sequence)
        )
    )


def outbox_recipients(kind: str) -> list[str]:
    """Who was sent an email of this kind, sorted."""
    return sorted(db.session.scalars(select(OutboxMessage.recipient).where(OutboxMessage.kind == kind)))


def row_counts() -> dict[str, int]:
    """Rows per table, in one query."""
    tables = db.metadata.sorted_tables
    counts = db.session.execute(
        select(*[select(func.count()).select_from(table).scalar_subquery() for table in tables])
    ).one()
    return dict(zip((table.name for table in tables), counts))


def fill_draft(application, user):
    """Complete every section of a draft through the operation, uploads included."""
    answers = complete_answers(application.hub)
    for key in [section.key for section in sections_of(application) if not section.is_organisation]:
        posted = dict(answers[key])
        if key == "documents":
            posted["safeguarding_policy"] = FileStorage(io.BytesIO(PDF), "policy.pdf")
            posted["insurance_certificate"] = FileStorage(io.BytesIO(PDF), "insurance.pdf")
        section = application.section(key)
        result = save_section(application, key, posted, user, section.version if section else 0)
        assert result.saved and not result.errors, (key, result.errors)


# The smallest file the upload check reads as a PDF.
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@contextmanager
def counting_queries(db):
    """Collect the SQL statements run inside the block."""
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def seed(app, count: int):
    """`flask seed applications --count N`, which must succeed."""
    result = app.test_cli_runner().invoke(args=["seed", "applications", "--count", str(count)])
    assert result.exit_code == 0, result.output
    return result


# The `objects` fixture (tests/platform/conftest.py) by the URL argument each fills.
DEFAULT_ARGS = {
    "application_id": "draft", "document_id": "document", "key": "section", "organisation_id": "organisation",
    "partnership_id": "partnership", "vote_id": "vote", "meeting_id": "meeting", "item_id": "item",
    "interest_id": "interest", "invitation_id": "invitation", "user_id": "member", "hub_id": "hub",
    "round_id": "round", "kind": "kind", "outcome": "outcome", "version": "version", "slug": "slug", "token": "token",
    "number": "revision",
}
