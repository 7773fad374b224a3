"""page summaries, related links and status reasons

Revision ID: 032362adc801
Revises: 754614a5bb0c
Create Date: 2026-11-21 05:50:39.353471

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '032362adc801'
down_revision = '754614a5bb0c'
branch_labels = None
depends_on = None


def upgrade():

    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status_reason', sa.Text(), nullable=True))

    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('summary', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('related_links', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('status_reason', sa.Text(), nullable=True))




def downgrade():

    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_column('status_reason')
        batch_op.drop_column('related_links')
        batch_op.drop_column('summary')

    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_column('status_reason')


