"""TOTP secrets are kept encrypted: the column widens and the secrets kept in clear are encrypted

A TOTP secret was kept in clear (base32), so a copy of the database was enough to make
anyone's authenticator codes. From here it is kept as a Fernet token under
TOTP_ENCRYPTION_KEYS, or else a key derived from SECRET_KEY (workflow/accounts/keys.py);
a token is about 140 characters, so the column grows to 255. The secrets are encrypted
with the running app's keys: upgrade with the SECRET_KEY and TOTP_ENCRYPTION_KEYS the app
will run with. Downgrading decrypts them back, and stops before changing anything if a
secret will not decrypt with the keys it is given.

Revision ID: a1eda4f50458
Revises: 1a13c48315ab
Create Date: 2026-12-02 14:08:38

"""
import re

from alembic import op
import sqlalchemy as sa

from workflow.accounts.keys import decrypt_totp_secret, encrypt_totp_secret


# revision identifiers, used by Alembic.
revision = 'a1eda4f50458'
down_revision = '1a13c48315ab'
branch_labels = None
depends_on = None

CLEAR_SECRET = re.compile(r"[A-Za-z2-7=]{1,64}")  # base32; a Fernet token is longer and starts "gAAAA"
users = sa.table("users", sa.column("id", sa.Integer), sa.column("totp_secret", sa.String))


def _secrets() -> dict[int, str]:
    rows = op.get_bind().execute(sa.select(users.c.id, users.c.totp_secret).where(users.c.totp_secret.is_not(None)))
    return dict(rows.tuples().all())


def _replace_column(length: int, values: dict[int, str]) -> None:
    """users.totp_secret as VARCHAR(length), holding `values`.

    The column is replaced in place (add, copy, drop, rename; SQLite 3.35+), never by copying
    the table as batch mode does on SQLite: dropping `users` with foreign keys on would delete
    every role, membership and recovery code by cascade.
    """
    op.add_column('users', sa.Column('totp_secret_new', sa.String(length=length), nullable=True))
    replaced = sa.table("users", sa.column("id", sa.Integer), sa.column("totp_secret_new", sa.String))
    for user_id, value in values.items():
        op.get_bind().execute(replaced.update().where(replaced.c.id == user_id).values(totp_secret_new=value))
    op.drop_column('users', 'totp_secret')
    op.alter_column('users', 'totp_secret_new', new_column_name='totp_secret')


def upgrade():
    _replace_column(255, {
        user_id: encrypt_totp_secret(value) if CLEAR_SECRET.fullmatch(value) else value
        for user_id, value in _secrets().items()
    })


def downgrade():
    clear = {
        user_id: value if CLEAR_SECRET.fullmatch(value) else decrypt_totp_secret(value)
        for user_id, value in _secrets().items()
    }
    if unreadable := sorted(user_id for user_id, secret in clear.items() if secret is None):
        raise RuntimeError(
            f"The TOTP secrets of users {unreadable} do not decrypt with TOTP_ENCRYPTION_KEYS or the key derived"
            " from SECRET_KEY: set the keys they were encrypted with, or reset those users' two-factor sign-in"
        )
    _replace_column(64, clear)
