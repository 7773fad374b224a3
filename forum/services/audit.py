"""The moderation log: every moderation action, automatic hide and policy decision."""

from __future__ import annotations

from typing import Any

from forum.extensions import db
from forum.models import LogEntry, Moderator

SYSTEM = "system"


def record(
    action: str,
    *,
    moderator: Moderator | None = None,
    comment_id: int | None = None,
    post_id: int | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> LogEntry:
    """Append one entry; entries are never edited (the database refuses it)."""
    entry = LogEntry(
        moderator_id=moderator.id if moderator else None,
        actor=moderator.name if moderator else SYSTEM,
        action=action,
        comment_id=comment_id,
        post_id=post_id,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        details=details,
    )
    db.session.add(entry)
    return entry
