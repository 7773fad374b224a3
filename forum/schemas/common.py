"""Schemas shared by every resource: pagination and problem documents."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

MAX_PER_PAGE = 100


class PageQuerySchema(Schema):
    """Which page of a list to return."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PER_PAGE))


class ProblemSchema(Schema):
    """An RFC 9457 problem document (application/problem+json)."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    instance = fields.String()
    errors = fields.Dict(keys=fields.String())
