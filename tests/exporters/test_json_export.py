"""The JSON exporter: one document, posts with nested threads, quotes, flags and the log,
written a post at a time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import orjson
import pytest
from sqlalchemy import event, select

from forum.exporters import ExportStats, export
from forum.exporters.json import MAX_DEPTH, export_json
from forum.extensions import db
from forum.models import Comment, Flag, FlagReason, Post
from forum.services import audit
from tests.conftest import ROOT
from tests.wxr_builder import C, P, chain, write_wxr

DEMO = ROOT / "import" / "demo-blog.wxr.xml"


def exported(**options) -> dict:
    db.session.commit()
    return orjson.loads(b"".join(export_json(db.session, **options)))


def walk(comments: list[dict]) -> list[dict]:
    found, stack = [], list(reversed(comments))
    while stack:
        comment = stack.pop()
        found.append(comment)
        stack.extend(reversed(comment["replies"]))
    return found


def test_document_has_the_format_marker_first_then_posts_and_log(run_import):
    run_import(DEMO)
    data = b"".join(export_json(db.session))
    assert data.startswith(b'{"format":"forum-archive","version":1,"exported_at":"')
    document = orjson.loads(data)
    assert list(document) == ["format", "version", "exported_at", "posts", "moderation_log"]
    datetime.fromisoformat(document["exported_at"])
    posts = db.session.execute(select(Post).order_by(Post.id)).scalars().all()
    assert [post["id"] for post in document["posts"]] == [post.id for post in posts]
    post = document["posts"][0]
    assert set(post) >= {
        "type",
        "status",
        "title",
        "slug",
        "url",
        "summary",
        "related_links",
        "excerpt",
        "body_raw",
        "body_html",
        "published_at",
        "modified_at",
        "author",
        "terms",
        "comments_open",
        "is_sticky",
        "is_protected",
        "locked_at",
        "source",
        "source_key",
        "source_url",
        "source_status",
        "status_reason",
        "comments",
    }
    assert set(post["author"]) == {"id", "login", "display_name", "email", "source", "source_key"}
    comments = [comment for post in document["posts"] for comment in walk(post["comments"])]
    assert len(comments) == db.session.query(Comment).count()
    assert set(comments[0]) >= {
        "id",
        "parent_id",
        "status",
        "kind",
        "author",
        "created_at",
        "body_raw",
        "body_html",
        "source",
        "source_key",
        "status_reason",
        "quotes",
        "flags",
        "replies",
    }
    assert "author_ip_hash" not in comments[0] and "edit_token_hash" not in comments[0]
    quotes = [quote for comment in comments for quote in comment["quotes"]]
    assert len(quotes) == 5 and set(quotes[0]) == {"source_comment_id", "text"}
    ids = {comment["id"] for comment in comments}
    assert all(quote["source_comment_id"] in ids for quote in quotes)


def test_every_comment_carries_its_parent_and_deep_replies_are_flat(run_import, tmp_path):
    run_import(write_wxr(tmp_path / "chain.xml", [P("1", comments=chain(MAX_DEPTH + 10))]))
    [post] = exported()["posts"]
    comments = walk(post["comments"])
    parents = {comment["id"]: comment["parent_id"] for comment in comments}
    stored = dict(db.session.execute(select(Comment.id, Comment.parent_id)).all())
    assert parents == stored
    node, level = post["comments"][0], 0
    while node["replies"]:
        node, level = node["replies"][0], level + 1
    assert level == MAX_DEPTH
    # The deepest nested comment's container lists the rest flat, each with reply_to.
    flat = [comment for comment in comments if "reply_to" in comment]
    assert len(flat) == len(comments) - (MAX_DEPTH + 1)
    assert all(comment["reply_to"]["id"] == comment["parent_id"] for comment in flat)


def test_flags_without_who_and_the_log_only_about_the_posts(run_import, tmp_path):
    run_import(
        write_wxr(
            tmp_path / "two.xml",
            [P("1", title="One", comments=[C("1")]), P("2", title="Two", comments=[C("1")])],
        )
    )
    rows = db.session.execute(select(Comment.id, Comment.post_id).order_by(Comment.id)).all()
    (first, post_one), (second, post_two) = rows
    db.session.add(Flag(comment_id=first, reason=FlagReason.SPAM, note="ads", client_hash="h1"))
    audit.record(
        "hide",
        comment_id=first,
        post_id=post_one,
        from_status="approved",
        to_status="hidden",
        reason="ads",
    )
    audit.record("lock", post_id=post_two)
    audit.record("hide", comment_id=second, from_status="approved", to_status="hidden")
    whole = exported()
    assert [entry["action"] for entry in whole["moderation_log"]] == ["hide", "lock", "hide"]
    one = exported(post_ids=[post_one])
    assert [post["title"] for post in one["posts"]] == ["One"]
    [entry] = one["moderation_log"]
    assert entry["comment_id"] == first and entry["reason"] == "ads" and entry["actor"]
    two = exported(post_ids=[post_two])
    assert [entry["action"] for entry in two["moderation_log"]] == ["lock", "hide"]
    [flag] = one["posts"][0]["comments"][0]["flags"]
    assert flag["reason"] == "spam" and flag["note"] == "ads" and flag["resolved_at"] is None
    assert "h1" not in orjson.dumps(whole).decode()


@pytest.fixture
def big_archive(run_import, tmp_path) -> Iterator[int]:
    """200 posts of 50 comments each."""
    posts = [P(str(number), title=f"Post {number}", comments=chain(50)) for number in range(1, 201)]
    run_import(write_wxr(tmp_path / "big.xml", posts))
    yield 200
    db.session.remove()
    if db.engine.dialect.name == "sqlite":
        # Deleting 10,000 comments one foreign-key check at a time (comments.parent_id has
        # no index of its own) takes SQLite a quarter of a minute: empty them unchecked.
        connection = db.engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute("PRAGMA foreign_keys=OFF")
            cursor.execute("DELETE FROM quotes")
            cursor.execute("DELETE FROM comments")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            connection.close()


def test_export_streams_a_post_at_a_time(big_archive):
    """Each post is read and written when its turn comes: when the first post is out, only
    it has been read; the whole export reads each thread once, a thread per chunk."""
    for format in ("json", "wxr"):
        statements = _export_counting_statements(format, big_archive)
        threads = [s for s in statements if "FROM comments" in s and "BY comments.depth" in s]
        assert len(threads) == big_archive


def _export_counting_statements(format: str, posts: int) -> list[str]:
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        stats = ExportStats()
        chunks = export(format, db.session, stats=stats)
        first = 0
        while stats.posts == 0:
            first += len(next(chunks))
        assert stats.posts == 1 and stats.comments == 50
        assert len(statements) < 15  # the head, the first batch of posts, one thread
        sizes = [len(chunk) for chunk in chunks]
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert stats.posts == posts and stats.comments == posts * 50
    # No chunk holds more than a post or so: the document is never built whole.
    assert len(sizes) >= posts and max(sizes) * 20 < first + sum(sizes)
    return statements
