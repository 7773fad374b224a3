"""Comments: the reply view, replies, authors' edits, and readers' flags."""

from __future__ import annotations

from typing import Any

from flask import current_app, request, url_for

from forum import address_key
from forum.api import Blueprint, json_response, served_links
from forum.extensions import db
from forum.models import FlagReason
from forum.privacy import hash_address
from forum.ratelimit import client_address, flags_limited, replies_limited
from forum.schemas.comments import (
    CommentEditSchema,
    CommentSchema,
    FlagCreateSchema,
    FlagResultSchema,
    PostedCommentSchema,
    ReplyCreateSchema,
    ReplyViewQuerySchema,
    ReplyViewSchema,
)
from forum.schemas.common import ProblemSchema
from forum.services import comments as comment_service
from forum.services import flags as flag_service
from forum.services import replies as reply_service
from forum.thread_cache import conditional_response, serialized

bp = Blueprint("comments", __name__, url_prefix="/api/comments", description="Comments")
EDIT_TOKEN_HEADER = "X-Edit-Token"  # noqa: S105 (a header name, not a secret)
_EDIT_TOKEN_DOC = {
    "parameters": [
        {
            "in": "header",
            "name": EDIT_TOKEN_HEADER,
            "required": True,
            "schema": {"type": "string"},
            "description": "The token the comment was posted with.",
        }
    ]
}


@bp.get("/<id(bits=64):comment_id>")
@bp.arguments(ReplyViewQuerySchema, location="query", as_kwargs=True)
@bp.response(200, ReplyViewSchema)
@bp.alt_response(404, schema=ProblemSchema, description="No such comment, or not visible")
def get_comment(comment_id: int, max_depth: int | None = None):
    """Return the reply view: a comment, its ancestors for context, and its replies."""
    depth = current_app.config["THREAD_MAX_DEPTH"] if max_depth is None else max_depth
    post = comment_service.comment_thread(comment_id)

    def build() -> dict:
        return comment_service.get_reply_view(comment_id, max_depth=depth)

    # Kept while the thread's version stays: every write to the thread changes it.
    found = serialized(("reply", comment_id, post.id, *post.thread_version, depth), build)
    return conditional_response(found, {})


def posted_response(posted: reply_service.Posted):
    """201 with Location when published; 202 when held for moderation (or quietly spam)."""
    published = posted.comment.status.value == "approved"
    body = {
        "comment": served_links(comment_service.public_comment(posted.comment, posted.quotes)),
        "status": "published" if published else "held",
        "edit_token": posted.edit_token,
        "edit_expires_at": posted.edit_expires_at,
    }
    location = url_for("comments.get_comment", comment_id=posted.comment.id, _external=True)
    return json_response(body, 201 if published else 202, headers={"Location": location})


def reply_input(data: dict[str, Any]) -> reply_service.ReplyInput:
    return reply_service.ReplyInput(
        author_name=data["author_name"],
        body=data["body"],
        author_email=data["author_email"],
        author_url=data["author_url"],
        quote=data["quote"],
        honeypot=data["homepage"],
    )


@bp.post("/<id(bits=64):comment_id>/replies")
@replies_limited
@bp.arguments(ReplyCreateSchema)
@bp.response(201, PostedCommentSchema, description="Published")
@bp.alt_response(202, schema=PostedCommentSchema, description="Held for moderation")
@bp.alt_response(404, schema=ProblemSchema, description="No such comment")
@bp.alt_response(409, schema=ProblemSchema, description="Not open for replies")
@bp.alt_response(422, schema=ProblemSchema, description="Invalid reply")
@bp.alt_response(429, schema=ProblemSchema, description="Too many replies")
def reply_to_comment(data: dict[str, Any], comment_id: int):
    """Reply to a comment."""
    posted = reply_service.add_reply(
        post_id=None,
        parent_id=comment_id,
        data=reply_input(data),
        address=client_address(),
        settings=current_app.config,
        address_key=address_key(current_app),
    )
    db.session.commit()
    return posted_response(posted)


@bp.patch("/<id(bits=64):comment_id>")
@bp.arguments(CommentEditSchema)
@bp.doc(**_EDIT_TOKEN_DOC)
@bp.response(200, CommentSchema)
@bp.alt_response(403, schema=ProblemSchema, description="Wrong or expired edit token")
@bp.alt_response(404, schema=ProblemSchema, description="No such comment")
def edit_comment(data: dict[str, Any], comment_id: int):
    """Edit your own comment, within 15 minutes, with its edit token."""
    comment = reply_service.edit_own_comment(
        comment_id,
        request.headers.get(EDIT_TOKEN_HEADER),
        data["body"],
        current_app.config,
        address_key(current_app),
    )
    db.session.commit()
    return json_response(served_links(comment_service.public_comment(comment)))


@bp.delete("/<id(bits=64):comment_id>")
@bp.doc(**_EDIT_TOKEN_DOC)
@bp.response(204)
@bp.alt_response(403, schema=ProblemSchema, description="Wrong or expired edit token")
@bp.alt_response(404, schema=ProblemSchema, description="No such comment")
def delete_comment(comment_id: int):
    """Delete your own comment, within 15 minutes, with its edit token."""
    reply_service.delete_own_comment(comment_id, request.headers.get(EDIT_TOKEN_HEADER))
    db.session.commit()
    return "", 204


@bp.post("/<id(bits=64):comment_id>/flags")
@flags_limited
@bp.arguments(FlagCreateSchema)
@bp.response(201, FlagResultSchema)
@bp.alt_response(404, schema=ProblemSchema, description="No such comment")
@bp.alt_response(409, schema=ProblemSchema, description="Flagged by you already")
@bp.alt_response(429, schema=ProblemSchema, description="Too many flags")
def flag_comment(data: dict[str, Any], comment_id: int):
    """Flag a comment for moderators: spam, abuse, off_topic or other, with a note."""
    client = hash_address(client_address(), address_key(current_app)) or "unknown"
    flag, _hidden = flag_service.flag_comment(
        comment_id,
        reason=FlagReason(data["reason"]),
        note=data["note"],
        client_hash=client,
        settings=current_app.config,
    )
    db.session.commit()
    return json_response(
        {"flag_id": flag.id, "comment_id": comment_id, "reason": data["reason"]}, 201
    )
