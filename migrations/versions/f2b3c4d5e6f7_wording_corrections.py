"""wording corrections after opening: the corrections of a question, the survey's wording revision

Revision ID: f2b3c4d5e6f7
Revises: f4d5e6f7a8b9
Create Date: 2026-12-01 23:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f2b3c4d5e6f7'
down_revision = 'f4d5e6f7a8b9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wording_revision', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('survey_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('corrections', sa.JSON(), server_default='[]', nullable=False))


def downgrade():
    with op.batch_alter_table('survey_item', schema=None) as batch_op:
        batch_op.drop_column('corrections')
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.drop_column('wording_revision')
