"""partner matches: typed partner names (and merged register entries) assigned to register actors

Revision ID: c4d5e6f7a8b9
Revises: f3c4d5e6f7a8
Create Date: 2026-12-02 01:45:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c4d5e6f7a8b9'
down_revision = "f3c4d5e6f7a8"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'partner_match',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kommune_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=320), nullable=False),
        sa.Column('raw_name', sa.String(length=300), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('score', sa.Float(), nullable=True),
        sa.Column('survey_id', sa.Integer(), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['kommune_id'], ['kommune.id'], name=op.f('fk_partner_match_kommune_id_kommune'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['actor_id'], ['actor.id'], name=op.f('fk_partner_match_actor_id_actor'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_partner_match_survey_id_survey'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_partner_match_decided_by_id_user'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_match')),
        sa.UniqueConstraint('kommune_id', 'key', name='uq_partner_match_kommune_key'),
    )
    with op.batch_alter_table('partner_match', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_match_kommune_id'), ['kommune_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_match_actor_id'), ['actor_id'], unique=False)


def downgrade():
    op.drop_table('partner_match')
