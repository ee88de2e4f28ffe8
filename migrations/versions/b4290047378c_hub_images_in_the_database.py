"""hub images in the database

The letterhead logo and the chair's signature move from paths under the static
folder to a table of checked image bytes; the paths are not copied (pre-release:
`flask hubs load` or the admin's upload fills the table).

Revision ID: b4290047378c
Revises: 9751c0cd153b
Create Date: 2026-11-25 22:39:11.332145

"""
from alembic import op
import sqlalchemy as sa

import workflow.types


# revision identifiers, used by Alembic.
revision = 'b4290047378c'
down_revision = '9751c0cd153b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('hub_images',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hub_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('logo', 'signature', name='hub_image_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('updated_at', workflow.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['hub_id'], ['hubs.id'], name=op.f('fk_hub_images_hub_id_hubs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hub_images')),
    sa.UniqueConstraint('hub_id', 'kind', name='uq_hub_images_hub_kind')
    )
    # SQLite drops the columns in place (ALTER TABLE ... DROP COLUMN, SQLite 3.35+):
    # copying the table instead would drop `hubs`, which with foreign keys on
    # deletes every hub's goals, districts, criteria and rounds by cascade.
    with op.batch_alter_table('hubs', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('logo')
        batch_op.drop_column('chair_signature')


def downgrade():
    with op.batch_alter_table('hubs', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('chair_signature', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('logo', sa.String(length=200), nullable=False, server_default=''))

    op.drop_table('hub_images')
