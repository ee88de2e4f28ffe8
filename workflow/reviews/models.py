"""The office's assessment of an application, its internal notes, and what the queues and dashboard keep."""

import enum
from datetime import datetime

from sqlalchemy import DDL, JSON, ForeignKey, Index, String, Text, event, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..applications.lifecycle import State
from ..applications.models import Application
from ..extensions import db
from ..organisations.models import Organisation, OrganisationType
from ..types import UTCDateTime, enum_column, utcnow


class Recommendation(str, enum.Enum):
    """What the officer recommends to the trustees."""

    APPROVE = "approve"
    DECLINE = "decline"

    @property
    def label(self) -> str:
        return "Approve" if self is Recommendation.APPROVE else "Decline"


class Assessment(db.Model):
    """The officer's checklist against the hub's criteria, and the recommendation."""

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), unique=True
    )
    checklist: Mapped[dict] = mapped_column(JSON, default=dict)
    recommendation: Mapped[Recommendation | None] = mapped_column(
        enum_column(Recommendation, "recommendation"), nullable=True
    )
    reasons: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    recorded_by: Mapped["User | None"] = relationship()  # noqa: F821


class Note(db.Model):
    """An internal note about an application, never shown to the applicant."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped["User"] = relationship(lazy="joined")  # noqa: F821


class ApplicationDistrict(db.Model):
    """A district an application's offer serves: the offer's answer, kept where the queues can filter on it.

    Each row also carries its application's state and organisation type, copied by
    the triggers below, so a district's tab counts under a type are read from one
    index, without visiting the applications. Rows are written once the application
    is submitted.
    """

    __tablename__ = "application_districts"
    __table_args__ = (
        Index("ix_application_districts_district", "district", "organisation_type", "state", "application_id"),
    )

    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True
    )
    district: Mapped[str] = mapped_column(String(100), primary_key=True)
    state: Mapped[State | None] = mapped_column(enum_column(State, "state"), nullable=True)
    organisation_type: Mapped[OrganisationType | None] = mapped_column(
        enum_column(OrganisationType, "organisation_type"), nullable=True
    )


# The dashboard's median time to decision: an index on the time from submission to
# decision, over decided applications only, in each database's own arithmetic. The
# median is read from the middle of it. PostgreSQL's carries the two times, so the
# read never visits the table.
_applications = Application.__table__.c
Index(
    "ix_applications_decision_days",
    func.julianday(_applications.decided_at) - func.julianday(_applications.submitted_at),
    sqlite_where=_applications.decided_at.is_not(None),
).ddl_if(dialect="sqlite")
Index(
    "ix_applications_decision_interval",
    _applications.decided_at - _applications.submitted_at,
    postgresql_include=["submitted_at", "decided_at"],
    postgresql_where=_applications.decided_at.is_not(None),
).ddl_if(dialect="postgresql")

# The queues' filters and search. An organisation type is found by its index, and
# its applications' states read from theirs without visiting the table, so a type
# narrows the tab counts by what it matches rather than by every application.
_organisations = Organisation.__table__.c
Index("ix_organisations_type", _organisations.organisation_type, _organisations.id)
Index(
    "ix_applications_organisation_state",
    _applications.organisation_id, _applications.state, _applications.submitted_at, _applications.id,
)
# PostgreSQL finds an organisation by any part of its name with a trigram index
# (pg_trgm, a trusted extension since PostgreSQL 13). SQLite scans the names'
# index, with LIKE, which ignores ASCII case as its lower() does.
event.listen(
    db.metadata, "before_create", DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql")
)
Index(
    "ix_organisations_name_trigram",
    func.lower(_organisations.name).label("name_lower"),
    postgresql_using="gin",
    postgresql_ops={"name_lower": "gin_trgm_ops"},
).ddl_if(dialect="postgresql")


class QueueCount(db.Model):
    """How many submitted applications each hub had in each state when the changes were last folded in.

    The queues' tab counts are these plus the `QueueCountChange` rows written since
    (workflow/reviews/counts.py). An application counts from the moment it is
    submitted (`submitted_at` is set), as the queues do.
    """

    __tablename__ = "queue_counts"

    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(String(20), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class QueueCountChange(db.Model):
    """One application entering (+1) or leaving (-1) a hub's state, written by the triggers below.

    The triggers only ever insert, so two transactions moving applications never wait
    on each other; `flask tick` folds the changes into `QueueCount`.
    """

    __tablename__ = "queue_count_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(20))
    change: Mapped[int]


class DashboardSnapshot(db.Model):
    """The dashboard's figures as last counted (by `flask tick`): one row, which every worker reads."""

    __tablename__ = "dashboard_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    figures: Mapped[dict] = mapped_column(JSON)
    counted_at: Mapped[datetime] = mapped_column(UTCDateTime)


# Each write to an application records it leaving its old (hub, state) and entering its new one.
COUNT_TRIGGERS = {
    "postgresql": [
        """
        CREATE OR REPLACE FUNCTION count_queues() RETURNS trigger AS $$
        BEGIN
            IF TG_OP <> 'INSERT' AND OLD.submitted_at IS NOT NULL THEN
                INSERT INTO queue_count_changes (hub_id, state, change) VALUES (OLD.hub_id, OLD.state, -1);
            END IF;
            IF TG_OP <> 'DELETE' AND NEW.submitted_at IS NOT NULL THEN
                INSERT INTO queue_count_changes (hub_id, state, change) VALUES (NEW.hub_id, NEW.state, 1);
            END IF;
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql
        """,
        """
        CREATE OR REPLACE TRIGGER applications_counted
            AFTER INSERT OR DELETE OR UPDATE OF state, hub_id, submitted_at ON applications
            FOR EACH ROW EXECUTE FUNCTION count_queues()
        """,
    ],
    "sqlite": [
        """
        CREATE TRIGGER IF NOT EXISTS applications_counted_insert AFTER INSERT ON applications
        WHEN NEW.submitted_at IS NOT NULL BEGIN
            INSERT INTO queue_count_changes (hub_id, state, change) VALUES (NEW.hub_id, NEW.state, 1);
        END
        """,
        """
        CREATE TRIGGER IF NOT EXISTS applications_counted_update
        AFTER UPDATE OF state, hub_id, submitted_at ON applications BEGIN
            INSERT INTO queue_count_changes (hub_id, state, change)
            SELECT OLD.hub_id, OLD.state, -1 WHERE OLD.submitted_at IS NOT NULL;
            INSERT INTO queue_count_changes (hub_id, state, change)
            SELECT NEW.hub_id, NEW.state, 1 WHERE NEW.submitted_at IS NOT NULL;
        END
        """,
        """
        CREATE TRIGGER IF NOT EXISTS applications_counted_delete AFTER DELETE ON applications
        WHEN OLD.submitted_at IS NOT NULL BEGIN
            INSERT INTO queue_count_changes (hub_id, state, change) VALUES (OLD.hub_id, OLD.state, -1);
        END
        """,
    ],
}


# An application's district rows follow its state and its organisation's type: filled
# in when a row is written, changed with the application or the organisation.
DISTRICT_TRIGGERS = {
    "postgresql": [
        """
        CREATE OR REPLACE FUNCTION describe_district() RETURNS trigger AS $$
        BEGIN
            SELECT applications.state, organisations.organisation_type INTO NEW.state, NEW.organisation_type
            FROM applications JOIN organisations ON organisations.id = applications.organisation_id
            WHERE applications.id = NEW.application_id;
            RETURN NEW;
        END;
        $$ LANGUAGE plpgsql
        """,
        """
        CREATE OR REPLACE TRIGGER application_districts_described
            BEFORE INSERT ON application_districts FOR EACH ROW EXECUTE FUNCTION describe_district()
        """,
        """
        CREATE OR REPLACE FUNCTION districts_follow_application() RETURNS trigger AS $$
        BEGIN
            UPDATE application_districts SET state = NEW.state, organisation_type = (
                SELECT organisation_type FROM organisations WHERE id = NEW.organisation_id
            ) WHERE application_id = NEW.id;
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql
        """,
        """
        CREATE OR REPLACE TRIGGER applications_districts_follow
            AFTER UPDATE OF state, organisation_id ON applications FOR EACH ROW
            WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.organisation_id IS DISTINCT FROM NEW.organisation_id)
            EXECUTE FUNCTION districts_follow_application()
        """,
        """
        CREATE OR REPLACE FUNCTION districts_follow_organisation() RETURNS trigger AS $$
        BEGIN
            UPDATE application_districts SET organisation_type = NEW.organisation_type
            WHERE application_id IN (SELECT id FROM applications WHERE organisation_id = NEW.id);
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql
        """,
        """
        CREATE OR REPLACE TRIGGER organisations_districts_follow
            AFTER UPDATE OF organisation_type ON organisations FOR EACH ROW
            WHEN (OLD.organisation_type IS DISTINCT FROM NEW.organisation_type)
            EXECUTE FUNCTION districts_follow_organisation()
        """,
    ],
    "sqlite": [
        """
        CREATE TRIGGER IF NOT EXISTS application_districts_described AFTER INSERT ON application_districts BEGIN
            UPDATE application_districts SET
                state = (SELECT state FROM applications WHERE id = NEW.application_id),
                organisation_type = (
                    SELECT organisations.organisation_type FROM applications
                    JOIN organisations ON organisations.id = applications.organisation_id
                    WHERE applications.id = NEW.application_id
                )
            WHERE application_id = NEW.application_id AND district = NEW.district;
        END
        """,
        """
        CREATE TRIGGER IF NOT EXISTS applications_districts_follow
        AFTER UPDATE OF state, organisation_id ON applications
        WHEN OLD.state IS NOT NEW.state OR OLD.organisation_id IS NOT NEW.organisation_id BEGIN
            UPDATE application_districts SET
                state = NEW.state,
                organisation_type = (SELECT organisation_type FROM organisations WHERE id = NEW.organisation_id)
            WHERE application_id = NEW.id;
        END
        """,
        """
        CREATE TRIGGER IF NOT EXISTS organisations_districts_follow AFTER UPDATE OF organisation_type ON organisations
        WHEN OLD.organisation_type IS NOT NEW.organisation_type BEGIN
            UPDATE application_districts SET organisation_type = NEW.organisation_type
            WHERE application_id IN (SELECT id FROM applications WHERE organisation_id = NEW.id);
        END
        """,
    ],
}

for triggers in (COUNT_TRIGGERS, DISTRICT_TRIGGERS):
    for dialect, statements in triggers.items():
        for statement in statements:
            event.listen(db.metadata, "after_create", DDL(statement).execute_if(dialect=dialect))
