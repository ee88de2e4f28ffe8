"""`flask db upgrade` on an empty database gives exactly the models' schema."""

import warnings

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import text

from config import TestConfig
from workflow import create_app
from workflow.database import include_in_autogenerate
from workflow.extensions import db

from .conftest import database_url, drop_database


def test_upgrade_from_empty_matches_models(tmp_path):
    url = database_url(tmp_path, "migrate")
    app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=url,
        INSTANCE_DIR=tmp_path,
        STORAGE_DIR=tmp_path / "storage",
        MAIL_FOLDER=tmp_path / "mail",
    )
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_object": include_in_autogenerate}
            )
            with warnings.catch_warnings():
                # SQLite's expression index (written by hand) cannot be reflected.
                warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
                differences = compare_metadata(context, db.metadata)
            hand_written = connection.execute(
                text("SELECT count(*) FROM pg_trigger WHERE tgname IN ('application_events_append_only', 'applications_counted')")
                if connection.dialect.name == "postgresql"
                else text(
                    "SELECT count(*) FROM sqlite_master WHERE name = 'ix_applications_decision_days'"
                    " OR name LIKE 'applications_counted_%'"
                )
            ).scalar_one()
        db.engine.dispose()
    drop_database(url)
    assert differences == []
    assert hand_written == (2 if url.startswith("postgresql") else 4)
