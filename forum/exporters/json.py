"""The archive as one JSON document of our own: every post, its thread, quotes, flags, the log.

The document is written as it is read, one post at a time (orjson for each post), so memory
follows the largest thread, not the archive::

    {"format": "forum-archive", "version": 1, "exported_at": "...",
     "posts": [{... "comments": [{... "replies": [...]}]}, ...],
     "moderation_log": [{...}, ...]}

Threads nest ``MAX_DEPTH`` levels deep; deeper replies are listed flat at that depth with
``reply_to`` (forum.threads.nest). Every comment carries its real ``parent_id``: the tree is
rebuilt from those, never from the nesting. forum/importers/archive.py reads it back.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import RowMapping
from sqlalchemy.orm import Session

from forum.exporters import ExportStats
from forum.exporters.queries import (
    AuthorCache,
    begin_snapshot,
    flags_of,
    log_entries,
    post_batches,
    quotes_of,
    terms_of,
    thread_of,
)
from forum.threads import nest

FORMAT = "forum-archive"
VERSION = 1
# Deep enough for any real thread, and far inside orjson's limit of 255 nested levels
# (each level of replies is two: a comment object and its "replies" list).
MAX_DEPTH = 64
_OPTIONS = orjson.OPT_NON_STR_KEYS


def export_json(
    session: Session,
    *,
    post_ids: Sequence[int] | None = None,
    stats: ExportStats | None = None,
    now: datetime | None = None,
) -> Iterator[bytes]:
    """Yield the archive (or ``post_ids`` and the log entries about them) as JSON chunks."""
    begin_snapshot(session)
    stats = stats if stats is not None else ExportStats()
    head = {"format": FORMAT, "version": VERSION, "exported_at": now or datetime.now(UTC)}
    yield orjson.dumps(head)[:-1] + b',\n"posts":['
    authors = AuthorCache(session)
    separator = b"\n"
    for batch in post_batches(session, post_ids):
        terms = terms_of(session, [row["id"] for row in batch])
        for post in batch:
            comments = thread_of(session, post["id"])
            document = _post(session, post, terms.get(post["id"], []), comments, authors)
            stats.posts += 1
            stats.comments += len(comments)
            yield separator + orjson.dumps(document, option=_OPTIONS)
            separator = b",\n"
    yield b'],\n"moderation_log":['
    separator = b"\n"
    for entry in log_entries(session, post_ids):
        stats.log_entries += 1
        yield separator + orjson.dumps(_log_entry(entry), option=_OPTIONS)
        separator = b",\n"
    yield b"]}\n"


def _post(
    session: Session,
    row: RowMapping,
    terms: list[RowMapping],
    comments: list[RowMapping],
    authors: AuthorCache,
) -> dict[str, Any]:
    accounts = authors.get([row["author_id"], *(comment["author_id"] for comment in comments)])
    quotes, flags = quotes_of(session, row["id"]), flags_of(session, row["id"])
    nodes = [_comment(comment, accounts, quotes, flags) for comment in comments]
    ids = {node["id"] for node in nodes}
    # A comment whose parent is not in the thread (never so, unless the data is damaged)
    # is listed at the top level rather than lost.
    top = [node["id"] for node in nodes if node["parent_id"] not in ids]
    return {
        "id": row["id"],
        "type": _value(row["type"]),
        "status": _value(row["status"]),
        "status_reason": row["status_reason"],
        "title": row["title"],
        "slug": row["slug"],
        "url": row["url"],
        "summary": row["summary"],
        "related_links": row["related_links"] or [],
        "excerpt": row["excerpt"],
        "body_raw": row["body_raw"],
        "body_html": row["body_html"],
        "published_at": row["published_at"],
        "modified_at": row["modified_at"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "author": _account(accounts.get(row["author_id"])),
        "terms": [
            {
                "taxonomy": term["taxonomy"],
                "slug": term["slug"],
                "name": term["name"],
                "parent_slug": term["parent_slug"],
            }
            for term in terms
        ],
        "comments_open": row["comments_open"],
        "is_sticky": row["is_sticky"],
        "is_protected": row["is_protected"],
        "locked_at": row["locked_at"],
        "source": row["source"],
        "source_key": row["source_key"],
        "source_url": row["source_url"],
        "source_status": row["source_status"],
        "comment_count": len(comments),
        # Rows come parents first; sibling order is the readers' (created_at, then id).
        "comments": nest(nodes, top, MAX_DEPTH),
    }


def _comment(
    row: RowMapping,
    accounts: Mapping[int, RowMapping],
    quotes: Mapping[int, list[RowMapping]],
    flags: Mapping[int, list[RowMapping]],
) -> dict[str, Any]:
    return {
        "id": row["id"],
        "parent_id": row["parent_id"],
        "status": _value(row["status"]),
        "status_reason": row["status_reason"],
        "kind": _value(row["kind"]),
        "author": {
            "name": row["author_name"],
            "email": row["author_email"],
            "url": row["author_url"],
            "account": _account(accounts.get(row["author_id"])) if row["author_id"] else None,
        },
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "moderated_at": row["moderated_at"],
        "locked_at": row["locked_at"],
        "body_raw": row["body_raw"],
        "body_html": row["body_html"],
        "source": row["source"],
        "source_key": row["source_key"],
        "source_url": row["source_url"],
        "source_status": row["source_status"],
        "source_parent_key": row["source_parent_key"],
        "quotes": [
            {"source_comment_id": quote["source_comment_id"], "text": quote["text"]}
            for quote in quotes.get(row["id"], [])
        ],
        # What readers reported, never who: the client hashes stay behind.
        "flags": [
            {
                "reason": _value(flag["reason"]),
                "note": flag["note"],
                "created_at": flag["created_at"],
                "resolved_at": flag["resolved_at"],
            }
            for flag in flags.get(row["id"], [])
        ],
    }


def _account(row: RowMapping | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "id": row["id"],
        "login": row["login"],
        "display_name": row["display_name"],
        "email": row["email"],
        "source": row["source"],
        "source_key": row["source_key"],
    }


def _log_entry(row: RowMapping) -> dict[str, Any]:
    return {
        "id": row["id"],
        "created_at": row["created_at"],
        "moderator_id": row["moderator_id"],
        "actor": row["actor"],
        "action": row["action"],
        "comment_id": row["comment_id"],
        "post_id": row["post_id"],
        "from_status": row["from_status"],
        "to_status": row["to_status"],
        "reason": row["reason"],
        "details": row["details"],
    }


def _value(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value
