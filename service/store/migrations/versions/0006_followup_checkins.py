"""follow-up: check-ins, exercise progression fields, check-in vignettes

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 03:40:00.000000

"""
from alembic import op
import sqlalchemy as sa
import sqlmodel  # SQLModel's AutoString renders as sqlmodel.sql.sqltypes.AutoString


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

PROGRESSION = ('unlock_week', 'hold_seconds_step', 'hold_seconds_max', 'reps_step',
               'reps_max', 'sets_step', 'sets_max')


def upgrade():
    # A database made by create_all before migrations existed is stamped at 0001 but may
    # already have these (service.store.database.upgrade_schema): adopt them as they are.
    if sa.inspect(op.get_bind()).has_table('checkin'):
        return
    op.create_table(
        'checkin',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('record_id', sa.Integer(), nullable=False),
        sa.Column('week', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('answers', sa.JSON(), nullable=False),
        sa.Column('facts', sa.JSON(), nullable=False),
        sa.Column('outcome', sa.JSON(), nullable=False),
        sa.Column('triage_level', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column('ruleset_version', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['record_id'], ['triagerecord.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('record_id', 'week'),
    )
    with op.batch_alter_table('checkin', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkin_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_checkin_record_id'), ['record_id'], unique=False)
    with op.batch_alter_table('exercise', schema=None) as batch_op:
        for name in PROGRESSION:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=True))
    with op.batch_alter_table('vignette', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checkins', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('vignette', schema=None) as batch_op:
        batch_op.drop_column('checkins')
    with op.batch_alter_table('exercise', schema=None) as batch_op:
        for name in reversed(PROGRESSION):
            batch_op.drop_column(name)
    with op.batch_alter_table('checkin', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkin_record_id'))
        batch_op.drop_index(batch_op.f('ix_checkin_created_at'))
    op.drop_table('checkin')
