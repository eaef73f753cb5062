"""triage_record.access_hash: the hash of the secret in a patient's result address

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 03:20:00.000000

"""
from alembic import op
import sqlalchemy as sa
import sqlmodel  # SQLModel's AutoString renders as sqlmodel.sql.sqltypes.AutoString


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    # A database made by create_all before migrations existed is stamped at 0001 but may
    # already have this column (service.store.database.upgrade_schema): adopt it as it is.
    columns = {c['name'] for c in sa.inspect(op.get_bind()).get_columns('triagerecord')}
    if 'access_hash' in columns:
        return
    with op.batch_alter_table('triagerecord', schema=None) as batch_op:
        batch_op.add_column(sa.Column('access_hash',
                                      sqlmodel.sql.sqltypes.AutoString(length=64),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('triagerecord', schema=None) as batch_op:
        batch_op.drop_column('access_hash')
