"""SQLite's production settings, read back from a connection of the app's engine."""

from sqlalchemy import text

from config import TestConfig
from workflow import create_app
from workflow.database import SQLITE_MMAP_BYTES
from workflow.extensions import db


def test_every_sqlite_connection_is_set_up_for_several_workers(tmp_path):
    app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'settings.sqlite3'}",
        INSTANCE_DIR=tmp_path,
        STORAGE_DIR=tmp_path / "storage",
        MAIL_FOLDER=tmp_path / "mail",
        SQLITE_BUSY_TIMEOUT_MS=4321,
    )
    with app.app_context():
        with db.engine.connect() as connection:
            def read(pragma):
                return connection.execute(text(f"PRAGMA {pragma}")).scalar()

            assert read("journal_mode") == "wal"
            assert read("synchronous") == 1  # NORMAL: WAL stays safe, commits need no fsync
            assert read("foreign_keys") == 1
            assert read("busy_timeout") == 4321
            assert read("mmap_size") == SQLITE_MMAP_BYTES
        db.engine.dispose()
