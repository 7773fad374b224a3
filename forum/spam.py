"""Spam phrases: WordPress's "moderation keys" and "disallowed keys", for imports."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from forum.models import CommentStatus, PostStatus

# A reason is recorded with the status it decided; a re-import recognises its own by this.
REASON_PREFIX = "contains the "


def find_phrase(text: str, phrases: Iterable[str]) -> str | None:
    """Return the first phrase that occurs in the text, ignoring case and white space.

    Like WordPress, a phrase matches inside words too ("press" matches "WordPress"):
    moderation keys are meant to be specific.
    """
    folded = " ".join(text.casefold().split())
    for phrase in phrases:
        wanted = " ".join(str(phrase).casefold().split())
        if wanted and wanted in folded:
            return str(phrase)
    return None


def phrase_reason(kind: str, phrase: str) -> str:
    """Say why a phrase decided a status: 'contains the moderation phrase "..."'."""
    return f'{REASON_PREFIX}{kind} phrase "{phrase}"'


def is_phrase_reason(reason: str | None) -> bool:
    """Tell whether a recorded reason was given by a phrase list."""
    return reason is not None and reason.startswith(REASON_PREFIX) and " phrase " in reason


def screen_comment(
    status: CommentStatus, text: str, *, moderation: Sequence[str], disallowed: Sequence[str]
) -> tuple[CommentStatus, str | None]:
    """Apply the phrase lists to an imported comment: its status, and why if they decided.

    A disallowed phrase marks a published or held comment as spam; a moderation phrase
    holds a published one. Spam and deleted comments stay as the source had them.
    """
    if status in {CommentStatus.APPROVED, CommentStatus.PENDING}:
        phrase = find_phrase(text, disallowed)
        if phrase is not None:
            return CommentStatus.SPAM, phrase_reason("disallowed", phrase)
    if status == CommentStatus.APPROVED:
        phrase = find_phrase(text, moderation)
        if phrase is not None:
            return CommentStatus.PENDING, phrase_reason("moderation", phrase)
    return status, None


def screen_post(
    status: PostStatus, text: str, *, moderation: Sequence[str], disallowed: Sequence[str]
) -> tuple[PostStatus, str | None]:
    """Apply the phrase lists to an imported post: a published post with one is held.

    Posts have no spam status; a disallowed phrase holds the post too, and says so.
    """
    if status == PostStatus.PUBLISHED:
        for kind, phrases in (("disallowed", disallowed), ("moderation", moderation)):
            phrase = find_phrase(text, phrases)
            if phrase is not None:
                return PostStatus.PENDING, phrase_reason(kind, phrase)
    return status, None


def reason_changed(stored: str | None, found: str | None) -> bool:
    """Tell whether a re-import's phrase finding should replace the recorded status.

    Only a status no one has explained, or one a phrase explained, follows the phrase
    lists: a reason recorded by anyone else (a moderator, readers' flags) is a decision
    that a re-import must not undo.
    """
    return stored != found and (stored is None or is_phrase_reason(stored))
