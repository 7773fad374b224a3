"""What an export reads: posts in id batches, each post's thread, quotes and flags, the log.

Core statements returning plain rows, never ORM objects, and never more than one batch of
posts or one thread at a time: memory follows the largest thread, not the archive.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import RowMapping, Select, func, or_, select, text
from sqlalchemy.orm import Session

from forum.models import Author, Comment, Flag, LogEntry, Post, Quote, Term, post_terms

POST_BATCH = 500  # posts per query
LOG_BATCH = 1000  # moderation log entries per query
_CHUNK = 500  # ids per IN (...) list


def begin_snapshot(session: Session) -> None:
    """Read the whole export from one snapshot of the database.

    Ends the session's transaction (an export writes nothing). SQLite's deferred
    transaction reads one snapshot already; PostgreSQL needs REPEATABLE READ for that.
    """
    session.rollback()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))


def missing_posts(session: Session, post_ids: Iterable[int]) -> list[int]:
    """Return the ids among ``post_ids`` that name no post, sorted."""
    wanted = sorted(set(post_ids))
    found: set[int] = set()
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        found.update(session.execute(select(Post.id).where(Post.id.in_(chunk))).scalars())
    return [post_id for post_id in wanted if post_id not in found]


def count_posts(session: Session, post_ids: Sequence[int] | None) -> int:
    """Count the posts an export will write."""
    if post_ids is not None:
        return len(set(post_ids))
    return session.execute(select(func.count()).select_from(Post)).scalar_one()


def post_batches(session: Session, post_ids: Sequence[int] | None) -> Iterator[list[RowMapping]]:
    """Yield the posts to export in id order, ``POST_BATCH`` rows at a time."""
    if post_ids is not None:
        wanted = sorted(set(post_ids))
        for start in range(0, len(wanted), POST_BATCH):
            chunk = wanted[start : start + POST_BATCH]
            yield _rows(session, select(Post.__table__).where(Post.id.in_(chunk)).order_by(Post.id))
        return
    last = 0
    while True:
        batch = _rows(
            session,
            select(Post.__table__).where(Post.id > last).order_by(Post.id).limit(POST_BATCH),
        )
        if not batch:
            return
        yield batch
        last = batch[-1]["id"]


def terms_of(session: Session, post_ids: Sequence[int]) -> dict[int, list[RowMapping]]:
    """Each post's terms, by taxonomy then slug."""
    rows = session.execute(
        select(post_terms.c.post_id, Term.__table__)
        .join(Term, Term.id == post_terms.c.term_id)
        .where(post_terms.c.post_id.in_(post_ids))
        .order_by(post_terms.c.post_id, Term.taxonomy, Term.slug)
    ).mappings()
    found: dict[int, list[RowMapping]] = defaultdict(list)
    for row in rows:
        found[row["post_id"]].append(row)
    return found


def thread_of(session: Session, post_id: int) -> list[RowMapping]:
    """A post's comments, parents before children: by depth, then as readers see siblings."""
    return _rows(
        session,
        select(Comment.__table__)
        .where(Comment.post_id == post_id)
        .order_by(Comment.depth, Comment.created_at.asc().nulls_first(), Comment.id),
    )


def quotes_of(session: Session, post_id: int) -> dict[int, list[RowMapping]]:
    """The quotes made by a post's comments, by the quoting comment's id."""
    rows = session.execute(
        select(Quote.comment_id, Quote.source_comment_id, Quote.text)
        .join(Comment, Comment.id == Quote.comment_id)
        .where(Comment.post_id == post_id)
        .order_by(Quote.id)
    ).mappings()
    found: dict[int, list[RowMapping]] = defaultdict(list)
    for row in rows:
        found[row["comment_id"]].append(row)
    return found


def flags_of(session: Session, post_id: int) -> dict[int, list[RowMapping]]:
    """Readers' flags on a post's comments, by comment id; never who flagged."""
    rows = session.execute(
        select(Flag.comment_id, Flag.reason, Flag.note, Flag.created_at, Flag.resolved_at)
        .join(Comment, Comment.id == Flag.comment_id)
        .where(Comment.post_id == post_id)
        .order_by(Flag.id)
    ).mappings()
    found: dict[int, list[RowMapping]] = defaultdict(list)
    for row in rows:
        found[row["comment_id"]].append(row)
    return found


class AuthorCache:
    """Authors by id, each read once per export (an archive has few)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._known: dict[int, RowMapping] = {}

    def get(self, author_ids: Iterable[int | None]) -> dict[int, RowMapping]:
        """Return the authors of these ids (None and unknown ids are left out)."""
        wanted = {author_id for author_id in author_ids if author_id is not None}
        unknown = sorted(wanted - self._known.keys())
        for start in range(0, len(unknown), _CHUNK):
            chunk = unknown[start : start + _CHUNK]
            for row in _rows(self.session, select(Author.__table__).where(Author.id.in_(chunk))):
                self._known[row["id"]] = row
        return {
            author_id: self._known[author_id] for author_id in wanted if author_id in self._known
        }


def exported_authors(session: Session, post_ids: Sequence[int] | None) -> list[RowMapping]:
    """The authors of the exported posts and of their comments, by login."""
    of_posts = select(Post.author_id).where(Post.author_id.is_not(None))
    of_comments = select(Comment.author_id).where(Comment.author_id.is_not(None))
    if post_ids is not None:
        of_posts = of_posts.where(Post.id.in_(post_ids))
        of_comments = of_comments.where(Comment.post_id.in_(post_ids))
    return _rows(
        session,
        select(Author.__table__)
        .where(or_(Author.id.in_(of_posts), Author.id.in_(of_comments)))
        .order_by(Author.login, Author.id),
    )


def exported_terms(session: Session, post_ids: Sequence[int] | None) -> list[RowMapping]:
    """The terms of the exported posts, by taxonomy and slug."""
    used = select(post_terms.c.term_id)
    if post_ids is not None:
        used = used.where(post_terms.c.post_id.in_(post_ids))
    return _rows(
        session,
        select(Term.__table__).where(Term.id.in_(used)).order_by(Term.taxonomy, Term.slug),
    )


def log_entries(session: Session, post_ids: Sequence[int] | None) -> Iterator[RowMapping]:
    """The moderation log, oldest entry first; for some posts, what concerns them only."""
    query = select(LogEntry.__table__).order_by(LogEntry.id).limit(LOG_BATCH)
    if post_ids is not None:
        comments = select(Comment.id).where(Comment.post_id.in_(post_ids))
        query = query.where(or_(LogEntry.post_id.in_(post_ids), LogEntry.comment_id.in_(comments)))
    last = 0
    while True:
        batch = _rows(session, query.where(LogEntry.id > last))
        yield from batch
        if len(batch) < LOG_BATCH:
            return
        last = batch[-1]["id"]


def _rows(session: Session, query: Select[Any]) -> list[RowMapping]:
    return list(session.execute(query).mappings())
