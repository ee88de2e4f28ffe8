"""receipt attachments in the outbox, and the application each email is about

The applicant's receipt carries a PDF of the answers as submitted: its page is frozen
at submission in outbox_attachments (the PDF is made from it at delivery, once), and
shared by every receipt of that submission through outbox.attachment_id.

outbox.application_id names the application an email is about, so anonymising finds
every email that carries its words (drafts' emails included, which have no reference).
Emails already written are matched by the application reference in their subjects.

Revision ID: d2f7b1c4e9a3
Revises: a1d6e3f9b250
Create Date: 2026-11-26 09:00:00

"""
import re

from alembic import op
import sqlalchemy as sa

import workflow.types


# revision identifiers, used by Alembic.
revision = 'd2f7b1c4e9a3'
down_revision = 'a1d6e3f9b250'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outbox_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('source_html', sa.Text(), nullable=True),
    sa.Column('created_at', workflow.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_outbox_attachments_application_id_applications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_attachments'))
    )
    with op.batch_alter_table('outbox_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_attachments_application_id'), ['application_id'], unique=False)

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attachment_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('application_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_application_id'), ['application_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_outbox_attachment_id_outbox_attachments'), 'outbox_attachments', ['attachment_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_outbox_application_id_applications'), 'applications', ['application_id'], ['id'])

    connection = op.get_bind()
    references = dict(connection.execute(sa.text('SELECT reference, id FROM applications WHERE reference IS NOT NULL')).all())
    about = []
    for message_id, subject in connection.execute(sa.text('SELECT id, subject FROM outbox')).all():
        named = [references[word] for word in re.findall(r'[\w-]+', subject) if word in references]
        if named:
            about.append({'application_id': named[0], 'id': message_id})
    if about:
        connection.execute(sa.text('UPDATE outbox SET application_id = :application_id WHERE id = :id'), about)


def downgrade():
    # SQLite copies the table; resolve_fks=False keeps it from reflecting the tables it
    # refers to (applications' expression index cannot be reflected).
    with op.batch_alter_table('outbox', schema=None, reflect_kwargs={'resolve_fks': False}) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_application_id_applications'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_outbox_attachment_id_outbox_attachments'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outbox_application_id'))
        batch_op.drop_column('application_id')
        batch_op.drop_column('attachment_id')

    with op.batch_alter_table('outbox_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_attachments_application_id'))

    op.drop_table('outbox_attachments')
