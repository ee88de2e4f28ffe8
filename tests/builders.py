"""Builders for tests: applications put straight into a given state."""

from datetime import timedelta

from workflow.applications.lifecycle import State
from workflow.applications.models import Application, ApplicationSection
from workflow.extensions import db
from workflow.types import utcnow

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
