"""delivery crash safety: claim state, takeover counter, stored replies and progress

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 05:20:00.000000
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('processed_events') as batch:
        batch.add_column(sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False,
                                   server_default='done'))
        batch.add_column(sa.Column('attempt', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('result', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('sent', sa.Integer(), nullable=False, server_default='0'))
    # Old failed sends were never retried; from now on the outbox task retries pending rows.


def downgrade() -> None:
    with op.batch_alter_table('processed_events') as batch:
        batch.drop_column('sent')
        batch.drop_column('result')
        batch.drop_column('attempt')
        batch.drop_column('state')
