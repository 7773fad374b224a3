"""Neutral records that every parser yields and the writer stores."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from forum.models import CommentKind, CommentStatus, PostStatus, PostType


@dataclass
class AuthorRecord:
    key: str  # unique within the source site: the login
    login: str
    display_name: str = ""
    email: str | None = None


@dataclass
class TermRecord:
    taxonomy: str  # category, post_tag, or a custom taxonomy
    slug: str
    name: str
    parent_slug: str | None = None


@dataclass(slots=True)  # a big thread holds many thousands at once
class CommentRecord:
    key: str  # the source's id, unique within its post
    parent_key: str | None
    status: CommentStatus
    source_status: str | None
    kind: CommentKind = CommentKind.COMMENT
    author_name: str = ""
    author_email: str | None = None
    author_url: str | None = None
    author_ip: str | None = None
    author_login_key: str | None = None
    body_raw: str = ""
    body_html: str = ""
    created_at: datetime | None = None
    url: str | None = None


@dataclass
class PostRecord:
    key: str  # unique within the source system
    type: PostType
    status: PostStatus
    source_status: str | None
    title: str = ""
    slug: str = ""
    url: str | None = None
    excerpt: str = ""
    summary: str = ""  # a news page's standfirst, plain text
    related_links: list[dict[str, str | None]] = field(default_factory=list)  # title, url
    body_raw: str = ""
    body_html: str = ""
    published_at: datetime | None = None
    modified_at: datetime | None = None
    author_key: str | None = None
    comments_open: bool = True
    is_sticky: bool = False
    is_protected: bool = False
    terms: list[TermRecord] = field(default_factory=list)
    comments: list[CommentRecord] = field(default_factory=list)
    private_comments: int = 0  # editorial notes and the like, never imported
    paragraphs_dropped: int = 0  # paragraphs the page repeated, kept once
    line: int | None = None  # where the post starts in the file, for messages
    # False for a source that knows a page only by its address (a Disqus thread): its
    # comments join a post another source brought, and it never overwrites that content.
    has_content: bool = True
    # The comments' quotes, being found ahead by a parser's quote process (a
    # quoting.QuotesAhead); not part of what the file says, so not compared.
    quotes_ahead: Any = field(default=None, compare=False, repr=False)


@dataclass
class Skipped:
    """Something in the file that is deliberately not imported, counted by kind."""

    kind: str
    detail: str = ""


@dataclass
class Notice:
    """A warning the parser wants in the report: what, and where."""

    message: str
    line: int | None = None


Record = AuthorRecord | TermRecord | PostRecord | Skipped | Notice
