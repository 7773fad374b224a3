"""One reply at a time per text: the same words by the same author, sent twice at once.

The reply service refuses a comment whose author already wrote the same text on the post,
by looking for it first. On PostgreSQL two identical requests arriving together both look,
both find nothing, and both insert. Before that look, each takes a transaction-level
advisory lock named by what it would duplicate, so the second waits for the first to
commit, then finds it. SQLite needs nothing: its writers take the write lock at BEGIN.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text

from forum.extensions import db


def wait_for_same_reply(post_id: int, author_name: str, body: str) -> None:
    """Serialize, until the transaction ends, replies that would be duplicates."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.sha256(
        f"{post_id}\0{author_name}\0{body}".encode("utf-8", "surrogatepass")
    ).digest()
    key = int.from_bytes(digest[:8], "big", signed=True)
    db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
