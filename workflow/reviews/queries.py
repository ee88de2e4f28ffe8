"""What the office reads: the queues, their counts, and one application with its parts.

Every query loads what its page shows in a fixed number of statements, however
many rows there are.
"""

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from math import ceil

from flask import abort
from sqlalchemy import any_, func, select, union_all
from sqlalchemy.orm import contains_eager, joinedload, lazyload, selectinload
from sqlalchemy.sql import operators

from ..accounts.models import Role, User, UserRole, name_only
from ..applications.lifecycle import State
from ..applications.models import AnswerRevision, Application, Message
from ..database import dialect
from ..extensions import db
from ..hubs.models import District, Hub
from ..organisations.models import Organisation, OrganisationType
from ..types import LONDON
from ..votes.models import Vote
from .counts import kept_counts
from .models import ApplicationDistrict, Assessment, Note

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
MAX_SELECTED = 500  # rows one bulk action may change
MINE, UNASSIGNED = "mine", "unassigned"
NEWEST = "newest"


def queue_label(state: State) -> str:
    """A queue's name on its tab: "New" for submitted, else the state's label."""
    return QUEUE_LABELS.get(state, state.label)


SORTS = {
    "oldest": "Longest in this state first",
    NEWEST: "Newest in this state first",
    "submitted": "Submitted, earliest first",
    "reference": "Reference",
    "organisation": "Organisation, A to Z",
}


@dataclass(frozen=True)
class QueueFilter:
    """What the officer asked to see: one state, optionally narrowed and sorted."""

    state: State = State.SUBMITTED
    hub_id: int | None = None
    officer: str | int | None = None  # a user id, MINE or UNASSIGNED
    search: str = ""
    sort: str = "oldest"
    organisation_type: OrganisationType | None = None
    district: str = ""
    submitted_from: date | None = None
    submitted_to: date | None = None


@dataclass
class QueuePage:
    """One page of a queue, with the counts of every queue under the same filters."""

    applications: list[Application]
    counts: dict[State, int]
    page: int
    pages: int
    total: int


def _london_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), LONDON).astimezone(timezone.utc)


def _tested(column, sqlite: bool):
    """The column as SQLite's planner will not look up by index (`+ 0`), so its IN list is tested per row."""
    return column + 0 if sqlite else column


def _in_office(statement, criteria: QueueFilter, viewer: User, in_order: bool = False, state: State | None = None):
    """Narrow a statement over applications to those the office works, and the filters.

    A district is looked up with the organisation type and `state`, if given, in the
    district's rows, which carry both. On SQLite, `in_order` (a page, read in the
    queue's order) tests the organisation type or district per row while walking the
    order's index, rather than reading every application of the type or district
    and sorting them. On PostgreSQL a page takes the district's ids as one array,
    which the planner looks up by primary key instead of reading every application
    in the state to match them.
    """
    sqlite = dialect() == "sqlite"
    statement = statement.where(Application.submitted_at.is_not(None))
    if criteria.hub_id is not None:
        statement = statement.where(Application.hub_id == criteria.hub_id)
    if criteria.officer == MINE:
        statement = statement.where(Application.assigned_officer_id == viewer.id)
    elif criteria.officer == UNASSIGNED:
        statement = statement.where(Application.assigned_officer_id.is_(None))
    elif criteria.officer is not None:
        statement = statement.where(Application.assigned_officer_id == criteria.officer)
    if criteria.district:
        rows = _district_rows(select(ApplicationDistrict.application_id), criteria, state)
        if in_order and not sqlite:
            statement = statement.where(Application.id == any_(func.array(rows.scalar_subquery())))
        else:
            statement = statement.where(_tested(Application.id, sqlite and in_order).in_(rows))
    elif criteria.organisation_type is not None:
        statement = statement.where(
            _tested(Application.organisation_id, sqlite and in_order).in_(
                select(Organisation.id).where(Organisation.organisation_type == criteria.organisation_type)
            )
        )
    if criteria.submitted_from is not None:
        statement = statement.where(Application.submitted_at >= _london_midnight(criteria.submitted_from))
    if criteria.submitted_to is not None:
        statement = statement.where(
            Application.submitted_at < _london_midnight(criteria.submitted_to + timedelta(days=1))
        )
    term = criteria.search.strip()
    if term:
        # A reference is found by its beginning (an index range); an organisation by any part of its name.
        # Each is looked up by its own index and the two sets of ids joined, rather than ORed over every row.
        prefix = term.upper()
        statement = statement.where(
            Application.id.in_(
                union_all(
                    select(Application.id).where(
                        Application.reference >= prefix, Application.reference < prefix + "\uffff"
                    ),
                    select(Application.id).where(
                        Application.organisation_id.in_(select(Organisation.id).where(_name_contains(term)))
                    ),
                )
            )
        )
    return statement


def _name_contains(term: str):
    """An organisation's name contains the term, in any case.

    PostgreSQL compares lower-cased names, which its trigram index holds. SQLite's
    LIKE already ignores ASCII case, the only case its lower() changes, so it
    compares the names as they are: the same rows, without a call per name.
    """
    name = Organisation.name
    if dialect() == "postgresql":
        name = func.lower(name)
    return name.contains(term.lower(), autoescape=True)


def _narrowed(criteria: QueueFilter) -> bool:
    """Whether the filters narrow the queues more finely than by hub."""
    return any((
        criteria.officer, criteria.search.strip(), criteria.organisation_type, criteria.district,
        criteria.submitted_from, criteria.submitted_to,
    ))


def _district_rows(statement, criteria: QueueFilter, state: State | None = None):
    """Narrow a statement over district rows to the district, organisation type and state asked for."""
    statement = statement.where(ApplicationDistrict.district == criteria.district)
    if criteria.organisation_type is not None:
        statement = statement.where(ApplicationDistrict.organisation_type == criteria.organisation_type)
    if state is not None:
        statement = statement.where(ApplicationDistrict.state == state)
    return statement


def _district_counts(criteria: QueueFilter, viewer: User):
    """The tab counts of a district: its rows' states, and the other filters over their applications."""
    statement = _district_rows(
        select(ApplicationDistrict.state, func.count()).group_by(ApplicationDistrict.state), criteria
    )
    others = replace(criteria, district="", organisation_type=None)
    if others.hub_id is not None or _narrowed(others):
        statement = statement.where(
            ApplicationDistrict.application_id.in_(_in_office(select(Application.id), others, viewer))
        )
    return statement


def queue_counts(criteria: QueueFilter, viewer: User) -> dict[State, int]:
    """How many applications each queue holds under the filters, in one grouped query.

    Unfiltered, or filtered by hub only, the counts are the kept ones (`counts.py`)
    rather than a count of every application; a district's are read from its rows.
    """
    if criteria.district:
        counted = dict(db.session.execute(_district_counts(criteria, viewer)).tuples().all())
    elif _narrowed(criteria):
        statement = _in_office(
            select(Application.state, func.count()).select_from(Application).group_by(Application.state),
            criteria,
            viewer,
        )
        counted = dict(db.session.execute(statement).tuples().all())
    else:
        counted = kept_counts(criteria.hub_id)
    return {state: counted.get(state, 0) for state in QUEUE_STATES}


def _order(sort: str) -> list:
    """The ORDER BY of a sort, ending with the id so every row has one place."""
    if sort == NEWEST:
        return [Application.state_changed_at.desc(), Application.id.desc()]
    if sort == "submitted":
        return [Application.submitted_at, Application.id]
    if sort == "reference":
        return [Application.reference]
    if sort == "organisation":
        return [Organisation.name, Application.id]
    return [Application.state_changed_at, Application.id]


def _reversed(clause):
    """ASC for DESC and DESC for ASC."""
    if getattr(clause, "modifier", None) is operators.desc_op:
        return clause.element.asc()
    return clause.desc()


def _page_statement(criteria: QueueFilter, viewer: User):
    return _in_office(
        select(Application)
        .join(Application.organisation)
        .where(Application.state == criteria.state)
        .options(
            contains_eager(Application.organisation),
            *name_only(joinedload(Application.assigned_officer)),
        ),
        criteria,
        viewer,
        in_order=True,
        state=criteria.state,
    )


def queue_page(criteria: QueueFilter, viewer: User, page: int = 1, per_page: int = PAGE_SIZE) -> QueuePage:
    """One page of the chosen queue: longest in its state first unless asked otherwise.

    A page in the back half of the queue is read from the far end, in the reverse
    order, so the last page costs what the first does.
    """
    counts = queue_counts(criteria, viewer)
    total = counts.get(criteria.state, 0)
    pages = max(1, ceil(total / per_page))
    page = min(max(1, page), pages)
    start, end = (page - 1) * per_page, min(page * per_page, total)
    order = _order(criteria.sort)
    statement = _page_statement(criteria, viewer)
    if start > total - end:
        statement = statement.order_by(*[_reversed(clause) for clause in order]).limit(end - start).offset(total - end)
        applications = list(db.session.scalars(statement).unique())[::-1]
    else:
        statement = statement.order_by(*order).limit(per_page).offset(start)
        applications = list(db.session.scalars(statement).unique())
    return QueuePage(applications=applications, counts=counts, page=page, pages=pages, total=total)


def selected_applications(ids: list[int]) -> list[Application]:
    """The submitted applications with these ids (at most MAX_SELECTED), in the order given; unknown ids are left out."""
    ids = list(dict.fromkeys(ids))[:MAX_SELECTED]
    if not ids:
        return []
    found = {
        application.id: application
        for application in db.session.scalars(
            select(Application).where(Application.id.in_(ids), Application.submitted_at.is_not(None))
        ).unique()
    }
    return [found[n] for n in ids if n in found]


def district_names() -> list[str]:
    """Every hub's districts, by name, once each: the district filter's choices."""
    return list(db.session.scalars(select(District.name).distinct().order_by(District.name)))


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
            .options(lazyload(User.role_rows), lazyload(User.memberships))
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
    """A submitted application with what its office page shows, or 404 (drafts are not the office's).

    The hub's criteria and the decision letter come in the same statement; the votes
    without their members, ballots and conflicts, which the page does not show.
    """
    application = db.session.scalars(
        select(Application)
        .where(Application.id == application_id, Application.submitted_at.is_not(None))
        .options(
            joinedload(Application.hub).joinedload(Hub.criteria),
            joinedload(Application.letter),
            *name_only(joinedload(Application.assigned_officer)),
            selectinload(Application.sections),
            selectinload(Application.documents),
            *name_only(selectinload(Application.messages).joinedload(Message.author)),
            selectinload(Application.votes).options(
                lazyload(Vote.members), lazyload(Vote.ballots), lazyload(Vote.conflicts)
            ),
        )
    ).unique().one_or_none()
    if application is None:
        abort(404)
    return application


def assessment_for(application: Application) -> Assessment | None:
    """The office's assessment of the application, if one has been started."""
    return db.session.scalar(
        select(Assessment)
        .where(Assessment.application_id == application.id)
        .options(*name_only(joinedload(Assessment.recorded_by)))
    )


def revisions_of(application: Application) -> list[AnswerRevision]:
    """The revisions of the application's answers, oldest first, with who sent each."""
    return list(
        db.session.scalars(
            select(AnswerRevision)
            .where(AnswerRevision.application_id == application.id)
            .order_by(AnswerRevision.number)
            .options(*name_only(joinedload(AnswerRevision.created_by)))
        )
    )


def revision_or_404(application: Application, number: int) -> AnswerRevision:
    """The application's revision of this number, or 404."""
    revision = db.session.scalar(
        select(AnswerRevision)
        .where(AnswerRevision.application_id == application.id, AnswerRevision.number == number)
        .options(joinedload(AnswerRevision.form_version), *name_only(joinedload(AnswerRevision.created_by)))
    )
    if revision is None:
        abort(404)
    return revision


def notes_for(application: Application) -> list[Note]:
    """The internal notes on an application, oldest first."""
    return list(
        db.session.scalars(
            select(Note)
            .where(Note.application_id == application.id)
            .order_by(Note.created_at, Note.id)
            .options(*name_only(joinedload(Note.author)))
        )
    )
