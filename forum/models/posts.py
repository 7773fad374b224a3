"""Posts and pages, their authors and their terms (categories and tags)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.models.base import Base, UTCDateTime, enum_column, utcnow


class PostType(enum.Enum):
    POST = "post"
    PAGE = "page"


class PostStatus(enum.Enum):
    PUBLISHED = "published"
    DRAFT = "draft"
    PENDING = "pending"
    PRIVATE = "private"
    SCHEDULED = "scheduled"
    DELETED = "deleted"


class Author(Base):
    """Someone who wrote posts on the source site (commenters are kept on their comments)."""

    __tablename__ = "authors"
    __table_args__ = (UniqueConstraint("source", "source_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(Text)
    display_name: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(32))
    source_key: Mapped[str] = mapped_column(Text)


# How many writes each post's thread has had: triggers add one for every insert, update or
# delete of its comments and their quotes (migration 5a1e7d2c9b40), whoever writes. A
# serialized thread stays valid while its number does. A table of its own, not a column of
# posts: SQLite rewrites a whole row to update it, and a post's row holds its body.
# (No foreign key: the triggers also count the comments a deleted post takes with it.)
thread_versions = Table(
    "thread_versions",
    Base.metadata,
    Column("post_id", Integer, primary_key=True, autoincrement=False),
    Column("version", Integer, nullable=False, server_default="0"),
)

post_terms = Table(
    "post_terms",
    Base.metadata,
    Column("post_id", ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("term_id", ForeignKey("terms.id", ondelete="CASCADE"), primary_key=True),
)


class Term(Base):
    """A category, tag or other taxonomy term, shared by every source."""

    __tablename__ = "terms"
    __table_args__ = (UniqueConstraint("taxonomy", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    taxonomy: Mapped[str] = mapped_column(String(64))
    slug: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    parent_slug: Mapped[str | None] = mapped_column(Text)


class Post(Base):
    __tablename__ = "posts"
    __table_args__ = (
        UniqueConstraint("source", "source_key"),
        Index("ix_posts_status_published_at", "status", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[PostType] = mapped_column(enum_column(PostType), default=PostType.POST)
    status: Mapped[PostStatus] = mapped_column(enum_column(PostStatus))
    title: Mapped[str] = mapped_column(Text, default="")
    slug: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(Text)
    # The page's address reduced to what identifies it (forum.urls.canonical_url): sources
    # that name the same page (a WordPress export, a Disqus export) meet here.
    canonical_url: Mapped[str | None] = mapped_column(Text, index=True)
    excerpt: Mapped[str] = mapped_column(Text, default="")
    # A news page's standfirst (the line under its title), as plain text.
    summary: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Links the page listed apart from its body ("(MORE: ...)", related headlines):
    # a list of {"title": ..., "url": ...} (url may be null for a headline without one).
    related_links: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    body_raw: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    modified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("authors.id", ondelete="SET NULL"))
    comments_open: Mapped[bool] = mapped_column(Boolean, default=True)
    # A moderator's lock: the thread is read-only while set.
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_sticky: Mapped[bool] = mapped_column(Boolean, default=False)
    is_protected: Mapped[bool] = mapped_column(Boolean, default=False)
    # Provenance: where the row came from and what the source said of it.
    source: Mapped[str] = mapped_column(String(32))
    source_key: Mapped[str] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(Text)
    source_status: Mapped[str | None] = mapped_column(String(32))
    # Why the status is what it is, when a rule decided it (a spam phrase, a moderator).
    status_reason: Mapped[str | None] = mapped_column(Text)
    import_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_runs.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    author: Mapped[Author | None] = relationship(lazy="joined")
    terms: Mapped[list[Term]] = relationship(secondary=post_terms, lazy="selectin")
