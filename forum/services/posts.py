"""Reading posts: the archive listing and one post."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select

from forum.errors import NotFound
from forum.extensions import db
from forum.models import Comment, CommentStatus, Post, PostStatus, PostType
from forum.urls import safe_link


@dataclass
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def _readable():
    return Post.status == PostStatus.PUBLISHED


_LIKE_ESCAPE = "\\"


def _like_pattern(text: str) -> str:
    """A LIKE pattern that finds ``text`` anywhere, its % and _ taken literally."""
    for special in (_LIKE_ESCAPE, "%", "_"):
        text = text.replace(special, _LIKE_ESCAPE + special)
    return f"%{text}%"


def list_posts(
    page: int, per_page: int, post_type: str | None = None, search: str | None = None
) -> Page:
    """Return a page of published posts, newest first, each with its comment count.

    ``search`` keeps the posts whose title or body contains it, in any case.
    """
    query = select(Post).where(_readable())
    if post_type:
        query = query.where(Post.type == PostType(post_type))
    if search and search.strip():
        pattern = _like_pattern(" ".join(search.split()))
        query = query.where(or_(
            Post.title.ilike(pattern, escape=_LIKE_ESCAPE),
            # A password-protected post's body is never shown, so it is not searched either.
            and_(Post.is_protected.is_(False), Post.body_raw.ilike(pattern, escape=_LIKE_ESCAPE)),
        ))
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    posts = (
        db.session.execute(
            query.order_by(Post.published_at.desc().nulls_last(), Post.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
        .unique()
        .scalars()
        .all()
    )
    counts = comment_counts([post.id for post in posts])
    return Page([post_dict(post, counts.get(post.id, 0)) for post in posts], page, per_page, total)


def comment_counts(post_ids: list[int]) -> dict[int, int]:
    """Count the approved comments of some posts in one query."""
    if not post_ids:
        return {}
    rows = db.session.execute(
        select(Comment.post_id, func.count())
        .where(Comment.post_id.in_(post_ids), Comment.status == CommentStatus.APPROVED)
        .group_by(Comment.post_id)
    )
    return {post_id: number for post_id, number in rows}


def get_post(post_id: int) -> Post:
    """Return a published post, or raise NotFound."""
    post = db.session.get(Post, post_id)
    if post is None or post.status != PostStatus.PUBLISHED:
        raise NotFound(f"There is no post {post_id}.")
    return post


def post_dict(post: Post, comment_count: int, *, with_body: bool = False) -> dict[str, Any]:
    """Shape a post for the API (PostSummarySchema / PostSchema)."""
    data: dict[str, Any] = {
        "id": post.id,
        "type": post.type.value,
        "title": post.title,
        "slug": post.slug,
        # Only http(s) addresses are served: imports keep whatever the source said.
        "url": safe_link(post.url),
        "author": {"name": post.author.display_name or post.author.login} if post.author else None,
        "published_at": post.published_at,
        "modified_at": post.modified_at,
        "excerpt": "" if post.is_protected else post.excerpt,
        "summary": "" if post.is_protected else post.summary,
        "related_links": [
            {**link, "url": safe_link(link.get("url"))} if isinstance(link, dict) else link
            for link in post.related_links or []
        ],
        "comment_count": comment_count,
        "comments_open": post.comments_open,
        "protected": post.is_protected,
        "categories": [_term(t) for t in post.terms if t.taxonomy == "category"],
        "tags": [_term(t) for t in post.terms if t.taxonomy == "post_tag"],
    }
    if with_body:
        # A password-protected post keeps its body in the archive but never serves it.
        data["body_html"] = None if post.is_protected else post.body_html
    return data


def _term(term: Any) -> dict[str, str]:
    return {"slug": term.slug, "name": term.name}
