"""Write small WXR files for tests: each test states exactly the quirk it is about."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape


@dataclass
class C:
    id: str
    parent: str = "0"
    content: str = "A comment."
    approved: str | None = "1"
    author: str = "Reader"
    date_gmt: str | None = "2024-01-01 10:00:00"
    type: str = "comment"


@dataclass
class P:
    id: str
    title: str = "A post"
    content: str = "Body."
    status: str = "publish"
    type: str = "post"
    comments: list[C] = field(default_factory=list)


def cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def comment_xml(c: C) -> str:
    parts = [
        f"<wp:comment_id>{c.id}</wp:comment_id>",
        f"<wp:comment_author>{cdata(c.author)}</wp:comment_author>",
        f"<wp:comment_content>{cdata(c.content)}</wp:comment_content>",
        f"<wp:comment_parent>{c.parent}</wp:comment_parent>",
        f"<wp:comment_type>{c.type}</wp:comment_type>",
    ]
    if c.approved is not None:
        parts.append(f"<wp:comment_approved>{c.approved}</wp:comment_approved>")
    if c.date_gmt is not None:
        parts.append(f"<wp:comment_date_gmt>{c.date_gmt}</wp:comment_date_gmt>")
    return "<wp:comment>" + "".join(parts) + "</wp:comment>\n"


def wxr(posts: list[P], site: str = "https://blog.example.org") -> str:
    items = []
    for p in posts:
        items.append(
            f"<item><title>{escape(p.title)}</title><link>{site}/?p={p.id}</link>"
            f"<dc:creator>{cdata('admin')}</dc:creator>"
            f"<content:encoded>{cdata(p.content)}</content:encoded>"
            f"<wp:post_id>{p.id}</wp:post_id>"
            "<wp:post_date_gmt>2024-01-01 09:00:00</wp:post_date_gmt>"
            f"<wp:status>{p.status}</wp:status><wp:post_type>{p.type}</wp:post_type>\n"
            + "".join(comment_xml(c) for c in p.comments)
            + "</item>\n"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8" ?>\n'
        '<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">\n'
        f"<channel><title>Test blog</title><link>{site}</link>"
        "<wp:wxr_version>1.2</wp:wxr_version>\n"
        f"<wp:base_site_url>{site}</wp:base_site_url><wp:base_blog_url>{site}</wp:base_blog_url>\n"
        + "".join(items)
        + "</channel></rss>\n"
    )


def write_wxr(path: Path, posts: list[P], **kwargs) -> Path:
    path.write_text(wxr(posts, **kwargs), encoding="utf-8")
    return path


def chain(length: int, approved: str = "1") -> list[C]:
    """A reply chain: each comment answers the one before it."""
    return [
        C(
            id=str(n),
            parent=str(n - 1) if n > 1 else "0",
            content=f"Reply number {n}.",
            approved=approved,
            date_gmt=f"2024-01-01 10:{(n // 60) % 60:02d}:{n % 60:02d}",
        )
        for n in range(1, length + 1)
    ]
