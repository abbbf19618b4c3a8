"""retention of contact data: when a survey's contacts were deleted, when a register contact was confirmed

Revision ID: d3c4e5f6a7b8
Revises: c2b3d4e5f6a7
Create Date: 2026-12-01 17:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd3c4e5f6a7b8'
down_revision = 'c2b3d4e5f6a7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contacts_deleted_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('actor', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_confirmed_at', sa.DateTime(timezone=True), nullable=True))
    # Existing register entries count as confirmed when they were last changed: the clock starts
    # from a moment a planner did look at them, not from the deploy.
    op.execute("UPDATE actor SET contact_confirmed_at = updated_at")


def downgrade():
    with op.batch_alter_table('actor', schema=None) as batch_op:
        batch_op.drop_column('contact_confirmed_at')
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.drop_column('contacts_deleted_at')
