"""Comments: the reply view."""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from forum.api import json_response
from forum.schemas.comments import ReplyViewQuerySchema, ReplyViewSchema
from forum.schemas.common import ProblemSchema
from forum.services import comments as comment_service

bp = Blueprint("comments", __name__, url_prefix="/api/comments", description="Comments")


@bp.get("/<id:comment_id>")
@bp.arguments(ReplyViewQuerySchema, location="query", as_kwargs=True)
@bp.response(200, ReplyViewSchema)
@bp.alt_response(404, schema=ProblemSchema, description="No such comment, or not visible")
def get_comment(comment_id: int, max_depth: int | None = None):
    """Return the reply view: a comment, its ancestors for context, and its replies."""
    depth = current_app.config["THREAD_MAX_DEPTH"] if max_depth is None else max_depth
    return json_response(comment_service.get_reply_view(comment_id, max_depth=depth))
