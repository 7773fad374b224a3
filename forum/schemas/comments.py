"""Schemas for comments, threads and the reply view."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from forum.schemas.common import PageQuerySchema

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
