"""index comments by post and author

A new reply is refused when its author wrote the same text on the post already: the
check reads the author's comments of the post by this index, not every comment of it
(a 50,000-comment thread took 230 ms to scan, with the write lock held).

Revision ID: 3f8a1c6d2e95
Revises: 7c3d9e1f2a84
Create Date: 2026-11-21 09:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3f8a1c6d2e95'
down_revision = '7c3d9e1f2a84'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index('ix_comments_post_author', ['post_id', 'author_name'], unique=False)


def downgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_post_author')
