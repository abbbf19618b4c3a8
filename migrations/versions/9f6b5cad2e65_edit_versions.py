"""edit versions: every planner-edited row carries the version its edit forms show

Revision ID: 9f6b5cad2e65
Revises: 6c3e2f7a9b32
Create Date: 2026-12-01 13:55:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '9f6b5cad2e65'
down_revision = '6c3e2f7a9b32'
branch_labels = None
depends_on = None

TABLES = ("survey", "survey_page", "survey_item", "kommune", "district", "actor", "user", "invitation")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('edit_version', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('edit_version')
