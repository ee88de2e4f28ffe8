"""The districts an application's offer serves, kept in a table the office's queues filter on.

Imports nothing from the areas that call it, so submitting an application can
write them without an import cycle.
"""

from sqlalchemy import delete, insert

from ..extensions import db
from .models import ApplicationDistrict


def index_districts(application) -> None:
    """Store the districts named in the application's offer section, replacing those stored before."""
    offer = application.answers("offer")
    names = sorted({str(name) for name in offer.get("districts") or [] if name})
    db.session.execute(delete(ApplicationDistrict).where(ApplicationDistrict.application_id == application.id))
    if names:
        db.session.execute(
            insert(ApplicationDistrict), [{"application_id": application.id, "district": name} for name in names]
        )
