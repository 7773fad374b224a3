"""import jobs

Revision ID: 218cd5705e7a
Revises: 1b2c3d4e5f60
Create Date: 2026-11-21 06:21:43.720274

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '218cd5705e7a'
down_revision = '1b2c3d4e5f60'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('import_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('queued', 'running', 'succeeded', 'failed', name='jobstate', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('file_name', sa.Text(), nullable=False),
    sa.Column('path', sa.Text(), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('format', sa.String(length=16), nullable=True),
    sa.Column('recover', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('report', sa.JSON(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['moderators.id'], name=op.f('fk_import_jobs_created_by_moderators'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_jobs'))
    )



def downgrade():

    op.drop_table('import_jobs')

