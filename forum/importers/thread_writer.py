"""One post's comments -> rows: the tree, merged sources, quotes, and the upsert.

Comments are keyed by source id within their post (a re-import updates, never duplicates).
A new thread's comments go to the driver as one batch with ids reserved ahead; a thread
imported before is compared row by row, and only what changed is written.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, update

from forum.importers.bulk import allocate_ids, insert_rows, row_trigger_suspended
from forum.importers.quoting import OLDEST, quote_input, thread_tree, unique_keys
from forum.importers.records import CommentRecord, PostRecord
from forum.models import Comment, CommentStatus, Quote
from forum.models.base import utcnow
from forum.privacy import hash_address
from forum.quotes import (
    Found,
    cite_quotes,
    cite_simple_markup,
    find_thread_quotes,
    normalize,
    plain_text,
)
from forum.sanitize import clean_comment
from forum.spam import reason_changed, screen_comment
from forum.threads import ResolvedTree, resolve_tree

if TYPE_CHECKING:
    from forum.importers.writer import Writer

# Fields compared on re-import; a difference updates the row.
_COMMENT_FIELDS = (
    "kind",
    "author_name",
    "author_email",
    "author_url",
    "author_ip_hash",
    "author_id",
    "body_raw",
    "body_html",
    "created_at",
    "source_status",
    "source_parent_key",
)
_STRUCTURE_FIELDS = ("parent_id", "root_id", "depth")
# The columns of a new comment, in the order insert rows are built.
_INSERTED = (
    "id",
    "post_id",
    "parent_id",
    "root_id",
    "depth",
    "kind",
    "status",
    "status_reason",
    "author_name",
    "author_email",
    "author_url",
    "author_ip_hash",
    "author_id",
    "body_raw",
    "body_html",
    "created_at",
    "source",
    "source_key",
    "source_url",
    "source_status",
    "source_parent_key",
    "import_run_id",
)
# The trigger that counts a thread's changes for the read cache (migration 5a1e7d2c9b40).
_VERSION_TRIGGER = "comments_thread_version_insert"
_CHUNK = 500  # ids per IN (...) list
_ADDRESSES_KEPT = 10_000  # hashes of client addresses remembered while importing a file
# Two sources' copies of one comment are written within this of each other.
MERGE_WINDOW = timedelta(minutes=1)


class ThreadWriter:
    """Write posts' comments for a Writer, sharing its session, report and caches."""

    def __init__(self, writer: Writer) -> None:
        self.writer = writer
        self.session, self.source, self.report = writer.session, writer.source, writer.report
        self._address_hashes: dict[str | None, str | None] = {}

    def write(self, post_id: int, post: PostRecord, *, existed: bool) -> None:
        """Store a post's comments (and their quotes), new or imported before."""
        records = unique_keys(post.comments, partial(self._warn_repeat, post))
        kinds = self.report.comments_by_kind
        for comment in records.values():
            kinds[comment.kind.value] += 1
        tree = thread_tree(records)
        for key, message in tree.warnings:
            self.report.warn(
                f"post {post.title or post.key!r}: comment {key}: {message}", post.line
            )
        prefix = f"{post.key}#comment-"
        existing: dict[str, Any] = {}
        merged: dict[str, int] = {}
        if existed:
            rows = self.session.execute(
                select(Comment.__table__).where(
                    Comment.post_id == post_id, Comment.source == self.source
                )
            ).mappings()
            existing = {row["source_key"]: row for row in rows}
            merged = self._merged_keys(post_id, records, tree.order, existing, prefix)
        new_keys = [key for key in tree.order if prefix + key not in existing and key not in merged]
        fresh = iter(allocate_ids(self.session.connection(), Comment.__table__, len(new_keys)))
        ids = {
            key: existing[prefix + key]["id"]
            if prefix + key in existing
            else merged[key]
            if key in merged
            else next(fresh)
            for key in tree.order
        }
        self.report.comments["merged"] += len(merged)
        quotes = self._quotes(post, records, tree)
        if existing or merged:
            self._upsert(post_id, post, records, tree, ids, quotes, existing, merged, prefix)
        else:
            self._insert_new(post_id, post, records, tree, ids, quotes, prefix)
        self._store_quotes(post_id, quotes, ids, existed=existed)

    def _insert_new(
        self,
        post_id: int,
        post: PostRecord,
        records: dict[str, CommentRecord],
        tree: ResolvedTree[str],
        ids: dict[str, int],
        quotes: dict[str, list[Found[str]]],
        prefix: str,
    ) -> None:
        """Insert a thread none of whose comments is stored yet: one batch."""
        if not tree.order:
            return
        # Rows are made as the driver takes them: a thread's rows never all exist at once.
        rows = self._new_rows(post_id, post, records, tree, ids, quotes, prefix)
        connection = self.session.connection()
        with row_trigger_suspended(connection, _VERSION_TRIGGER) as suspended:
            insert_rows(connection, Comment.__table__, _INSERTED, rows, updated_at=utcnow())
        if suspended:
            # What the suspended trigger would have done for each row, once.
            connection.exec_driver_sql(
                "INSERT INTO thread_versions (post_id, version) VALUES (?, 1) "
                "ON CONFLICT (post_id) DO UPDATE SET version = thread_versions.version + 1",
                (post_id,),
            )
        self.report.comments["created"] += len(tree.order)

    def _new_rows(
        self,
        post_id: int,
        post: PostRecord,
        records: dict[str, CommentRecord],
        tree: ResolvedTree[str],
        ids: dict[str, int],
        quotes: dict[str, list[Found[str]]],
        prefix: str,
    ) -> Iterator[tuple[Any, ...]]:
        """The rows of a new thread's comments, columns as _INSERTED, parents first."""
        authors = self.writer.author_ids
        parents, roots, depths = tree.parent, tree.root, tree.depth
        source, run_id = self.source, self.writer.run_id
        for key in tree.order:
            comment = records[key]
            parent, root = parents[key], roots[key]
            status, reason = self._screen(post, key, comment)
            yield (
                ids[key],
                post_id,
                None if parent is None else ids[parent],
                None if root is None else ids[root],
                depths[key],
                comment.kind,
                status,
                reason,
                comment.author_name,
                comment.author_email,
                comment.author_url,
                self._hash_address(comment.author_ip),
                authors.get(comment.author_login_key or ""),
                comment.body_raw,
                _cited(comment.body_html, quotes.get(key), ids),
                comment.created_at,
                source,
                prefix + key,
                comment.url,
                comment.source_status,
                comment.parent_key,
                run_id,
            )

    def _upsert(
        self,
        post_id: int,
        post: PostRecord,
        records: dict[str, CommentRecord],
        tree: ResolvedTree[str],
        ids: dict[str, int],
        quotes: dict[str, list[Found[str]]],
        existing: dict[str, Any],
        merged: dict[str, int],
        prefix: str,
    ) -> None:
        """Write a thread imported before: insert what is new, update what changed."""
        inserts: list[tuple[Any, ...]] = []
        updates: list[dict[str, Any]] = []
        structure_changed = False
        for key in tree.order:
            comment = records[key]
            parent, root = tree.parent[key], tree.root[key]
            status, reason = self._screen(post, key, comment)
            values = {
                "kind": comment.kind,
                "author_name": comment.author_name,
                "author_email": comment.author_email,
                "author_url": comment.author_url,
                "author_ip_hash": self._hash_address(comment.author_ip),
                "author_id": self.writer.author_ids.get(comment.author_login_key or ""),
                "body_raw": comment.body_raw,
                "body_html": _cited(comment.body_html, quotes.get(key), ids),
                "created_at": comment.created_at,
                "source_status": comment.source_status,
                "source_parent_key": comment.parent_key,
                "parent_id": ids[parent] if parent is not None else None,
                "root_id": ids[root] if root is not None else None,
                "depth": tree.depth[key],
            }
            row = existing.get(prefix + key)
            if key in merged:
                continue  # stored once already, by the other source
            if row is None:
                inserts.append(
                    tuple(
                        {
                            **values,
                            "id": ids[key],
                            "post_id": post_id,
                            "status": status,
                            "status_reason": reason,
                            "source": self.source,
                            "source_key": prefix + key,
                            "source_url": comment.url,
                            "import_run_id": self.writer.run_id,
                        }[name]
                        for name in _INSERTED
                    )
                )
                continue
            changes = {
                name: values[name]
                for name in _COMMENT_FIELDS + _STRUCTURE_FIELDS
                if _stored(row[name]) != _stored(values[name])
            }
            # The live status follows the source (and the phrase lists) until a moderator
            # has decided it; then a re-import never undoes the moderator's decision.
            if row["moderated_at"] is None and (
                row["source_status"] != comment.source_status
                or reason_changed(row["status_reason"], reason)
            ):
                changes["status"], changes["status_reason"] = status, reason
            if changes:
                structure_changed |= any(name in changes for name in _STRUCTURE_FIELDS)
                updates.append({"id": row["id"], **changes})
            else:
                self.report.comments["unchanged"] += 1
        if inserts:
            insert_rows(
                self.session.connection(),
                Comment.__table__,
                _INSERTED,
                inserts,
                updated_at=utcnow(),
            )
            self.report.comments["created"] += len(inserts)
        for change in updates:
            self.session.execute(
                update(Comment).where(Comment.id == change.pop("id")).values(**change)
            )
        self.report.comments["updated"] += len(updates)
        if structure_changed or (merged and inserts):
            # Replies to merged comments hang under another source's rows: recompute depths.
            self._rebuild_structure(post_id)

    # Merging sources ------------------------------------------------------------------

    def _merged_keys(
        self,
        post_id: int,
        records: dict[str, CommentRecord],
        order: list[str],
        existing: dict[str, Any],
        prefix: str,
    ) -> dict[str, int]:
        """The comments another source already stored: {our key: their row's id}."""
        index = self._other_sources(post_id)
        merged: dict[str, int] = {}
        if index:
            for key in order:
                found = None if prefix + key in existing else self._merged(index, records[key])
                if found is not None:
                    merged[key] = found
        return merged

    def _other_sources(self, post_id: int) -> dict[tuple[str, str], list[tuple[datetime, int]]]:
        """The post's comments from other sources, by (author, words), for merging."""
        rows = self.session.execute(
            select(Comment.id, Comment.author_name, Comment.body_raw, Comment.created_at).where(
                Comment.post_id == post_id,
                Comment.source != self.source,
                Comment.created_at.is_not(None),
            )
        ).all()
        index: dict[tuple[str, str], list[tuple[datetime, int]]] = defaultdict(list)
        for comment_id, author, body, created in rows:
            index[_identity(author, body)].append((created, comment_id))
        return index

    def _merged(
        self, index: dict[tuple[str, str], list[tuple[datetime, int]]], comment: CommentRecord
    ) -> int | None:
        """The id of the same comment from another source: same author, same words, written
        within a minute of each other. Each stored comment absorbs one at most."""
        if comment.created_at is None:
            return None
        candidates = index.get(_identity(comment.author_name, comment.body_raw), [])
        for at, (created, comment_id) in enumerate(candidates):
            if abs(created - comment.created_at) <= MERGE_WINDOW:
                del candidates[at]
                return comment_id
        return None

    # Per comment ----------------------------------------------------------------------

    def _hash_address(self, address: str | None) -> str | None:
        """hash_address, once per address: a blog's regulars write from the same few."""
        hashes = self._address_hashes
        try:
            return hashes[address]
        except KeyError:
            pass
        if len(hashes) >= _ADDRESSES_KEPT:
            hashes.clear()
        hashed = hashes[address] = hash_address(address, self.writer.address_key)
        return hashed

    def _screen(
        self, post: PostRecord, key: str, comment: CommentRecord
    ) -> tuple[CommentStatus, str | None]:
        """Apply the phrase lists to a comment; count it, and what they decided."""
        status, reason = comment.status, None
        phrases = self.writer.phrases
        if phrases["moderation"] or phrases["disallowed"]:
            fields = (
                comment.author_name,
                comment.author_email,
                comment.author_url,
                comment.body_raw,
            )
            status, reason = screen_comment(
                comment.status, "\n".join(filter(None, fields)), **phrases
            )
            if reason:
                where = f"{post.title or post.key}, comment {key}"
                self.report.found_phrase("comment", where, status.value, reason)
        self.report.comments_by_status[status.value] += 1
        return status, reason

    def _warn_repeat(self, post: PostRecord, key: str, new_key: str) -> None:
        self.report.warn(
            f"post {post.title or post.key!r}: comment id {key} appears more than once; "
            f"the repeat is kept as {new_key}",
            post.line,
        )

    # Quotes ---------------------------------------------------------------------------

    def _quotes(
        self, post: PostRecord, records: dict[str, CommentRecord], tree: ResolvedTree[str]
    ) -> dict[str, list[Found[str]]]:
        """The quotes among a post's comments: found ahead by the parser's quote process
        (from the same comments, shaped into the same thread), else found here."""
        if post.quotes_ahead is not None:
            found = post.quotes_ahead.result()
            post.quotes_ahead = None
            if found is not None:
                return found
        return find_thread_quotes(quote_input(records, tree))

    def _store_quotes(
        self,
        post_id: int,
        quotes: dict[str, list[Found[str]]],
        ids: dict[str, int],
        *,
        existed: bool,
    ) -> None:
        """Keep the quotes table in step: replace a comment's quotes only when they changed."""
        wanted = {
            ids[key]: [(ids[found.source_key], found.text) for found in found_list]
            for key, found_list in quotes.items()
        }
        have: dict[int, list[tuple[int | None, str]]] = {}
        if existed:
            rows = self.session.execute(
                select(Quote.comment_id, Quote.source_comment_id, Quote.text)
                .join(Comment, Comment.id == Quote.comment_id)
                .where(Comment.post_id == post_id, Comment.source == self.source)
                .order_by(Quote.id)
            )
            for comment_id, source_id, text_ in rows:
                have.setdefault(comment_id, []).append((source_id, text_))
        imported = set(ids.values())
        changed = sorted(
            comment_id
            for comment_id in (set(wanted) | set(have)) & imported
            if wanted.get(comment_id, []) != have.get(comment_id, [])
        )
        if existed:  # else every comment is new, with no quotes yet
            for start in range(0, len(changed), _CHUNK):
                chunk = changed[start : start + _CHUNK]
                self.session.execute(delete(Quote).where(Quote.comment_id.in_(chunk)))
        rows_ = [
            (comment_id, source_id, text_)
            for comment_id in changed
            for source_id, text_ in wanted.get(comment_id, [])
        ]
        if rows_:
            insert_rows(
                self.session.connection(),
                Quote.__table__,
                ("comment_id", "source_comment_id", "text"),
                rows_,
                created_at=utcnow(),
            )
        self.report.quotes["total"] += sum(len(found) for found in wanted.values())
        self.report.quotes["created"] += len(rows_)
        self.report.quotes["removed"] += sum(
            len(have.get(comment_id, [])) for comment_id in changed
        )

    # Structure ------------------------------------------------------------------------

    def _rebuild_structure(self, post_id: int) -> None:
        """Recompute root and depth of a whole thread after a parent moved in the source."""
        rows = self.session.execute(
            select(
                Comment.id, Comment.parent_id, Comment.root_id, Comment.depth, Comment.created_at
            ).where(Comment.post_id == post_id)
        ).all()
        tree = resolve_tree(
            {row.id: row.parent_id for row in rows},
            {row.id: (row.created_at or OLDEST, row.id) for row in rows},
        )
        for row in rows:
            if (row.root_id, row.depth, row.parent_id) != (
                tree.root[row.id],
                tree.depth[row.id],
                tree.parent[row.id],
            ):
                self.session.execute(
                    update(Comment)
                    .where(Comment.id == row.id)
                    .values(
                        parent_id=tree.parent[row.id],
                        root_id=tree.root[row.id],
                        depth=tree.depth[row.id],
                    )
                )


def _cited(body_html: str, quotes: list[Found[str]] | None, ids: dict[str, int]) -> str:
    """A comment's sanitized body with its quotes shown as blockquotes citing their source."""
    cites = {found.words: f"#c{ids[found.source_key]}" for found in quotes or ()}
    if not cites and "&gt;" not in body_html:
        return body_html  # nothing to cite, and no "> " line to show as a quote
    simple = cite_simple_markup(body_html, cites)
    if simple is not None:
        return simple  # as sanitizing it again would write it: once is enough
    cited = cite_quotes(body_html, cites)
    # Re-sanitized: the markup added is on the allowlist, and this keeps the output canonical.
    return body_html if cited == body_html else clean_comment(cited)


def _identity(author: str, body: str) -> tuple[str, str]:
    """Who said what, compared loosely: case, spacing and punctuation do not matter."""
    return " ".join(author.casefold().split()), normalize(plain_text(body))


def _stored(value: Any) -> Any:
    """Compare values as the database returns them (enums by value, datetimes in UTC)."""
    if hasattr(value, "value") and not isinstance(value, datetime):
        return value.value
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return value
