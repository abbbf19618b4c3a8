"""jobs and worker heartbeats

Revision ID: 6c3e2f7a9b32
Revises: 7d4f3a8b0c43
Create Date: 2026-12-01 13:50:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '6c3e2f7a9b32'
down_revision = '7d4f3a8b0c43'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'job',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('args', sa.JSON(), nullable=False),
        sa.Column('kommune_id', sa.Integer(), nullable=True),
        sa.Column('state', sa.Enum('queued', 'running', 'done', 'failed', name='jobstate', native_enum=False,
                                   length=20), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('claimed_by', sa.String(length=200), nullable=False),
        sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('run_after', sa.DateTime(timezone=True), nullable=False),
        sa.Column('result_path', sa.String(length=500), nullable=False),
        sa.Column('result_size', sa.Integer(), nullable=True),
        sa.Column('error', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['kommune_id'], ['kommune.id'], name='fk_job_kommune_id_kommune',
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_job'),
        sa.UniqueConstraint('kind', 'key', name='uq_job_kind_key'),
    )
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.create_index('ix_job_due', ['state', 'run_after'], unique=False)
        batch_op.create_index('ix_job_kommune_id', ['kommune_id'], unique=False)

    op.create_table(
        'worker_beat',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('host', sa.String(length=200), nullable=False),
        sa.Column('pid', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('beat_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('doing', sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint('id', name='pk_worker_beat'),
        sa.UniqueConstraint('name', name='uq_worker_beat_name'),
    )
    with op.batch_alter_table('worker_beat', schema=None) as batch_op:
        batch_op.create_index('ix_worker_beat_kind', ['kind'], unique=False)


def downgrade():
    with op.batch_alter_table('worker_beat', schema=None) as batch_op:
        batch_op.drop_index('ix_worker_beat_kind')
    op.drop_table('worker_beat')
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_index('ix_job_kommune_id')
        batch_op.drop_index('ix_job_due')
    op.drop_table('job')
