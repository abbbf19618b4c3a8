"""survey flags for analysts' row-level data (confidential, shared, free texts); pseudonyms

Revision ID: b1a2c3d4e5f6
Revises: d3c4e5f6a7b8
Create Date: 2026-12-01 16:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b1a2c3d4e5f6'
down_revision = 'd3c4e5f6a7b8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confidential', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('rows_for_analysts', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('rows_free_text', sa.Boolean(), server_default=sa.false(), nullable=False))

    op.create_table(
        'pseudonym',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('series_id', sa.Integer(), nullable=False),
        sa.Column('subject', sa.String(length=80), nullable=False),
        sa.Column('code', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['series_id'], ['survey.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('series_id', 'subject', name='uq_pseudonym_series_subject'),
        sa.UniqueConstraint('series_id', 'code', name='uq_pseudonym_series_code'),
    )


def downgrade():
    op.drop_table('pseudonym')
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.drop_column('rows_free_text')
        batch_op.drop_column('rows_for_analysts')
        batch_op.drop_column('confidential')
