"""The dashboard's figures as last counted, kept in one row that every worker reads.

Counting the partners means joining every current partnership to its districts, too
slow to do on each page view at national scale. So `flask tick` counts the figures
and keeps them; the page shows them with the time they were counted. If the kept
figures are older than STALE_AFTER (the scheduled task is not running), the page
counts them itself for that view and keeps nothing: a GET never writes.
"""

from datetime import datetime, timedelta

from sqlalchemy.dialects import postgresql, sqlite

from ..applications.lifecycle import State
from ..database import dialect
from ..extensions import db
from ..types import utcnow
from .dashboard import Figures, figures
from .models import DashboardSnapshot

STALE_AFTER = timedelta(minutes=10)
ROW = 1


def _as_json(shown: Figures) -> dict:
    return {
        "by_state": [[state.value, number] for state, number in shown.by_state],
        "by_month": [list(row) for row in shown.by_month],
        "median_days_to_decision": shown.median_days_to_decision,
        "partners_by_district": [list(row) for row in shown.partners_by_district],
        "partners_by_type": [list(row) for row in shown.partners_by_type],
    }


def _from_json(data: dict, counted_at: datetime) -> Figures:
    return Figures(
        counted_at=counted_at,
        by_state=[(State(state), number) for state, number in data["by_state"]],
        by_month=[tuple(row) for row in data["by_month"]],
        median_days_to_decision=data["median_days_to_decision"],
        partners_by_district=[tuple(row) for row in data["partners_by_district"]],
        partners_by_type=[tuple(row) for row in data["partners_by_type"]],
    )


def refresh_snapshot(now: datetime | None = None) -> Figures:
    """Count the figures afresh and keep them, replacing the last count; the caller commits."""
    return keep_snapshot(figures(now))


def keep_snapshot(shown: Figures) -> Figures:
    """Keep these figures as the last count; the caller commits."""
    values = {"figures": _as_json(shown), "counted_at": shown.counted_at}
    insert = postgresql.insert if dialect() == "postgresql" else sqlite.insert
    statement = insert(DashboardSnapshot).values(id=ROW, **values)
    db.session.execute(statement.on_conflict_do_update(index_elements=[DashboardSnapshot.id], set_=values))
    return shown


def kept_figures(now: datetime | None = None) -> Figures | None:
    """The kept figures, unless there are none or they were counted more than STALE_AFTER ago."""
    snapshot = db.session.get(DashboardSnapshot, ROW)
    if snapshot is None or snapshot.counted_at < (now or utcnow()) - STALE_AFTER:
        return None
    return _from_json(snapshot.figures, snapshot.counted_at)


def dashboard_figures(now: datetime | None = None) -> Figures:
    """What the dashboard shows: the kept figures while they are fresh, else counted now (not kept)."""
    return kept_figures(now) or figures(now)
