"""personal links sealed with the link keyring: invitation/account token seals, outbox link source

Revision ID: c2b3d4e5f6a7
Revises: 8e5a4b9c1d54
Create Date: 2026-12-01 16:50:00

Schema only. Tokens of existing invitations live in their outbox bodies until `flask links
migrate` seals them and puts the placeholder into the bodies (it needs LINK_KEYS, which a
migration should not depend on); until then a resend still finds them there (and seals them).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c2b3d4e5f6a7'
down_revision = "8e5a4b9c1d54"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token_sealed', sa.String(length=255), nullable=True))
    with op.batch_alter_table('account_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token_sealed', sa.String(length=255), nullable=True))
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('account_token_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_message_account_token_id'), ['account_token_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_outbox_message_account_token_id_account_token'),
                                    'account_token', ['account_token_id'], ['id'], ondelete='SET NULL')


def downgrade():
    # Bodies written since hold the placeholder instead of the link and the older code cannot fill
    # it in: let the mail worker empty the outbox before downgrading. Sealed tokens are dropped, so
    # a resend under the older code issues a new link.
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_message_account_token_id_account_token'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outbox_message_account_token_id'))
        batch_op.drop_column('account_token_id')
    with op.batch_alter_table('account_token', schema=None) as batch_op:
        batch_op.drop_column('token_sealed')
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_column('token_sealed')
