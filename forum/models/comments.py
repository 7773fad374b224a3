"""Comments (a tree per post, as an adjacency list) and the quotes between them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from forum.models.base import Base, UTCDateTime, enum_column, utcnow


class CommentStatus(enum.Enum):
    APPROVED = "approved"
    PENDING = "pending"
    HIDDEN = "hidden"
    SPAM = "spam"
    DELETED = "deleted"


class CommentKind(enum.Enum):
    COMMENT = "comment"
    PINGBACK = "pingback"
    TRACKBACK = "trackback"


class Comment(Base):
    """One comment. ``parent_id`` is the tree; ``root_id`` and ``depth`` make it cheap to query.

    ``root_id`` is the top-level ancestor (NULL on a top-level comment), so one page of
    top-level comments and their whole subtrees is two indexed queries whatever the depth.
    """

    __tablename__ = "comments"
    __table_args__ = (
        UniqueConstraint("source", "source_key"),
        Index("ix_comments_post_parent", "post_id", "parent_id", "created_at"),
        # With the date: the latest approved comments of a thread are a short index scan.
        Index("ix_comments_post_status", "post_id", "status", "created_at"),
        Index("ix_comments_root", "root_id"),
        # Deleting or re-parenting checks the foreign key of every child: find them by index.
        Index("ix_comments_parent", "parent_id"),
        # A new reply is checked against its author's earlier comments on the post.
        Index("ix_comments_post_author", "post_id", "author_name"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="SET NULL"))
    root_id: Mapped[int | None] = mapped_column(BigInteger)
    depth: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[CommentKind] = mapped_column(enum_column(CommentKind), default=CommentKind.COMMENT)
    status: Mapped[CommentStatus] = mapped_column(enum_column(CommentStatus))
    # Why the status is what it is, when a rule or a moderator decided it.
    status_reason: Mapped[str | None] = mapped_column(Text)
    author_name: Mapped[str] = mapped_column(Text, default="")
    author_email: Mapped[str | None] = mapped_column(Text)
    author_url: Mapped[str | None] = mapped_column(Text)
    # A keyed hash of the client address, never the address itself.
    author_ip_hash: Mapped[str | None] = mapped_column(String(64))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("authors.id", ondelete="SET NULL"))
    body_raw: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Set when a moderator decides the status; from then on a re-import leaves it alone.
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A locked comment takes no more replies, nor does anything below it.
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Lets the author edit or delete a new comment for a short while; a hash only.
    edit_token_hash: Mapped[str | None] = mapped_column(String(64))
    # Provenance. source_parent_key keeps the parent the source named, even when it
    # could not be resolved (missing, or part of a cycle) and the comment became top-level.
    source: Mapped[str] = mapped_column(String(32))
    source_key: Mapped[str] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(Text)
    source_status: Mapped[str | None] = mapped_column(String(32))
    source_parent_key: Mapped[str | None] = mapped_column(Text)
    import_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_runs.id", ondelete="SET NULL")
    )


class Quote(Base):
    """A passage of an earlier comment that a reply repeats."""

    __tablename__ = "quotes"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    source_comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="SET NULL"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
