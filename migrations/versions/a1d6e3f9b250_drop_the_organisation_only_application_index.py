"""drop the organisation-only application index

ix_applications_organisation_state (organisation, state, submitted, id) serves every
lookup of an organisation's applications, so the single-column index only cost
every write of an application.

Revision ID: a1d6e3f9b250
Revises: f3a8c5d1b627
Create Date: 2026-11-26 05:10:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a1d6e3f9b250'
down_revision = 'f3a8c5d1b627'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_applications_organisation_id', table_name='applications')


def downgrade():
    op.create_index('ix_applications_organisation_id', 'applications', ['organisation_id'])
