"""A canonical picture of an archive that ids do not enter: two databases holding the same
posts, threads and quotes give equal snapshots, whatever ids they handed out."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from forum.models import Author, Comment, Post, Quote, Term, post_terms

# What both formats carry back; JSON carries the rest of a post too.
WXR_POST_FIELDS = (
    "type",
    "status",
    "title",
    "slug",
    "url",
    "body_raw",
    "published_at",
    "modified_at",
    "comments_open",
    "is_sticky",
    "is_protected",
    "excerpt",
)
# WXR has no place for a saved page's standfirst and related links.
JSON_POST_FIELDS = (*WXR_POST_FIELDS, "summary", "related_links")


def _plain(value: Any, seconds: bool) -> Any:
    if isinstance(value, datetime):
        return (value.replace(microsecond=0) if seconds else value).isoformat()
    return value.value if hasattr(value, "value") else value


def snapshot(
    session: Session, post_fields: tuple[str, ...] = JSON_POST_FIELDS, *, seconds: bool = False
) -> list[tuple]:
    """Every post as one sorted tuple: its fields, author, terms, comments and quotes.

    A comment is (author, email, url, created_at, body_raw, status, kind, ancestors), where
    ancestors is the chain of (author, created_at, body_raw) up to its top-level comment:
    the tree, without ids. A quote is (reply, source, text) in the same terms.
    """
    authors = {
        row.id: (row.login, row.display_name) for row in session.execute(select(Author)).scalars()
    }
    terms: dict[int, list[tuple]] = defaultdict(list)
    for post_id, taxonomy, slug, name in session.execute(
        select(post_terms.c.post_id, Term.taxonomy, Term.slug, Term.name).join(
            Term, Term.id == post_terms.c.term_id
        )
    ):
        terms[post_id].append((taxonomy, slug, name))
    comments: dict[int, list[Any]] = defaultdict(list)
    by_id: dict[int, Any] = {}
    for comment in session.execute(select(Comment)).scalars():
        comments[comment.post_id].append(comment)
        by_id[comment.id] = comment

    def who(comment_id: int | None) -> tuple | None:
        if comment_id is None:
            return None
        row = by_id[comment_id]
        return (row.author_name, _plain(row.created_at, seconds), row.body_raw)

    def ancestors(comment: Any) -> tuple:
        chain = []
        parent = comment.parent_id
        while parent is not None:
            chain.append(who(parent))
            parent = by_id[parent].parent_id
        return tuple(chain)

    quotes: dict[int, list[tuple]] = defaultdict(list)
    for quote in session.execute(select(Quote)).scalars():
        reply = by_id[quote.comment_id]
        quotes[reply.post_id].append((who(reply.id), who(quote.source_comment_id), quote.text))
    posts = []
    for post in session.execute(select(Post)).scalars():
        thread = sorted(
            (
                (
                    c.author_name,
                    c.author_email,
                    c.author_url,
                    _plain(c.created_at, seconds),
                    c.body_raw,
                    c.status.value,
                    c.kind.value,
                    ancestors(c),
                )
                for c in comments[post.id]
            ),
            key=repr,
        )
        posts.append(
            (
                tuple(_plain(getattr(post, name), seconds) for name in post_fields),
                authors.get(post.author_id) if post.author_id else None,
                tuple(sorted(terms[post.id])),
                tuple(thread),
                tuple(sorted(quotes[post.id], key=repr)),
            )
        )
    return sorted(posts, key=repr)
