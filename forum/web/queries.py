"""Reads the pages need and the services do not offer (yet): search, teasers, positions, counts.

Plain functions on the session, like services: they never commit.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import distinct, func, select

from forum.extensions import db
from forum.models import Comment, CommentStatus, Flag, Post
from forum.services.posts import Page, list_posts
from forum.web.filters import text_of

TEASER_WORDS = 60
def search_posts(text: str, page: int, per_page: int) -> Page:
    """Return a page of published posts whose title or body contains ``text``, any case."""
    return list_posts(page, per_page, search=text)


def teasers(post_ids: list[int]) -> dict[int, str]:
    """The opening words of some posts' bodies, as plain text (none for protected posts)."""
    if not post_ids:
        return {}
    rows = db.session.execute(
        select(Post.id, Post.body_html).where(Post.id.in_(post_ids), Post.is_protected.is_(False))
    )
    found = {}
    for post_id, body in rows:
        words = text_of(body).split()
        more = " …" if len(words) > TEASER_WORDS else ""
        found[post_id] = " ".join(words[:TEASER_WORDS]) + more
    return found


def thread_page_of(comment_id: int, per_page: int) -> int:
    """The page of its post's thread (oldest first) that shows a comment's top-level ancestor.

    Counts top-level comments as the thread does: those with an approved comment in them.
    """
    row = db.session.execute(
        select(Comment.post_id, Comment.root_id).where(Comment.id == comment_id)
    ).first()
    if row is None:
        return 1
    root_id = row.root_id if row.root_id is not None else comment_id
    live_roots = select(func.coalesce(Comment.root_id, Comment.id)).where(
        Comment.post_id == row.post_id, Comment.status == CommentStatus.APPROVED
    )
    top_ids = db.session.execute(
        select(Comment.id)
        .where(
            Comment.post_id == row.post_id,
            Comment.parent_id.is_(None),
            Comment.id.in_(live_roots),
        )
        .order_by(Comment.created_at.asc().nulls_first(), Comment.id.asc())
    ).scalars()
    for position, top_id in enumerate(top_ids):
        if top_id == root_id:
            return position // per_page + 1
    return 1


def queue_sizes() -> dict[str, int]:
    """How many comments each moderation queue holds (and how many are deleted)."""
    by_status = dict(
        db.session.execute(
            select(Comment.status, func.count())
            .where(Comment.status != CommentStatus.APPROVED)
            .group_by(Comment.status)
        ).all()
    )
    flagged = db.session.execute(
        select(func.count(distinct(Flag.comment_id))).where(Flag.resolved_at.is_(None))
    ).scalar_one()
    sizes = {status.value: by_status.get(status, 0) for status in CommentStatus}
    sizes["flagged"] = flagged
    return sizes


def open_flags(comment_id: int) -> list[dict[str, Any]]:
    """A comment's flags that no moderator has answered yet, oldest first."""
    flags = db.session.execute(
        select(Flag)
        .where(Flag.comment_id == comment_id, Flag.resolved_at.is_(None))
        .order_by(Flag.id)
    ).scalars()
    return [
        {"reason": flag.reason.value, "note": flag.note, "created_at": flag.created_at}
        for flag in flags
    ]
