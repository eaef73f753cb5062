"""rate limits shared by every worker: service.rate_limits.RateCounter

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 03:30:00

"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    # A database made by create_all (service.store.database.upgrade_schema) may hold it already.
    if sa.inspect(op.get_bind()).has_table('rate_counter'):
        return
    op.create_table('rate_counter',
    sa.Column('window', sa.BigInteger(), nullable=False),
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('scope', 'address', 'window')
    )


def downgrade():
    op.drop_table('rate_counter')
