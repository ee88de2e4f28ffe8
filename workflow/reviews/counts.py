"""The queues' tab counts: the folded counts plus the changes the triggers wrote since."""

from sqlalchemy import func, select, text, union_all

from ..applications.lifecycle import State
from ..database import dialect
from ..extensions import db
from .models import QueueCount, QueueCountChange

FOLD = {
    # One statement, so the changes it removes are exactly the ones it adds up.
    "postgresql": [
        """
        WITH moved AS (DELETE FROM queue_count_changes RETURNING hub_id, state, change)
        INSERT INTO queue_counts (hub_id, state, count)
        SELECT hub_id, state, sum(change) FROM moved GROUP BY hub_id, state ORDER BY hub_id, state
        ON CONFLICT (hub_id, state) DO UPDATE SET count = queue_counts.count + excluded.count
        """,
    ],
    # SQLite writes one transaction at a time, so nothing is added between the two.
    "sqlite": [
        """
        INSERT INTO queue_counts (hub_id, state, count)
        SELECT hub_id, state, sum(change) FROM queue_count_changes WHERE true GROUP BY hub_id, state
        ON CONFLICT (hub_id, state) DO UPDATE SET count = count + excluded.count
        """,
        "DELETE FROM queue_count_changes",
    ],
}


def kept_counts(hub_id: int | None = None) -> dict[State, int]:
    """Submitted applications in each state (of one hub, if given), without counting applications."""
    both = union_all(
        select(QueueCount.hub_id, QueueCount.state, QueueCount.count.label("number")),
        select(QueueCountChange.hub_id, QueueCountChange.state, QueueCountChange.change.label("number")),
    ).subquery()
    statement = select(both.c.state, func.sum(both.c.number)).group_by(both.c.state)
    if hub_id is not None:
        statement = statement.where(both.c.hub_id == hub_id)
    return {State(state): int(number) for state, number in db.session.execute(statement).tuples()}


def fold_queue_counts() -> None:
    """Add the triggers' changes into `queue_counts` and remove them (`flask tick`, `flask seed`)."""
    for statement in FOLD[dialect()]:
        db.session.execute(text(statement))
