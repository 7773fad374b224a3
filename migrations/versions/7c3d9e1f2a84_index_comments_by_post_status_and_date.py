"""index comments by post, status and date

Revision ID: 7c3d9e1f2a84
Revises: 5a1e7d2c9b40
Create Date: 2026-11-21 07:20:00.000000

A new reply is compared with the thread's latest approved comments: with the date in the
index that is a short backward scan, not a sort of the whole thread (bodies and all) for
every reply. The index still serves every query by post and status.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '7c3d9e1f2a84'
down_revision = '5a1e7d2c9b40'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_post_status')
        batch_op.create_index(
            'ix_comments_post_status', ['post_id', 'status', 'created_at'], unique=False
        )


def downgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_post_status')
        batch_op.create_index('ix_comments_post_status', ['post_id', 'status'], unique=False)
