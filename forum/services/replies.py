"""New comments: replies from readers, and their authors' own edits within a short window."""

from __future__ import annotations

import hashlib
import hmac
import html
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Connection, bindparam, insert, or_, select, update

from forum import reading
from forum.errors import (
    DuplicateComment,
    InvalidQuote,
    NotAllowed,
    NotFound,
    NotOpenForReplies,
    ParentNotInThread,
)
from forum.extensions import db
from forum.models import Comment, CommentKind, CommentStatus, Post, PostStatus, Quote
from forum.models.base import utcnow
from forum.privacy import hash_address
from forum.quotes import MIN_WORDS, Found, cite_quotes, find_quotes, normalize
from forum.sanitize import clean_comment, render_wordpress_comment
from forum.services import audit
from forum.services.duplicates import wait_for_same_reply
from forum.services.policy import Decision, NewComment, decide

EDIT_WINDOW = timedelta(minutes=15)
_TAG = re.compile(r"<[^>]+>")
SOURCE = "forum"


@dataclass
class ReplyInput:
    author_name: str
    body: str
    author_email: str | None = None
    author_url: str | None = None
    quote: dict[str, Any] | None = None
    honeypot: str | None = None


@dataclass
class Posted:
    comment: Comment
    decision: Decision
    edit_token: str
    edit_expires_at: datetime
    quotes: list[tuple[int, int | None, str]]  # (comment, quoted comment, text)


class _Post(NamedTuple):
    """What a reply needs of its post (one light query, not the whole ORM object)."""

    id: int
    status: PostStatus
    locked_at: datetime | None
    comments_open: bool


class _Parent(NamedTuple):
    """What a reply needs of the comment it answers."""

    id: int
    post_id: int
    status: CommentStatus
    root_id: int | None
    depth: int


# The statements a reply runs, built once: a reply runs about a dozen, and building and
# keying each anew cost more than running it. Run as Core on the session's connection.
_posts, _comments = Post.__table__.c, Comment.__table__.c
_APPROVED = CommentStatus.APPROVED
_POST = select(_posts.id, _posts.status, _posts.locked_at, _posts.comments_open).where(
    _posts.id == bindparam("post_id")
)
_PARENT = select(
    _comments.id, _comments.post_id, _comments.status, _comments.root_id, _comments.depth
).where(_comments.id == bindparam("comment_id"))
_IN_TREE = or_(_comments.root_id == bindparam("root"), _comments.id == bindparam("root"))
_TREE = select(_comments.id, _comments.parent_id).where(_IN_TREE)
# By the primary key and the root index (a root's tree is one post's): a condition on
# the post would make the database walk every comment of the post instead.
_LOCKED_IN_TREE = select(_comments.id).where(_IN_TREE, _comments.locked_at.is_not(None))
_SAME_TEXT = (
    select(_comments.id)
    .where(
        _comments.post_id == bindparam("post_id"),
        _comments.author_name == bindparam("author_name"),
        _comments.body_raw == bindparam("body_raw"),
    )
    .limit(1)
)
_BODIES = select(_comments.id, _comments.body_raw).where(
    _comments.id.in_(bindparam("ids", expanding=True)), _comments.status == _APPROVED
)
_LATEST_BODIES = (
    select(_comments.id, _comments.body_raw)
    .where(
        _comments.post_id == bindparam("post_id"),
        _comments.status == _APPROVED,
        _comments.id.not_in(bindparam("ids", expanding=True)),
    )
    .order_by(_comments.created_at.desc().nulls_last(), _comments.id.desc())
    .limit(bindparam("limit"))
)


_INSERT_COMMENT = insert(Comment.__table__).returning(_comments.id)
_SET_SOURCE_KEY = (
    update(Comment.__table__)
    .where(_comments.id == bindparam("comment_id"))
    .values(source_key=bindparam("key"))
)


# The connection of the transaction at work (see _on): asking the session for it again
# for each of a reply's dozen statements cost more than some of the statements.
_CONNECTION: ContextVar[Connection | None] = ContextVar("forum_reply_connection", default=None)


@contextmanager
def _on(connection: Connection) -> Iterator[None]:
    token = _CONNECTION.set(connection)
    try:
        yield
    finally:
        _CONNECTION.reset(token)


def _run(statement: Any, **params: Any) -> Any:
    connection = _CONNECTION.get() or db.session.connection()
    return connection.execute(statement, params)


def _open_post(post_id: int) -> _Post:
    found = _run(_POST, post_id=post_id).first()
    post = _Post(*found) if found is not None else None
    if post is None or post.status != PostStatus.PUBLISHED:
        raise NotFound(f"There is no post {post_id}.")
    if post.locked_at is not None or not post.comments_open:
        raise NotOpenForReplies(f"The discussion of post {post_id} is closed.")
    return post


def _parent(parent_id: int) -> _Parent | None:
    found = _run(_PARENT, comment_id=parent_id).first()
    return _Parent(*found) if found is not None else None


def _ancestor_ids(comment: Comment | _Parent) -> list[int]:
    """The comment and its ancestors, nearest first, in one query over its root's tree."""
    root = comment.root_id if comment.root_id is not None else comment.id
    parents: dict[int, int | None] = {comment.id: None}
    if comment.depth:
        parents = dict(_run(_TREE, root=root).all())
    chain, current = [], comment.id
    while current is not None:
        chain.append(current)
        current = parents.get(current)
    return chain


def _check_parent(post: _Post, parent: _Parent) -> None:
    if parent.post_id != post.id:
        raise ParentNotInThread(f"Comment {parent.id} belongs to another post.")
    if parent.status != CommentStatus.APPROVED:
        raise NotOpenForReplies(f"Comment {parent.id} is not open for replies.")
    root = parent.root_id if parent.root_id is not None else parent.id
    locked = set(_run(_LOCKED_IN_TREE, root=root).scalars())
    if locked and locked & set(_ancestor_ids(parent)):
        raise NotOpenForReplies(f"The branch of comment {parent.id} is locked.")


def _quoted(post: _Post, quote: dict[str, Any]) -> tuple[Comment, str]:
    """The comment a reply quotes and the passage, once checked: it occurs there."""
    source = db.session.get(Comment, quote["comment_id"])
    if source is None or source.post_id != post.id or source.status != CommentStatus.APPROVED:
        raise InvalidQuote(f"Comment {quote['comment_id']} is not a comment of this thread.")
    text = " ".join(quote["text"].split())
    haystack = " ".join(html.unescape(_strip_tags(source.body_html)).split())
    if len(text) < 3 or text.casefold() not in haystack.casefold():
        raise InvalidQuote(f"That text does not occur in comment {source.id}.")
    return source, text


def _strip_tags(markup: str) -> str:
    return _TAG.sub(" ", markup)


@dataclass
class _Draft:
    """A reply checked, sanitized and decided on, ready to be stored."""

    post: _Post
    parent: _Parent | None
    data: ReplyInput
    client_hash: str | None
    body_raw: str
    body_html: str
    decision: Decision
    quoted: tuple[int, str] | None  # the comment the author chose to quote, and the text
    found: list[Found[int]]  # quotes found in the text


def add_reply(
    *,
    post_id: int | None,
    parent_id: int | None,
    data: ReplyInput,
    address: str | None,
    settings: dict[str, Any],
    address_key: bytes,
) -> Posted:
    """Add a comment (top-level, or a reply to ``parent_id``) under the configured policy.

    ``post_id`` may be None for a reply: the parent's post is meant. The caller commits.

    On SQLite, when the session has no transaction yet, this works in two: one that only
    reads (checks, sanitizing, quotes, policy), which it ends, and one that writes, which
    checks again what may have changed meanwhile (the post, the parent) and is left to
    the caller to commit. The write lock is then held only while the row is written, not
    while the reply is read and sanitized: other writers wait less. PostgreSQL locks rows,
    not the database: one transaction does it all there. A duplicate is looked for only
    in the transaction that writes.
    """
    split = (
        not db.session().in_transaction() and db.session.get_bind().dialect.name == "sqlite"
    )
    with reading() if split else nullcontext(), _on(db.session.connection()):
        draft = _prepare(post_id, parent_id, data, address, settings, address_key)
    if split:
        db.session.rollback()  # the reading transaction wrote nothing
    with _on(db.session.connection()):
        return _store(draft, recheck=split)


def _prepare(
    post_id: int | None,
    parent_id: int | None,
    data: ReplyInput,
    address: str | None,
    settings: dict[str, Any],
    address_key: bytes,
) -> _Draft:
    if post_id is None:  # a reply to a comment: its post is meant
        parent = _checked_parent(post_id, parent_id)
        post = _open_post(parent.post_id if parent else 0)
    else:
        post = _open_post(post_id)
        parent = _checked_parent(post_id, parent_id)
    if parent is not None:
        _check_parent(post, parent)
    quoted = _quoted(post, data.quote) if data.quote else None
    # A quote the author chose is part of what they wrote: it is kept in body_raw as a
    # blockquote, so the comment reads whole wherever it goes (an export, a re-import).
    body_raw = data.body
    if quoted:
        body_raw = f"<blockquote>{html.escape(quoted[1], quote=False)}</blockquote>\n\n{data.body}"
    # A duplicate is refused when it is stored (_store): looking here too would read the
    # author's every comment on the post twice for each reply, to refuse what is rare.
    found = _found_quotes(post.id, parent, body_raw)
    cites = {quote.words: f"#c{quote.source_key}" for quote in found}
    if quoted:
        chosen = normalize(quoted[1])
        found = [quote for quote in found if quote.words != chosen]
        cites[chosen] = f"#c{quoted[0].id}"
    body_html = render_wordpress_comment(body_raw)
    if cites:
        body_html = clean_comment(cite_quotes(body_html, cites))
    decision = decide(
        NewComment(
            post_id=post.id,
            author_name=data.author_name,
            author_email=data.author_email,
            author_url=data.author_url,
            body_raw=body_raw,
            body_html=body_html,
            address=address,
            honeypot=data.honeypot,
        ),
        settings,
        address_key,
    )
    return _Draft(
        post=post,
        parent=parent,
        data=data,
        client_hash=hash_address(address, address_key),
        body_raw=body_raw,
        body_html=body_html,
        decision=decision,
        quoted=(quoted[0].id, quoted[1]) if quoted else None,
        found=found,
    )


def _checked_parent(post_id: int | None, parent_id: int | None) -> _Parent | None:
    if parent_id is None:
        if post_id is None:
            raise NotFound("A comment needs a post or a comment to answer.")
        return None
    parent = _parent(parent_id)
    if parent is None:
        raise NotFound(f"There is no comment {parent_id}.")
    return parent


def _refuse_duplicate(post_id: int, author_name: str, body_raw: str) -> None:
    if _run(_SAME_TEXT, post_id=post_id, author_name=author_name, body_raw=body_raw).first():
        raise DuplicateComment("The same comment by the same author is here already.")


def _store(draft: _Draft, *, recheck: bool) -> Posted:
    """Write a checked reply. With ``recheck`` (it was checked in a transaction that has
    ended), what may have changed since is checked again."""
    data = draft.data
    post, parent = draft.post, draft.parent
    wait_for_same_reply(post.id, data.author_name, draft.body_raw)
    if recheck:
        post = _open_post(post.id)
        parent = _checked_parent(post.id, parent.id if parent else None)
        if parent is not None:
            _check_parent(post, parent)
    _refuse_duplicate(post.id, data.author_name, draft.body_raw)
    decision = draft.decision
    token = secrets.token_urlsafe(24)
    now = utcnow()
    values = {
        "post_id": post.id,
        "parent_id": parent.id if parent else None,
        "root_id": (parent.root_id or parent.id) if parent else None,
        "depth": parent.depth + 1 if parent else 0,
        "kind": CommentKind.COMMENT,
        "status": decision.status,
        "status_reason": decision.reason,
        "author_name": data.author_name,
        "author_email": data.author_email,
        "author_url": data.author_url,
        "author_ip_hash": draft.client_hash,
        "body_raw": draft.body_raw,
        "body_html": draft.body_html,
        "created_at": now,
        "updated_at": now,
        "source": SOURCE,
        "source_key": secrets.token_hex(16),  # until the id is known
        "edit_token_hash": _hash(token),
    }
    # As Core statements: one row needs none of the ORM's unit of work, and on SQLite
    # every moment here is spent holding the write lock.
    comment_id = _run(_INSERT_COMMENT, **values).scalar_one()
    values["source_key"] = f"comment-{comment_id}"
    _run(_SET_SOURCE_KEY, comment_id=comment_id, key=values["source_key"])
    quotes: list[tuple[int, int | None, str]] = []
    if draft.quoted:
        quotes.append((comment_id, *draft.quoted))
    quotes += [(comment_id, quote.source_key, quote.text) for quote in draft.found]
    if quotes:
        db.session.connection().execute(
            insert(Quote.__table__),
            [
                {"comment_id": quoting, "source_comment_id": source_id, "text": text}
                for quoting, source_id, text in quotes
            ],
        )
    # What was written, as a comment not tied to the session: the answer is built from
    # these values without reading the row back after the commit (on SQLite that read
    # would wait for the write lock again).
    comment = Comment(id=comment_id, **values)
    if decision.status != CommentStatus.APPROVED:
        audit.record(
            "policy",
            comment_id=comment.id,
            post_id=post.id,
            to_status=decision.status.value,
            reason=decision.reason,
            details={"ban_id": decision.ban_id} if decision.ban_id else None,
        )
    return Posted(comment, decision, token, now + EDIT_WINDOW, quotes)


# Besides its ancestors, a new reply is compared with this many of the thread's latest
# comments: enough for a discussion people are reading, bounded for a 50,000-comment one.
QUOTE_CANDIDATES = 200


def _found_quotes(post_id: int, parent: _Parent | None, body: str) -> list[Found[int]]:
    """Quotes of earlier comments in a new reply: blockquotes, '> ' lines, silent pastes."""
    if len(body.split()) < MIN_WORDS:
        return []

    def candidates() -> list[tuple[int, str]]:  # read only when a passage is looked up
        chain = _ancestor_ids(parent) if parent is not None else []
        ancestors = dict(_run(_BODIES, ids=chain).all()) if chain else {}
        latest = _run(
            _LATEST_BODIES, post_id=post_id, ids=chain or [0], limit=QUOTE_CANDIDATES
        ).all()
        found = [(key, ancestors[key]) for key in chain if key in ancestors]
        return found + [(key, text) for key, text in reversed(latest)]

    return find_quotes(body, candidates)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _own_comment(comment_id: int, token: str | None) -> Comment:
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.status == CommentStatus.DELETED:
        raise NotFound(f"There is no comment {comment_id}.")
    if (
        not token
        or comment.edit_token_hash is None
        or not hmac.compare_digest(comment.edit_token_hash, _hash(token))
    ):
        raise NotAllowed("That edit token does not belong to this comment.")
    if comment.created_at is None or utcnow() - comment.created_at > EDIT_WINDOW:
        raise NotAllowed("The 15 minutes to edit or delete this comment have passed.")
    return comment


def edit_own_comment(
    comment_id: int, token: str | None, body: str, settings: dict[str, Any], address_key: bytes
) -> Comment:
    """Let a comment's author change its text, under the same policy as a new comment."""
    comment = _own_comment(comment_id, token)
    body_html = render_wordpress_comment(body)
    decision = decide(
        NewComment(
            post_id=comment.post_id,
            author_name=comment.author_name,
            author_email=comment.author_email,
            author_url=comment.author_url,
            body_raw=body,
            body_html=body_html,
            address=None,
        ),
        settings,
        address_key,
    )
    comment.body_raw, comment.body_html = body, body_html
    # An edit can make a published comment need moderation; it never publishes a held one.
    if comment.status == CommentStatus.APPROVED and decision.status != CommentStatus.APPROVED:
        audit.record(
            "policy",
            comment_id=comment.id,
            post_id=comment.post_id,
            from_status=comment.status.value,
            to_status=decision.status.value,
            reason=decision.reason,
        )
        comment.status, comment.status_reason = decision.status, decision.reason
    return comment


def delete_own_comment(comment_id: int, token: str | None) -> Comment:
    """Let a comment's author take it back; replies keep their place under a tombstone."""
    comment = _own_comment(comment_id, token)
    comment.status, comment.status_reason = CommentStatus.DELETED, "deleted by its author"
    comment.edit_token_hash = None
    return comment
