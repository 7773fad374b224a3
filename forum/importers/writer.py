"""Records -> rows: the one ingest step every importer shares.

Upserts by source keys (a re-import updates, never duplicates), resolves each post's
comment tree (parents before children, orphans and cycles reported), and counts what it
did for the report. It uses Core statements on the session: an import of a million
comments must not keep a million ORM objects alive.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select, text, update
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
from forum.models import Author, Comment, Post, Term, post_terms
from forum.privacy import hash_address
from forum.threads import resolve_tree

_OLDEST = datetime.min.replace(tzinfo=UTC)
# Fields compared on re-import; a difference updates the row.
_POST_FIELDS = (
    "type",
    "title",
    "slug",
    "url",
    "excerpt",
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
MAX_WARNINGS = 200


@dataclass
class Report:
    """What an import did, for people (the CLI's summary) and scripts (--json)."""

    file: str
    format: str
    dry_run: bool = False
    run_id: int | None = None
    posts: Counter[str] = field(default_factory=Counter)
    posts_by_status: Counter[str] = field(default_factory=Counter)
    posts_by_type: Counter[str] = field(default_factory=Counter)
    comments: Counter[str] = field(default_factory=Counter)
    comments_by_status: Counter[str] = field(default_factory=Counter)
    comments_by_kind: Counter[str] = field(default_factory=Counter)
    authors: Counter[str] = field(default_factory=Counter)
    terms: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    warning_count: int = 0
    repairs: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def warn(self, message: str, line: int | None = None) -> None:
        self.warning_count += 1
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append({"message": message, "line": line})

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "format": self.format,
            "dry_run": self.dry_run,
            "run_id": self.run_id,
            "damaged": bool(self.repairs),
            "repairs": self.repairs[:MAX_WARNINGS],
            "posts": {
                "total": sum(self.posts_by_status.values()),
                **_counts(self.posts, ("created", "updated", "unchanged")),
                "by_status": dict(sorted(self.posts_by_status.items())),
                "by_type": dict(sorted(self.posts_by_type.items())),
            },
            "comments": {
                "total": sum(self.comments_by_status.values()),
                **_counts(self.comments, ("created", "updated", "unchanged")),
                "by_status": dict(sorted(self.comments_by_status.items())),
                "by_kind": dict(sorted(self.comments_by_kind.items())),
            },
            "authors": _counts(self.authors, ("created", "existing")),
            "terms": _counts(self.terms, ("created", "existing")),
            "skipped": dict(sorted(self.skipped.items())),
            "warnings": self.warnings,
            "warning_count": self.warning_count,
            "seconds": round(self.seconds, 3),
        }


def _counts(counter: Counter[str], names: Iterable[str]) -> dict[str, int]:
    return {name: counter[name] for name in names}


class Writer:
    """Write one file's records into the session's transaction."""

    def __init__(
        self, session: Session, *, source: str, run_id: int, report: Report, address_key: bytes
    ) -> None:
        self.session, self.source, self.run_id = session, source, run_id
        self.report, self.address_key = report, address_key
        self._authors: dict[str, int] = {}
        self._terms: dict[tuple[str, str], int] = {}

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
        self.report.posts_by_status[record.status.value] += 1
        self.report.posts_by_type[record.type.value] += 1
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
            "status": record.status,
            "title": record.title,
            "slug": record.slug,
            "url": record.url,
            "excerpt": record.excerpt,
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
        }
        existing = self.session.execute(
            select(Post).where(Post.source == self.source, Post.source_key == record.key)
        ).scalar()
        if existing is None:
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
            if record.source_status != existing.source_status:
                changes["status"] = record.status
            if changes:
                self.session.execute(update(Post).where(Post.id == post_id).values(**changes))
                self.report.posts["updated"] += 1
            else:
                self.report.posts["unchanged"] += 1
            self.session.expunge(existing)
        self._post_terms(post_id, [self._term(term) for term in record.terms], existing is not None)
        self._comments(post_id, record, existed=existing is not None)

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
            self.report.comments_by_status[comment.status.value] += 1
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
        new_keys = [key for key in tree.order if prefix + key not in existing]
        fresh = iter(self._allocate_ids(len(new_keys)))
        ids = {
            key: existing[prefix + key]["id"] if prefix + key in existing else next(fresh)
            for key in tree.order
        }
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        structure_changed = False
        for key in tree.order:
            comment = records[key]
            parent, root = tree.parent[key], tree.root[key]
            values = {
                "kind": comment.kind,
                "author_name": comment.author_name,
                "author_email": comment.author_email,
                "author_url": comment.author_url,
                "author_ip_hash": hash_address(comment.author_ip, self.address_key),
                "author_id": self._authors.get(comment.author_login_key or ""),
                "body_raw": comment.body_raw,
                "body_html": comment.body_html,
                "created_at": comment.created_at,
                "source_status": comment.source_status,
                "source_parent_key": comment.parent_key,
                "parent_id": ids[parent] if parent is not None else None,
                "root_id": ids[root] if root is not None else None,
                "depth": tree.depth[key],
            }
            row = existing.get(prefix + key)
            if row is None:
                inserts.append(
                    {
                        **values,
                        "id": ids[key],
                        "post_id": post_id,
                        "status": comment.status,
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
            # The live status follows the source until a moderator has decided it.
            if row["source_status"] != comment.source_status and row["moderated_at"] is None:
                changes["status"] = comment.status
            if changes:
                structure_changed |= any(name in changes for name in _STRUCTURE_FIELDS)
                updates.append({"id": row["id"], **changes})
            else:
                self.report.comments["unchanged"] += 1
        if inserts:
            self.session.execute(insert(Comment), inserts)
            self.report.comments["created"] += len(inserts)
        for change in updates:
            self.session.execute(
                update(Comment).where(Comment.id == change.pop("id")).values(**change)
            )
        self.report.comments["updated"] += len(updates)
        if structure_changed:
            self._rebuild_structure(post_id)

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


def _sort_key(key: str, comment: CommentRecord) -> tuple[datetime, int, int | str]:
    number: tuple[int, int | str] = (0, int(key)) if key.isdigit() else (1, key)
    return (comment.created_at or _OLDEST, *number)


def _stored(value: Any) -> Any:
    """Compare values as the database returns them (enums by value, datetimes in UTC)."""
    if hasattr(value, "value") and not isinstance(value, datetime):
        return value.value
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return value
