"""Disqus exports (Admin → Community → Export): the parser.

The format: http://disqus.com/api/schemas/1.0/disqus.xsd, and ../shared/FORMATS.md §6 in
the project's notes. Categories, threads and posts are flat siblings under <disqus>; a post
names its thread and its parent by ``dsq:id`` attributes. Threads carry no content, only a
page's address and title: each becomes a post that joins the post of the same page another
source brought (see the writer), or a post of its own.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from forum.errors import ImportFailed
from forum.importers.records import CommentRecord, Notice, PostRecord, Record, Skipped
from forum.importers.xmlsource import (
    ReadState,
    iterparse,
    local_name,
    read_root,
    release,
    text_of,
)
from forum.models import CommentStatus, PostStatus, PostType
from forum.sanitize import clean_comment
from forum.urls import canonical_url, is_local, unwrap

SOURCE = "disqus"
INTERNALS = "{http://disqus.com/disqus-internals}id"
_TAGS = ("{*}category", "{*}thread", "{*}post")


def detect(head: bytes) -> bool:
    """A Disqus export has a <disqus> root in Disqus's namespace."""
    text = head.decode("utf-8", "replace")
    return bool(re.search(r"<disqus[\s>]", text)) and "disqus.com" in text


def confirm(path: str | os.PathLike[str], *, recover: bool) -> None:
    """Refuse a file that is XML but not a Disqus export, detected or named as one.

    Only posts under a <disqus> root are read: any other document would import as nothing.
    """
    root = read_root(path, recover=recover)
    if root is None or local_name(root.tag) == "disqus":
        return  # a file not well-formed so far is refused by the parse, with the place
    raise ImportFailed(
        os.fspath(path),
        f"not a Disqus export: the root element is <{local_name(root.tag)}>, not <disqus>",
        root.line,
    )


@dataclass
class _Thread:
    dsq_id: str
    identifier: str = ""
    link: str = ""
    title: str = ""
    created_at: datetime | None = None
    closed: bool = False
    deleted: bool = False
    line: int | None = None


@dataclass
class _Page:
    """The threads that are one page, and the comments of them all."""

    threads: list[_Thread] = field(default_factory=list)
    comments: list[CommentRecord] = field(default_factory=list)


def parse(path: str | os.PathLike[str], *, recover: bool, state: ReadState) -> Iterator[Record]:
    """Yield one post per page (threads of the same page merged) with its comments.

    Threads and posts may come in any order, so the file is read whole before any post is
    yielded; what is kept per comment is the record the writer needs, nothing more.
    """
    threads: dict[str, _Thread] = {}
    comments: list[tuple[str, CommentRecord, int | None]] = []
    notices: list[Notice] = []
    for _event, element in iterparse(path, tags=_TAGS, recover=recover, state=state):
        parent = element.getparent()
        if parent is None or local_name(parent.tag) != "disqus":
            continue  # a <thread dsq:id> reference inside a post, read with the post
        name = local_name(element.tag)
        if name == "thread":
            thread = _thread(element)
            threads[thread.dsq_id] = thread
        elif name == "post":
            found = _comment(element, notices)
            if found is not None:
                comments.append(found)
        release(element)
    yield from notices
    yield from _pages(threads, comments)


def _child(element: Any, name: str) -> Any | None:
    for child in element:
        if local_name(child.tag) == name:
            return child
    return None


def _text(element: Any, name: str) -> str:
    child = _child(element, name)
    return text_of(child).strip() if child is not None else ""


def _flag(element: Any, name: str) -> bool:
    return _text(element, name).lower() == "true"


def _thread(element: Any) -> _Thread:
    dsq_id = element.get(INTERNALS) or _text(element, "id") or f"line-{element.sourceline}"
    return _Thread(
        dsq_id=dsq_id,
        identifier=_text(element, "id"),
        link=_text(element, "link"),
        title=_text(element, "title"),
        created_at=_date(_text(element, "createdAt")),
        closed=_flag(element, "isClosed"),
        deleted=_flag(element, "isDeleted"),
        line=element.sourceline,
    )


def _reference(element: Any, name: str) -> str | None:
    """A post's thread or parent: ``<thread dsq:id="1"/>``, or (Disqus's own example) text."""
    child = _child(element, name)
    if child is None:
        return None
    return child.get(INTERNALS) or text_of(child).strip() or None


def _comment(element: Any, notices: list[Notice]) -> tuple[str, CommentRecord, int | None] | None:
    line = element.sourceline
    # Quirk: dsq:id can be missing (Disqus's own example, remark42's fixture): fall back to
    # <id>, else to a hash of what the post says.
    message = text_of(_child(element, "message")) if _child(element, "message") is not None else ""
    author = _child(element, "author")
    name = _text(author, "name") if author is not None else ""
    email = (_text(author, "email") if author is not None else "") or None
    key = element.get(INTERNALS) or _text(element, "id")
    if not key:
        key = "sha256:" + hashlib.sha256(f"{name}\n{message}".encode()).hexdigest()[:16]
        notices.append(Notice(f"a post without an id; keyed by its content as {key}", line))
    raw_created = _text(element, "createdAt")
    created = _date(raw_created)
    if raw_created and created is None:
        notices.append(Notice(f"post {key}: unreadable date {raw_created!r}", line))
    spam_value = _text(element, "isSpam").lower()
    if spam_value not in {"", "true", "false"}:
        notices.append(Notice(f"post {key}: isSpam is {spam_value!r}; read as false", line))
    deleted = _flag(element, "isDeleted")
    if deleted:
        status, source_status = CommentStatus.DELETED, "deleted"
    elif spam_value == "true":
        status, source_status = CommentStatus.SPAM, "spam"
    else:
        # Exports do not say whether a comment was pending; what was there was shown.
        status, source_status = CommentStatus.APPROVED, "approved"
    thread = _reference(element, "thread")
    if thread is None:
        notices.append(Notice(f"post {key} names no thread", line))
        thread = ""
    record = CommentRecord(
        key=key,
        parent_key=_reference(element, "parent"),
        status=status,
        source_status=source_status,
        author_name=name or (_text(author, "username") if author is not None else ""),
        author_email=email,
        author_ip=_text(element, "ipAddress") or None,
        body_raw=message.strip(),
        # Quirk: messages are HTML already (<p>, <br>): no autop, only the sanitizer.
        body_html=clean_comment(message.strip()),
        created_at=created,
    )
    return thread, record, line


def _date(value: str) -> datetime | None:
    """Read Disqus's ISO 8601 UTC dates; the official example omits the Z."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _home_host(threads: dict[str, _Thread]) -> str | None:
    """The site's real host: the most common one among thread links that are not local."""
    hosts = Counter(
        urlsplit(unwrap(thread.link)).netloc
        for thread in threads.values()
        if thread.link and not is_local(unwrap(thread.link))
    )
    return hosts.most_common(1)[0][0] if hosts else None


def _page_url(thread: _Thread, home: str | None) -> str | None:
    """Where a thread's page lives. Quirk: threads first loaded on the author's machine
    (localhost, 0.0.0.0) or through a search engine's cache name the real page only by
    its path, which the site's own host completes."""
    if not thread.link:
        return None
    link = unwrap(thread.link)
    if is_local(link) and home:
        parts = urlsplit(link)
        return urlunsplit(("https", home, parts.path, parts.query, ""))
    return link


def _pages(
    threads: dict[str, _Thread], comments: list[tuple[str, CommentRecord, int | None]]
) -> Iterator[Record]:
    home = _home_host(threads)
    pages: dict[str, _Page] = defaultdict(_Page)
    page_of: dict[str, str] = {}
    for thread in threads.values():
        url = _page_url(thread, home)
        page_key = canonical_url(url) or f"thread:{thread.dsq_id}"
        page_of[thread.dsq_id] = page_key
        pages[page_key].threads.append(thread)
    for thread_id, record, line in comments:
        if thread_id not in page_of:
            # Quirk: a post whose thread is not in the export (isso's fixture, 1337). Its
            # comments are kept, on a post of their own that readers do not see.
            page_of[thread_id] = f"missing-thread:{thread_id}"
            pages[page_of[thread_id]].threads.append(_Thread(dsq_id=thread_id, line=line))
            yield Notice(
                f"post {record.key}: its thread {thread_id or '(none)'} is not in the "
                "export; kept on a post held for moderation",
                line,
            )
        pages[page_of[thread_id]].comments.append(record)
    for page_key, page in pages.items():
        if not page.comments:
            yield Skipped("empty thread", page_key)
            continue
        yield _post(page_key, page, home)


def _post(page_key: str, page: _Page, home: str | None) -> PostRecord:
    latest = datetime.max.replace(tzinfo=UTC)
    main = min(page.threads, key=lambda thread: thread.created_at or latest)
    missing = page_key.startswith("missing-thread:")
    url = None if missing else _page_url(main, home)
    title = next((t.title for t in page.threads if t.title), "") or (url or "Untitled thread")
    if missing:
        status = PostStatus.PENDING
    elif all(thread.deleted for thread in page.threads):
        status = PostStatus.DELETED
    else:
        status = PostStatus.PUBLISHED
    return PostRecord(
        key=page_key,
        type=PostType.POST,
        status=status,
        source_status="deleted" if status is PostStatus.DELETED else None,
        title=title,
        url=url,
        published_at=main.created_at,
        comments_open=not any(thread.closed for thread in page.threads),
        comments=page.comments,
        line=main.line,
        has_content=False,
    )
