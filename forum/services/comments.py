"""Reading comments: a post's thread, and the reply view of one comment."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy import String, bindparam, func, or_, select, type_coerce

from forum.errors import NotFound
from forum.extensions import db
from forum.models import Comment, CommentStatus, Post, PostStatus, Quote
from forum.models.posts import thread_versions
from forum.threads import nest, shown_ids
from forum.urls import safe_link

# Columns a reader's view needs; never the email or the address hash. Kind and status
# come as the strings stored: a thread of 50,000 rows need not make 100,000 enum members.
_COLUMNS = (
    Comment.id,
    Comment.post_id,
    Comment.parent_id,
    Comment.root_id,
    Comment.depth,
    type_coerce(Comment.kind, String),
    type_coerce(Comment.status, String),
    Comment.author_name,
    Comment.author_url,
    # As stored (the driver's value): sorted as the database sorts it, converted to a
    # datetime only for the comments shown.
    type_coerce(Comment.created_at, String),
    Comment.body_html,
)
_ID, _PARENT_ID, _DEPTH, _STATUS, _CREATED_AT = 0, 2, 4, 6, 9
_APPROVED = CommentStatus.APPROVED.value
# Up to this many comments, their quotes are looked up by id; beyond, by the post.
_FEW = 500
_OLDEST_FIRST = (Comment.created_at.asc().nulls_first(), Comment.id.asc())
_NEWEST_FIRST = (Comment.created_at.desc().nulls_last(), Comment.id.desc())


class ReadablePost(NamedTuple):
    id: int
    title: str
    # Names the thread's present state: the version changes with every write to it (a
    # trigger counts them); the post's creation time tells a post from an earlier one
    # that had the same id (SQLite reuses the highest id once its row is deleted).
    thread_version: tuple[int, str]


# Built once: a cached thread is served after this one query, so it is kept lean (a Core
# statement run on the session's connection, made once, with the post's id bound).
_posts = Post.__table__
_READABLE_POST = (
    select(
        _posts.c.id, _posts.c.title, _posts.c.created_at, _posts.c.status, thread_versions.c.version
    )
    .outerjoin(thread_versions, thread_versions.c.post_id == _posts.c.id)
    .where(_posts.c.id == bindparam("post_id"))
)


def readable_post(post_id: int) -> ReadablePost:
    """Return a published post's id, title and thread version, or raise NotFound."""
    found = db.session.connection().execute(_READABLE_POST, {"post_id": post_id}).first()
    if found is None or found.status != PostStatus.PUBLISHED:
        raise NotFound(f"There is no post {post_id}.")
    made = found.created_at.timestamp() if found.created_at else 0
    return ReadablePost(found.id, found.title, (found.version or 0, f"{made:.6f}"))


def comment_thread(comment_id: int) -> ReadablePost:
    """Return the readable post a comment belongs to, or raise NotFound."""
    return readable_post(get_comment_post_id(comment_id))


_readable_post = readable_post


def get_thread(
    post_id: int, *, sort: str, page: int, per_page: int, max_depth: int
) -> dict[str, Any]:
    """Return one page of a post's top-level comments, each with its whole shown subtree."""
    _readable_post(post_id)
    # A top-level comment is listed when it, or anything below it, is approved.
    live_roots = select(func.coalesce(Comment.root_id, Comment.id)).where(
        Comment.post_id == post_id, Comment.status == CommentStatus.APPROVED
    )
    top = select(Comment.id).where(
        Comment.post_id == post_id, Comment.parent_id.is_(None), Comment.id.in_(live_roots)
    )
    order = _NEWEST_FIRST if sort == "newest" else _OLDEST_FIRST
    # Every listed top-level id at once (one query; the count comes with it): top-level
    # comments are few beside their replies, and a second query to count costs more.
    listed = db.session.connection().execute(top.order_by(*order)).scalars().all()
    total = len(listed)
    top_ids = listed[(page - 1) * per_page : page * per_page]
    if not top_ids:
        rows = []
    elif len(top_ids) == total:
        # Every listed top-level comment is on this page: the whole thread, in one
        # plain query. (Comments under unlisted ones have nothing to show: none is shown.)
        rows = _load(Comment.post_id == post_id)
    else:
        # By primary key and the root index: the page's subtrees, not the post's rows.
        rows = _load(or_(Comment.id.in_(top_ids), Comment.root_id.in_(top_ids)))
    nodes = _shown_nodes(rows, post_id)
    return {
        "post_id": post_id,
        "sort": sort,
        "max_depth": max_depth,
        "page": page,
        "per_page": per_page,
        "total": total,
        "pages": max(1, math.ceil(total / per_page)),
        "comments": nest(nodes, top_ids, max_depth),
    }


def get_reply_view(comment_id: int, *, max_depth: int) -> dict[str, Any]:
    """Return a comment with its ancestors for context and its replies, nested."""
    found = db.session.execute(
        select(Comment.post_id, Comment.root_id).where(Comment.id == comment_id)
    ).first()
    if found is None:
        raise NotFound(f"There is no comment {comment_id}.")
    post = _readable_post(found.post_id)
    root_id = found.root_id if found.root_id is not None else comment_id
    rows = _load(or_(Comment.id == root_id, Comment.root_id == root_id))
    nodes = {node["id"]: node for node in _shown_nodes(rows, post.id)}
    if comment_id not in nodes:
        raise NotFound(f"There is no comment {comment_id}.")
    ancestors: list[dict[str, Any]] = []
    parent_id = nodes[comment_id]["parent_id"]
    while parent_id is not None and parent_id in nodes:
        ancestors.append(nodes[parent_id])
        parent_id = nodes[parent_id]["parent_id"]
    ancestors.reverse()
    ancestor_ids = {node["id"] for node in ancestors}
    below = [node for node in nodes.values() if node["id"] not in ancestor_ids]
    # The comment is the top of this view: with max_depth 0 its replies are listed flat
    # under it, as with max_depth 1.
    [comment] = nest(below, [comment_id], max(max_depth, 1))
    for node in ancestors:
        node.pop("replies", None)
    return {
        "post": {"id": post.id, "title": post.title},
        "ancestors": ancestors,
        "comment": comment,
        "max_depth": max_depth,
    }


def _load(condition: Any) -> list[tuple[Any, ...]]:
    """The rows of _COLUMNS that match, oldest first (sorted here: cheaper than in SQL,
    where the sort would carry every body along; the values compare as the database
    compares them, NULL first)."""
    # On the session's connection, as Core: plain rows, none of the ORM's per-row work.
    rows = db.session.connection().execute(select(*_COLUMNS).where(condition)).all()
    if any(row[_CREATED_AT] is None for row in rows):
        rows.sort(key=lambda row: (row[_CREATED_AT] is not None, row[_CREATED_AT], row[_ID]))
    else:  # the usual case, sorted by a key made in C
        rows.sort(key=itemgetter(_CREATED_AT, _ID))
    return rows


def _created_at_reader() -> Callable[[Any], str | None]:
    """Turn a stored created_at into the ISO 8601 text of the UTC datetime the model's
    column type gives (what ``datetime.isoformat`` says of it)."""
    dialect = db.session.get_bind().dialect
    column_type = Comment.created_at.type
    from_driver = column_type.impl_instance._cached_result_processor(dialect, None)

    def read(value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, str):  # SQLite: ISO 8601 text, in UTC, without an offset
            if len(value) == 26 and value[10] == " " and value[19] == ".":
                # As SQLAlchemy stores it ("2024-05-01 12:30:00.000000"): the text
                # isoformat() would give, without making a datetime on the way.
                fraction = "" if value.endswith("000000") else value[19:]
                return f"{value[:10]}T{value[11:19]}{fraction}+00:00"
            value = datetime.fromisoformat(value)
        elif from_driver is not None:
            value = from_driver(value)
        if value.tzinfo is None:
            return value.isoformat() + "+00:00"
        return column_type.process_result_value(value, dialect).isoformat()

    return read


def _shown_nodes(rows: Sequence[Any], post_id: int) -> list[dict[str, Any]]:
    """Serialize the rows a reader may see: approved comments, and tombstones above them.
    Authors' addresses are served only as http(s) links (see ``safe_link``)."""
    shown, tombstones = shown_ids(
        (row[_ID], row[_PARENT_ID], row[_DEPTH], row[_STATUS] == _APPROVED) for row in rows
    )
    quotes, quoted_by = _quotes(post_id, shown - tombstones)
    nodes = []
    append = nodes.append
    read_created_at = _created_at_reader()
    links: dict[str | None, str | None] = {None: None}  # authors write many comments
    # Rows unpacked whole (cheaper than indexing a row eleven times), in _COLUMNS' order.
    for (
        comment_id,
        row_post_id,
        parent_id,
        _root_id,
        depth,
        kind,
        _status,
        author_name,
        url,
        created_at,
        body_html,
    ) in rows:
        if comment_id not in shown:
            continue
        removed = comment_id in tombstones
        if removed:
            author = None
        else:
            link = links[url] if url in links else links.setdefault(url, safe_link(url))
            author = {"name": author_name, "url": link}
        append(
            {
                "id": comment_id,
                "post_id": row_post_id,
                "parent_id": parent_id,
                "depth": depth,
                "kind": kind,
                "tombstone": removed,
                "author": author,
                "created_at": read_created_at(created_at),
                "body_html": None if removed else body_html,
                "quotes": [] if removed else quotes.get(comment_id, []),
                "quoted_by": quoted_by.get(comment_id, []),
            }
        )
    return nodes


def _quotes(post_id: int, visible: set[int]) -> tuple[dict[int, list], dict[int, list[int]]]:
    """Quotes made by visible comments of a post, and who quotes whom."""
    query = select(Quote.comment_id, Quote.source_comment_id, Quote.text).order_by(Quote.id)
    if len(visible) <= _FEW:
        query = query.where(Quote.comment_id.in_(visible))
    else:
        query = query.join(Comment, Comment.id == Quote.comment_id).where(
            Comment.post_id == post_id
        )
    rows = db.session.connection().execute(query).all()
    quotes: dict[int, list[dict[str, Any]]] = {}
    quoted_by: dict[int, list[int]] = {}
    for comment_id, source_id, text in rows:
        if comment_id not in visible:
            continue
        quotes.setdefault(comment_id, []).append(
            {"comment_id": comment_id, "source_comment_id": source_id, "text": text}
        )
        if source_id is not None:
            quoted_by.setdefault(source_id, []).append(comment_id)
    return quotes, quoted_by


def get_comment_post_id(comment_id: int) -> int:
    """Return the post a comment belongs to, or raise NotFound."""
    post_id = db.session.execute(select(Comment.post_id).where(Comment.id == comment_id)).scalar()
    if post_id is None:
        raise NotFound(f"There is no comment {comment_id}.")
    return post_id


def public_comment(
    comment: Comment, quotes: Sequence[tuple[int, int | None, str]] | None = None
) -> dict[str, Any]:
    """One comment in the readers' shape (CommentSchema), e.g. for its author's answer.
    ``quotes`` (comment, quoted comment, text) are read from the database when not given."""
    if quotes is None:
        quotes = db.session.execute(
            select(Quote.comment_id, Quote.source_comment_id, Quote.text)
            .where(Quote.comment_id == comment.id)
            .order_by(Quote.id)
        ).all()
    return {
        "id": comment.id,
        "post_id": comment.post_id,
        "parent_id": comment.parent_id,
        "depth": comment.depth,
        "kind": comment.kind.value,
        "tombstone": False,
        "author": {"name": comment.author_name, "url": comment.author_url},
        "created_at": comment.created_at.isoformat() if comment.created_at else None,
        "body_html": comment.body_html,
        "quotes": [{"comment_id": c, "source_comment_id": s, "text": t} for c, s, t in quotes],
        "quoted_by": [],
    }
