"""index comments by parent

Revision ID: e9c8e8d0550f
Revises: 218cd5705e7a
Create Date: 2026-11-21 06:48:04.891503

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e9c8e8d0550f'
down_revision = '218cd5705e7a'
branch_labels = None
depends_on = None


def upgrade():

    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index('ix_comments_parent', ['parent_id'], unique=False)




def downgrade():

    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_parent')


