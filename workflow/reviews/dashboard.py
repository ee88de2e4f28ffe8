"""The office's key figures, each counted by the database in one grouped query."""

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import func, select

from ..applications.lifecycle import State
from ..applications.models import Application
from ..extensions import db
from ..organisations.models import Organisation, OrganisationType
from ..types import utcnow
from .models import ApplicationDistrict
from .queries import QUEUE_STATES

MONTHS = 12
SECONDS_PER_DAY = 86400


@dataclass
class Figures:
    """What the dashboard shows."""

    by_state: list[tuple[State, int]]
    by_month: list[tuple[str, int]]
    median_days_to_decision: float | None
    approval_rate: float | None
    decided: int
    partners_by_district: list[tuple[str, int]]
    partners_by_type: list[tuple[str, int]]


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def by_state() -> dict[State, int]:
    """Submitted applications in each state."""
    counted = dict(
        db.session.execute(
            select(Application.state, func.count())
            .select_from(Application)
            .where(Application.submitted_at.is_not(None))
            .group_by(Application.state)
        ).tuples().all()
    )
    return {state: counted.get(state, 0) for state in QUEUE_STATES}


def _months(now: datetime) -> list[str]:
    """The last MONTHS calendar months as "YYYY-MM", oldest first."""
    year, month = now.year, now.month
    months = []
    for _ in range(MONTHS):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def by_month(now: datetime | None = None) -> list[tuple[str, int]]:
    """Applications submitted in each of the last twelve months (UTC calendar months)."""
    months = _months(now or utcnow())
    first = datetime.strptime(months[0], "%Y-%m").replace(tzinfo=timezone.utc)
    if _dialect() == "postgresql":
        month = func.to_char(func.timezone("UTC", Application.submitted_at), "YYYY-MM")
    else:  # SQLite keeps times as ISO text: the month is its first seven characters
        month = func.substr(Application.submitted_at, 1, 7)
    counted = dict(
        db.session.execute(
            select(month, func.count()).where(Application.submitted_at >= first).group_by(month)
        ).tuples().all()
    )
    return [(f"{datetime.strptime(name, '%Y-%m'):%B %Y}", counted.get(name, 0)) for name in months]


def decision_days():
    """Days from submission to decision, as SQLite computes them (the expression its index holds)."""
    return func.julianday(Application.decided_at) - func.julianday(Application.submitted_at)


def median_days_to_decision(decided: int) -> float | None:
    """The median time from submission to decision, in days, worked out by the database.

    PostgreSQL has percentile_cont; SQLite reads the middle one or two rows of an
    index on the decision time, so neither sorts nor sends every decided row.
    """
    if not decided:
        return None
    where = Application.decided_at.is_not(None)
    if _dialect() == "postgresql":
        seconds = func.extract("epoch", Application.decided_at - Application.submitted_at)
        median = db.session.scalar(select(func.percentile_cont(0.5).within_group(seconds)).where(where))
        return float(median) / SECONDS_PER_DAY
    days = decision_days()
    middle = (
        select(days.label("days")).where(where).order_by(days).limit(2 - decided % 2).offset((decided - 1) // 2).subquery()
    )
    return float(db.session.scalar(select(func.avg(middle.c.days))))


def partners_by_district() -> list[tuple[str, int]]:
    """Approved applications per district served, most first."""
    count = func.count()  # an application names a district once: the key is (application, district)
    approved = select(Application.id).where(Application.state == State.APPROVED)
    return list(
        db.session.execute(
            select(ApplicationDistrict.district, count)
            .where(ApplicationDistrict.application_id.in_(approved))
            .group_by(ApplicationDistrict.district)
            .order_by(count.desc(), ApplicationDistrict.district)
        ).tuples().all()
    )


def partners_by_type() -> list[tuple[str, int]]:
    """Approved applications per type of organisation, most first."""
    count = func.count(Application.id)
    rows = db.session.execute(
        select(Organisation.organisation_type, count)
        .join(Application, Application.organisation_id == Organisation.id)
        .where(Application.state == State.APPROVED)
        .group_by(Organisation.organisation_type)
        .order_by(count.desc())
    ).tuples()
    return [(kind.label if isinstance(kind, OrganisationType) else "Not given", number) for kind, number in rows]


def figures() -> Figures:
    """Every figure of the dashboard, in a fixed number of queries."""
    states = by_state()
    decided = states[State.APPROVED] + states[State.DECLINED]
    return Figures(
        by_state=list(states.items()),
        by_month=by_month(),
        median_days_to_decision=median_days_to_decision(decided),
        approval_rate=states[State.APPROVED] / decided if decided else None,
        decided=decided,
        partners_by_district=partners_by_district(),
        partners_by_type=partners_by_type(),
    )
