"""Records -> rows: the one ingest step every importer shares.

Upserts by source keys (a re-import updates, never duplicates), applies the spam phrase
lists, and counts what it did for the report; each post's comments (their tree, quotes
and rows) are thread_writer's. It uses Core statements on the session: an import of a
million comments must not keep a million ORM objects alive.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from forum.importers.records import (
    AuthorRecord,
    Notice,
    PostRecord,
    Record,
    Skipped,
    TermRecord,
)
from forum.importers.report import Report
from forum.importers.thread_writer import ThreadWriter
from forum.models import Author, Post, Term, post_terms
from forum.spam import reason_changed, screen_post
from forum.urls import canonical_url

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
        self.author_ids: dict[str, int] = {}  # by source key, as stored or found
        self._terms: dict[tuple[str, str], int] = {}
        self._threads = ThreadWriter(self)

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
        if record.key in self.author_ids:
            return self.author_ids[record.key]
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
        self.author_ids[record.key] = found
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
        self._threads.write(post_id, record, existed=existing is not None)

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
