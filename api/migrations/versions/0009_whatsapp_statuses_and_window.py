"""whatsapp delivery statuses, the users' 24-hour window, failed staff replies on the ticket

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 09:00:00.000000
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('whatsapp_statuses',
    sa.Column('wamid', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('error_code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('handoff_id', sa.Integer(), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('wamid')
    )
    op.create_index(op.f('ix_whatsapp_statuses_user_id'), 'whatsapp_statuses', ['user_id'], unique=False)
    op.create_index(op.f('ix_whatsapp_statuses_handoff_id'), 'whatsapp_statuses', ['handoff_id'], unique=False)
    op.create_table('whatsapp_contacts',
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('last_inbound_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('held', sa.JSON(), nullable=True),
    sa.Column('held_handoff_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('user_id')
    )
    with op.batch_alter_table('handoffs') as batch:
        batch.add_column(sa.Column('delivery_error', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('handoffs') as batch:
        batch.drop_column('delivery_error')
    op.drop_table('whatsapp_contacts')
    op.drop_index(op.f('ix_whatsapp_statuses_handoff_id'), table_name='whatsapp_statuses')
    op.drop_index(op.f('ix_whatsapp_statuses_user_id'), table_name='whatsapp_statuses')
    op.drop_table('whatsapp_statuses')
