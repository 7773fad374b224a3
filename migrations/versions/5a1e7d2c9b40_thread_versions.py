"""thread versions

Revision ID: 5a1e7d2c9b40
Revises: e9c8e8d0550f
Create Date: 2026-11-21 07:10:00.000000

Every post counts the writes to its thread: each insert, update or delete of one of its
comments or of their quotes adds one to its row of thread_versions. Triggers do the
counting, so no write can forget it (replies, moderation, imports, flags alike), and a
reader may keep a serialized thread for as long as the number it was made at is current.

A small table of its own: SQLite rewrites a whole row to update it, and a post's row holds
its body. SQLite has only row-level triggers; PostgreSQL counts once per statement
(transition tables), so a bulk insert bumps the post once, not once per row.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5a1e7d2c9b40'
down_revision = 'e9c8e8d0550f'
branch_labels = None
depends_on = None

_EVENTS = ("insert", "update", "delete")


def upgrade():
    op.create_table(
        'thread_versions',
        sa.Column('post_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('version', sa.Integer(), server_default='0', nullable=False),
        sa.PrimaryKeyConstraint('post_id', name=op.f('pk_thread_versions')),
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in ("comments", "quotes"):
            for event in _EVENTS:
                op.execute(f"DROP TRIGGER {table}_thread_version_{event} ON {table}")
        op.execute("DROP FUNCTION bump_thread_versions()")
    else:
        for table in ("comments", "quotes"):
            for event in _EVENTS:
                op.execute(f"DROP TRIGGER {table}_thread_version_{event}")
    op.drop_table('thread_versions')


def _bump(posts: str) -> str:
    """Add one to the version of each post that ``posts`` (a SELECT of post ids) names."""
    return (
        f"INSERT INTO thread_versions (post_id, version) SELECT post_id, 1 FROM ({posts}) "
        "AS bumped WHERE post_id IS NOT NULL "
        "ON CONFLICT (post_id) DO UPDATE SET version = thread_versions.version + 1"
    )


def _sqlite_triggers():
    of_comment = "SELECT post_id FROM comments WHERE id = {}.comment_id"
    posts = {
        "comments": {
            "insert": "SELECT NEW.post_id AS post_id",
            "update": "SELECT NEW.post_id AS post_id UNION SELECT OLD.post_id",
            "delete": "SELECT OLD.post_id AS post_id",
        },
        "quotes": {
            "insert": of_comment.format("NEW"),
            "update": f"{of_comment.format('NEW')} UNION {of_comment.format('OLD')}",
            "delete": of_comment.format("OLD"),
        },
    }
    for table, events in posts.items():
        for event, which in events.items():
            bump = _bump(which)
            if table == "comments" and event != "update":
                # One known post (post_id is never null): the cheapest form, as this one
                # runs for every comment an import inserts.
                row = "NEW" if event == "insert" else "OLD"
                bump = (
                    f"INSERT INTO thread_versions (post_id, version) VALUES ({row}.post_id, 1) "
                    "ON CONFLICT (post_id) DO UPDATE SET version = thread_versions.version + 1"
                )
            op.execute(
                f"CREATE TRIGGER {table}_thread_version_{event} AFTER {event.upper()} ON {table} "
                f"BEGIN {bump}; END"
            )


def _postgresql_triggers():
    posts = {
        ("comments", "INSERT"): "SELECT post_id FROM new_rows",
        ("comments", "UPDATE"): "SELECT post_id FROM new_rows UNION SELECT post_id FROM old_rows",
        ("comments", "DELETE"): "SELECT post_id FROM old_rows",
        ("quotes", "INSERT"): "SELECT c.post_id FROM comments c JOIN new_rows q ON c.id = q.comment_id",
        ("quotes", "UPDATE"): (
            "SELECT c.post_id FROM comments c WHERE c.id IN "
            "(SELECT comment_id FROM new_rows UNION SELECT comment_id FROM old_rows)"
        ),
        ("quotes", "DELETE"): "SELECT c.post_id FROM comments c JOIN old_rows q ON c.id = q.comment_id",
    }
    branches = " ".join(
        f"{'IF' if at == 0 else 'ELSIF'} TG_TABLE_NAME = '{table}' AND TG_OP = '{event}' THEN "
        f"{_bump(f'SELECT DISTINCT post_id FROM ({select}) AS touched')};"
        for at, ((table, event), select) in enumerate(posts.items())
    )
    op.execute(
        "CREATE FUNCTION bump_thread_versions() RETURNS trigger AS $$ BEGIN "
        f"{branches} END IF; RETURN NULL; END; $$ LANGUAGE plpgsql"
    )
    transitions = {
        "insert": "NEW TABLE AS new_rows",
        "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "delete": "OLD TABLE AS old_rows",
    }
    for table in ("comments", "quotes"):
        for event, referencing in transitions.items():
            op.execute(
                f"CREATE TRIGGER {table}_thread_version_{event} AFTER {event.upper()} ON {table} "
                f"REFERENCING {referencing} FOR EACH STATEMENT "
                "EXECUTE FUNCTION bump_thread_versions()"
            )
