"""Moderation: moderators, reader flags, ban rules, and the append-only moderation log."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from forum.models.base import Base, UTCDateTime, enum_column, utcnow


class Moderator(Base):
    """Someone who may moderate; only a hash of their token is stored."""

    __tablename__ = "moderators"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class FlagReason(enum.Enum):
    SPAM = "spam"
    ABUSE = "abuse"
    OFF_TOPIC = "off_topic"
    OTHER = "other"


class Flag(Base):
    """A reader's report that a comment needs a moderator's eyes; one per client."""

    __tablename__ = "flags"
    __table_args__ = (UniqueConstraint("comment_id", "client_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("comments.id", ondelete="CASCADE"),
    )
    reason: Mapped[FlagReason] = mapped_column(enum_column(FlagReason))
    note: Mapped[str | None] = mapped_column(Text)
    client_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when a moderator acts on the comment: the flag has been answered.
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class BanKind(enum.Enum):
    NAME = "name"
    EMAIL = "email"
    EMAIL_DOMAIN = "email_domain"
    ADDRESS = "address"
    ADDRESS_RANGE = "address_range"


class Ban(Base):
    """One rule that refuses comments: by name, email, domain, address or address range.

    An address is stored as its keyed hash (``value``), like every client address; a range
    is stored as written (CIDR), since it names a network rather than a client.
    """

    __tablename__ = "bans"
    __table_args__ = (Index("ix_bans_kind_value", "kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[BanKind] = mapped_column(enum_column(BanKind))
    value: Mapped[str] = mapped_column(Text)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("moderators.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_by: Mapped[int | None] = mapped_column(ForeignKey("moderators.id", ondelete="SET NULL"))


class LogEntry(Base):
    """One moderation event. Rows are only ever inserted (a database trigger refuses the rest).

    Ids of comments and posts are kept as plain numbers, not foreign keys: the log must
    outlive what it speaks of, and a cascading update would be an edit.
    """

    __tablename__ = "moderation_log"
    __table_args__ = (
        Index("ix_moderation_log_comment", "comment_id"),
        Index("ix_moderation_log_post", "post_id"),
        Index("ix_moderation_log_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # None for the system itself (policy decisions, automatic hides).
    moderator_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))
    comment_id: Mapped[int | None] = mapped_column(BigInteger)
    post_id: Mapped[int | None] = mapped_column(Integer)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict | None] = mapped_column(JSON)
