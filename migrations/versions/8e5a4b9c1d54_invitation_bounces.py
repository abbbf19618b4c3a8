"""invitation states unzustellbar and nimmt nicht teil; bounce reports

Revision ID: 8e5a4b9c1d54
Revises: 9f6b5cad2e65
Create Date: 2026-12-01 13:50:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '8e5a4b9c1d54'
down_revision = '9f6b5cad2e65'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bounced_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('declined_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('declined_note', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('status_before', sa.Enum(
            'created', 'sent', 'failed', 'opened', 'in_progress', 'submitted', 'withdrawn', 'bounced', 'declined',
            name='invitationstatus', native_enum=False, create_constraint=False, length=20), nullable=True))

    op.create_table(
        'bounce_report',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('source', sa.String(length=300), nullable=False),
        sa.Column('report_message_id', sa.String(length=255), nullable=False),
        sa.Column('subject', sa.String(length=500), nullable=False),
        sa.Column('sender', sa.String(length=300), nullable=False),
        sa.Column('original_message_id', sa.String(length=255), nullable=False),
        sa.Column('recipient', sa.String(length=254), nullable=False),
        sa.Column('action', sa.String(length=20), nullable=False),
        sa.Column('status_code', sa.String(length=20), nullable=False),
        sa.Column('diagnostic', sa.Text(), nullable=False),
        sa.Column('outcome', sa.Enum('bounced', 'delayed', 'no_change', 'unclear', name='bounceoutcome',
                                     native_enum=False, create_constraint=False, length=20), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('invitation_id', sa.Integer(), nullable=True),
        sa.Column('outbox_id', sa.Integer(), nullable=True),
        sa.Column('kommune_id', sa.Integer(), nullable=True),
        sa.Column('raw', sa.Text(), nullable=False),
        sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['invitation_id'], ['invitation.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['outbox_id'], ['outbox_message.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['kommune_id'], ['kommune.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('bounce_report', schema=None) as batch_op:
        batch_op.create_index('ix_bounce_report_outcome', ['outcome', 'resolved_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_bounce_report_invitation_id'), ['invitation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bounce_report_kommune_id'), ['kommune_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bounce_report_report_message_id'), ['report_message_id'], unique=False)


def downgrade():
    with op.batch_alter_table('bounce_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bounce_report_report_message_id'))
        batch_op.drop_index(batch_op.f('ix_bounce_report_kommune_id'))
        batch_op.drop_index(batch_op.f('ix_bounce_report_invitation_id'))
        batch_op.drop_index('ix_bounce_report_outcome')
    op.drop_table('bounce_report')

    # Invitations in the two new states go back to what they were before (or "sent").
    op.execute("UPDATE invitation SET status = COALESCE(status_before, 'sent') WHERE status IN ('bounced', 'declined')")
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_column('status_before')
        batch_op.drop_column('declined_note')
        batch_op.drop_column('declined_at')
        batch_op.drop_column('bounced_at')
