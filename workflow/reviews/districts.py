"""The districts an application's offer serves, kept in a table the office's queues filter on.

Imports nothing from the areas that call it, so submitting an application can
write them without an import cycle.
"""

from sqlalchemy import delete, insert

from ..extensions import db
from ..hubs.definition import definition_of
from .models import ApplicationDistrict


def index_districts(application) -> None:
    """Store the districts the application's answers name (its questions drawn from the hub's
    districts), replacing those stored before."""
    keys = {question.key for _, question in definition_of(application.form_version).questions() if question.choices_from == "districts"}
    chosen = [value for row in application.sections for key, value in (row.answers or {}).items() if key in keys]
    names = sorted({str(name) for value in chosen for name in (value if isinstance(value, list) else [value]) if name})
    db.session.execute(delete(ApplicationDistrict).where(ApplicationDistrict.application_id == application.id))
    if names:
        db.session.execute(
            insert(ApplicationDistrict), [{"application_id": application.id, "district": name} for name in names]
        )
