"""The CSV export of a filtered queue: the columns of a board report, streamed row by row."""

import csv
import io
from collections.abc import Iterator

from sqlalchemy import func, select

from ..accounts.models import User
from ..applications.models import Application
from ..extensions import db
from ..hubs.models import Hub
from ..organisations.models import Organisation
from ..types import london, utcnow
from .models import ApplicationDistrict, Assessment
from .queries import QueueFilter, _in_office, _order

COLUMNS = [
    "Reference", "Organisation", "Type", "Hub", "State", "Submitted", "Days in this state",
    "Assigned officer", "Districts", "Recommendation",
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BATCH = 1000


def formula_safe(value) -> str:
    """A cell a spreadsheet shows as text: one that would start a formula gets a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _statement(criteria: QueueFilter, viewer: User):
    districts = (
        select(func.aggregate_strings(ApplicationDistrict.district, "; "))
        .where(ApplicationDistrict.application_id == Application.id)
        .scalar_subquery()
    )
    statement = (
        select(
            Application.reference,
            Organisation.name,
            Organisation.organisation_type,
            Hub.name,
            Application.state,
            Application.submitted_at,
            Application.state_changed_at,
            User.name,
            districts,
            Assessment.recommendation,
        )
        .select_from(Application)
        .join(Organisation, Organisation.id == Application.organisation_id)
        .join(Hub, Hub.id == Application.hub_id)
        .outerjoin(User, User.id == Application.assigned_officer_id)
        .outerjoin(Assessment, Assessment.application_id == Application.id)
        .where(Application.state == criteria.state)
        .order_by(*_order(criteria.sort))
    )
    return _in_office(statement, criteria, viewer)


def export_lines(criteria: QueueFilter, viewer: User) -> Iterator[str]:
    """The queue as CSV text, a header then one line per application, read in batches."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([formula_safe(cell) for cell in cells])
        return buffer.getvalue()

    yield line(COLUMNS)
    now = utcnow()
    rows = db.session.execute(_statement(criteria, viewer).execution_options(yield_per=BATCH))
    for reference, name, kind, hub, state, submitted, changed, officer, districts, recommendation in rows:
        yield line([
            reference,
            name,
            kind.label if kind else "",
            hub,
            state.label,
            f"{london(submitted):%Y-%m-%d}",
            (now - changed).days,
            officer or "",
            "; ".join(sorted((districts or "").split("; "))) if districts else "",
            recommendation.label if recommendation else "",
        ])
