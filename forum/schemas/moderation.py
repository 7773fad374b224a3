"""Schemas for moderation: the queue, actions, locks, bans and the log."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates

from forum.schemas.comments import PostRefSchema
from forum.schemas.common import PageQuerySchema
from forum.schemas.fields import Id, Text
from forum.services.moderation import ACTIONS, QUEUES

BAN_KINDS = ["name", "email", "email_domain", "address", "address_range"]


class QueueQuerySchema(PageQuerySchema):
    status = fields.String(load_default="pending", validate=validate.OneOf(QUEUES))
    post = Id(load_default=None, strict=False)


class ActionSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    reason = Text(load_default=None, allow_none=True, max_length=1000)


class BulkActionSchema(ActionSchema):
    ids = fields.List(Id(bits=64), required=True, validate=validate.Length(min=1, max=500))


class ReasonSchema(Schema):
    reason = Text(load_default=None, allow_none=True, max_length=1000)


class BanCreateSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(BAN_KINDS))
    value = Text(required=True, min_length=1, max_length=320)
    post_id = Id(
        load_default=None,
        allow_none=True,
        metadata={"description": "Ban on this post only; site-wide when absent."},
    )
    expires_at = fields.AwareDateTime(load_default=None, allow_none=True)
    reason = Text(load_default="", max_length=1000)

    @validates("expires_at")
    def _future(self, value, **_kwargs) -> None:
        from forum.models.base import utcnow

        if value is not None and value <= utcnow():
            raise ValidationError("Must be in the future.")


class BanQuerySchema(PageQuerySchema):
    include_lifted = fields.Boolean(load_default=False)


class LogQuerySchema(PageQuerySchema):
    action = Text(max_length=32)
    moderator = Text(max_length=100)
    comment = Id(strict=False, bits=64)
    post = Id(strict=False)
    since = fields.AwareDateTime()
    until = fields.AwareDateTime()


class AuthorSchema(Schema):
    name = fields.String(required=True)
    email = fields.String(allow_none=True)
    url = fields.String(allow_none=True)


class ModeratorCommentSchema(Schema):
    id = fields.Integer(required=True)
    post_id = fields.Integer(required=True)
    parent_id = fields.Integer(allow_none=True)
    depth = fields.Integer(required=True)
    kind = fields.String(required=True)
    status = fields.String(required=True)
    status_reason = fields.String(allow_none=True)
    author = fields.Nested(AuthorSchema, required=True)
    created_at = fields.DateTime(allow_none=True)
    body_html = fields.String(required=True)
    locked = fields.Boolean(required=True)


class FlagSummarySchema(Schema):
    total = fields.Integer(required=True)
    by_reason = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    notes = fields.List(fields.String(), required=True)


class ContextSchema(Schema):
    post = fields.Nested(PostRefSchema, required=True)
    parent = fields.Nested(ModeratorCommentSchema, allow_none=True)


class HistorySchema(Schema):
    approved = fields.Integer(required=True)
    spam = fields.Integer(required=True)


class QueueItemSchema(Schema):
    comment = fields.Nested(ModeratorCommentSchema, required=True)
    flags = fields.Nested(FlagSummarySchema, required=True)
    context = fields.Nested(ContextSchema, required=True)
    author_history = fields.Nested(HistorySchema, required=True)


class QueuePageSchema(Schema):
    items = fields.List(fields.Nested(QueueItemSchema), required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
    pages = fields.Integer(required=True)


class ActionResultSchema(Schema):
    comments = fields.List(fields.Nested(ModeratorCommentSchema), required=True)


class LockResultSchema(Schema):
    id = fields.Integer(required=True)
    locked = fields.Boolean(required=True)


class BanSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    value = fields.String(
        required=True, metadata={"description": "An address is shown as its hash."}
    )
    post_id = fields.Integer(allow_none=True)
    scope = fields.String(required=True)
    reason = fields.String(required=True)
    created_by = fields.Integer(allow_none=True)
    created_at = fields.DateTime(required=True)
    expires_at = fields.DateTime(allow_none=True)
    lifted_at = fields.DateTime(allow_none=True)


class BanPageSchema(Schema):
    items = fields.List(fields.Nested(BanSchema), required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
    pages = fields.Integer(required=True)


class LogEntrySchema(Schema):
    id = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    actor = fields.String(required=True)
    moderator_id = fields.Integer(allow_none=True)
    action = fields.String(required=True)
    comment_id = fields.Integer(allow_none=True)
    post_id = fields.Integer(allow_none=True)
    from_status = fields.String(allow_none=True)
    to_status = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    details = fields.Dict(allow_none=True)


class LogPageSchema(Schema):
    items = fields.List(fields.Nested(LogEntrySchema), required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
    pages = fields.Integer(required=True)
