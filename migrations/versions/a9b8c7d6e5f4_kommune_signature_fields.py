"""the Kommune's office, postal address, phone and website (mail signature); feedback address and
accessibility statement additions

Revision ID: a9b8c7d6e5f4
Revises: b1a2c3d4e5f6
Create Date: 2026-12-01 20:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a9b8c7d6e5f4'
down_revision = 'b1a2c3d4e5f6'
branch_labels = None
depends_on = None


def upgrade():
    # Existing signatures stay as typed: Kommune.mail_signature uses them alone until these are filled in.
    with op.batch_alter_table('kommune', schema=None) as batch_op:
        batch_op.add_column(sa.Column('office', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('postal_address', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('phone', sa.String(length=60), server_default='', nullable=False))
        batch_op.add_column(sa.Column('website', sa.String(length=500), server_default='', nullable=False))
        batch_op.add_column(sa.Column('feedback_email', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('accessibility_notes', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('enforcement_body', sa.Text(), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('kommune', schema=None) as batch_op:
        batch_op.drop_column('enforcement_body')
        batch_op.drop_column('accessibility_notes')
        batch_op.drop_column('feedback_email')
        batch_op.drop_column('website')
        batch_op.drop_column('phone')
        batch_op.drop_column('postal_address')
        batch_op.drop_column('office')
