"""Records -> rows: the one ingest step every importer shares.

Upserts by source keys (a re-import updates, never duplicates), resolves each post's
comment tree (parents before children, orphans and cycles reported), links the quotes
between its comments, applies the spam phrase lists, and counts what it did for the
report. It uses Core statements on the session: an import of a million comments must not
keep a million ORM objects alive.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any

from sqlalchemy import Table, delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from forum.importers.records import (
    AuthorRecord,
    CommentRecord,
    Notice,
    PostRecord,
    Record,
    Skipped,
    TermRecord,
)
from forum.importers.report import Report
from forum.models import (
    Author,
    Comment,
    CommentKind,
    CommentStatus,
    Post,
    Quote,
    Term,
    post_terms,
)
from forum.models.base import utcnow
from forum.privacy import hash_address
from forum.quotes import Found, cite_quotes, find_thread_quotes, normalize, plain_text
from forum.sanitize import clean_comment
from forum.spam import reason_changed, screen_comment, screen_post
from forum.threads import resolve_tree
from forum.urls import canonical_url

_OLDEST = datetime.min.replace(tzinfo=UTC)
# Fields compared on re-import; a difference updates the row.
_POST_FIELDS = (
    "type",
    "title",
    "slug",
    "url",
    "excerpt",
    "summary",
    "related_links",
    "body_raw",
    "body_html",
    "published_at",
    "modified_at",
    "author_id",
    "comments_open",
    "is_sticky",
    "is_protected",
    "source_status",
)
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
_CHUNK = 500  # ids per IN (...) list
_PARAMETERS_PER_STATEMENT = 20_000  # PostgreSQL takes at most 65,535 in one statement
_ADDRESSES_KEPT = 10_000  # hashes of client addresses remembered while importing a file
# Two sources' copies of one comment are written within this of each other.
MERGE_WINDOW = timedelta(minutes=1)
_NUMERIC_KEY = re.compile(r"\d+(?:\.\d+)*")


class Writer:
    """Write one file's records into the session's transaction."""

    def __init__(
        self,
        session: Session,
        *,
        source: str,
        run_id: int,
        report: Report,
        address_key: bytes,
        moderation_keys: Sequence[str] = (),
        disallowed_keys: Sequence[str] = (),
    ) -> None:
        self.session, self.source, self.run_id = session, source, run_id
        self.report, self.address_key = report, address_key
        self.phrases = {"moderation": list(moderation_keys), "disallowed": list(disallowed_keys)}
        self._authors: dict[str, int] = {}
        self._terms: dict[tuple[str, str], int] = {}
        self._address_hashes: dict[str | None, str | None] = {}

    def write(self, record: Record) -> None:
        """Store one record."""
        if isinstance(record, PostRecord):
            self._post(record)
        elif isinstance(record, AuthorRecord):
            self._author(record)
        elif isinstance(record, TermRecord):
            self._term(record)
        elif isinstance(record, Skipped):
            self.report.skipped[record.kind] += 1
        elif isinstance(record, Notice):
            self.report.warn(record.message, record.line)

    # Authors and terms -------------------------------------------------------------

    def _author(self, record: AuthorRecord) -> int:
        if record.key in self._authors:
            return self._authors[record.key]
        found = self.session.execute(
            select(Author.id).where(Author.source == self.source, Author.source_key == record.key)
        ).scalar()
        if found is None:
            found = self.session.execute(
                insert(Author).returning(Author.id),
                [
                    {
                        "source": self.source,
                        "source_key": record.key,
                        "login": record.login,
                        "display_name": record.display_name,
                        "email": record.email,
                    }
                ],
            ).scalar_one()
            self.report.authors["created"] += 1
        else:
            self.report.authors["existing"] += 1
        self._authors[record.key] = found
        return found

    def _term(self, record: TermRecord) -> int:
        key = (record.taxonomy, record.slug)
        if key in self._terms:
            return self._terms[key]
        found = self.session.execute(
            select(Term.id).where(Term.taxonomy == record.taxonomy, Term.slug == record.slug)
        ).scalar()
        if found is None:
            found = self.session.execute(
                insert(Term).returning(Term.id),
                [
                    {
                        "taxonomy": record.taxonomy,
                        "slug": record.slug,
                        "name": record.name,
                        "parent_slug": record.parent_slug,
                    }
                ],
            ).scalar_one()
            self.report.terms["created"] += 1
        else:
            self.report.terms["existing"] += 1
        self._terms[key] = found
        return found

    # Posts -------------------------------------------------------------------------

    def _post(self, record: PostRecord) -> None:
        status, reason = screen_post(
            record.status,
            "\n".join((record.title, record.summary, record.excerpt, record.body_raw)),
            **self.phrases,
        )
        if reason:
            self.report.found_phrase("post", record.title or record.key, status.value, reason)
        self.report.posts_by_status[status.value] += 1
        self.report.posts_by_type[record.type.value] += 1
        self.report.paragraphs_dropped += record.paragraphs_dropped
        if record.private_comments:
            self.report.skipped["private_comment"] += record.private_comments
        author_id = None
        if record.author_key:
            login = record.author_key.rsplit("|", 1)[-1]
            author_id = self._author(
                AuthorRecord(key=record.author_key, login=login, display_name=login)
            )
        values = {
            "type": record.type,
            "status": status,
            "status_reason": reason,
            "title": record.title,
            "slug": record.slug,
            "url": record.url,
            "excerpt": record.excerpt,
            "summary": record.summary,
            "related_links": record.related_links,
            "body_raw": record.body_raw,
            "body_html": record.body_html,
            "published_at": record.published_at,
            "modified_at": record.modified_at,
            "author_id": author_id,
            "comments_open": record.comments_open,
            "is_sticky": record.is_sticky,
            "is_protected": record.is_protected,
            "source_url": record.url,
            "source_status": record.source_status,
            "canonical_url": canonical_url(record.url),
        }
        existing = self.session.execute(
            select(Post).where(Post.source == self.source, Post.source_key == record.key)
        ).scalar()
        attached = False
        if existing is None and values["canonical_url"]:
            # The same page from another source (a blog's WordPress and Disqus exports):
            # one post, with both sources' comments in one thread.
            existing = self.session.execute(
                select(Post)
                .where(Post.canonical_url == values["canonical_url"])
                .order_by(Post.id)
                .limit(1)
            ).scalar()
            attached = existing is not None
            if attached:
                self.report.posts["attached"] += 1
        if attached and not record.has_content:
            post_id = existing.id
            self.report.posts["unchanged"] += 1
            self.session.expunge(existing)
        elif existing is None:
            post_id = self.session.execute(
                insert(Post).returning(Post.id),
                [
                    {
                        **values,
                        "source": self.source,
                        "source_key": record.key,
                        "import_run_id": self.run_id,
                    }
                ],
            ).scalar_one()
            self.report.posts["created"] += 1
        else:
            post_id = existing.id
            changes = {
                name: values[name]
                for name in _POST_FIELDS
                if getattr(existing, name) != values[name]
            }
            # The status follows the source, and the phrase lists, as they change.
            if record.source_status != existing.source_status or reason_changed(
                existing.status_reason, reason
            ):
                changes["status"], changes["status_reason"] = status, reason
            if changes:
                self.session.execute(update(Post).where(Post.id == post_id).values(**changes))
                self.report.posts["updated"] += 1
            else:
                self.report.posts["unchanged"] += 1
            self.session.expunge(existing)
        self._post_terms(post_id, [self._term(term) for term in record.terms], existing is not None)
        self._comments(post_id, record, existed=existing is not None)

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

    def _post_terms(self, post_id: int, term_ids: list[int], existed: bool) -> None:
        wanted = set(term_ids)
        have: set[int] = set()
        if existed:
            have = set(
                self.session.execute(
                    select(post_terms.c.term_id).where(post_terms.c.post_id == post_id)
                ).scalars()
            )
        if wanted - have:
            self.session.execute(
                insert(post_terms),
                [{"post_id": post_id, "term_id": t} for t in sorted(wanted - have)],
            )
        if have - wanted:
            self.session.execute(
                post_terms.delete().where(
                    post_terms.c.post_id == post_id, post_terms.c.term_id.in_(have - wanted)
                )
            )

    # Comments ----------------------------------------------------------------------

    def _comments(self, post_id: int, post: PostRecord, *, existed: bool) -> None:
        records = self._unique_keys(post)
        for comment in records.values():
            self.report.comments_by_kind[comment.kind.value] += 1
        tree = resolve_tree(
            {key: comment.parent_key for key, comment in records.items()},
            {key: _sort_key(key, comment) for key, comment in records.items()},
        )
        for key, message in tree.warnings:
            self.report.warn(
                f"post {post.title or post.key!r}: comment {key}: {message}", post.line
            )
        existing: dict[str, Any] = {}
        if existed:
            rows = self.session.execute(
                select(Comment.__table__).where(
                    Comment.post_id == post_id, Comment.source == self.source
                )
            ).mappings()
            existing = {row["source_key"]: row for row in rows}
        prefix = f"{post.key}#comment-"
        merged: dict[str, int] = {}
        if existed:
            index = self._other_sources(post_id)
            if index:
                for key in tree.order:
                    found = None if prefix + key in existing else self._merged(index, records[key])
                    if found is not None:
                        merged[key] = found
        new_keys = [key for key in tree.order if prefix + key not in existing and key not in merged]
        fresh = iter(self._allocate_ids(len(new_keys)))
        ids = {
            key: existing[prefix + key]["id"]
            if prefix + key in existing
            else merged[key]
            if key in merged
            else next(fresh)
            for key in tree.order
        }
        self.report.comments["merged"] += len(merged)
        quotes = self._find_quotes(records, tree.order, tree.parent)
        inserts: list[dict[str, Any]] = []
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
                "author_id": self._authors.get(comment.author_login_key or ""),
                "body_raw": comment.body_raw,
                "body_html": _cited(comment.body_html, quotes.get(key, []), ids),
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
                    {
                        **values,
                        "id": ids[key],
                        "post_id": post_id,
                        "status": status,
                        "status_reason": reason,
                        "source": self.source,
                        "source_key": prefix + key,
                        "source_url": comment.url,
                        "import_run_id": self.run_id,
                    }
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
            self._insert_many(Comment.__table__, inserts, updated_at=utcnow())
            self.report.comments["created"] += len(inserts)
        for change in updates:
            self.session.execute(
                update(Comment).where(Comment.id == change.pop("id")).values(**change)
            )
        self.report.comments["updated"] += len(updates)
        if structure_changed or (merged and inserts):
            # Replies to merged comments hang under another source's rows: recompute depths.
            self._rebuild_structure(post_id)
        self._store_quotes(post_id, quotes, ids, existed=existed)

    def _hash_address(self, address: str | None) -> str | None:
        """hash_address, once per address: a blog's regulars write from the same few."""
        if address not in self._address_hashes:
            if len(self._address_hashes) >= _ADDRESSES_KEPT:
                self._address_hashes.clear()
            self._address_hashes[address] = hash_address(address, self.address_key)
        return self._address_hashes[address]

    def _screen(
        self, post: PostRecord, key: str, comment: CommentRecord
    ) -> tuple[CommentStatus, str | None]:
        """Apply the phrase lists to a comment; count it, and what they decided."""
        status, reason = comment.status, None
        if self.phrases["moderation"] or self.phrases["disallowed"]:
            fields = (
                comment.author_name,
                comment.author_email,
                comment.author_url,
                comment.body_raw,
            )
            status, reason = screen_comment(
                comment.status, "\n".join(filter(None, fields)), **self.phrases
            )
        if reason:
            where = f"{post.title or post.key}, comment {key}"
            self.report.found_phrase("comment", where, status.value, reason)
        self.report.comments_by_status[status.value] += 1
        return status, reason

    # Quotes ------------------------------------------------------------------------

    def _find_quotes(
        self,
        records: dict[str, CommentRecord],
        order: list[str],
        parents: dict[str, str | None],
    ) -> dict[str, list[Found[str]]]:
        """Find the quotes among a post's comments, read in the order they were written."""
        position = {key: at for at, key in enumerate(order)}
        written = sorted(
            (key for key in order if records[key].kind == CommentKind.COMMENT),
            key=lambda key: (records[key].created_at or _OLDEST, position[key]),
        )
        return find_thread_quotes([(key, parents[key], records[key].body_raw) for key in written])

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
        for start in range(0, len(changed), _CHUNK):
            chunk = changed[start : start + _CHUNK]
            self.session.execute(delete(Quote).where(Quote.comment_id.in_(chunk)))
        rows_ = [
            {"comment_id": comment_id, "source_comment_id": source_id, "text": text_}
            for comment_id in changed
            for source_id, text_ in wanted.get(comment_id, [])
        ]
        if rows_:
            self._insert_many(Quote.__table__, rows_, created_at=utcnow())
        self.report.quotes["total"] += sum(len(found) for found in wanted.values())
        self.report.quotes["created"] += len(rows_)
        self.report.quotes["removed"] += sum(
            len(have.get(comment_id, [])) for comment_id in changed
        )

    def _unique_keys(self, post: PostRecord) -> dict[str, CommentRecord]:
        """Key the post's comments by source id; a repeated id is kept under a new key."""
        records: dict[str, CommentRecord] = {}
        for comment in post.comments:
            key = comment.key
            if key in records:
                number = 2
                while f"{key}~{number}" in records:
                    number += 1
                self.report.warn(
                    f"post {post.title or post.key!r}: comment id {key} appears more than once; "
                    f"the repeat is kept as {key}~{number}",
                    post.line,
                )
                key = f"{key}~{number}"
            records[key] = comment
        return records

    def _insert_many(self, table: Table, rows: list[dict[str, Any]], **defaults: Any) -> None:
        """Insert rows (all with the same keys), straight to the driver.

        Each value goes through its column type's own bind processor, exactly as a Core
        insert would send it, without the statement machinery that costs more than the
        insert itself on a big thread. ``defaults`` fill the columns whose Python-side
        default a Core insert would have called (one "now" for the batch). SQLite takes
        one executemany; elsewhere rows go many to a statement, so a statement-level
        trigger runs once per batch, not once per row.
        """
        connection = self.session.connection()
        dialect = connection.dialect
        names = [*rows[0], *defaults]
        processors = [table.c[name].type._cached_bind_processor(dialect) for name in names]
        fixed = tuple(defaults.values())
        values = (
            tuple(
                value if process is None else process(value)
                for value, process in zip((*row.values(), *fixed), processors, strict=True)
            )
            for row in rows
        )
        quote = dialect.identifier_preparer
        # Identifiers from the model, quoted by the dialect; values go as parameters.
        into = (
            f"INSERT INTO {quote.format_table(table)} "  # noqa: S608
            f"({', '.join(quote.quote(name) for name in names)}) VALUES "
        )
        cursor = connection.connection.dbapi_connection.cursor()
        try:
            if dialect.paramstyle == "qmark":
                # The driver's own cursor takes the rows as they are made, not all at once.
                cursor.executemany(into + f"({', '.join(['?'] * len(names))})", values)
                return
            group = f"({', '.join(['%s'] * len(names))})"
            per_statement = max(1, _PARAMETERS_PER_STATEMENT // len(names))
            while batch := list(islice(values, per_statement)):
                cursor.execute(
                    into + ", ".join([group] * len(batch)),
                    [value for row in batch for value in row],
                )
        finally:
            cursor.close()

    def _allocate_ids(self, count: int) -> list[int]:
        """Reserve ids for new comments, so a whole thread goes in as one batch.

        On SQLite the import holds the write lock from its first statement (the import
        run row), so the next ids are ours; PostgreSQL hands them out from the sequence.
        """
        if count == 0:
            return []
        if self.session.get_bind().dialect.name == "postgresql":
            return list(
                self.session.execute(
                    text(
                        "SELECT nextval(pg_get_serial_sequence('comments', 'id')) "
                        "FROM generate_series(1, :count)"
                    ),
                    {"count": count},
                ).scalars()
            )
        start = self.session.execute(select(func.coalesce(func.max(Comment.id), 0))).scalar_one()
        return list(range(start + 1, start + 1 + count))

    def _rebuild_structure(self, post_id: int) -> None:
        """Recompute root and depth of a whole thread after a parent moved in the source."""
        rows = self.session.execute(
            select(
                Comment.id, Comment.parent_id, Comment.root_id, Comment.depth, Comment.created_at
            ).where(Comment.post_id == post_id)
        ).all()
        tree = resolve_tree(
            {row.id: row.parent_id for row in rows},
            {row.id: (row.created_at or _OLDEST, row.id) for row in rows},
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


def _sort_key(key: str, comment: CommentRecord) -> tuple[datetime, int, tuple[int, ...] | str]:
    # Numeric keys sort as numbers, and so do positional ones: "1.10" comes after "1.9".
    number: tuple[int, tuple[int, ...] | str] = (
        (0, tuple(int(part) for part in key.split(".")))
        if _NUMERIC_KEY.fullmatch(key)
        else (1, key)
    )
    return (comment.created_at or _OLDEST, *number)


def _cited(body_html: str, quotes: list[Found[str]], ids: dict[str, int]) -> str:
    """A comment's sanitized body with its quotes shown as blockquotes citing their source."""
    cites = {found.words: f"#c{ids[found.source_key]}" for found in quotes}
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
