"""The policy for new comments: publish, hold for moderation, or mark as spam — and why.

Defaults follow WordPress's discussion settings: more than two links, or a moderation
phrase, holds a comment; a disallowed phrase marks it spam; so do a filled honeypot and
a ban rule. Holding comments of authors without an approved comment is off by default.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Comment, CommentStatus
from forum.services.bans import matching_ban, normalize_email
from forum.spam import find_phrase, phrase_reason

_LINK = re.compile(r"<a\s", re.IGNORECASE)


@dataclass(frozen=True)
class Decision:
    status: CommentStatus
    reason: str | None = None
    ban_id: int | None = None


@dataclass(frozen=True)
class NewComment:
    post_id: int
    author_name: str
    author_email: str | None
    author_url: str | None
    body_raw: str
    body_html: str
    address: str | None
    honeypot: str | None = None


def decide(comment: NewComment, settings: dict[str, Any], address_key: bytes) -> Decision:
    """Decide the status of a new comment from the configured rules."""
    ban = matching_ban(
        post_id=comment.post_id,
        name=comment.author_name,
        email=comment.author_email,
        address=comment.address,
        address_key=address_key,
    )
    if ban is not None:
        return Decision(CommentStatus.SPAM, f"matches ban #{ban.id} ({ban.kind.value})", ban.id)
    if comment.honeypot:
        return Decision(CommentStatus.SPAM, "the hidden honeypot field was filled in")
    fields = " ".join(
        filter(
            None, (comment.author_name, comment.author_email, comment.author_url, comment.body_raw)
        )
    )
    phrase = find_phrase(fields, settings["DISALLOWED_KEYS"])
    if phrase:
        return Decision(CommentStatus.SPAM, phrase_reason("disallowed", phrase))
    phrase = find_phrase(fields, settings["MODERATION_KEYS"])
    if phrase:
        return Decision(CommentStatus.PENDING, phrase_reason("moderation", phrase))
    links = len(_LINK.findall(comment.body_html))
    if links > settings["MODERATION_MAX_LINKS"]:
        return Decision(
            CommentStatus.PENDING,
            f"contains {links} links (more than {settings['MODERATION_MAX_LINKS']})",
        )
    if settings["MODERATION_FIRST_COMMENT"] and not _has_approved_comment(comment):
        return Decision(CommentStatus.PENDING, "the author has no approved comment yet")
    return Decision(CommentStatus.APPROVED)


def _has_approved_comment(comment: NewComment) -> bool:
    if not comment.author_email:
        return False
    email = normalize_email(comment.author_email)
    found = db.session.execute(
        select(func.count())
        .select_from(Comment)
        .where(
            func.lower(Comment.author_email) == email,
            Comment.author_name == comment.author_name,
            Comment.status == CommentStatus.APPROVED,
        )
    ).scalar_one()
    return found > 0
