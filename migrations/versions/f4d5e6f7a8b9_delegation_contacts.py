"""delegation: the addressee history of an invitation; several contact persons per register entry

Revision ID: f4d5e6f7a8b9
Revises: e7f8a9b0c1d2
Create Date: 2026-12-01 23:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f4d5e6f7a8b9'
down_revision = 'e7f8a9b0c1d2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'delegation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('invitation_id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.Column('old_token_hash', sa.String(length=64), nullable=True),
        sa.Column('from_name', sa.String(length=200), nullable=False),
        sa.Column('from_email', sa.String(length=254), nullable=False),
        sa.Column('to_name', sa.String(length=200), nullable=False),
        sa.Column('to_email', sa.String(length=254), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['invitation_id'], ['invitation.id'],
                                name=op.f('fk_delegation_invitation_id_invitation'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_delegation')),
        sa.UniqueConstraint('old_token_hash', name=op.f('uq_delegation_old_token_hash')),
    )
    with op.batch_alter_table('delegation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delegation_invitation_id'), ['invitation_id'], unique=False)
    op.create_table(
        'actor_contact',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('role', sa.String(length=200), nullable=False),
        sa.Column('phone', sa.String(length=60), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['actor.id'], name=op.f('fk_actor_contact_actor_id_actor'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_actor_contact')),
    )
    with op.batch_alter_table('actor_contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_actor_contact_actor_id'), ['actor_id'], unique=False)
    with op.batch_alter_table('actor', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_role', sa.String(length=200), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('actor', schema=None) as batch_op:
        batch_op.drop_column('contact_role')
    op.drop_table('actor_contact')
    op.drop_table('delegation')
