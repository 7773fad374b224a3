"""Our own JSON export (forum/exporters/json.py) read back: an archive imported again.

The document is read as a stream (ijson), one post at a time, so memory follows the largest
thread and not the file. It is our format but an untrusted file all the same: every field
is type-checked, and bodies are sanitized again rather than taken as they come.

Keys: a post is keyed by its original provenance (``source:source_key``), a comment by its
id in the exported archive, so importing a later export of the same archive updates what
the first one brought. Comment keys are the numeric ids on purpose: the writer orders
siblings written at the same moment by their keys, and numeric ids keep the original order.
The tree comes from each comment's ``parent_id``, never from the nesting, which stops at a
bounded depth. Quotes are found again from the bodies by the writer. Flags and the
moderation log are exported but not imported (a parser never touches the database, and the
writer has no records for them yet); the report says how many were left out.
"""

from __future__ import annotations

import enum
import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, Any, TypeVar

import ijson

from forum.errors import ImportFailed
from forum.importers.records import (
    AuthorRecord,
    CommentRecord,
    Notice,
    PostRecord,
    Record,
    TermRecord,
)
from forum.importers.xmlsource import ReadState
from forum.models import CommentKind, CommentStatus, PostStatus, PostType
from forum.sanitize import clean_comment, clean_post, render_wordpress_comment

SOURCE = "archive"
FORMAT = "forum-archive"
VERSION = 1
_BOM = b"\xef\xbb\xbf"
_MARKER = re.compile(rb'"format"\s*:\s*"forum-archive"')
# Citations of quotes point at ids of the exported archive; the writer cites afresh.
_CITE = re.compile(r'(<blockquote\b[^>]*?)\s+cite="#c\d+"')

E = TypeVar("E", bound=enum.Enum)


def detect(head: bytes) -> bool:
    """Tell whether a file is a forum archive: a JSON object that names our format early."""
    sample = head.removeprefix(_BOM).lstrip()
    return sample.startswith(b"{") and bool(_MARKER.search(sample))


class _Header:
    """The document's top-level fields, seen as the stream passes, and what is not imported."""

    def __init__(self) -> None:
        self.format: str | None = None
        self.version: int | None = None
        self.log_entries = 0
        self.flags = 0


class _Counting:
    """A binary file that counts the bytes read, for the progress bar."""

    def __init__(self, raw: IO[bytes], state: ReadState) -> None:
        self._raw, self._state = raw, state

    def read(self, size: int = -1) -> bytes:
        chunk = self._raw.read(size)
        self._state.bytes_read += len(chunk)
        return chunk


def parse(path: str | os.PathLike[str], *, recover: bool, state: ReadState) -> Iterator[Record]:
    """Yield each post's authors, then the post with its comments.

    ``recover`` changes nothing: a JSON document that does not parse is refused.
    """
    name = os.fspath(path)
    header = _Header()
    seen_authors: set[str] = set()
    with open(path, "rb") as raw:
        _check_depth(raw, name)
        raw.seek(0)
        events = _watch(ijson.parse(_Counting(raw, state), use_float=True), header, name)
        try:
            for number, post in enumerate(ijson.items(events, "posts.item"), 1):
                _check_header(name, header, final=False)
                where = f"post {number}"
                if not isinstance(post, dict):
                    raise ImportFailed(name, f"{where} is not an object")
                yield from _records(name, where, post, seen_authors, header)
        except ijson.JSONError as error:
            raise ImportFailed(name, f"not valid JSON: {error}") from None
    _check_header(name, header, final=True)
    if header.flags or header.log_entries:
        yield Notice(
            f"the archive's {header.flags} reader flags and {header.log_entries} moderation "
            "log entries were not imported (this version restores posts and threads)"
        )


# Our exports nest replies 64 levels deep at most (about 135 levels of JSON). ijson keeps
# the prefix of every open level, each as long as the path to it: memory grows with the
# square of the depth (10,000 levels take 2 GB), so deeper documents are refused first.
MAX_JSON_DEPTH = 512


def _check_depth(raw: IO[bytes], name: str) -> None:
    """Refuse a document nested deeper than any export: a cheap pass without prefixes."""
    depth = 0
    try:
        for event, _value in ijson.basic_parse(raw, use_float=True):
            if event in {"start_map", "start_array"}:
                depth += 1
                if depth > MAX_JSON_DEPTH:
                    raise ImportFailed(
                        name,
                        f"the document nests deeper than {MAX_JSON_DEPTH} levels, which "
                        "forum's exports never do",
                    )
            elif event in {"end_map", "end_array"}:
                depth -= 1
    except ijson.JSONError as error:
        raise ImportFailed(name, f"not valid JSON: {error}") from None


def _watch(
    events: Iterator[tuple[str, str, Any]], header: _Header, name: str
) -> Iterator[tuple[str, str, Any]]:
    """Pass the parser's events on, noting the header and counting the log's entries."""
    for prefix, event, value in events:
        if prefix == "format" and event == "string":
            header.format = value
        elif prefix == "version" and event == "number":
            header.version = value
        elif prefix == "moderation_log.item" and event == "start_map":
            header.log_entries += 1
        yield prefix, event, value


def _check_header(name: str, header: _Header, *, final: bool) -> None:
    if header.format is None and not final:
        return  # a rewritten file may name its format later; checked again at the end
    if header.format != FORMAT:
        raise ImportFailed(name, f'not a forum archive (expected "format": "{FORMAT}")')
    if not isinstance(header.version, int) or not 1 <= header.version <= VERSION:
        raise ImportFailed(
            name,
            f"archive version {header.version!r} is not one this forum reads (1 to {VERSION})",
            hint="a newer forum wrote it; upgrade forum to import it",
        )


def _records(
    name: str, where: str, data: dict[str, Any], seen: set[str], header: _Header
) -> Iterator[Record]:
    post = _Fields(name, where, data)
    authors: list[AuthorRecord] = []
    author = _author(name, f"{where}: author", data.get("author"), authors)
    comments = [
        _comment(name, f"{where}, comment {index}", comment, authors, header)
        for index, comment in enumerate(_flatten(name, where, data.get("comments")), 1)
    ]
    for record in authors:
        if record.key not in seen:
            seen.add(record.key)
            yield record
    status = post.choice("status", PostStatus)
    yield PostRecord(
        key=_provenance_key(post, f"{where}: the post"),
        type=post.choice("type", PostType, PostType.POST),
        status=status,
        # What this source (the archive) says of the post: follow it on a re-import.
        source_status=status.value,
        title=post.text("title"),
        slug=post.text("slug"),
        url=post.optional_text("url"),
        excerpt=clean_post(post.text("excerpt")),
        summary=post.text("summary"),
        related_links=_related_links(post),
        body_raw=post.text("body_raw"),
        body_html=clean_post(post.text("body_html")),
        published_at=post.date("published_at"),
        modified_at=post.date("modified_at"),
        author_key=author,
        comments_open=post.flag("comments_open", True),
        is_sticky=post.flag("is_sticky", False),
        is_protected=post.flag("is_protected", False),
        terms=[_term(name, f"{where}: term", term) for term in post.items("terms")],
        comments=comments,
    )


def _flatten(name: str, where: str, comments: Any) -> Iterator[dict[str, Any]]:
    """Every comment of a nested thread, parents first, without recursion."""
    if comments is None:
        return
    if not isinstance(comments, list):
        raise ImportFailed(name, f"{where}: comments must be a list")
    stack = list(reversed(comments))
    while stack:
        comment = stack.pop()
        if not isinstance(comment, dict):
            raise ImportFailed(name, f"{where}: a comment is not an object")
        replies = comment.get("replies") or []
        if not isinstance(replies, list):
            raise ImportFailed(name, f"{where}: replies must be a list")
        yield comment
        stack.extend(reversed(replies))


def _comment(
    name: str,
    where: str,
    data: dict[str, Any],
    authors: list[AuthorRecord],
    header: _Header,
) -> CommentRecord:
    comment = _Fields(name, where, data)
    comment_id, parent_id = comment.integer("id"), comment.optional_integer("parent_id")
    author = _Fields(name, f"{where}: author", data.get("author") or {})
    status = comment.choice("status", CommentStatus)
    body_raw, body_html = comment.text("body_raw"), comment.text("body_html")
    header.flags += len(comment.items("flags"))
    return CommentRecord(
        key=str(comment_id),
        parent_key=str(parent_id) if parent_id is not None else None,
        status=status,
        source_status=status.value,
        kind=comment.choice("kind", CommentKind, CommentKind.COMMENT),
        author_name=author.text("name"),
        author_email=author.optional_text("email"),
        author_url=author.optional_text("url"),
        author_login_key=_author(
            name, f"{where}: author account", (data.get("author") or {}).get("account"), authors
        ),
        body_raw=body_raw,
        body_html=_uncited(clean_comment(body_html)) if body_html else _render(body_raw),
        created_at=comment.date("created_at"),
        url=comment.optional_text("source_url"),
    )


def _render(body_raw: str) -> str:
    return render_wordpress_comment(body_raw) if body_raw else ""


def _uncited(body_html: str) -> str:
    return _CITE.sub(r"\1", body_html)


def _author(name: str, where: str, data: Any, authors: list[AuthorRecord]) -> str | None:
    """Read an author account; add its record to ``authors`` and return its key."""
    if data is None:
        return None
    account = _Fields(name, where, data)
    login = account.text("login")
    if not login:
        return None
    key = _provenance_key(account, where)
    authors.append(
        AuthorRecord(
            key=key,
            login=login,
            display_name=account.text("display_name"),
            email=account.optional_text("email"),
        )
    )
    return key


def _term(name: str, where: str, data: Any) -> TermRecord:
    term = _Fields(name, where, data)
    taxonomy, slug = term.text("taxonomy"), term.text("slug")
    if not taxonomy or not slug:
        raise ImportFailed(name, f"{where}: a term needs a taxonomy and a slug")
    return TermRecord(
        taxonomy=taxonomy,
        slug=slug,
        name=term.text("name") or slug,
        parent_slug=term.optional_text("parent_slug"),
    )


def _related_links(post: _Fields) -> list[dict[str, str | None]]:
    links = []
    for link in post.items("related_links"):
        fields = _Fields(post.name, f"{post.where}: related link", link)
        links.append({"title": fields.optional_text("title"), "url": fields.optional_text("url")})
    return links


def _provenance_key(fields: _Fields, where: str) -> str:
    """The key of a row: where it first came from, so that each export of it meets it again.

    A row that an archive import brought keeps its key as it is, so keys do not grow with
    every round trip.
    """
    source, key = fields.text("source"), fields.text("source_key")
    if not source or not key:
        raise ImportFailed(fields.name, f"{where} has no source and source_key")
    return key if source == SOURCE else f"{source}:{key}"


# Neither database stores these in text; an export of ours never holds them.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class _Fields:
    """Typed access to one JSON object of the file; a wrong type fails the import."""

    def __init__(self, name: str, where: str, data: Any) -> None:
        if not isinstance(data, dict):
            raise ImportFailed(name, f"{where} is not an object")
        self.name, self.where, self.data = name, where, data

    def _fail(self, field: str, expected: str) -> ImportFailed:
        return ImportFailed(self.name, f"{self.where}: {field} must be {expected}")

    def text(self, field: str) -> str:
        return self.optional_text(field) or ""

    def optional_text(self, field: str) -> str | None:
        value = self.data.get(field)
        if value is not None and not isinstance(value, str):
            raise self._fail(field, "a string")
        if value is not None and _UNSTORABLE.search(value):
            raise self._fail(field, "text without NUL characters or lone surrogates")
        return value

    def flag(self, field: str, default: bool) -> bool:
        value = self.data.get(field, default)
        if not isinstance(value, bool):
            raise self._fail(field, "true or false")
        return value

    def integer(self, field: str) -> int:
        value = self.optional_integer(field)
        if value is None:
            raise self._fail(field, "a number")
        return value

    def optional_integer(self, field: str) -> int | None:
        value = self.data.get(field)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise self._fail(field, "a whole number")
        return value

    def date(self, field: str) -> datetime | None:
        value = self.optional_text(field)
        if not value:
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise self._fail(field, "an ISO 8601 date") from None
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)

    def items(self, field: str) -> list[Any]:
        value = self.data.get(field)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self._fail(field, "a list")
        return value

    def choice(self, field: str, kind: type[E], default: E | None = None) -> E:
        value = self.data.get(field)
        if value is None and default is not None:
            return default
        try:
            return kind(value)
        except ValueError:
            known = ", ".join(member.value for member in kind)
            raise self._fail(field, f"one of {known}") from None
