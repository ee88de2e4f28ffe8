"""`flask db upgrade` on an empty database gives exactly the models' schema."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from config import TestConfig
from workflow import create_app
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
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        db.engine.dispose()
    drop_database(url)
    assert differences == []
