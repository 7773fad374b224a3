"""WordPress eXtended RSS 1.2 out: the archive as WordPress's own importer reads it.

Written the way WordPress's exporter writes it (wp-admin/includes/export.php: export_wp(),
wxr_cdata(); ../shared/FORMATS.md §1-§4), streamed one post at a time. Every value comes
out so that our WXR importer (forum/importers/wxr.py) reads back exactly what is stored:
titles and names are HTML-escaped (the importer, like WordPress, reads them as HTML),
slugs percent-encoded (as WordPress stores them), bodies as their originals (``body_raw``).
Statuses WXR has no word for travel in a ``_forum_status`` comment meta, which WordPress
keeps harmlessly and our importer prefers to ``comment_approved``.
"""

from __future__ import annotations

import html
import re
import secrets
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import RowMapping
from sqlalchemy.orm import Session

from forum.exporters import DEFAULT_SITE_URL, ExportStats
from forum.exporters.queries import (
    AuthorCache,
    begin_snapshot,
    exported_authors,
    exported_terms,
    post_batches,
    terms_of,
    thread_of,
)
from forum.importers.wxr import STATUS_META
from forum.models import CommentKind, CommentStatus, PostStatus

WXR_VERSION = "1.2"
NAMESPACES = {
    "excerpt": "http://wordpress.org/export/1.2/excerpt/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "wfw": "http://wellformedweb.org/CommentAPI/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "wp": "http://wordpress.org/export/1.2/",
}
POST_STATUSES = {
    PostStatus.PUBLISHED: "publish",
    PostStatus.DRAFT: "draft",
    PostStatus.PENDING: "pending",
    PostStatus.PRIVATE: "private",
    PostStatus.SCHEDULED: "future",
    PostStatus.DELETED: "trash",
}
# WordPress's comment_approved; "hidden" has no word there and is held, like pending.
COMMENT_APPROVED = {
    CommentStatus.APPROVED: "1",
    CommentStatus.PENDING: "0",
    CommentStatus.HIDDEN: "0",
    CommentStatus.SPAM: "spam",
    CommentStatus.DELETED: "trash",
}
COMMENT_TYPES = {
    CommentKind.COMMENT: "comment",
    CommentKind.PINGBACK: "pingback",
    CommentKind.TRACKBACK: "trackback",
}
_NO_DATE = "0000-00-00 00:00:00"
# XML 1.0 forbids these even inside CDATA; WordPress writes them anyway (FORMATS.md §4).
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_TAXONOMY_ELEMENTS = {"category": "category", "post_tag": "tag"}


class _Writer:
    """Escapes values for WXR and counts the characters XML cannot carry."""

    def __init__(self, stats: ExportStats) -> None:
        self.stats = stats

    def clean(self, value: str | None) -> str:
        value = value or ""
        cleaned, removed = _FORBIDDEN.subn("", value)
        self.stats.removed_characters += removed
        return cleaned

    def cdata(self, value: str | None) -> str:
        """CDATA, with ``]]>`` split across two sections as wxr_cdata() does."""
        return "<![CDATA[" + self.clean(value).replace("]]>", "]]]]><![CDATA[>") + "]]>"

    def text(self, value: str | int | None) -> str:
        return html.escape(self.clean(str(value if value is not None else "")), quote=False)

    def attribute(self, value: str) -> str:
        return html.escape(self.clean(value), quote=True)

    def element(self, name: str, value: str | int | None, *, cdata: bool = False) -> str:
        inner = self.cdata(str(value or "")) if cdata else self.text(value)
        return f"<{name}>{inner}</{name}>"


def export_wxr(
    session: Session,
    *,
    post_ids: Sequence[int] | None = None,
    site_url: str = DEFAULT_SITE_URL,
    stats: ExportStats | None = None,
    now: datetime | None = None,
) -> Iterator[bytes]:
    """Yield a WXR 1.2 document of the archive (or of ``post_ids``), in UTF-8 chunks.

    Posts of every status are written, and all their comments, spam included.
    """
    begin_snapshot(session)
    stats = stats if stats is not None else ExportStats()
    out = _Writer(stats)
    site = site_url.rstrip("/")
    yield _head(out, site, now or datetime.now(UTC)).encode()
    yield "".join(_author(out, row) for row in exported_authors(session, post_ids)).encode()
    terms = _parents_first(exported_terms(session, post_ids))
    yield "".join(_term(out, row) for row in terms).encode()
    authors = AuthorCache(session)
    for batch in post_batches(session, post_ids):
        batch_terms = terms_of(session, [row["id"] for row in batch])
        logins = authors.get(row["author_id"] for row in batch)
        for post in batch:
            comments = thread_of(session, post["id"])
            item = _item(out, site, post, logins, batch_terms.get(post["id"], []), comments)
            stats.posts += 1
            stats.comments += len(comments)
            yield item.encode()
    yield b"</channel>\n</rss>\n"


def _head(out: _Writer, site: str, now: datetime) -> str:
    declarations = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in NAMESPACES.items())
    return (
        '<?xml version="1.0" encoding="UTF-8" ?>\n'
        "<!-- This is a WordPress eXtended RSS file generated by forum as an export of its "
        "archive. -->\n"
        "<!-- It contains information about the posts, pages, comments, categories and "
        "other content. WordPress imports it with Tools > Import > WordPress. -->\n"
        f'<rss version="2.0" {declarations}>\n<channel>\n'
        f"\t{out.element('title', 'forum archive')}\n"
        f"\t{out.element('link', site)}\n"
        f"\t{out.element('description', 'Posts and discussion threads exported by forum')}\n"
        f"\t{out.element('pubDate', _rfc822(now))}\n"
        "\t<language>en</language>\n"
        f"\t{out.element('wp:wxr_version', WXR_VERSION)}\n"
        f"\t{out.element('wp:base_site_url', site)}\n"
        f"\t{out.element('wp:base_blog_url', site)}\n"
        "\t<generator>forum</generator>\n"
    )


def _author(out: _Writer, row: RowMapping) -> str:
    return (
        "\t<wp:author>"
        f"{out.element('wp:author_id', row['id'])}"
        f"{out.element('wp:author_login', row['login'], cdata=True)}"
        f"{out.element('wp:author_email', row['email'], cdata=True)}"
        f"{out.element('wp:author_display_name', _html(row['display_name']), cdata=True)}"
        f"{out.element('wp:author_first_name', '', cdata=True)}"
        f"{out.element('wp:author_last_name', '', cdata=True)}"
        "</wp:author>\n"
    )


def _term(out: _Writer, row: RowMapping) -> str:
    slug, name, parent = quote(row["slug"], safe=""), _html(row["name"]), row["parent_slug"]
    kind = _TAXONOMY_ELEMENTS.get(row["taxonomy"], "term")
    fields: list[tuple[str, Any]] = [("term_id", row["id"])]
    if kind == "category":
        fields += [("category_nicename", slug), ("category_parent", parent), ("cat_name", name)]
    elif kind == "tag":
        fields += [("tag_slug", slug), ("tag_name", name)]
    else:
        fields += [
            ("term_taxonomy", row["taxonomy"]),
            ("term_slug", slug),
            ("term_parent", parent),
            ("term_name", name),
        ]
    inner = "".join(
        out.element(f"wp:{field}", value, cdata=field != "term_id") for field, value in fields
    )
    return f"\t<wp:{kind}>{inner}</wp:{kind}>\n"


def _parents_first(rows: list[RowMapping]) -> list[RowMapping]:
    """Order terms so that a parent comes before its children, as WordPress's exporter does."""
    by_key = {(row["taxonomy"], row["slug"]): row for row in rows}
    placed: set[tuple[str, str]] = set()
    ordered: list[RowMapping] = []
    for row in rows:
        chain: list[RowMapping] = []
        node: RowMapping | None = row
        while node is not None and (node["taxonomy"], node["slug"]) not in placed:
            placed.add((node["taxonomy"], node["slug"]))
            chain.append(node)
            parent = node["parent_slug"]
            node = by_key.get((node["taxonomy"], parent)) if parent else None
        ordered.extend(reversed(chain))
    return ordered


def _item(
    out: _Writer,
    site: str,
    post: RowMapping,
    authors: Mapping[int, RowMapping],
    terms: list[RowMapping],
    comments: list[RowMapping],
) -> str:
    author = authors.get(post["author_id"]) if post["author_id"] else None
    published = post["published_at"]
    guid = f"{site}/?p={post['id']}"
    open_ = "open" if post["comments_open"] else "closed"
    lines = [
        out.element("title", _html(post["title"]), cdata=True),
        # Written only when known: our importer reads it back as the post's URL.
        out.element("link", post["url"]) if post["url"] else "",
        out.element("pubDate", _rfc822(published)) if published else "",
        out.element("dc:creator", author["login"] if author else "", cdata=True),
        f'<guid isPermaLink="false">{out.text(guid)}</guid>',
        "<description></description>",
        out.element("content:encoded", post["body_raw"], cdata=True),
        out.element("excerpt:encoded", post["excerpt"], cdata=True),
        out.element("wp:post_id", post["id"]),
        out.element("wp:post_date", _wp_date(published), cdata=True),
        out.element("wp:post_date_gmt", _wp_date(published), cdata=True),
        out.element("wp:post_modified", _wp_date(post["modified_at"]), cdata=True),
        out.element("wp:post_modified_gmt", _wp_date(post["modified_at"]), cdata=True),
        out.element("wp:comment_status", open_, cdata=True),
        out.element("wp:ping_status", open_, cdata=True),
        out.element("wp:post_name", quote(post["slug"] or "", safe=""), cdata=True),
        out.element("wp:status", POST_STATUSES[_enum(PostStatus, post["status"])], cdata=True),
        out.element("wp:post_parent", 0),
        out.element("wp:menu_order", 0),
        out.element("wp:post_type", _value(post["type"]), cdata=True),
        # We never had the password of a protected post: a random one keeps it protected
        # on the site that imports it (and marks it protected for our importer).
        out.element(
            "wp:post_password",
            secrets.token_urlsafe(12) if post["is_protected"] else "",
            cdata=True,
        ),
        out.element("wp:is_sticky", 1 if post["is_sticky"] else 0),
    ]
    for term in terms:
        lines.append(
            f'<category domain="{out.attribute(term["taxonomy"])}" '
            f'nicename="{out.attribute(quote(term["slug"], safe=""))}">'
            f"{out.cdata(_html(term['name']))}</category>"
        )
    lines.extend(_comment(out, comment) for comment in comments)
    body = "\n\t\t".join(line for line in lines if line)
    return f"\t<item>\n\t\t{body}\n\t</item>\n"


def _comment(out: _Writer, row: RowMapping) -> str:
    status = _enum(CommentStatus, row["status"])
    created = _wp_date(row["created_at"])
    fields = "".join(
        (
            out.element("wp:comment_id", row["id"]),
            out.element("wp:comment_author", _html(row["author_name"]), cdata=True),
            out.element("wp:comment_author_email", row["author_email"], cdata=True),
            out.element("wp:comment_author_url", row["author_url"]),
            # We keep only keyed hashes of client addresses; the address is not ours to give.
            out.element("wp:comment_author_IP", "", cdata=True),
            out.element("wp:comment_date", created, cdata=True),
            out.element("wp:comment_date_gmt", created, cdata=True),
            out.element("wp:comment_content", row["body_raw"], cdata=True),
            out.element("wp:comment_approved", COMMENT_APPROVED[status], cdata=True),
            out.element(
                "wp:comment_type", COMMENT_TYPES[_enum(CommentKind, row["kind"])], cdata=True
            ),
            out.element("wp:comment_parent", row["parent_id"] or 0),
            out.element("wp:comment_user_id", row["author_id"] or 0),
            "<wp:commentmeta>"
            f"{out.element('wp:meta_key', STATUS_META, cdata=True)}"
            f"{out.element('wp:meta_value', status.value, cdata=True)}"
            "</wp:commentmeta>",
        )
    )
    return f"<wp:comment>{fields}</wp:comment>"


def _html(value: str | None) -> str:
    """Plain text as WordPress keeps titles and names: HTML, so & and < are escaped."""
    return html.escape(value or "", quote=False)


def _wp_date(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if value else _NO_DATE


def _rfc822(value: datetime) -> str:
    """RSS's date, as WordPress writes it: always in UTC, as +0000."""
    return format_datetime(value.astimezone(UTC).replace(microsecond=0))


def _enum(kind: Any, value: Any) -> Any:
    """A status or kind as an enum member, whether the row holds the member or its value."""
    return value if isinstance(value, kind) else kind(value)


def _value(value: Any) -> str:
    return value.value if hasattr(value, "value") else str(value)
