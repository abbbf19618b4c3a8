"""coding free text: categories per question, assignments of normalised texts, rejected suggestions

Revision ID: c3d4e5f6a7b8
Revises: c4d5e6f7a8b9
Create Date: 2026-12-02 01:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c3d4e5f6a7b8'
down_revision = 'c4d5e6f7a8b9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'coding_category',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('survey_id', sa.Integer(), nullable=False),
        sa.Column('question_key', sa.String(length=200), nullable=False),
        sa.Column('label', sa.String(length=120), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_coding_category_survey_id_survey'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_coding_category')),
        sa.UniqueConstraint('survey_id', 'question_key', 'label', name=op.f('uq_coding_category_survey_id')),
    )
    with op.batch_alter_table('coding_category', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coding_category_survey_id'), ['survey_id'], unique=False)
    for table, unique in (('coding_assignment', ('survey_id', 'question_key', 'text_hash')),
                          ('coding_rejection', ('category_id', 'text_hash'))):
        op.create_table(
            table,
            sa.Column('id', sa.Integer(), nullable=False),
            sa.Column('survey_id', sa.Integer(), nullable=False),
            sa.Column('question_key', sa.String(length=200), nullable=False),
            sa.Column('text', sa.Text(), nullable=False),
            sa.Column('text_hash', sa.String(length=64), nullable=False),
            sa.Column('category_id', sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(['category_id'], ['coding_category.id'],
                                    name=op.f(f'fk_{table}_category_id_coding_category'), ondelete='CASCADE'),
            sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f(f'fk_{table}_survey_id_survey'),
                                    ondelete='CASCADE'),
            sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')),
            sa.UniqueConstraint(*unique, name=op.f(f'uq_{table}_{unique[0]}')),
        )
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f'ix_{table}_category_id'), ['category_id'], unique=False)
            batch_op.create_index(batch_op.f(f'ix_{table}_survey_id'), ['survey_id'], unique=False)


def downgrade():
    op.drop_table('coding_rejection')
    op.drop_table('coding_assignment')
    op.drop_table('coding_category')
