"""answers entered on behalf: source, who and when on the response

Revision ID: f1a2b3c4d5e6
Revises: f2b3c4d5e6f7
Create Date: 2026-12-01 22:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f1a2b3c4d5e6'
down_revision = 'f2b3c4d5e6f7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('entered_source', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('entered_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('entered_by_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('entered_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_column('entered_at')
        batch_op.drop_column('entered_by_name')
        batch_op.drop_column('entered_by_id')
        batch_op.drop_column('entered_source')
