"""Saved pages: a discussion that survives only as a web page, saved as HTML or as text.

Two shapes are read. HTML saved from a blog, in WordPress themes' standard markup
(htmlpage.py); and the plain text that "save as text" or a scraper leaves (textpage.py).
Both give one post with its thread, without the page's chrome (rules.py). A page is keyed
by its URL when it names one (HTML's canonical link), else by a hash of its title and
text, so importing it again updates the same post.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from urllib.parse import unquote, urlsplit

from forum.errors import ImportFailed
from forum.importers.page import htmlpage, textpage
from forum.importers.page.article import Article
from forum.importers.records import Notice, PostRecord, Record
from forum.importers.xmlsource import ReadState
from forum.models import PostStatus, PostType
from forum.quotes import normalize, plain_text

SOURCE = "page"
# A saved page is a few hundred kilobytes; far more is not a page, and is read whole.
MAX_BYTES = 64 << 20
_BOM = b"\xef\xbb\xbf"
_HTML = re.compile(
    rb"^(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title)[\s>/]",
    re.IGNORECASE | re.DOTALL,
)
# Text has no C0 controls other than tab, newline, form feed and carriage return.
_BINARY = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f]")
_CHARSET = re.compile(rb"<meta[^>]+charset=[\"']?([\w-]+)", re.IGNORECASE)


def detect(head: bytes) -> bool:
    """Tell whether a file is a saved page: an HTML document, or text that is not markup."""
    sample = head.removeprefix(_BOM).lstrip()
    if _HTML.match(sample):
        return True
    # Markup of any other kind (XML, a feed, a Disqus export) is not a saved page, nor JSON.
    return not sample.startswith((b"<", b"{", b"[")) and not _BINARY.search(head)


def parse(path: str | os.PathLike[str], *, recover: bool, state: ReadState) -> Iterator[Record]:
    """Yield the page's warnings, then its post with the thread.

    HTML is always read by a recovering parser, as browsers read it; ``recover`` changes
    nothing here.
    """
    name = os.fspath(path)
    with open(path, "rb") as file:
        data = file.read(MAX_BYTES + 1)
    state.bytes_read = len(data)
    if len(data) > MAX_BYTES:
        raise ImportFailed(name, f"larger than {MAX_BYTES >> 20} MB; not a saved page")
    is_html = bool(_HTML.match(data.removeprefix(_BOM).lstrip()[:4096]))
    text, note = _decode(data, is_html)
    # A NUL reads as U+FFFD, as a browser shows it: PostgreSQL stores no NUL in text, and
    # a page that imports on SQLite must import everywhere.
    text = text.replace("\x00", "\ufffd")
    try:
        article = htmlpage.read(text) if is_html else textpage.read(text)
    except htmlpage.PageTooDeep as error:
        raise ImportFailed(
            name,
            f"the page nests its elements too deep to be read whole ({error}); it is "
            "refused rather than imported without what lies deeper",
        ) from None
    if article is None or not (plain_text(article.body_html).strip() or article.comments):
        raise ImportFailed(
            name,
            "no article found: the page has no title, or no text under it",
            hint="forum imports pages saved from a blog or a news site, as HTML or text",
        )
    if note:
        yield Notice(note)
    yield from article.notices
    yield _post(article)


def _decode(data: bytes, is_html: bool) -> tuple[str, str | None]:
    """Decode a page: UTF-8 (with or without BOM), the charset HTML declares, else cp1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace"), None
    try:
        return data.removeprefix(_BOM).decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    declared = _CHARSET.search(data[:4096]) if is_html else None
    if declared:
        try:
            return data.decode(declared.group(1).decode("ascii")), None
        except (LookupError, UnicodeDecodeError):
            pass
    # Windows-1252 decodes nearly any byte and is what legacy Western pages are in.
    try:
        return data.decode("cp1252"), "the page is not UTF-8; it was read as Windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "the page is not UTF-8; it was read as Latin-1"


def _post(article: Article) -> PostRecord:
    origin = ""
    if article.url:
        parts = urlsplit(article.url)
        origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
    return PostRecord(
        key=article.url or _content_key(article),
        type=PostType.POST,
        status=PostStatus.PUBLISHED,
        source_status=None,
        title=article.title,
        slug=_slug(article),
        url=article.url,
        summary=article.summary,
        related_links=_unique(article.related),
        body_raw=article.body_raw,
        body_html=article.body_html,
        published_at=article.published_at,
        author_key=f"{origin}|{article.author}" if article.author else None,
        comments=article.comments,
        paragraphs_dropped=article.paragraphs_dropped,
        line=article.title_line,
    )


def _content_key(article: Article) -> str:
    """A page without a URL is known by its words: its title and its article's text.

    Words only, so that a page saved again with other spacing, quote marks or chrome
    still finds its post.
    """
    text = f"{normalize(article.title)}\n{normalize(plain_text(article.body_html))}"
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _slug(article: Article) -> str:
    if article.url:
        last = unquote(urlsplit(article.url).path.rstrip("/").rsplit("/", 1)[-1])
        if last and "." not in last:
            return last
    return "-".join(normalize(article.title).split())[:200]


def _unique(links: list[dict[str, str | None]]) -> list[dict[str, str | None]]:
    seen: set[tuple[str | None, str | None]] = set()
    unique = []
    for link in links:
        key = (link.get("title"), link.get("url"))
        if key not in seen:
            seen.add(key)
            unique.append({"title": link.get("title"), "url": link.get("url")})
    return unique
