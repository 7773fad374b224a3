"""backfill canonical urls of existing posts

Revision ID: 1b2c3d4e5f60
Revises: f7a6ac607389
Create Date: 2026-11-21 06:20:00

"""
import sqlalchemy as sa
from alembic import op

from forum.urls import canonical_url

revision = "1b2c3d4e5f60"
down_revision = "f7a6ac607389"
branch_labels = None
depends_on = None

posts = sa.table("posts", sa.column("id", sa.Integer), sa.column("url", sa.Text),
                 sa.column("canonical_url", sa.Text))


def upgrade():
    connection = op.get_bind()
    rows = connection.execute(sa.select(posts.c.id, posts.c.url).where(posts.c.url.is_not(None)))
    for post_id, url in rows.all():
        connection.execute(posts.update().where(posts.c.id == post_id)
                           .values(canonical_url=canonical_url(url)))


def downgrade():
    op.execute(posts.update().values(canonical_url=None))
