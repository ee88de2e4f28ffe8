"""Forms are data: each hub's form versions, every application's version, and answer revisions

Each hub gets version 1 of its form: the eight sections Consort asked before forms became
data, word for word (frozen beside this file as c4d8e2f1a7b9_form_version_1.json; its
goals and districts questions draw on the hub's own lists). Every application is moved
onto its hub's version 1: the answers were stored by the same keys, so none changes.
Every application sent to the trust office gets a first revision of its answers as they
stand. Downgrading drops the versions and revisions; the answers stay where they are (on SQLite the\napplications' form_version_id column stays too, emptied: see downgrade).

Revision ID: c4d8e2f1a7b9
Revises: a1eda4f50458
Create Date: 2026-12-02 18:40:00

"""
import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path

from alembic import op
import sqlalchemy as sa

from workflow.types import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'c4d8e2f1a7b9'
down_revision = 'a1eda4f50458'
branch_labels = None
depends_on = None

VERSION_1 = json.loads((Path(__file__).parent / "c4d8e2f1a7b9_form_version_1.json").read_text(encoding="utf-8"))


def _fingerprint(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def upgrade():
    op.create_table(
        'form_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('hub_id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=True),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('definition', sa.JSON(), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('published_at', UTCDateTime(), nullable=True),
        sa.Column('published_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['hub_id'], ['hubs.id'], name=op.f('fk_form_versions_hub_id_hubs'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['round_id'], ['hub_rounds.id'], name=op.f('fk_form_versions_round_id_hub_rounds'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_form_versions_published_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_form_versions')),
        sa.UniqueConstraint('hub_id', 'number', name='uq_form_versions_hub_number'),
    )
    op.create_index(op.f('ix_form_versions_hub_id'), 'form_versions', ['hub_id'], unique=False)
    if 'form_version_id' not in {column['name'] for column in sa.inspect(op.get_bind()).get_columns('applications')}:
        if op.get_bind().dialect.name == 'sqlite':
            # SQLite adds a column with its reference in place; alembic would copy the table (see downgrade).
            op.execute("ALTER TABLE applications ADD COLUMN form_version_id INTEGER REFERENCES form_versions (id)")
        else:
            op.add_column('applications', sa.Column('form_version_id', sa.Integer(), nullable=True))
            op.create_foreign_key(
                op.f('fk_applications_form_version_id_form_versions'), 'applications', 'form_versions',
                ['form_version_id'], ['id'],
            )
        op.create_index(op.f('ix_applications_form_version_id'), 'applications', ['form_version_id'], unique=False)
    op.create_table(
        'answer_revisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('application_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('form_version_id', sa.Integer(), nullable=False),
        sa.Column('answers', sa.JSON(), nullable=False),
        sa.Column('documents', sa.JSON(), nullable=False),
        sa.Column('reason', sa.String(length=20), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_answer_revisions_application_id_applications'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_answer_revisions_created_by_id_users')),
        sa.ForeignKeyConstraint(['form_version_id'], ['form_versions.id'], name=op.f('fk_answer_revisions_form_version_id_form_versions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_answer_revisions')),
        sa.UniqueConstraint('application_id', 'number', name='uq_answer_revisions_number'),
    )
    op.create_index(op.f('ix_answer_revisions_application_id'), 'answer_revisions', ['application_id'], unique=False)
    _give_each_hub_version_1()


def _give_each_hub_version_1() -> None:
    bind = op.get_bind()
    now = datetime.now(timezone.utc)
    hubs = sa.table("hubs", sa.column("id", sa.Integer))
    versions = sa.table(
        "form_versions", sa.column("id", sa.Integer), sa.column("hub_id", sa.Integer), sa.column("number", sa.Integer),
        sa.column("definition", sa.JSON), sa.column("fingerprint", sa.String), sa.column("created_at", UTCDateTime),
        sa.column("published_at", UTCDateTime),
    )
    applications = sa.table(
        "applications", sa.column("id", sa.Integer), sa.column("hub_id", sa.Integer),
        sa.column("form_version_id", sa.Integer), sa.column("submitted_at", UTCDateTime),
        sa.column("created_by_id", sa.Integer),
    )
    sections = sa.table(
        "application_sections", sa.column("application_id", sa.Integer), sa.column("key", sa.String),
        sa.column("answers", sa.JSON),
    )
    revisions = sa.table(
        "answer_revisions", sa.column("application_id", sa.Integer), sa.column("number", sa.Integer),
        sa.column("form_version_id", sa.Integer), sa.column("answers", sa.JSON), sa.column("documents", sa.JSON),
        sa.column("reason", sa.String), sa.column("created_at", UTCDateTime), sa.column("created_by_id", sa.Integer),
    )
    fingerprint = _fingerprint(VERSION_1)
    file_keys = [q["key"] for s in VERSION_1["sections"] for q in s.get("questions", []) if q["type"] == "file"]
    for (hub_id,) in bind.execute(sa.select(hubs.c.id)).all():
        bind.execute(versions.insert().values(
            hub_id=hub_id, number=1, definition=VERSION_1, fingerprint=fingerprint, created_at=now, published_at=now,
        ))
        version_id = bind.execute(
            sa.select(versions.c.id).where(versions.c.hub_id == hub_id, versions.c.number == 1)
        ).scalar_one()
        bind.execute(applications.update().where(applications.c.hub_id == hub_id).values(form_version_id=version_id))
        sent = bind.execute(
            sa.select(applications.c.id, applications.c.submitted_at, applications.c.created_by_id)
            .where(applications.c.hub_id == hub_id, applications.c.submitted_at.is_not(None))
        ).all()
        for application_id, submitted_at, created_by_id in sent:
            answers = {
                key: value for key, value in bind.execute(
                    sa.select(sections.c.key, sections.c.answers).where(sections.c.application_id == application_id)
                ).all()
            }
            used = [
                int(value) for section in answers.values() for key, value in (section or {}).items()
                if key in file_keys and str(value or "").isdigit()
            ]
            bind.execute(revisions.insert().values(
                application_id=application_id, number=1, form_version_id=version_id, answers=answers,
                documents=used, reason="submitted", created_at=submitted_at, created_by_id=created_by_id,
            ))


def downgrade():
    op.drop_index(op.f('ix_answer_revisions_application_id'), table_name='answer_revisions')
    op.drop_table('answer_revisions')
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite drops a column with a foreign key only by copying the table, and dropping the
        # old `applications` would delete every section, document and message by cascade: the
        # column stays, unused by the earlier code, and upgrading again keeps it.
        op.execute("UPDATE applications SET form_version_id = NULL")
    else:
        op.drop_index(op.f('ix_applications_form_version_id'), table_name='applications')
        op.drop_constraint(op.f('fk_applications_form_version_id_form_versions'), 'applications', type_='foreignkey')
        op.drop_column('applications', 'form_version_id')
    op.drop_index(op.f('ix_form_versions_hub_id'), table_name='form_versions')
    op.drop_table('form_versions')
