"""What moderators do: act on comments, lock threads and branches, read the queue and log."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, or_, select

from forum.errors import InvalidTransition, NotFound
from forum.extensions import db
from forum.models import Comment, CommentStatus, Flag, LogEntry, Moderator, Post
from forum.models.base import utcnow
from forum.services import audit
from forum.services.posts import Page
from forum.urls import safe_link

A, P, H, S, D = (
    CommentStatus.APPROVED,
    CommentStatus.PENDING,
    CommentStatus.HIDDEN,
    CommentStatus.SPAM,
    CommentStatus.DELETED,
)
# action -> (statuses it applies to, the status it leads to; None: decided by restore)
TRANSITIONS: dict[str, tuple[frozenset[CommentStatus], CommentStatus | None]] = {
    "approve": (frozenset({P, H, S}), A),
    "hide": (frozenset({A, P}), H),
    "spam": (frozenset({A, P, H}), S),
    "delete": (frozenset({A, P, H, S}), D),
    "restore": (frozenset({D}), None),
}
ACTIONS = tuple(TRANSITIONS)


def _restored_status(comment: Comment) -> CommentStatus:
    """The status a deleted comment had before it was deleted, as the log tells."""
    before = db.session.execute(
        select(LogEntry.from_status)
        .where(
            LogEntry.comment_id == comment.id,
            LogEntry.to_status == D.value,
            LogEntry.from_status.is_not(None),
        )
        .order_by(LogEntry.id.desc())
        .limit(1)
    ).scalar()
    if before and before != D.value:
        return CommentStatus(before)
    # Imported as deleted (trashed at the source): bring it back for a moderator to decide.
    return P


def _check(comment: Comment, action: str) -> CommentStatus:
    allowed, target = TRANSITIONS[action]
    if comment.status not in allowed:
        raise InvalidTransition(
            f"Comment {comment.id} is {comment.status.value}; '{action}' applies to "
            f"{', '.join(sorted(s.value for s in allowed))} comments."
        )
    return target if target is not None else _restored_status(comment)


def act_on_comments(
    comment_ids: list[int], action: str, moderator: Moderator, reason: str | None
) -> list[Comment]:
    """Apply one action to some comments: all of them, or (on any conflict) none."""
    comments = (
        db.session.execute(select(Comment).where(Comment.id.in_(comment_ids)).with_for_update())
        .scalars()
        .all()
    )
    by_id = {comment.id: comment for comment in comments}
    missing = [comment_id for comment_id in comment_ids if comment_id not in by_id]
    if missing:
        raise NotFound(f"There is no comment {', '.join(map(str, missing))}.")
    targets = {comment.id: _check(comment, action) for comment in comments}
    now = utcnow()
    for comment_id in dict.fromkeys(comment_ids):
        comment = by_id[comment_id]
        before = comment.status
        comment.status, comment.status_reason = targets[comment_id], reason
        comment.moderated_at = now
        audit.record(
            action,
            moderator=moderator,
            comment_id=comment.id,
            post_id=comment.post_id,
            from_status=before.value,
            to_status=comment.status.value,
            reason=reason,
        )
    db.session.execute(
        Flag.__table__.update()
        .where(Flag.comment_id.in_(list(by_id)), Flag.resolved_at.is_(None))
        .values(resolved_at=now)
    )
    return [by_id[comment_id] for comment_id in dict.fromkeys(comment_ids)]


def set_post_lock(post_id: int, locked: bool, moderator: Moderator, reason: str | None) -> Post:
    """Lock or unlock a post's whole thread."""
    post = db.session.get(Post, post_id)
    if post is None:
        raise NotFound(f"There is no post {post_id}.")
    if (post.locked_at is not None) == locked:
        raise InvalidTransition(f"Post {post_id} is {'locked' if locked else 'unlocked'} already.")
    post.locked_at = utcnow() if locked else None
    audit.record(
        "lock" if locked else "unlock", moderator=moderator, post_id=post.id, reason=reason
    )
    return post


def set_branch_lock(
    comment_id: int, locked: bool, moderator: Moderator, reason: str | None
) -> Comment:
    """Lock or unlock one comment and everything below it; the rest of the thread stays open."""
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise NotFound(f"There is no comment {comment_id}.")
    if (comment.locked_at is not None) == locked:
        raise InvalidTransition(
            f"Comment {comment_id} is {'locked' if locked else 'unlocked'} already."
        )
    comment.locked_at = utcnow() if locked else None
    audit.record(
        "lock_branch" if locked else "unlock_branch",
        moderator=moderator,
        comment_id=comment.id,
        post_id=comment.post_id,
        reason=reason,
    )
    return comment


QUEUES = ("pending", "flagged", "spam", "hidden")


@dataclass
class QueueFilter:
    status: str
    post_id: int | None
    page: int
    per_page: int


def queue(filters: QueueFilter) -> Page:
    """A page of comments awaiting a moderator, oldest first, with flags, context, history."""
    query = select(Comment)
    if filters.status == "flagged":
        query = query.where(
            Comment.id.in_(select(Flag.comment_id).where(Flag.resolved_at.is_(None)))
        )
    else:
        query = query.where(Comment.status == CommentStatus(filters.status))
    if filters.post_id is not None:
        query = query.where(Comment.post_id == filters.post_id)
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    comments = (
        db.session.execute(
            query.order_by(Comment.created_at.asc().nulls_first(), Comment.id)
            .limit(filters.per_page)
            .offset((filters.page - 1) * filters.per_page)
        )
        .scalars()
        .all()
    )
    return Page(_queue_items(comments), filters.page, filters.per_page, total)


def _queue_items(comments: list[Comment]) -> list[dict[str, Any]]:
    ids = [comment.id for comment in comments]
    flags: dict[int, list[Flag]] = defaultdict(list)
    for flag in db.session.execute(
        select(Flag).where(Flag.comment_id.in_(ids), Flag.resolved_at.is_(None)).order_by(Flag.id)
    ).scalars():
        flags[flag.comment_id].append(flag)
    posts = {
        post.id: post
        for post in db.session.execute(
            select(Post).where(Post.id.in_({c.post_id for c in comments}))
        )
        .unique()
        .scalars()
    }
    parents = {
        parent.id: parent
        for parent in db.session.execute(
            select(Comment).where(Comment.id.in_({c.parent_id for c in comments if c.parent_id}))
        ).scalars()
    }
    history = _author_history(comments)
    items = []
    for comment in comments:
        counts: dict[str, int] = defaultdict(int)
        for flag in flags[comment.id]:
            counts[flag.reason.value] += 1
        parent = parents.get(comment.parent_id) if comment.parent_id else None
        post = posts.get(comment.post_id)
        items.append(
            {
                "comment": moderator_comment(comment),
                "flags": {
                    "total": len(flags[comment.id]),
                    "by_reason": dict(counts),
                    "notes": [f.note for f in flags[comment.id] if f.note],
                },
                "context": {
                    "post": {"id": comment.post_id, "title": post.title if post else ""},
                    "parent": moderator_comment(parent) if parent else None,
                },
                "author_history": history.get(_author_key(comment), {"approved": 0, "spam": 0}),
            }
        )
    return items


def _author_key(comment: Comment) -> str:
    return (comment.author_email or "").strip().lower() or f"name:{comment.author_name}"


def _author_history(comments: list[Comment]) -> dict[str, dict[str, int]]:
    emails = {c.author_email.strip().lower() for c in comments if c.author_email}
    names = {c.author_name for c in comments if not c.author_email}
    key = case(
        (func.coalesce(Comment.author_email, "") != "", func.lower(Comment.author_email)),
        else_="name:" + Comment.author_name,
    )
    conditions = []
    if emails:
        conditions.append(func.lower(Comment.author_email).in_(emails))
    if names:
        conditions.append(
            Comment.author_name.in_(names) & (func.coalesce(Comment.author_email, "") == "")
        )
    if not conditions:
        return {}
    rows = db.session.execute(
        select(key, Comment.status, func.count())
        .where(or_(*conditions), Comment.status.in_([A, S]))
        .group_by(key, Comment.status)
    ).all()
    history: dict[str, dict[str, int]] = defaultdict(lambda: {"approved": 0, "spam": 0})
    for author, status, number in rows:
        history[author][status.value] = number
    return dict(history)


def moderator_comment(comment: Comment) -> dict[str, Any]:
    """A comment as a moderator sees it: every status, the email, and why."""
    return {
        "id": comment.id,
        "post_id": comment.post_id,
        "parent_id": comment.parent_id,
        "depth": comment.depth,
        "kind": comment.kind.value,
        "status": comment.status.value,
        "status_reason": comment.status_reason,
        "author": {
            "name": comment.author_name,
            "email": comment.author_email,
            # Moderators' clients link it too: only an http(s) address is served.
            "url": safe_link(comment.author_url),
        },
        "created_at": comment.created_at,
        "body_html": comment.body_html,
        "locked": comment.locked_at is not None,
    }


@dataclass
class LogFilter:
    page: int
    per_page: int
    action: str | None = None
    moderator: str | None = None
    comment_id: int | None = None
    post_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


def read_log(filters: LogFilter) -> Page:
    """A page of the moderation log, newest first."""
    query = select(LogEntry)
    if filters.action:
        query = query.where(LogEntry.action == filters.action)
    if filters.moderator:
        query = query.where(LogEntry.actor == filters.moderator)
    if filters.comment_id is not None:
        query = query.where(LogEntry.comment_id == filters.comment_id)
    if filters.post_id is not None:
        query = query.where(LogEntry.post_id == filters.post_id)
    if filters.since is not None:
        query = query.where(LogEntry.created_at >= filters.since)
    if filters.until is not None:
        query = query.where(LogEntry.created_at < filters.until)
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    entries = (
        db.session.execute(
            query.order_by(LogEntry.id.desc())
            .limit(filters.per_page)
            .offset((filters.page - 1) * filters.per_page)
        )
        .scalars()
        .all()
    )
    return Page([_entry(entry) for entry in entries], filters.page, filters.per_page, total)


def _entry(entry: LogEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "created_at": entry.created_at,
        "actor": entry.actor,
        "moderator_id": entry.moderator_id,
        "action": entry.action,
        "comment_id": entry.comment_id,
        "post_id": entry.post_id,
        "from_status": entry.from_status,
        "to_status": entry.to_status,
        "reason": entry.reason,
        "details": entry.details,
    }
