"""login throttle: failed attempts per account and per client

Revision ID: a07c6dbe3f76
Revises: 5b2d1e6f8a21
Create Date: 2026-12-01 13:55:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a07c6dbe3f76'
down_revision = '5b2d1e6f8a21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'throttle',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('scope', sa.String(length=20), nullable=False),
        sa.Column('key_hash', sa.String(length=64), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('last_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('blocked_until', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('scope', 'key_hash', name='uq_throttle_scope_key'),
    )
    with op.batch_alter_table('throttle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_throttle_last_at'), ['last_at'], unique=False)


def downgrade():
    with op.batch_alter_table('throttle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_throttle_last_at'))
    op.drop_table('throttle')
