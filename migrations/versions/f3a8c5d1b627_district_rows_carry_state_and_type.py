"""district rows carry state and organisation type

The queues' tab counts under a district (and an organisation type) matched the
district's applications against every application on PostgreSQL. Each district row
now carries its application's state and organisation type, copied by triggers, so
the counts and the page's candidates come from one index on the district's rows.

Revision ID: f3a8c5d1b627
Revises: e4b7d2a9c316
Create Date: 2026-11-26 03:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3a8c5d1b627'
down_revision = 'e4b7d2a9c316'
branch_labels = None
depends_on = None

STATES = ('draft', 'submitted', 'in_review', 'info_requested', 'with_trustees', 'approved', 'declined', 'withdrawn')
ORGANISATION_TYPES = (
    'registered_charity', 'cio', 'cic', 'company_limited_by_guarantee', 'school', 'local_authority',
    'unincorporated', 'self_employed', 'other',
)
POSTGRESQL = [
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
]
SQLITE = [
    """
    CREATE TRIGGER application_districts_described AFTER INSERT ON application_districts BEGIN
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
    CREATE TRIGGER applications_districts_follow
    AFTER UPDATE OF state, organisation_id ON applications
    WHEN OLD.state IS NOT NEW.state OR OLD.organisation_id IS NOT NEW.organisation_id BEGIN
        UPDATE application_districts SET
            state = NEW.state,
            organisation_type = (SELECT organisation_type FROM organisations WHERE id = NEW.organisation_id)
        WHERE application_id = NEW.id;
    END
    """,
    """
    CREATE TRIGGER organisations_districts_follow AFTER UPDATE OF organisation_type ON organisations
    WHEN OLD.organisation_type IS NOT NEW.organisation_type BEGIN
        UPDATE application_districts SET organisation_type = NEW.organisation_type
        WHERE application_id IN (SELECT id FROM applications WHERE organisation_id = NEW.id);
    END
    """,
]
TRIGGERS = {
    'application_districts_described': ('application_districts', 'describe_district'),
    'applications_districts_follow': ('applications', 'districts_follow_application'),
    'organisations_districts_follow': ('organisations', 'districts_follow_organisation'),
}


def upgrade():
    # Written out: SQLite cannot add an Enum's CHECK constraint through Alembic outside batch mode.
    for column, values in (('state', STATES), ('organisation_type', ORGANISATION_TYPES)):
        listed = ", ".join(f"'{value}'" for value in values)
        op.execute(
            f"ALTER TABLE application_districts ADD COLUMN {column} VARCHAR({max(map(len, values))})"
            f" CONSTRAINT ck_application_districts_{column} CHECK ({column} IN ({listed}))"
        )
    op.drop_index('ix_application_districts_district', table_name='application_districts')
    op.create_index(
        'ix_application_districts_district', 'application_districts',
        ['district', 'organisation_type', 'state', 'application_id'],
    )
    op.execute(
        "UPDATE application_districts SET"
        " state = (SELECT state FROM applications WHERE applications.id = application_districts.application_id),"
        " organisation_type = (SELECT organisations.organisation_type FROM applications"
        " JOIN organisations ON organisations.id = applications.organisation_id"
        " WHERE applications.id = application_districts.application_id)"
    )
    for statement in POSTGRESQL if op.get_bind().dialect.name == "postgresql" else SQLITE:
        op.execute(statement)


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for trigger, (table, function) in TRIGGERS.items():
        op.execute(f"DROP TRIGGER {trigger} ON {table}" if postgresql else f"DROP TRIGGER {trigger}")
        if postgresql:
            op.execute(f"DROP FUNCTION {function}()")
    op.drop_index('ix_application_districts_district', table_name='application_districts')
    op.create_index('ix_application_districts_district', 'application_districts', ['district', 'application_id'])
    for column in ('organisation_type', 'state'):
        op.execute(f"ALTER TABLE application_districts DROP COLUMN {column}")
