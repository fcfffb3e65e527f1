"""country emergency numbers: who a person in danger in each country calls

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 09:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('countries') as batch:
        batch.add_column(sa.Column('emergency', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('countries') as batch:
        batch.drop_column('emergency')
