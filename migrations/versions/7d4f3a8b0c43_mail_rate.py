"""mail rate: the send schedule shared by all mail workers, and why the queue is paused

Revision ID: 7d4f3a8b0c43
Revises: a07c6dbe3f76
Create Date: 2026-12-01 14:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '7d4f3a8b0c43'
down_revision = 'a07c6dbe3f76'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'mail_rate',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('next_slot_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('paused_since', sa.DateTime(timezone=True), nullable=True),
        sa.Column('pause_reason', sa.Text(), server_default='', nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )


def downgrade():
    op.drop_table('mail_rate')
