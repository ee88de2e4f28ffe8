"""queue counts kept by triggers

The office's tab counts are read from `queue_counts` (hub, state, count) instead of
counting every submitted application on each request. Triggers on `applications`
keep it in the same transaction as each write; the table starts from a full count.

Revision ID: 3c1f6a2d8e47
Revises: b4290047378c
Create Date: 2026-11-25 23:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c1f6a2d8e47'
down_revision = 'b4290047378c'
branch_labels = None
depends_on = None

POSTGRESQL = [
    """
    CREATE OR REPLACE FUNCTION count_queues() RETURNS trigger AS $$
    BEGIN
        IF TG_OP <> 'INSERT' AND OLD.submitted_at IS NOT NULL THEN
            UPDATE queue_counts SET count = count - 1 WHERE hub_id = OLD.hub_id AND state = OLD.state;
        END IF;
        IF TG_OP <> 'DELETE' AND NEW.submitted_at IS NOT NULL THEN
            INSERT INTO queue_counts (hub_id, state, count) VALUES (NEW.hub_id, NEW.state, 1)
            ON CONFLICT (hub_id, state) DO UPDATE SET count = queue_counts.count + 1;
        END IF;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER applications_counted
        AFTER INSERT OR DELETE OR UPDATE OF state, hub_id, submitted_at ON applications
        FOR EACH ROW EXECUTE FUNCTION count_queues()
    """,
]
SQLITE = [
    """
    CREATE TRIGGER applications_counted_insert AFTER INSERT ON applications
    WHEN NEW.submitted_at IS NOT NULL BEGIN
        INSERT INTO queue_counts (hub_id, state, count) VALUES (NEW.hub_id, NEW.state, 1)
        ON CONFLICT (hub_id, state) DO UPDATE SET count = count + 1;
    END
    """,
    """
    CREATE TRIGGER applications_counted_update AFTER UPDATE OF state, hub_id, submitted_at ON applications
    BEGIN
        UPDATE queue_counts SET count = count - 1
        WHERE OLD.submitted_at IS NOT NULL AND hub_id = OLD.hub_id AND state = OLD.state;
        INSERT INTO queue_counts (hub_id, state, count) SELECT NEW.hub_id, NEW.state, 1
        WHERE NEW.submitted_at IS NOT NULL
        ON CONFLICT (hub_id, state) DO UPDATE SET count = count + 1;
    END
    """,
    """
    CREATE TRIGGER applications_counted_delete AFTER DELETE ON applications
    WHEN OLD.submitted_at IS NOT NULL BEGIN
        UPDATE queue_counts SET count = count - 1 WHERE hub_id = OLD.hub_id AND state = OLD.state;
    END
    """,
]


def upgrade():
    op.create_table('queue_counts',
    sa.Column('hub_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['hub_id'], ['hubs.id'], name=op.f('fk_queue_counts_hub_id_hubs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('hub_id', 'state', name=op.f('pk_queue_counts'))
    )
    op.execute(
        "INSERT INTO queue_counts (hub_id, state, count) SELECT hub_id, state, count(*) FROM applications "
        "WHERE submitted_at IS NOT NULL GROUP BY hub_id, state"
    )
    for statement in POSTGRESQL if op.get_bind().dialect.name == "postgresql" else SQLITE:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER applications_counted ON applications")
        op.execute("DROP FUNCTION count_queues()")
    else:
        for name in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER applications_counted_{name}")
    op.drop_table('queue_counts')
