"""The office's key figures, each counted by the database in one query that reads an index where it can."""

from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy import func, select

from ..applications.lifecycle import State
from ..applications.models import Application
from ..directory.models import Partnership
from ..database import dialect
from ..extensions import db
from ..organisations.models import Organisation, OrganisationType
from ..types import LONDON, london, utcnow
from .counts import kept_counts
from .models import ApplicationDistrict
from .queries import QUEUE_STATES

MONTHS = 12
SECONDS_PER_DAY = 86400


@dataclass
class Figures:
    """What the dashboard shows, and when it was counted."""

    counted_at: datetime
    by_state: list[tuple[State, int]]
    by_month: list[tuple[str, int]]
    median_days_to_decision: float | None
    partners_by_district: list[tuple[str, int]]
    partners_by_type: list[tuple[str, int]]

    @property
    def decided(self) -> int:
        states = dict(self.by_state)
        return states[State.APPROVED] + states[State.DECLINED]

    @property
    def approval_rate(self) -> float | None:
        return dict(self.by_state)[State.APPROVED] / self.decided if self.decided else None


def by_state() -> dict[State, int]:
    """Submitted applications in each state, from the counts the triggers keep per hub."""
    found = kept_counts()
    return {state: found.get(state, 0) for state in QUEUE_STATES}


def month_starts(now: datetime) -> list[datetime]:
    """The first moments (UTC) of the last MONTHS calendar months in London, and of the month after."""
    local = london(now)
    year, month = local.year, local.month
    firsts = []
    for _ in range(MONTHS):
        firsts.append(datetime(year, month, 1, tzinfo=LONDON))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    firsts.reverse()
    following = datetime(local.year + local.month // 12, local.month % 12 + 1, 1, tzinfo=LONDON)
    return [moment.astimezone(timezone.utc) for moment in firsts + [following]]


def by_month(now: datetime | None = None) -> list[tuple[str, int]]:
    """Applications submitted in each of the last twelve months (London calendar months).

    One range count per month, each read from the index on the submission time.
    """
    starts = month_starts(now or utcnow())
    counts = db.session.execute(
        select(*[
            select(func.count()).where(Application.submitted_at >= start, Application.submitted_at < end).scalar_subquery()
            for start, end in zip(starts, starts[1:])
        ])
    ).one()
    return [(f"{london(start):%B %Y}", number) for start, number in zip(starts, counts)]


def decision_days():
    """Days from submission to decision, as SQLite computes them (the expression its index holds)."""
    return func.julianday(Application.decided_at) - func.julianday(Application.submitted_at)


def decision_interval():
    """The time from submission to decision, as PostgreSQL's index on it holds it."""
    return Application.decided_at - Application.submitted_at


def median_days_to_decision(decided: int) -> float | None:
    """The median time from submission to decision, in days.

    The middle one or two of the decided applications, read in order from an index
    on the time to decision (one per database), so nothing is sorted.
    """
    if not decided:
        return None
    postgresql = dialect() == "postgresql"
    ordered = decision_interval() if postgresql else decision_days()
    shown = func.extract("epoch", ordered) / SECONDS_PER_DAY if postgresql else ordered
    middle = (
        select(shown.label("days"))
        .where(Application.decided_at.is_not(None))
        .order_by(ordered)
        .limit(2 - decided % 2)
        .offset((decided - 1) // 2)
        .subquery()
    )
    return float(db.session.scalar(select(func.avg(middle.c.days))))


def _current(today: date):
    return (Partnership.starts_on <= today, Partnership.ends_on >= today)


def partners_by_district(today: date) -> list[tuple[str, int]]:
    """Organisations in a current partnership, per district that partnership serves, most first.

    An organisation counts once in a district however many of its partnerships serve it.
    """
    count = func.count(Partnership.organisation_id.distinct())
    return list(
        db.session.execute(
            select(ApplicationDistrict.district, count)
            .join(Partnership, Partnership.application_id == ApplicationDistrict.application_id)
            .where(*_current(today))
            .group_by(ApplicationDistrict.district)
            .order_by(count.desc(), ApplicationDistrict.district)
        ).tuples().all()
    )


def partners_by_type(today: date) -> list[tuple[str, int]]:
    """Organisations in a current partnership, per type of organisation, most first."""
    count = func.count()
    partners = select(Partnership.organisation_id).where(*_current(today))
    rows = db.session.execute(
        select(Organisation.organisation_type, count)
        .where(Organisation.id.in_(partners))
        .group_by(Organisation.organisation_type)
    ).tuples()
    labelled = [(kind.label if isinstance(kind, OrganisationType) else "Not given", number) for kind, number in rows]
    return sorted(labelled, key=lambda row: (-row[1], row[0]))


def figures(now: datetime | None = None) -> Figures:
    """Every figure of the dashboard counted afresh, in a fixed number of queries."""
    now = now or utcnow()
    today = london(now).date()
    states = by_state()
    return Figures(
        counted_at=now,
        by_state=list(states.items()),
        by_month=by_month(now),
        median_days_to_decision=median_days_to_decision(states[State.APPROVED] + states[State.DECLINED]),
        partners_by_district=partners_by_district(today),
        partners_by_type=partners_by_type(today),
    )
