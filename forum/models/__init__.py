"""The typed SQLAlchemy models; import them from here."""

from forum.models.base import Base
from forum.models.comments import Comment, CommentKind, CommentStatus, Quote
from forum.models.imports import ImportRun
from forum.models.jobs import ImportJob, JobState
from forum.models.moderation import Ban, BanKind, Flag, FlagReason, LogEntry, Moderator
from forum.models.posts import Author, Post, PostStatus, PostType, Term, post_terms

__all__ = [
    "Author",
    "Ban",
    "BanKind",
    "Flag",
    "FlagReason",
    "LogEntry",
    "Moderator",
    "Base",
    "Comment",
    "CommentKind",
    "CommentStatus",
    "ImportJob",
    "ImportRun",
    "JobState",
    "Post",
    "PostStatus",
    "PostType",
    "Quote",
    "Term",
    "post_terms",
]
