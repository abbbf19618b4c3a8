"""lifecycle: surveys close themselves at the deadline (per survey), and can be archived

Revision ID: c5d6e7f8a9b0
Revises: c3d4e5f6a7b8
Create Date: 2026-12-02 01:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c5d6e7f8a9b0'
down_revision = 'c3d4e5f6a7b8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.add_column(sa.Column('auto_close', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.drop_column('archived_at')
        batch_op.drop_column('auto_close')
