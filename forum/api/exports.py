"""Exports of one post with its thread, as WXR or forum's JSON. Moderators only (Bearer)."""

from __future__ import annotations

from flask import Response, current_app, request, stream_with_context
from marshmallow import Schema, fields, validate

from forum.api import Blueprint
from forum.errors import NotFound
from forum.exporters import DEFAULT_SITE_URL, FORMATS, export
from forum.extensions import db
from forum.models import Post
from forum.schemas.common import ProblemSchema
from forum.services.moderators import authenticate

bp = Blueprint(
    "exports",
    __name__,
    url_prefix="/api/posts",
    description="Exports of posts with their threads (Authorization: Bearer <moderator token>)",
)

# What the 200 response is, in each format; the JSON is described in README ("Export").
_ARCHIVE_SCHEMA = {
    "type": "object",
    "required": ["format", "version", "posts", "moderation_log"],
    "properties": {
        "format": {"type": "string", "enum": ["forum-archive"]},
        "version": {"type": "integer"},
        "exported_at": {"type": "string", "format": "date-time"},
        "posts": {"type": "array", "items": {"type": "object"}},
        "moderation_log": {"type": "array", "items": {"type": "object"}},
    },
}
_EXPORT_RESPONSE = {
    "description": "The post with its whole thread, as a file to save",
    "headers": {
        "Content-Disposition": {
            "description": "attachment; filename=forum-post-<id>.<xml|json>",
            "schema": {"type": "string"},
        }
    },
    "content": {
        FORMATS["json"].mimetype: {"schema": _ARCHIVE_SCHEMA},
        FORMATS["wxr"].mimetype: {"schema": {"type": "string", "description": "WXR 1.2"}},
    },
}


class ExportQuerySchema(Schema):
    """Which format to export in."""

    format = fields.String(
        load_default="json",
        validate=validate.OneOf(sorted(FORMATS)),
        metadata={"description": "json: forum's archive document; wxr: WordPress WXR 1.2"},
    )


@bp.before_request
def _require_moderator() -> None:
    """Exports hold what readers never see (held comments, emails): moderators only."""
    authenticate(request.headers.get("Authorization"))


@bp.get("/<id:post_id>/export")
@bp.doc(security=[{"bearerAuth": []}], responses={200: _EXPORT_RESPONSE})
@bp.arguments(ExportQuerySchema, location="query", as_kwargs=True)
@bp.alt_response(401, schema=ProblemSchema, description="No or unknown token")
@bp.alt_response(403, schema=ProblemSchema, description="Revoked token")
@bp.alt_response(404, schema=ProblemSchema, description="No such post")
@bp.alt_response(422, schema=ProblemSchema, description="Bad query parameters")
def export_post(post_id: int, format: str):
    """Export one post of any status, with all its comments, as WXR or JSON."""
    if db.session.get(Post, post_id) is None:
        raise NotFound(f"There is no post {post_id}.")
    kind = FORMATS[format]
    site_url = current_app.config.get("SITE_URL") or DEFAULT_SITE_URL
    chunks = export(format, db.session, post_ids=[post_id], site_url=site_url)
    return Response(
        stream_with_context(chunks),
        mimetype=kind.mimetype,
        headers={
            "Content-Disposition": f"attachment; filename=forum-post-{post_id}.{kind.extension}"
        },
    )
