"""Schemas for comments, threads and the reply view."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from forum.schemas.common import PageQuerySchema
from forum.schemas.fields import Id, Text

MAX_THREAD_DEPTH = 100


class ThreadQuerySchema(PageQuerySchema):
    sort = fields.String(load_default="oldest", validate=validate.OneOf(["oldest", "newest"]))
    max_depth = fields.Integer(
        validate=validate.Range(min=0, max=MAX_THREAD_DEPTH),
        metadata={
            "description": "Nest this many levels; deeper replies are listed at this "
            "depth with a reply_to pointer."
        },
    )


class ReplyViewQuerySchema(Schema):
    max_depth = fields.Integer(validate=validate.Range(min=0, max=MAX_THREAD_DEPTH))


class CommentAuthorSchema(Schema):
    name = fields.String(required=True)
    url = fields.String(allow_none=True)


class ReplyToSchema(Schema):
    id = fields.Integer(required=True)
    author = fields.String(allow_none=True)


class QuoteSchema(Schema):
    comment_id = fields.Integer(required=True, metadata={"description": "The quoting reply."})
    source_comment_id = fields.Integer(
        allow_none=True, metadata={"description": "The comment quoted."}
    )
    text = fields.String(required=True)


class CommentSchema(Schema):
    """One comment; a tombstone (removed, kept for its replies) has no author and no body."""

    id = fields.Integer(required=True)
    post_id = fields.Integer(required=True)
    parent_id = fields.Integer(allow_none=True)
    depth = fields.Integer(required=True)
    kind = fields.String(required=True)
    tombstone = fields.Boolean(required=True)
    author = fields.Nested(CommentAuthorSchema, allow_none=True)
    created_at = fields.DateTime(allow_none=True)
    body_html = fields.String(allow_none=True)
    quotes = fields.List(fields.Nested(QuoteSchema), required=True)
    quoted_by = fields.List(fields.Integer(), required=True)
    reply_to = fields.Nested(ReplyToSchema)


class CommentNodeSchema(CommentSchema):
    """A comment with its replies, nested."""

    replies = fields.List(fields.Nested(lambda: CommentNodeSchema()), required=True)


class ThreadSchema(Schema):
    post_id = fields.Integer(required=True)
    sort = fields.String(required=True)
    max_depth = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True, metadata={"description": "Top-level comments shown."})
    pages = fields.Integer(required=True)
    comments = fields.List(fields.Nested(CommentNodeSchema), required=True)


class PostRefSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)


class ReplyViewSchema(Schema):
    post = fields.Nested(PostRefSchema, required=True)
    ancestors = fields.List(fields.Nested(CommentSchema), required=True)
    comment = fields.Nested(CommentNodeSchema, required=True)
    max_depth = fields.Integer(required=True)


# Inputs ----------------------------------------------------------------------------------


class QuoteInputSchema(Schema):
    comment_id = Id(required=True, bits=64)
    text = Text(required=True, min_length=1, max_length=2000)


class CommentCreateSchema(Schema):
    """A new comment. Status, ids and moderation fields cannot be set from outside."""

    author_name = Text(required=True, min_length=1, max_length=100, bidi_controls=False)
    author_email = fields.Email(
        load_default=None, allow_none=True, validate=validate.Length(max=254)
    )
    author_url = fields.Url(
        load_default=None,
        allow_none=True,
        schemes={"http", "https"},
        validate=validate.Length(max=500),
    )
    body = Text(
        required=True,
        min_length=1,
        max_length=10_000,
        metadata={"description": "Plain text with paragraphs, or a small HTML subset."},
    )
    quote = fields.Nested(QuoteInputSchema, load_default=None, allow_none=True)
    parent_id = Id(
        bits=64,
        load_default=None,
        allow_none=True,
        metadata={"description": "Reply to this comment of the same post."},
    )
    # The honeypot: a field the reader's form hides; people leave it empty, bots do not.
    homepage = Text(
        load_default=None, allow_none=True, max_length=500, metadata={"description": "Leave empty."}
    )


class ReplyCreateSchema(CommentCreateSchema):
    class Meta:
        exclude = ("parent_id",)


class CommentEditSchema(Schema):
    body = Text(required=True, min_length=1, max_length=10_000)


class FlagCreateSchema(Schema):
    reason = fields.String(
        required=True, validate=validate.OneOf(["spam", "abuse", "off_topic", "other"])
    )
    note = Text(load_default=None, allow_none=True, max_length=1000)


class EditTokenHeaderSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    token = fields.String(
        data_key="X-Edit-Token",
        required=True,
        metadata={"description": "The edit token the comment was posted with."},
    )


# Outputs ----------------------------------------------------------------------------------


class PostedCommentSchema(Schema):
    comment = fields.Nested(CommentSchema, required=True)
    status = fields.String(required=True, metadata={"description": "published or held"})
    edit_token = fields.String(
        required=True,
        metadata={
            "description": "Shown once: lets the author edit or delete "
            "the comment for 15 minutes (X-Edit-Token)."
        },
    )
    edit_expires_at = fields.DateTime(required=True)


class FlagResultSchema(Schema):
    flag_id = fields.Integer(required=True)
    comment_id = fields.Integer(required=True)
    reason = fields.String(required=True)
