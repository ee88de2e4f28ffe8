"""queue filter and search indexes

The queues' tab counts under an organisation type read the type's organisations
from an index and their applications' states from another, without visiting either
table. On PostgreSQL, an organisation is found by any part of its name with a
trigram index (the pg_trgm extension, which a database owner may create).

Revision ID: e4b7d2a9c316
Revises: c7e2a9f41b3d
Create Date: 2026-11-26 02:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e4b7d2a9c316'
down_revision = 'c7e2a9f41b3d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_organisations_type', 'organisations', ['organisation_type', 'id'])
    op.create_index(
        'ix_applications_organisation_state', 'applications', ['organisation_id', 'state', 'submitted_at', 'id']
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index(
            'ix_organisations_name_trigram',
            'organisations',
            [sa.text("lower(name) gin_trgm_ops")],
            postgresql_using='gin',
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index('ix_organisations_name_trigram', table_name='organisations')
    op.drop_index('ix_applications_organisation_state', table_name='applications')
    op.drop_index('ix_organisations_type', table_name='organisations')
