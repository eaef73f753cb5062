"""publish gate: a clinical safety officer's approval of one exact draft

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 03:30:00.000000

"""
from alembic import op
import sqlalchemy as sa
import sqlmodel  # SQLModel's AutoString renders as sqlmodel.sql.sqltypes.AutoString


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    # A database made by create_all before migrations existed is stamped at 0001 but may
    # already hold this table (service.store.database.upgrade_schema): adopt it as it is.
    if sa.inspect(op.get_bind()).has_table('safetyapproval'):
        return
    op.create_table('safetyapproval',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draft_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('live_version', sa.Integer(), nullable=True),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('approved_by', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('safetyapproval', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_safetyapproval_draft_hash'), ['draft_hash'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('safetyapproval', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_safetyapproval_draft_hash'))

    op.drop_table('safetyapproval')
