"""issued letters keep the organisation's name they print, for the public check by code

Checking a letter by its code shows the organisation, the reference and the decision, so
a reader can compare them with the paper; the name is the one printed when the letter was
issued, whatever the organisation is called later. Letters already issued take the
organisation's present name, unless anonymising has erased the letter.

Revision ID: b8e3f1a7c2d4
Revises: d2f7b1c4e9a3
Create Date: 2026-12-02 11:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b8e3f1a7c2d4'
down_revision = 'd2f7b1c4e9a3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('decision_letters', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organisation_name', sa.String(length=200), nullable=True))
    op.execute(sa.text(
        "UPDATE decision_letters SET organisation_name = ("
        " SELECT organisations.name FROM applications JOIN organisations ON organisations.id = applications.organisation_id"
        " WHERE applications.id = decision_letters.application_id)"
        " WHERE status = 'issued' AND NOT EXISTS ("
        " SELECT 1 FROM tombstones WHERE tombstones.object_type = 'letter' AND tombstones.object_id = decision_letters.id)"
    ))


def downgrade():
    with op.batch_alter_table('decision_letters', schema=None) as batch_op:
        batch_op.drop_column('organisation_name')
