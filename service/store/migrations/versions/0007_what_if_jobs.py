"""what-if jobs

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 03:13:25.908933

"""
from alembic import op
import sqlalchemy as sa
import sqlmodel  # SQLModel's AutoString renders as sqlmodel.sql.sqltypes.AutoString


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    # A database made by create_all before migrations existed is stamped at 0001 but may
    # already have this table (service.store.database.upgrade_schema): adopt it as it is.
    if sa.inspect(op.get_bind()).has_table('whatifjob'):
        return
    op.create_table('whatifjob',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draft_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('live_version', sa.Integer(), nullable=True),
    sa.Column('started_by', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('cancel_requested', sa.Boolean(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.Integer(), nullable=False),
    sa.Column('changed', sa.Integer(), nullable=False),
    sa.Column('less_urgent', sa.Integer(), nullable=False),
    sa.Column('workers', sa.Integer(), nullable=False),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('whatifjob', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_whatifjob_draft_hash'), ['draft_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_whatifjob_status'), ['status'], unique=False)



def downgrade():
    with op.batch_alter_table('whatifjob', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_whatifjob_status'))
        batch_op.drop_index(batch_op.f('ix_whatifjob_draft_hash'))

    op.drop_table('whatifjob')
