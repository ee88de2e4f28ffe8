"""What the office reads: the queues, their counts, and one application with its parts.

Every query loads what its page shows in a fixed number of statements, however
many rows there are.
"""

from dataclasses import dataclass
from math import ceil

from flask import abort
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..accounts.models import Role, User, UserRole
from ..applications.lifecycle import State
from ..applications.models import Application, Message
from ..extensions import db
from ..hubs.models import Hub
from ..organisations.models import Organisation
from .models import Assessment, Note

# The office's queues, in the order an application moves through them; drafts are the applicant's own.
QUEUE_STATES = (
    State.SUBMITTED,
    State.IN_REVIEW,
    State.INFO_REQUESTED,
    State.WITH_TRUSTEES,
    State.APPROVED,
    State.DECLINED,
    State.WITHDRAWN,
)
QUEUE_LABELS = {State.SUBMITTED: "New"}
PAGE_SIZE = 50
MINE, UNASSIGNED = "mine", "unassigned"
NEWEST = "newest"


def queue_label(state: State) -> str:
    """A queue's name on its tab: "New" for submitted, else the state's label."""
    return QUEUE_LABELS.get(state, state.label)


@dataclass(frozen=True)
class QueueFilter:
    """What the officer asked to see: one state, optionally narrowed and sorted."""

    state: State = State.SUBMITTED
    hub_id: int | None = None
    officer: str | int | None = None  # a user id, MINE or UNASSIGNED
    search: str = ""
    newest_first: bool = False


@dataclass
class QueuePage:
    """One page of a queue, with the counts of every queue under the same filters."""

    applications: list[Application]
    counts: dict[State, int]
    page: int
    pages: int
    total: int


def _in_office(statement, criteria: QueueFilter, viewer: User):
    """Narrow a statement over applications to those the office works, and the filters."""
    statement = statement.where(Application.submitted_at.is_not(None))
    if criteria.hub_id is not None:
        statement = statement.where(Application.hub_id == criteria.hub_id)
    if criteria.officer == MINE:
        statement = statement.where(Application.assigned_officer_id == viewer.id)
    elif criteria.officer == UNASSIGNED:
        statement = statement.where(Application.assigned_officer_id.is_(None))
    elif criteria.officer is not None:
        statement = statement.where(Application.assigned_officer_id == criteria.officer)
    term = criteria.search.strip().lower()
    if term:
        statement = statement.where(
            or_(
                func.lower(Application.reference).contains(term, autoescape=True),
                Application.organisation_id.in_(
                    select(Organisation.id).where(func.lower(Organisation.name).contains(term, autoescape=True))
                ),
            )
        )
    return statement


def queue_counts(criteria: QueueFilter, viewer: User) -> dict[State, int]:
    """How many applications each queue holds under the filters, in one grouped count."""
    statement = _in_office(
        select(Application.state, func.count(Application.id)).group_by(Application.state), criteria, viewer
    )
    counted = dict(db.session.execute(statement).tuples().all())
    return {state: counted.get(state, 0) for state in QUEUE_STATES}


def queue_page(criteria: QueueFilter, viewer: User, page: int = 1, per_page: int = PAGE_SIZE) -> QueuePage:
    """One page of the chosen queue: longest in its state first unless asked otherwise."""
    counts = queue_counts(criteria, viewer)
    total = counts.get(criteria.state, 0)
    pages = max(1, ceil(total / per_page))
    page = min(max(1, page), pages)
    order = (
        (Application.state_changed_at.desc(), Application.id.desc())
        if criteria.newest_first
        else (Application.state_changed_at, Application.id)
    )
    statement = _in_office(
        select(Application)
        .where(Application.state == criteria.state)
        .options(joinedload(Application.assigned_officer))
        .order_by(*order)
        .limit(per_page)
        .offset((page - 1) * per_page),
        criteria,
        viewer,
    )
    applications = list(db.session.scalars(statement).unique())
    return QueuePage(applications=applications, counts=counts, page=page, pages=pages, total=total)


def hubs() -> list[Hub]:
    """Every hub, by name, for the hub filter."""
    return list(db.session.scalars(select(Hub).order_by(Hub.name)))


def officers() -> list[User]:
    """Active officers, by name: who an application can be assigned to."""
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.OFFICER, User.active.is_(True))
            .order_by(User.name, User.id)
        ).unique()
    )


def officer_or_none(user_id: int | None) -> User | None:
    """The active officer with this id, or None."""
    if user_id is None:
        return None
    return db.session.scalar(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.id == user_id, UserRole.role == Role.OFFICER, User.active.is_(True))
    )


def office_application_or_404(application_id: int) -> Application:
    """A submitted application with what its office page shows, or 404 (drafts are not the office's)."""
    application = db.session.scalar(
        select(Application)
        .where(Application.id == application_id, Application.submitted_at.is_not(None))
        .options(
            joinedload(Application.assigned_officer),
            selectinload(Application.sections),
            selectinload(Application.documents),
            selectinload(Application.messages).joinedload(Message.author),
            selectinload(Application.votes),
        )
    )
    if application is None:
        abort(404)
    return application


def assessment_for(application: Application) -> Assessment | None:
    """The office's assessment of the application, if one has been started."""
    return db.session.scalar(select(Assessment).where(Assessment.application_id == application.id))


def notes_for(application: Application) -> list[Note]:
    """The internal notes on an application, oldest first."""
    return list(
        db.session.scalars(
            select(Note).where(Note.application_id == application.id).order_by(Note.created_at, Note.id)
        )
    )
