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
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import unquote

from forum.importers.records import (
    AuthorRecord,
    CommentRecord,
    Notice,
    PostRecord,
    Record,
    Skipped,
    TermRecord,
)
from forum.importers.xmlsource import ReadState, iterparse, local_name, namespace, release, text_of
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
# The comment meta in which forum's own WXR exports keep a comment's exact status.
STATUS_META = "_forum_status"


def detect(head: bytes) -> bool:
    """Tell whether the start of a file looks like a WXR export."""
    text = head.decode("utf-8", "replace")
    return "<rss" in text and bool(re.search(r"wordpress\.org/export/", text))


def parse(path: str | os.PathLike[str], *, recover: bool, state: ReadState) -> Iterator[Record]:
    """Yield the records of a WXR file, streaming: authors and terms, then posts."""
    site = ""
    channel_title = ""
    user_logins: dict[str, str] = {}  # source user id -> author key
    for _event, element in iterparse(path, tags=_CHANNEL_TAGS, recover=recover, state=state):
        parent = element.getparent()
        where = local_name(parent.tag) if parent is not None else ""
        if where != "channel":
            continue  # an element inside an item, read with its item
        name, ns = local_name(element.tag), namespace(element.tag)
        if name == "item" and ns == "":
            yield _post(element, site or _fallback_site(element, channel_title), user_logins)
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
        ns = namespace(child.tag)
        if _WP_NAMESPACE.match(ns) or ns == "":
            found.setdefault(local_name(child.tag), child)
    return found


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


def _post(item: Any, site: str, user_logins: dict[str, str]) -> Record:
    wp: dict[str, str] = {}
    comments: list[Any] = []
    terms: list[TermRecord] = []
    title = link = guid = content = excerpt = creator = pub_date = ""
    for child in item:
        name, ns = local_name(child.tag), namespace(child.tag)
        if _WP_NAMESPACE.match(ns):
            if name == "comment":
                comments.append(child)
            elif name not in wp:
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
    for element in comments:
        comment = _comment(element, key, offset, user_logins)
        if comment is not None:
            record.comments.append(comment)
        else:
            record.private_comments += 1
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


def _comment(
    element: Any, post_key: str, offset: timedelta, user_logins: dict[str, str]
) -> CommentRecord | None:
    fields = {name: text_of(child) for name, child in _children(element).items()}
    kind_raw = fields.get("comment_type", "").strip()
    if kind_raw in PRIVATE_COMMENT_TYPES:
        return None
    approved = fields.get("comment_approved")
    approved = approved.strip() if approved is not None else None
    # Quirk: a missing comment_approved is neither approved nor pending in WordPress;
    # unknown, so it is held for moderation, and the source's value is kept as it was.
    status = _exact_status(element) or COMMENT_STATUSES.get(approved or "", CommentStatus.PENDING)
    comment_id = fields.get("comment_id", "").strip()
    body = fields.get("comment_content", "").strip()
    author = html.unescape(fields.get("comment_author", "").strip())
    if not comment_id:
        comment_id = "sha256:" + hashlib.sha256(f"{author}\n{body}".encode()).hexdigest()[:16]
    parent = fields.get("comment_parent", "").strip()
    local_date = _wp_date(fields.get("comment_date", "").strip())
    created = _wp_date(fields.get("comment_date_gmt", "").strip()) or (
        local_date - offset if local_date else None
    )
    return CommentRecord(
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
        # Quirk: comment content is stored raw, without <p>; WordPress adds them on display.
        body_html=render_wordpress_comment(body),
        created_at=created,
    )


def _exact_status(element: Any) -> CommentStatus | None:
    """The status a forum export wrote in comment meta, where WXR has no word for it.

    comment_approved says 0 for both pending and hidden comments; forum's own exports add
    a ``_forum_status`` meta with the exact status (WordPress keeps unknown meta harmlessly).
    """
    for meta in element:
        if local_name(meta.tag) != "commentmeta" or not _WP_NAMESPACE.match(namespace(meta.tag)):
            continue
        if _field(meta, "meta_key") == STATUS_META:
            try:
                return CommentStatus(_field(meta, "meta_value"))
            except ValueError:
                return None
    return None


def _wp_date(value: str | None) -> datetime | None:
    """Read a WordPress 'YYYY-MM-DD HH:MM:SS' date; 0000-00-00 means none."""
    if not value or value.startswith("0000-00-00") or value == _NO_DATE:
        return None
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
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
