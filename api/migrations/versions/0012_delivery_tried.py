"""delivery attempts: how many stored replies of an update may have reached the platform

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 15:15:00.000000

`processed_events.tried` is written before a stored reply is handed to the platform, `sent` right after the
platform accepted it (bot/delivery.py). A takeover after a crash sends from `sent` on either way; where
`tried` is ahead, the first of those may already be on the user's phone, and is logged as a possible repeat.
Rows of before this migration get 0: not known to be in doubt, as before.
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('processed_events') as batch:
        batch.add_column(sa.Column('tried', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('processed_events') as batch:
        batch.drop_column('tried')
