"""What a page reader found, before it becomes a PostRecord."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from forum.importers.records import CommentRecord, Notice


@dataclass
class Article:
    """A page's article and thread as read; the package makes the PostRecord of it."""

    title: str
    title_line: int
    url: str | None = None
    summary: str = ""
    author: str | None = None
    published_at: datetime | None = None
    body_raw: str = ""
    body_html: str = ""
    related: list[dict[str, str | None]] = field(default_factory=list)
    paragraphs_dropped: int = 0
    comments: list[CommentRecord] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
