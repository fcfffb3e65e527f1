"""entry aspect: what an entry is about (gaji, syarat…), so "ASPECT of COUNTRY" finds its entry

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 09:00:00.000000
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('entries') as batch:
        batch.add_column(sa.Column('aspect', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))
        batch.create_index(batch.f('ix_entries_aspect'), ['aspect'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('entries') as batch:
        batch.drop_index(batch.f('ix_entries_aspect'))
        batch.drop_column('aspect')
