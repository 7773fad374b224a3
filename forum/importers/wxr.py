"""WordPress eXtended RSS (WXR 1.0, 1.1, 1.2): the parser.

There is no official specification; WordPress's exporter (wp-admin/includes/export.php)
and the wordpress-importer plugin are the reference. ../shared/FORMATS.md (in the project's
shared notes) lists the traps handled below, each marked where it is handled.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, NamedTuple
from urllib.parse import unquote

from forum.errors import ImportFailed
from forum.importers.quoting import QuoteWorker
from forum.importers.records import (
    AuthorRecord,
    CommentRecord,
    Notice,
    PostRecord,
    Record,
    Skipped,
    TermRecord,
)
from forum.importers.rendering import Pending, Renderer, import_workers, process_context
from forum.importers.xmlsource import (
    ReadState,
    iterparse,
    local_name,
    namespace,
    read_root,
    release,
    text_of,
)
from forum.memory import fewer_collections
from forum.models import CommentKind, CommentStatus, PostStatus, PostType
from forum.sanitize import autop, clean_post, render_wordpress_comment, render_wordpress_post

SOURCE = "wordpress"

# Quirk: namespaces differ by version and by scheme (WordPress.com writes https), so we
# accept any export namespace and match on local names within it.
_WP_NAMESPACE = re.compile(r"^https?://wordpress\.org/export/\d+\.\d+/$")
_EXCERPT_NAMESPACE = re.compile(r"^https?://wordpress\.org/export/\d+\.\d+/excerpt/$")
_CONTENT_NAMESPACE = re.compile(r"^https?://purl\.org/rss/1\.0/modules/content/?$")
_DC_NAMESPACE = re.compile(r"^https?://purl\.org/dc/elements/1\.1/?$")

_CHANNEL_TAGS = (
    "{*}item",
    "{*}comment",  # read as each ends, and freed: an item's thread can be huge
    "{*}author",
    "{*}category",
    "{*}tag",
    "{*}term",
    "{*}wxr_version",
    "{*}base_site_url",
    "{*}base_blog_url",
    "{*}link",
    "{*}title",
)

IMPORTED_TYPES = {"post": PostType.POST, "page": PostType.PAGE}
POST_STATUSES = {
    "publish": PostStatus.PUBLISHED,
    "future": PostStatus.SCHEDULED,
    "draft": PostStatus.DRAFT,
    "pending": PostStatus.PENDING,
    "private": PostStatus.PRIVATE,
    "trash": PostStatus.DELETED,
}
COMMENT_STATUSES = {
    "1": CommentStatus.APPROVED,
    "0": CommentStatus.PENDING,
    "spam": CommentStatus.SPAM,
    "trash": CommentStatus.DELETED,
    "post-trashed": CommentStatus.DELETED,
}
COMMENT_KINDS = {
    "": CommentKind.COMMENT,
    "comment": CommentKind.COMMENT,
    "pingback": CommentKind.PINGBACK,
    "trackback": CommentKind.TRACKBACK,
}
# Quirk: WordPress 6.9 exports the block editor's private editorial notes as comments of
# type "note" (WooCommerce likewise its order notes). They were never public; never publish.
PRIVATE_COMMENT_TYPES = {"note", "order_note"}
_NO_DATE = "0000-00-00 00:00:00"
_WP_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")
# The comment meta in which forum's own WXR exports keep a comment's exact status.
STATUS_META = "_forum_status"


def detect(head: bytes) -> bool:
    """Tell whether the start of a file looks like a WXR export."""
    text = head.decode("utf-8", "replace")
    return "<rss" in text and bool(re.search(r"wordpress\.org/export/", text))


def confirm(path: str | os.PathLike[str], *, recover: bool) -> None:
    """Refuse a file that is XML but not a WordPress export, detected or named as one.

    An export declares WordPress's namespace (http://wordpress.org/export/1.0/ to 1.2/) on
    its root, where WordPress's own importer looks (WXR_Parser_SimpleXML reads the root's
    namespaces); we also take it on <channel>. A plain RSS feed has <item>s too, and would
    otherwise become posts.
    """
    root = read_root(path, recover=recover)
    if root is None or any(_WP_NAMESPACE.match(uri) for uri in root.namespaces):
        return  # a file not well-formed so far is refused by the parse, with the place
    name = local_name(root.tag)
    what = "an RSS feed" if name == "rss" else f"an XML document with a <{name}> root"
    raise ImportFailed(
        os.fspath(path),
        f"{what}, not a WordPress export: no wp: namespace (http://wordpress.org/export/1.x/)",
        root.line,
    )


def parse(path: str | os.PathLike[str], *, recover: bool, state: ReadState) -> Iterator[Record]:
    """Yield the records of a WXR file, streaming: authors and terms, then posts."""
    workers = import_workers(path)
    with ExitStack() as stack:
        # A big file: a process of its own finds each post's quotes as the file is read.
        # Both it and the workers start now, while this process has no other thread and
        # can fork (the quote process's queue and the pool start threads).
        quoter = stack.enter_context(QuoteWorker(process_context())) if workers else None
        renderer = stack.enter_context(Renderer(render_wordpress_comment, workers))
        renderer.start()
        stack.enter_context(fewer_collections(bool(workers)))
        # A post is yielded once its comments are rendered and its quotes found, the
        # file read on meanwhile (at the latest, until the next post ends): the workers
        # keep sanitizing while the writer stores it, and only part of the next post is
        # held beside it. The order never changes.
        held: list[Record] = []
        for record in _records(path, recover, state, renderer, quoter):
            if record is _READ_ON:
                if held and _is_ready(held):
                    yield from _resolved(held)
                    held = []
                continue
            if isinstance(record, PostRecord):
                yield from _resolved(held)
                held = []
            held.append(record)
        yield from _resolved(held)


# What _records yields every _READ_ON_EVERY comments: a chance to yield a held post.
_READ_ON = object()
_READ_ON_EVERY = 64


def _is_ready(records: list[Record]) -> bool:
    """Tell whether the posts' comments are rendered (the last one's batch, at least) and
    their quotes found, so that yielding them would not wait."""
    for record in records:
        if isinstance(record, PostRecord):
            last = record.comments[-1].body_html if record.comments else None
            if isinstance(last, Pending) and not last.ready():
                return False
            if record.quotes_ahead is not None and not record.quotes_ahead.ready():
                return False
    return True


def _resolved(records: list[Record]) -> Iterator[Record]:
    """The records, each post's comments with their rendered HTML."""
    for record in records:
        if isinstance(record, PostRecord):
            for comment in record.comments:
                if isinstance(comment.body_html, Pending):
                    comment.body_html = comment.body_html.result()
        yield record


def _records(
    path: str | os.PathLike[str],
    recover: bool,
    state: ReadState,
    renderer: Renderer,
    quoter: QuoteWorker | None,
) -> Iterator[Record | object]:  # records, and _READ_ON
    site = ""
    channel_title = ""
    user_logins: dict[str, str] = {}  # source user id -> author key
    comments: list[_ReadComment | None] = []  # the current item's, read as each ended
    read = 0
    for _event, element in iterparse(path, tags=_CHANNEL_TAGS, recover=recover, state=state):
        parent = element.getparent()
        # The test every comment passes first, from the tags alone (items have no namespace).
        if parent is not None and parent.tag == "item" and _is_wp_comment(element):
            if _in_channel(parent):
                comments.append(_read_comment(element, renderer, quoter, user_logins))
                parent.remove(element)  # memory stays flat, however long the thread
                read += 1
                if read % _READ_ON_EVERY == 0:
                    yield _READ_ON
            continue
        where = local_name(parent.tag) if parent is not None else ""
        if where != "channel":
            continue  # an element inside an item, read with its item
        name, ns = local_name(element.tag), namespace(element.tag)
        if name == "item" and ns == "":
            site_key = site or _fallback_site(element, channel_title)
            record = _post(element, site_key, user_logins, comments)
            if quoter is not None:
                if isinstance(record, PostRecord) and record.comments:
                    record.quotes_ahead = quoter.thread(record.comments)
                else:
                    quoter.discard()
            yield record
            comments = []
        elif _WP_NAMESPACE.match(ns):
            if name in {"base_blog_url", "base_site_url"}:
                # The blog URL wins over the (multisite network) site URL.
                if name == "base_blog_url" or not site:
                    site = text_of(element).strip().rstrip("/")
            elif name == "author":
                author = _author(element, site)
                if author is not None:
                    author_id = _field(element, "author_id")
                    if author_id:
                        user_logins[author_id] = author.key
                    yield author
            elif name in {"category", "tag", "term"}:
                term = _term(element, name)
                if term is not None:
                    yield term
            elif name == "wxr_version":
                version = text_of(element).strip()
                if not re.fullmatch(r"1\.[0-2]", version):
                    yield Notice(
                        f"WXR version {version!r} is not one we know; reading it as 1.2",
                        element.sourceline,
                    )
        elif name == "link" and ns == "" and not site:
            site = text_of(element).strip().rstrip("/")
        elif name == "title" and ns == "":
            channel_title = text_of(element).strip()
        release(element)


def _fallback_site(item: Any, channel_title: str) -> str:
    """Name the site of a file that does not say which it is (hand-trimmed exports).

    Post keys are "<site>?p=<id>"; without a site, two such files would share keys.
    The origin of the item's link is the best stand-in, else the channel's title.
    """
    for child in item:
        if namespace(child.tag) == "" and local_name(child.tag) in {"link", "guid"}:
            found = re.match(r"^(https?://[^/?#]+)", text_of(child).strip())
            if found:
                return found.group(1)
    return f"title:{channel_title}" if channel_title else ""


def _children(element: Any) -> dict[str, Any]:
    """Map the local names of an element's WordPress children to the first such child."""
    found: dict[str, Any] = {}
    for child in element:
        name = _wp_local_name(child.tag)
        if name is not None and name not in found:
            found[name] = child
    return found


# Tag -> its local name when the namespace is WordPress's or none, else None. A file uses a
# handful of tags, read millions of times; a hostile file's endless new tags are not kept.
_WP_LOCAL_NAMES: dict[Any, str | None] = {}
_WP_LOCAL_NAMES_KEPT = 512


def _wp_local_name(tag: Any) -> str | None:
    try:
        return _WP_LOCAL_NAMES[tag]
    except KeyError:
        pass
    ns = namespace(tag)
    name = local_name(tag) if _WP_NAMESPACE.match(ns) or ns == "" else None
    if len(_WP_LOCAL_NAMES) < _WP_LOCAL_NAMES_KEPT:
        _WP_LOCAL_NAMES[tag] = name
    return name


def _is_wp_comment(element: Any) -> bool:
    tag = element.tag
    try:
        return _WP_COMMENT_TAGS[tag]
    except KeyError:
        pass
    found = local_name(tag) == "comment" and bool(_WP_NAMESPACE.match(namespace(tag)))
    if len(_WP_COMMENT_TAGS) < _WP_LOCAL_NAMES_KEPT:
        _WP_COMMENT_TAGS[tag] = found
    return found


_WP_COMMENT_TAGS: dict[Any, bool] = {}  # tag -> is it wp:comment (any export namespace)


def _in_channel(item: Any) -> bool:
    """Tell whether an element is an item of the channel, the only items read."""
    channel = item.getparent()
    return item.tag == "item" and channel is not None and local_name(channel.tag) == "channel"


def _field(element: Any, name: str) -> str:
    """The stripped text of a WordPress child; whitespace outside CDATA is not content."""
    child = _children(element).get(name)
    return text_of(child).strip() if child is not None else ""


def _author(element: Any, site: str) -> AuthorRecord | None:
    fields = _children(element)
    login = text_of(fields["author_login"]).strip() if "author_login" in fields else ""
    if not login:
        return None
    display = (
        text_of(fields["author_display_name"]).strip() if "author_display_name" in fields else ""
    )
    email = text_of(fields["author_email"]).strip() if "author_email" in fields else ""
    return AuthorRecord(
        key=f"{site}|{login}", login=login, display_name=html.unescape(display), email=email or None
    )


def _term(element: Any, kind: str) -> TermRecord | None:
    fields = {name: text_of(child).strip() for name, child in _children(element).items()}
    if kind == "category":
        taxonomy, slug = "category", fields.get("category_nicename", "")
        name, parent = fields.get("cat_name", ""), fields.get("category_parent")
    elif kind == "tag":
        taxonomy, slug, name, parent = (
            "post_tag",
            fields.get("tag_slug", ""),
            fields.get("tag_name", ""),
            None,
        )
    else:
        taxonomy, slug = fields.get("term_taxonomy", ""), fields.get("term_slug", "")
        name, parent = fields.get("term_name", ""), fields.get("term_parent")
    if not slug or not taxonomy:
        return None
    return TermRecord(
        taxonomy=taxonomy,
        slug=unquote(slug),
        name=html.unescape(name or slug),
        parent_slug=parent or None,
    )


def _post(
    item: Any, site: str, user_logins: dict[str, str], comments: list[_ReadComment | None]
) -> Record:
    wp: dict[str, str] = {}
    terms: list[TermRecord] = []
    title = link = guid = content = excerpt = creator = pub_date = ""
    for child in item:
        name, ns = local_name(child.tag), namespace(child.tag)
        if _WP_NAMESPACE.match(ns):
            if name not in wp and name != "comment":  # comments were read as they ended
                wp[name] = text_of(child).strip()
        elif ns == "":
            if name == "title" and not title:
                title = text_of(child).strip()
            elif name == "link" and not link:
                link = text_of(child).strip()
            elif name == "guid" and not guid:
                guid = text_of(child).strip()
            elif name == "pubDate":
                pub_date = text_of(child).strip()
            elif name == "category":
                term = _item_term(child)
                if term is not None:
                    terms.append(term)
            elif name == "post_id" and "post_id" not in wp:
                wp["post_id"] = text_of(child).strip()
        elif _CONTENT_NAMESPACE.match(ns) and name == "encoded":
            content = text_of(child).strip()
        elif _EXCERPT_NAMESPACE.match(ns) and name == "encoded":
            excerpt = text_of(child).strip()
        elif _DC_NAMESPACE.match(ns) and name == "creator":
            creator = text_of(child).strip()

    post_type = wp.get("post_type") or "post"  # Quirk: the type can be missing.
    if post_type not in IMPORTED_TYPES:
        return Skipped(post_type, title)
    raw_status = wp.get("status")
    status = POST_STATUSES.get(raw_status or "publish", PostStatus.DRAFT)
    post_id = wp.get("post_id", "")
    if post_id:
        key = f"{site}?p={post_id}"
    elif guid or link:
        key = guid or link
    else:
        key = "sha256:" + hashlib.sha256(f"{title}\n{content}".encode()).hexdigest()
    local_date = _wp_date(wp.get("post_date"))
    gmt_date = _wp_date(wp.get("post_date_gmt"))
    offset = local_date - gmt_date if local_date and gmt_date else timedelta(0)
    published = gmt_date or (local_date - offset if local_date else None) or _rfc822(pub_date)
    record = PostRecord(
        key=key,
        type=IMPORTED_TYPES[post_type],
        status=status,
        source_status=raw_status,
        title=html.unescape(title),
        slug=unquote(wp.get("post_name", "")),
        url=link or None,
        excerpt=clean_post(autop(excerpt)) if excerpt else "",
        body_raw=content,
        body_html=render_wordpress_post(content),
        published_at=published,
        modified_at=_wp_date(wp.get("post_modified_gmt")),
        author_key=f"{site}|{creator}" if creator else None,
        comments_open=wp.get("comment_status", "open") != "closed",
        is_sticky=wp.get("is_sticky") == "1",
        is_protected=bool(wp.get("post_password")),
        terms=terms,
        line=item.sourceline,
    )
    for read in comments:
        if read is None:
            record.private_comments += 1
            continue
        if read.local_date is not None:
            read.record.created_at = read.local_date - offset
        record.comments.append(read.record)
    return record


def _item_term(element: Any) -> TermRecord | None:
    # Quirk: WXR 1.0 writes each category twice; the copy without nicename is ignored,
    # and it calls tags "tag" where later versions say "post_tag".
    slug = element.get("nicename")
    if not slug:
        return None
    domain = element.get("domain") or "category"
    taxonomy = "post_tag" if domain == "tag" else domain
    name = text_of(element).strip()
    return TermRecord(taxonomy=taxonomy, slug=unquote(slug), name=html.unescape(name or slug))


class _ReadComment(NamedTuple):
    """A wp:comment as read when it ended: its record, and its local date when only that
    is known (made UTC with the post's offset once the post's dates are read)."""

    record: CommentRecord
    local_date: datetime | None


def _read_comment(
    element: Any, renderer: Renderer, quoter: QuoteWorker | None, user_logins: dict[str, str]
) -> _ReadComment | None:
    """Read a comment into its record; None for a private note. Its body starts rendering.

    The element's fields are read in one pass and let go at once: only the record stays
    until the post ends (an item can hold a thread of many thousand comments).
    """
    fields: dict[str, str] = {}  # _children and text_of in one pass: this runs per comment
    metas: list[Any] = []
    names = _WP_LOCAL_NAMES
    for child in element:
        tag = child.tag
        name = names[tag] if tag in names else _wp_local_name(tag)
        if name == "commentmeta":
            if namespace(tag):  # WordPress's own, not a stray unprefixed one
                metas.append(child)
        elif name is not None and name not in fields:
            fields[name] = (child.text or "") if not len(child) else text_of(child)
    kind_raw = fields.get("comment_type", "").strip()
    if kind_raw in PRIVATE_COMMENT_TYPES:
        return None
    # Quirk: comment content is stored raw, without <p>; WordPress adds them on display.
    body = fields.get("comment_content", "").strip()
    body_html = renderer.submit(body)
    approved = fields.get("comment_approved")
    approved = approved.strip() if approved is not None else None
    # Quirk: a missing comment_approved is neither approved nor pending in WordPress;
    # unknown, so it is held for moderation, and the source's value is kept as it was.
    status = _exact_status(metas) or COMMENT_STATUSES.get(approved or "", CommentStatus.PENDING)
    comment_id = fields.get("comment_id", "").strip()
    author = html.unescape(fields.get("comment_author", "").strip())
    if not comment_id:
        comment_id = "sha256:" + hashlib.sha256(f"{author}\n{body}".encode()).hexdigest()[:16]
    parent = fields.get("comment_parent", "").strip()
    created = _wp_date(fields.get("comment_date_gmt", "").strip())
    local_date = None if created else _wp_date(fields.get("comment_date", "").strip())
    record = CommentRecord(
        key=comment_id,
        parent_key=parent if parent and parent != "0" else None,
        status=status,
        source_status=approved,
        kind=COMMENT_KINDS.get(kind_raw, CommentKind.COMMENT),
        author_name=author,
        author_email=fields.get("comment_author_email", "").strip() or None,
        author_url=fields.get("comment_author_url", "").strip() or None,
        author_ip=fields.get("comment_author_IP", "").strip() or None,
        author_login_key=user_logins.get(fields.get("comment_user_id", "").strip()),
        body_raw=body,
        # Rendering in a worker, or rendered; parse() fills it in before yielding.
        body_html=body_html,  # type: ignore[arg-type]
        created_at=created,
    )
    if quoter is not None:
        quoter.submit(record)
    return _ReadComment(record, local_date)


def _exact_status(metas: list[Any]) -> CommentStatus | None:
    """The status a forum export wrote in comment meta, where WXR has no word for it.

    comment_approved says 0 for both pending and hidden comments; forum's own exports add
    a ``_forum_status`` meta with the exact status (WordPress keeps unknown meta harmlessly).
    ``metas`` are the comment's wp:commentmeta elements, in order.
    """
    for meta in metas:
        if _first_field(meta, "meta_key") == STATUS_META:
            try:
                return CommentStatus(_field(meta, "meta_value"))
            except ValueError:
                return None
    return None


def _first_field(element: Any, name: str) -> str:
    """_field(element, name), without mapping every child: a comment meta's key comes first."""
    for child in element:
        if _wp_local_name(child.tag) == name:
            return text_of(child).strip()
    return ""


def _wp_date(value: str | None) -> datetime | None:
    """Read a WordPress 'YYYY-MM-DD HH:MM:SS' date; 0000-00-00 means none."""
    if not value or value.startswith("0000-00-00") or value == _NO_DATE:
        return None
    value = value.strip()
    try:
        # The exact form every export writes, read without strptime's cost; strptime
        # reads the rest (it also takes one-digit fields).
        if _WP_DATE.fullmatch(value):
            # The same fields, and the same range checks, as datetime(int(value[0:4]), ...)
            return datetime.fromisoformat(value).replace(tzinfo=UTC)
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def _rfc822(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
