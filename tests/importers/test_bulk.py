"""bulk.py: rows straight to the driver, as a Core insert would send them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from forum.extensions import db
from forum.importers.bulk import allocate_ids, insert_rows, row_trigger_suspended
from forum.models import Post, PostStatus, PostType, Term


def test_rows_are_stored_with_their_types_processed(ctx):
    names = ("type", "status", "title", "slug", "excerpt", "related_links", "body_raw")
    names += ("body_html", "comments_open", "is_sticky", "is_protected", "source")
    names += ("source_key", "published_at")
    common = ("", "", [{"title": "t", "url": None}], "", "", True, False, False, "test")
    insert_rows(
        db.session.connection(),
        Post.__table__,
        names,
        [
            (PostType.POST, PostStatus.PUBLISHED, "First", *common, "1", None),
            (
                PostType.PAGE,
                PostStatus.DRAFT,
                "Second",
                *common,
                "2",
                datetime(2024, 1, 2, tzinfo=UTC),
            ),
        ],
        created_at=datetime(2024, 5, 6, tzinfo=UTC),
        updated_at=datetime(2024, 5, 6, tzinfo=UTC),
    )
    posts = db.session.execute(select(Post).order_by(Post.source_key)).scalars().all()
    assert [(p.type, p.status, p.title, p.comments_open) for p in posts] == [
        (PostType.POST, PostStatus.PUBLISHED, "First", True),
        (PostType.PAGE, PostStatus.DRAFT, "Second", True),
    ]
    assert posts[0].related_links == [{"title": "t", "url": None}]
    assert posts[1].published_at == datetime(2024, 1, 2, tzinfo=UTC)
    assert {p.created_at for p in posts} == {datetime(2024, 5, 6, tzinfo=UTC)}
    db.session.rollback()


def test_the_drivers_errors_are_sqlalchemys(ctx):
    rows = [("category", "same", "A"), ("category", "same", "B")]
    with pytest.raises(IntegrityError):
        insert_rows(db.session.connection(), Term.__table__, ("taxonomy", "slug", "name"), rows)
    db.session.rollback()


def test_ids_are_reserved_past_the_stored_ones(ctx):
    connection = db.session.connection()
    first = allocate_ids(connection, Term.__table__, 3)
    assert len(set(first)) == 3 and allocate_ids(connection, Term.__table__, 0) == []
    db.session.rollback()


def test_a_suspended_trigger_is_back_after_and_after_a_failure(ctx):
    connection = db.session.connection()
    name = "comments_thread_version_insert"

    def triggers() -> int:
        if connection.dialect.name != "sqlite":
            return 1
        return connection.exec_driver_sql(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = ?", (name,)
        ).scalar_one()

    with row_trigger_suspended(connection, name) as suspended:
        assert suspended == (connection.dialect.name == "sqlite")
        assert triggers() == (0 if suspended else 1)
    assert triggers() == 1
    with pytest.raises(RuntimeError), row_trigger_suspended(connection, name):
        raise RuntimeError("the insert failed")
    assert triggers() == 1
    db.session.rollback()
