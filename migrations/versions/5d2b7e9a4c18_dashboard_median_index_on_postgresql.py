"""dashboard median index on postgresql

The dashboard's median time to decision is read from the middle of an index on
(decided_at - submitted_at) over decided applications, as SQLite already does with
its julianday index. It carries both times, so the read is an index-only scan.

Revision ID: 5d2b7e9a4c18
Revises: 3c1f6a2d8e47
Create Date: 2026-11-25 23:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d2b7e9a4c18'
down_revision = '3c1f6a2d8e47'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(
            "ix_applications_decision_interval",
            "applications",
            [sa.text("(decided_at - submitted_at)")],
            postgresql_include=["submitted_at", "decided_at"],
            postgresql_where=sa.text("decided_at IS NOT NULL"),
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_applications_decision_interval", table_name="applications")
