"""dashboard snapshots

The dashboard's figures as last counted by `flask tick`, in one row that every
worker reads, with the time they were counted.

Revision ID: 8e3a6f1c2d75
Revises: 5d2b7e9a4c18
Create Date: 2026-11-25 23:40:00

"""
from alembic import op
import sqlalchemy as sa

import workflow.types


# revision identifiers, used by Alembic.
revision = '8e3a6f1c2d75'
down_revision = '5d2b7e9a4c18'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('dashboard_snapshots',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('counted_at', workflow.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dashboard_snapshots'))
    )


def downgrade():
    op.drop_table('dashboard_snapshots')
