"""queue count changes appended by triggers

The triggers of 3c1f6a2d8e47 updated `queue_counts` rows in place, so two transactions
moving applications in and out of the same (hub, state) waited on each other and, on
PostgreSQL, could deadlock. Now they only append +1/-1 rows to `queue_count_changes`;
the counts are `queue_counts` plus those rows, and `flask tick` folds them in.

Revision ID: c7e2a9f41b3d
Revises: 8e3a6f1c2d75
Create Date: 2026-11-25 23:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c7e2a9f41b3d'
down_revision = '8e3a6f1c2d75'
branch_labels = None
depends_on = None

POSTGRESQL = [
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
]
SQLITE = [
    """
    CREATE TRIGGER applications_counted_insert AFTER INSERT ON applications
    WHEN NEW.submitted_at IS NOT NULL BEGIN
        INSERT INTO queue_count_changes (hub_id, state, change) VALUES (NEW.hub_id, NEW.state, 1);
    END
    """,
    """
    CREATE TRIGGER applications_counted_update
    AFTER UPDATE OF state, hub_id, submitted_at ON applications BEGIN
        INSERT INTO queue_count_changes (hub_id, state, change)
        SELECT OLD.hub_id, OLD.state, -1 WHERE OLD.submitted_at IS NOT NULL;
        INSERT INTO queue_count_changes (hub_id, state, change)
        SELECT NEW.hub_id, NEW.state, 1 WHERE NEW.submitted_at IS NOT NULL;
    END
    """,
    """
    CREATE TRIGGER applications_counted_delete AFTER DELETE ON applications
    WHEN OLD.submitted_at IS NOT NULL BEGIN
        INSERT INTO queue_count_changes (hub_id, state, change) VALUES (OLD.hub_id, OLD.state, -1);
    END
    """,
]


def upgrade():
    op.create_table('queue_count_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hub_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('change', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['hub_id'], ['hubs.id'], name=op.f('fk_queue_count_changes_hub_id_hubs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_count_changes'))
    )
    if op.get_bind().dialect.name == "postgresql":
        # The trigger keeps its name and now calls the new body of the same function.
        for statement in POSTGRESQL:
            op.execute(statement)
    else:
        for name in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER applications_counted_{name}")
        for statement in SQLITE:
            op.execute(statement)


def downgrade():
    """Fold the changes in, then bring back 3c1f6a2d8e47's triggers, which update the counts in place."""
    op.execute(
        "INSERT INTO queue_counts (hub_id, state, count) SELECT hub_id, state, sum(change) FROM queue_count_changes"
        " WHERE true GROUP BY hub_id, state ON CONFLICT (hub_id, state) DO UPDATE SET count = queue_counts.count + excluded.count"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION count_queues() RETURNS trigger AS $$ BEGIN"
            " IF TG_OP <> 'INSERT' AND OLD.submitted_at IS NOT NULL THEN"
            " UPDATE queue_counts SET count = count - 1 WHERE hub_id = OLD.hub_id AND state = OLD.state; END IF;"
            " IF TG_OP <> 'DELETE' AND NEW.submitted_at IS NOT NULL THEN"
            " INSERT INTO queue_counts (hub_id, state, count) VALUES (NEW.hub_id, NEW.state, 1)"
            " ON CONFLICT (hub_id, state) DO UPDATE SET count = queue_counts.count + 1; END IF;"
            " RETURN NULL; END; $$ LANGUAGE plpgsql"
        )
    else:
        upsert = "ON CONFLICT (hub_id, state) DO UPDATE SET count = count + 1;"
        in_place = {
            "insert": "AFTER INSERT ON applications WHEN NEW.submitted_at IS NOT NULL BEGIN"
            f" INSERT INTO queue_counts (hub_id, state, count) VALUES (NEW.hub_id, NEW.state, 1) {upsert} END",
            "update": "AFTER UPDATE OF state, hub_id, submitted_at ON applications BEGIN"
            " UPDATE queue_counts SET count = count - 1"
            " WHERE OLD.submitted_at IS NOT NULL AND hub_id = OLD.hub_id AND state = OLD.state;"
            " INSERT INTO queue_counts (hub_id, state, count) SELECT NEW.hub_id, NEW.state, 1"
            f" WHERE NEW.submitted_at IS NOT NULL {upsert} END",
            "delete": "AFTER DELETE ON applications WHEN OLD.submitted_at IS NOT NULL BEGIN"
            " UPDATE queue_counts SET count = count - 1 WHERE hub_id = OLD.hub_id AND state = OLD.state; END",
        }
        for name, body in in_place.items():
            op.execute(f"DROP TRIGGER applications_counted_{name}")
            op.execute(f"CREATE TRIGGER applications_counted_{name} {body}")
    op.drop_table('queue_count_changes')
