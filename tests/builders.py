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
