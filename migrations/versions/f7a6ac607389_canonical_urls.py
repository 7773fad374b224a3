"""canonical urls of posts

Revision ID: f7a6ac607389
Revises: f996fce3432a
Create Date: 2026-11-21 06:17:26.942748

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f7a6ac607389'
down_revision = 'f996fce3432a'
branch_labels = None
depends_on = None


def upgrade():

    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('canonical_url', sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f('ix_posts_canonical_url'), ['canonical_url'], unique=False)




def downgrade():

    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_posts_canonical_url'))
        batch_op.drop_column('canonical_url')


