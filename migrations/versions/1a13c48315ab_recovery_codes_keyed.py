"""recovery codes are kept as a keyed hash: the unkeyed ones are removed

Recovery codes were kept as plain SHA-256 digests, which anyone with a copy of the
database could reverse by trying every 48-bit code. From here they are kept as
HMAC-SHA256 under a key that is not in the database (workflow/accounts/two_factor.py).
The old digests cannot be turned into the new ones without the codes, so they are
deleted: the account page shows no recovery codes left, and the person makes new ones
there. Authenticator codes keep working. Downgrading cannot bring the old codes back.

Revision ID: 1a13c48315ab
Revises: b8e3f1a7c2d4
Create Date: 2026-12-05 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1a13c48315ab'
down_revision = 'b8e3f1a7c2d4'
branch_labels = None
depends_on = None


def upgrade():
    op.execute(sa.text("DELETE FROM recovery_codes"))


def downgrade():
    pass
