"""Kommune settings (name forms, sender, links, privacy default, spatial word), deactivatable districts

Revision ID: 4a1c0d5e7f10
Revises: 92cf6339d6a2
Create Date: 2026-12-01 10:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '4a1c0d5e7f10'
down_revision = '92cf6339d6a2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('kommune', schema=None) as batch_op:
        batch_op.add_column(sa.Column('type_word', sa.String(length=60), server_default='', nullable=False))
        batch_op.add_column(sa.Column('gender', sa.String(length=1), server_default='', nullable=False))
        batch_op.add_column(sa.Column('name_overrides', sa.JSON(), server_default='{}', nullable=False))
        batch_op.add_column(sa.Column('sender_name', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('signature', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('contact_block', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('imprint_url', sa.String(length=500), server_default='', nullable=False))
        batch_op.add_column(sa.Column('privacy_url', sa.String(length=500), server_default='', nullable=False))
        batch_op.add_column(sa.Column('accessibility_url', sa.String(length=500), server_default='', nullable=False))
        batch_op.add_column(sa.Column('privacy_template', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('spatial_word', sa.String(length=60), server_default='Stadtteil', nullable=False))
        batch_op.add_column(sa.Column('strategic_fields', sa.JSON(), server_default='[]', nullable=False))

    with op.batch_alter_table('district', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deactivated_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sender_name', sa.String(length=200), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('sender_name')

    with op.batch_alter_table('district', schema=None) as batch_op:
        batch_op.drop_column('deactivated_at')

    with op.batch_alter_table('kommune', schema=None) as batch_op:
        for column in ('strategic_fields', 'spatial_word', 'privacy_template', 'accessibility_url', 'privacy_url',
                       'imprint_url', 'contact_block', 'signature', 'sender_name', 'name_overrides', 'gender',
                       'type_word'):
            batch_op.drop_column(column)
