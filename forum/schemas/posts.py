"""Schemas for posts."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from forum.schemas.common import PageQuerySchema
from forum.schemas.fields import Text


class PostQuerySchema(PageQuerySchema):
    type = fields.String(validate=validate.OneOf(["post", "page"]))
    # Text refuses NUL (PostgreSQL cannot take one in a query: a 500) and lone surrogates.
    q = Text(
        max_length=200, metadata={"description": "Only posts whose title or body contains this."}
    )


class TermSchema(Schema):
    slug = fields.String(required=True)
    name = fields.String(required=True)


class PostAuthorSchema(Schema):
    name = fields.String(required=True)


class RelatedLinkSchema(Schema):
    title = fields.String(required=True)
    url = fields.String(allow_none=True, metadata={"description": "Null for a bare headline."})


class PostSummarySchema(Schema):
    """A post as listed in the archive."""

    id = fields.Integer(required=True)
    type = fields.String(required=True)
    title = fields.String(required=True)
    slug = fields.String(required=True)
    url = fields.String(allow_none=True, metadata={"description": "The post's original URL."})
    author = fields.Nested(PostAuthorSchema, allow_none=True)
    published_at = fields.DateTime(allow_none=True)
    modified_at = fields.DateTime(allow_none=True)
    excerpt = fields.String(required=True, metadata={"description": "Sanitized HTML."})
    summary = fields.String(
        required=True, metadata={"description": "A saved page's standfirst, plain text."}
    )
    related_links = fields.List(
        fields.Nested(RelatedLinkSchema),
        required=True,
        metadata={"description": "Links the page listed apart from its body."},
    )
    comment_count = fields.Integer(required=True, metadata={"description": "Approved comments."})
    comments_open = fields.Boolean(required=True)
    protected = fields.Boolean(required=True)
    categories = fields.List(fields.Nested(TermSchema), required=True)
    tags = fields.List(fields.Nested(TermSchema), required=True)


class PostSchema(PostSummarySchema):
    """A post with its body."""

    body_html = fields.String(
        allow_none=True,
        metadata={"description": "Sanitized HTML; null when the post is password-protected."},
    )


class PostPageSchema(Schema):
    items = fields.List(fields.Nested(PostSummarySchema), required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
    pages = fields.Integer(required=True)
