"""`flask db upgrade` on an empty database gives exactly the models' schema."""

import json
import warnings

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select, text

from config import TestConfig
from workflow import create_app
from workflow.accounts.keys import decrypt_totp_secret
from workflow.applications.models import AnswerRevision, Application
from workflow.applications.revisions import answers_as_sent
from workflow.applications.sections import section_rows
from workflow.database import include_in_autogenerate
from workflow.extensions import db

from ..conftest import database_url, drop_database

NOW = "'2026-11-01 10:00:00+00:00'"
HUB_ROW = (
    "INSERT INTO hubs (id, slug, name, lead_organisation, reference_prefix, introduction, commitments,"
    " how_to_apply, contact, address, charity_number, company_number, partnership_term_years, open_all_year)"
    " VALUES (1, 'north', 'North', 'Lead', 'NO', '', '', '', '', '', '', '', 3, TRUE)"
)
USER_ROW = (
    "INSERT INTO users (id, email, name, password_hash, is_applicant, active, session_version, created_at,"
    f" totp_last_step) VALUES (1, 'a@example.org', 'A', '!', TRUE, TRUE, 1, {NOW}, 0)"
)
ORGANISATION_ROW = (
    "INSERT INTO organisations (id, name, organisation_type, type_other, charity_number, company_number,"
    " address, town, postcode, website, contact_name, contact_role, contact_email, contact_phone,"
    f" safeguarding_lead, created_at) VALUES (1, 'Band', 'school', '', '', '', '', '', '', '', '', '', '', '', '', {NOW})"
)
APPLICATION_ROW = (
    "INSERT INTO applications (hub_id, organisation_id, state, created_by_id, created_at, state_changed_at,"
    " reopened_sections, event_count, submitted_at, reference)"
    f" VALUES (1, 1, '{{state}}', 1, {NOW}, {NOW}, '[]', 0, {{submitted}}, {{reference}})"
)


def _app(tmp_path, name: str):
    """An app on a fresh, empty database of the engine under test."""
    return create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=database_url(tmp_path, name),
        INSTANCE_DIR=tmp_path,
        STORAGE_DIR=tmp_path / "storage",
        MAIL_FOLDER=tmp_path / "mail",
    )


def test_upgrade_from_empty_matches_models(tmp_path):
    app = _app(tmp_path, "migrate")
    url = app.config["SQLALCHEMY_DATABASE_URI"]
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
                text(
                    "SELECT (SELECT count(*) FROM pg_trigger"
                    " WHERE tgname IN ('application_events_append_only', 'applications_counted',"
                    " 'application_districts_described', 'applications_districts_follow',"
                    " 'organisations_districts_follow'))"
                    " + (SELECT count(*) FROM pg_indexes"
                    " WHERE indexname IN ('ix_applications_decision_interval', 'ix_organisations_name_trigram'))"
                )
                if connection.dialect.name == "postgresql"
                else text(
                    "SELECT count(*) FROM sqlite_master WHERE name = 'ix_applications_decision_days'"
                    " OR name LIKE 'applications_counted_%' OR name IN ('application_districts_described',"
                    " 'applications_districts_follow', 'organisations_districts_follow')"
                )
            ).scalar_one()
        db.engine.dispose()
    drop_database(url)
    assert differences == []
    assert hand_written == 7  # PostgreSQL: 5 triggers, 2 expression indexes; SQLite: 6 triggers, 1 expression index


def test_moving_hub_images_to_their_table_keeps_every_hub_row(tmp_path):
    """b4290047378c drops the image path columns in place: the hubs' goals and districts stay."""
    app = _app(tmp_path, "migrate_images")
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        upgrade(revision="9751c0cd153b")
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO hubs (id, slug, name, lead_organisation, reference_prefix, introduction, commitments,"
                " how_to_apply, contact, address, charity_number, company_number, logo, chair_signature,"
                " partnership_term_years, open_all_year)"
                " VALUES (1, 'north', 'North', 'Lead', 'NO', '', '', '', '', '', '', '', 'a.svg', 'b.svg', 3, TRUE)"
            ))
            connection.execute(text("INSERT INTO hub_goals (hub_id, position, title, description) VALUES (1, 1, 'Sing', '')"))
            connection.execute(text("INSERT INTO hub_districts (hub_id, name) VALUES (1, 'Corby')"))
        upgrade(revision="b4290047378c")
        with db.engine.connect() as connection:
            kept = connection.execute(text(
                "SELECT (SELECT count(*) FROM hubs), (SELECT count(*) FROM hub_goals), (SELECT count(*) FROM hub_districts),"
                " (SELECT count(*) FROM hub_images)"
            )).one()
            columns = {column["name"] for column in sa_inspect(connection).get_columns("hubs")}
        db.engine.dispose()
    drop_database(url)
    assert tuple(kept) == (1, 1, 1, 0)
    assert not {"logo", "chair_signature"} & columns


def test_queue_counts_start_from_the_applications_already_there(tmp_path):
    """3c1f6a2d8e47 fills `queue_counts` from existing rows; its triggers keep it from then on."""
    app = _app(tmp_path, "migrate_counts")
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        upgrade(revision="b4290047378c")
        with db.engine.begin() as connection:
            for statement in (
                HUB_ROW,
                USER_ROW,
                ORGANISATION_ROW,
                APPLICATION_ROW.format(state="draft", submitted="NULL", reference="NULL"),
                APPLICATION_ROW.format(state="submitted", submitted=NOW, reference="'NO-1'"),
                APPLICATION_ROW.format(state="submitted", submitted=NOW, reference="'NO-2'"),
                APPLICATION_ROW.format(state="withdrawn", submitted=NOW, reference="'NO-3'"),
            ):
                connection.execute(text(statement))
        upgrade(revision="3c1f6a2d8e47")
        with db.engine.begin() as connection:
            started = dict(connection.execute(text("SELECT state, count FROM queue_counts")).tuples().all())
            connection.execute(text("UPDATE applications SET state = 'in_review' WHERE state = 'submitted'"))
            moved = dict(connection.execute(text("SELECT state, count FROM queue_counts WHERE count > 0")).tuples().all())
        upgrade()  # c7e2a9f41b3d: from here the triggers append changes instead
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE applications SET state = 'with_trustees' WHERE state = 'in_review'"))
            kept = dict(connection.execute(text(
                "SELECT state, sum(number) FROM (SELECT state, count AS number FROM queue_counts"
                " UNION ALL SELECT state, change FROM queue_count_changes) AS kept GROUP BY state HAVING sum(number) > 0"
            )).tuples().all())
        db.engine.dispose()
    drop_database(url)
    assert started == {"submitted": 2, "withdrawn": 1}
    assert moved == {"in_review": 2, "withdrawn": 1}
    assert kept == {"with_trustees": 2, "withdrawn": 1}


def test_district_rows_take_their_applications_state_and_type(tmp_path):
    """f3a8c5d1b627 fills the district rows' state and organisation type; its triggers keep them."""
    app = _app(tmp_path, "migrate_districts")
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    rows = "SELECT application_id, district, state, organisation_type FROM application_districts ORDER BY 1, 2"
    with app.app_context():
        upgrade(revision="e4b7d2a9c316")
        with db.engine.begin() as connection:
            for statement in (
                HUB_ROW,
                USER_ROW,
                ORGANISATION_ROW,
                APPLICATION_ROW.format(state="submitted", submitted=NOW, reference="'NO-1'"),
                "INSERT INTO application_districts (application_id, district) VALUES (1, 'Corby')",
            ):
                connection.execute(text(statement))
        upgrade()
        with db.engine.begin() as connection:
            filled = connection.execute(text(rows)).all()
            connection.execute(text("UPDATE applications SET state = 'in_review'"))
            connection.execute(text("UPDATE organisations SET organisation_type = 'cic'"))
            connection.execute(text("INSERT INTO application_districts (application_id, district) VALUES (1, 'Kettering')"))
            followed = connection.execute(text(rows)).all()
        db.engine.dispose()
    drop_database(url)
    assert [tuple(row) for row in filled] == [(1, "Corby", "submitted", "school")]
    assert [tuple(row) for row in followed] == [(1, "Corby", "in_review", "cic"), (1, "Kettering", "in_review", "cic")]


def test_issued_letters_take_the_name_they_print_unless_erased(tmp_path):
    """b8e3f1a7c2d4 gives each issued letter its organisation's name; an erased or drafted letter has none."""
    app = _app(tmp_path, "migrate_letter_names")
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    letter = (
        "INSERT INTO decision_letters (id, application_id, outcome, template_id, status, free_paragraph, drafted_at,"
        " pdf_sha256, issued_at, issued_by_id) VALUES ({id}, {id}, 'approve', 1, '{status}', '', " + NOW + ", {digest})"
    )
    with app.app_context():
        upgrade(revision="d2f7b1c4e9a3")
        with db.engine.begin() as connection:
            for statement in (
                HUB_ROW,
                USER_ROW,
                ORGANISATION_ROW,
                *(APPLICATION_ROW.format(state="submitted", submitted=NOW, reference=f"'NO-{n}'") for n in (1, 2, 3)),
                f"INSERT INTO letter_templates (id, hub_id, outcome, version, body, created_at) VALUES (1, 1, 'approve', 1, '', {NOW})",
                letter.format(id=1, status="issued", digest=f"'{'a' * 64}', {NOW}, 1"),
                letter.format(id=2, status="issued", digest=f"'{'b' * 64}', {NOW}, 1"),
                letter.format(id=3, status="drafted", digest="NULL, NULL, NULL"),
                f"INSERT INTO tombstones (application_id, object_type, object_id, sha256, erased_at) VALUES (2, 'letter', 2, '', {NOW})",
            ):
                connection.execute(text(statement))
        upgrade()
        with db.engine.begin() as connection:
            names = dict(connection.execute(text("SELECT id, organisation_name FROM decision_letters")).tuples().all())
        db.engine.dispose()
    drop_database(url)
    assert names == {1: "Band", 2: None, 3: None}


def test_unkeyed_recovery_codes_are_removed(tmp_path):
    """1a13c48315ab deletes the plain SHA-256 recovery codes: they cannot be rekeyed without the codes."""
    app = _app(tmp_path, "migrate_recovery_codes")
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        upgrade(revision="b8e3f1a7c2d4")
        with db.engine.begin() as connection:
            connection.execute(text(USER_ROW))
            connection.execute(text(f"INSERT INTO recovery_codes (user_id, code_digest) VALUES (1, '{'c' * 64}')"))
        upgrade(revision="1a13c48315ab")
        with db.engine.connect() as connection:
            left = connection.execute(text("SELECT (SELECT count(*) FROM recovery_codes), (SELECT count(*) FROM users)")).one()
        db.engine.dispose()
    drop_database(url)
    assert tuple(left) == (0, 1)


def test_totp_secrets_kept_in_clear_are_encrypted_in_place(tmp_path):
    """a1eda4f50458 encrypts each clear secret with the app's key and keeps every row that points at the user."""
    app = _app(tmp_path, "migrate_totp_secrets")
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    with app.app_context():
        upgrade(revision="1a13c48315ab")
        with db.engine.begin() as connection:
            connection.execute(text(USER_ROW))
            connection.execute(text(f"UPDATE users SET totp_secret = '{secret}', totp_enabled_at = {NOW}"))
            connection.execute(text("INSERT INTO user_roles (user_id, role) VALUES (1, 'officer')"))
            connection.execute(text(f"INSERT INTO recovery_codes (user_id, code_digest) VALUES (1, '{'c' * 64}')"))
        upgrade()
        with db.engine.connect() as connection:
            stored = connection.execute(text("SELECT totp_secret FROM users")).scalar_one()
            kept = connection.execute(text("SELECT (SELECT count(*) FROM user_roles), (SELECT count(*) FROM recovery_codes)")).one()
        opened = decrypt_totp_secret(stored)
        downgrade(revision="1a13c48315ab")
        with db.engine.connect() as connection:
            restored = connection.execute(text("SELECT totp_secret FROM users")).scalar_one()
        db.engine.dispose()
    drop_database(url)
    assert stored.startswith("gAAAA") and secret not in stored and opened == secret
    assert tuple(kept) == (1, 1)
    assert restored == secret


OLD_OFFER = {
    "description": "Weekly string groups", "age_groups": ["5_to_18"], "genres": ["classical", "other"],
    "genres_other": "Steel pans", "settings": ["schools"], "settings_other": "", "districts": ["Corby"],
}
OLD_GOALS = {"goals": ["Sing"], "how": "Choirs in every school"}


def test_answers_made_before_forms_were_data_keep_their_words(tmp_path):
    """c4d8e2f1a7b9 gives every application its hub's version 1 of the form: the answers stay as
    stored and show under the labels and choice texts the fixed form classes gave them; the
    application already sent to the office gets its first revision."""
    app = _app(tmp_path, "migrate_forms")
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    section = (
        "INSERT INTO application_sections (application_id, key, answers, completed, version, updated_at)"
        f" VALUES (:id, :key, :answers, TRUE, 1, {NOW})"
    )
    with app.app_context():
        upgrade(revision="a1eda4f50458")
        with db.engine.begin() as connection:
            for statement in (
                HUB_ROW,
                USER_ROW,
                ORGANISATION_ROW,
                "INSERT INTO hub_goals (hub_id, position, title, description) VALUES (1, 1, 'Sing', '')",
                "INSERT INTO hub_districts (hub_id, name) VALUES (1, 'Corby')",
                APPLICATION_ROW.format(state="draft", submitted="NULL", reference="NULL"),
                APPLICATION_ROW.format(state="submitted", submitted=NOW, reference="'NO-1'"),
            ):
                connection.execute(text(statement))
            for application_id in (1, 2):
                for key, answers in (("offer", OLD_OFFER), ("goals", OLD_GOALS)):
                    connection.execute(text(section), {"id": application_id, "key": key, "answers": json.dumps(answers)})
        upgrade()
        with db.engine.connect() as connection:
            versions = connection.execute(text("SELECT id, hub_id, number FROM form_versions")).all()
            moved = dict(connection.execute(text("SELECT id, form_version_id FROM applications")).tuples().all())
        with app.test_request_context():
            applications = {application.id: application for application in db.session.scalars(select(Application))}
            stored = {id_: {row.key: row.answers for row in a.sections} for id_, a in applications.items()}
            shown = {
                id_: [(row.label, row.lines) for key in ("offer", "goals") for row in section_rows(a, key)]
                for id_, a in applications.items()
            }
            revisions = [
                (revision.application_id, revision.number, revision.reason, revision.answers)
                for revision in db.session.scalars(select(AnswerRevision))
            ]
            as_sent = [
                (row.label, row.lines)
                for summary in answers_as_sent(applications[2].revisions[0]) if summary.key in ("offer", "goals")
                for row in summary.rows
            ]
            db.session.remove()
        db.engine.dispose()
    drop_database(url)
    assert [tuple(version)[1:] for version in versions] == [(1, 1)]
    assert moved == {1: versions[0].id, 2: versions[0].id}
    assert stored == {1: {"offer": OLD_OFFER, "goals": OLD_GOALS}, 2: {"offer": OLD_OFFER, "goals": OLD_GOALS}}
    before = [  # as the fixed form classes showed them
        ("Describe what your organisation offers", ["Weekly string groups"]),
        ("Which age groups do you work with?", ["5 to 18"]),
        ("Which genres and activities do you offer?", ["Classical and orchestral", "Other: Steel pans"]),
        ("Where do you work?", ["Schools and academies"]),
        ("Which districts do you serve?", ["Corby"]),
        ("Which of the hub's goals does your organisation support?", ["Sing"]),
        ("How does your work support these goals?", ["Choirs in every school"]),
    ]
    assert shown == {1: before, 2: before}
    assert revisions == [(2, 1, "submitted", {"offer": OLD_OFFER, "goals": OLD_GOALS})]
    assert as_sent == before
