"""Reader flags: enough of them, from distinct clients, hide a comment until reviewed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from forum.errors import AlreadyFlagged, NotFound
from forum.extensions import db
from forum.models import Comment, CommentStatus, Flag, FlagReason, Post, PostStatus
from forum.services import audit


def flag_comment(
    comment_id: int,
    *,
    reason: FlagReason,
    note: str | None,
    client_hash: str,
    settings: dict[str, Any],
) -> tuple[Flag, bool]:
    """Record a reader's flag; return it and whether it made the comment hidden.

    The comment row is locked first (FOR UPDATE on PostgreSQL; SQLite write transactions
    are serialized already), so concurrent flags reach the threshold exactly once.
    """
    comment = db.session.execute(
        select(Comment).where(Comment.id == comment_id).with_for_update()
    ).scalar()
    post = db.session.get(Post, comment.post_id) if comment is not None else None
    if (
        comment is None
        or comment.status != CommentStatus.APPROVED
        or post is None
        or post.status != PostStatus.PUBLISHED
    ):
        raise NotFound(f"There is no comment {comment_id}.")
    exists = db.session.execute(
        select(Flag.id).where(Flag.comment_id == comment_id, Flag.client_hash == client_hash)
    ).first()
    if exists:
        raise AlreadyFlagged(f"You have flagged comment {comment_id} already.")
    flag = Flag(comment_id=comment_id, reason=reason, note=note, client_hash=client_hash)
    db.session.add(flag)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise AlreadyFlagged(f"You have flagged comment {comment_id} already.") from None
    weights: dict[str, float] = settings["FLAG_WEIGHTS"]
    open_flags = db.session.execute(
        select(Flag.reason, func.count())
        .where(Flag.comment_id == comment_id, Flag.resolved_at.is_(None))
        .group_by(Flag.reason)
    ).all()
    weight = sum(weights.get(flag_reason.value, 1) * number for flag_reason, number in open_flags)
    hidden = False
    if weight >= settings["FLAG_THRESHOLD"]:
        comment.status = CommentStatus.HIDDEN
        comment.status_reason = "hidden for review after readers' flags"
        audit.record(
            "auto_hide",
            comment_id=comment.id,
            post_id=comment.post_id,
            from_status=CommentStatus.APPROVED.value,
            to_status=CommentStatus.HIDDEN.value,
            reason=comment.status_reason,
            details={"flags": {r.value: n for r, n in open_flags}, "weight": weight},
        )
        hidden = True
    return flag, hidden
