"""Moderation: the queue, actions on comments, locks, bans, and the log. Bearer tokens only."""

from __future__ import annotations

from typing import Any

from flask import current_app, g, request

from forum import address_key
from forum.api import Blueprint, json_response, pagination_headers
from forum.extensions import db
from forum.models import BanKind
from forum.schemas.common import ProblemSchema
from forum.schemas.moderation import (
    ActionResultSchema,
    ActionSchema,
    BanCreateSchema,
    BanPageSchema,
    BanQuerySchema,
    BanSchema,
    BulkActionSchema,
    LockResultSchema,
    LogPageSchema,
    LogQuerySchema,
    QueuePageSchema,
    QueueQuerySchema,
    ReasonSchema,
)
from forum.services import bans as ban_service
from forum.services import moderation as moderation_service
from forum.services.moderators import authenticate

bp = Blueprint(
    "moderation",
    __name__,
    url_prefix="/api/moderation",
    description="Moderation (Authorization: Bearer <moderator token>)",
)
_AUTH_ERRORS = ((401, "No or unknown token"), (403, "Revoked token"))


@bp.before_request
def _require_moderator() -> None:
    """Every moderation endpoint needs a moderator's bearer token, and only that."""
    g.moderator = authenticate(request.headers.get("Authorization"))


def _documented(function):
    function = bp.doc(security=[{"bearerAuth": []}])(function)
    for status, description in _AUTH_ERRORS:
        function = bp.alt_response(status, schema=ProblemSchema, description=description)(function)
    return function


def _page(endpoint: str, page, **values: Any):
    body = {
        "items": page.items,
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
        "pages": page.pages,
    }
    return json_response(
        body, headers=pagination_headers(endpoint, page.page, page.pages, page.total, **values)
    )


@bp.get("/queue")
@_documented
@bp.arguments(QueueQuerySchema, location="query", as_kwargs=True)
@bp.response(200, QueuePageSchema)
def get_queue(status: str, post: int | None, page: int, per_page: int):
    """List comments awaiting review, oldest first: pending, flagged, spam or hidden."""
    result = moderation_service.queue(
        moderation_service.QueueFilter(status=status, post_id=post, page=page, per_page=per_page)
    )
    return _page("moderation.get_queue", result)


@bp.post("/comments/<id(bits=64):comment_id>/actions")
@_documented
@bp.arguments(ActionSchema)
@bp.response(200, ActionResultSchema)
@bp.alt_response(404, schema=ProblemSchema, description="No such comment")
@bp.alt_response(409, schema=ProblemSchema, description="The action does not apply")
def act_on_comment(data: dict[str, Any], comment_id: int):
    """Approve, hide, mark as spam, delete or restore a comment."""
    comments = moderation_service.act_on_comments(
        [comment_id], data["action"], g.moderator, data["reason"]
    )
    db.session.commit()
    return json_response({"comments": [moderation_service.moderator_comment(c) for c in comments]})


@bp.post("/actions")
@_documented
@bp.arguments(BulkActionSchema)
@bp.response(200, ActionResultSchema)
@bp.alt_response(404, schema=ProblemSchema, description="A comment does not exist")
@bp.alt_response(409, schema=ProblemSchema, description="The action does not apply to one")
def act_on_comments(data: dict[str, Any]):
    """Apply one action to many comments: all of them, or none if any cannot take it."""
    comments = moderation_service.act_on_comments(
        data["ids"], data["action"], g.moderator, data["reason"]
    )
    db.session.commit()
    return json_response({"comments": [moderation_service.moderator_comment(c) for c in comments]})


def _lock(kind: str, target_id: int, locked: bool, reason: str | None):
    if kind == "post":
        moderation_service.set_post_lock(target_id, locked, g.moderator, reason)
    else:
        moderation_service.set_branch_lock(target_id, locked, g.moderator, reason)
    db.session.commit()
    return json_response({"id": target_id, "locked": locked})


@bp.post("/posts/<id:post_id>/lock")
@_documented
@bp.arguments(ReasonSchema, required=False)
@bp.response(200, LockResultSchema)
@bp.alt_response(409, schema=ProblemSchema, description="Locked already")
def lock_post(data: dict[str, Any], post_id: int):
    """Lock a post's whole thread: no more comments."""
    return _lock("post", post_id, True, data["reason"])


@bp.post("/posts/<id:post_id>/unlock")
@_documented
@bp.arguments(ReasonSchema, required=False)
@bp.response(200, LockResultSchema)
@bp.alt_response(409, schema=ProblemSchema, description="Not locked")
def unlock_post(data: dict[str, Any], post_id: int):
    """Unlock a post's thread."""
    return _lock("post", post_id, False, data["reason"])


@bp.post("/comments/<id(bits=64):comment_id>/lock")
@_documented
@bp.arguments(ReasonSchema, required=False)
@bp.response(200, LockResultSchema)
@bp.alt_response(409, schema=ProblemSchema, description="Locked already")
def lock_branch(data: dict[str, Any], comment_id: int):
    """Lock one branch: a comment and its replies take no more replies."""
    return _lock("comment", comment_id, True, data["reason"])


@bp.post("/comments/<id(bits=64):comment_id>/unlock")
@_documented
@bp.arguments(ReasonSchema, required=False)
@bp.response(200, LockResultSchema)
@bp.alt_response(409, schema=ProblemSchema, description="Not locked")
def unlock_branch(data: dict[str, Any], comment_id: int):
    """Unlock a branch."""
    return _lock("comment", comment_id, False, data["reason"])


def _ban(ban) -> dict[str, Any]:
    return {
        "id": ban.id,
        "kind": ban.kind.value,
        "value": ban.value,
        "post_id": ban.post_id,
        "scope": "post" if ban.post_id else "site",
        "reason": ban.reason,
        "created_by": ban.created_by,
        "created_at": ban.created_at,
        "expires_at": ban.expires_at,
        "lifted_at": ban.lifted_at,
    }


@bp.get("/bans")
@_documented
@bp.arguments(BanQuerySchema, location="query", as_kwargs=True)
@bp.response(200, BanPageSchema)
def list_bans(page: int, per_page: int, include_lifted: bool):
    """List ban rules in force (and, on request, lifted and expired ones), newest first."""
    result = ban_service.list_bans(page, per_page, include_lifted)
    result.items = [_ban(ban) for ban in result.items]
    return _page("moderation.list_bans", result)


@bp.post("/bans")
@_documented
@bp.arguments(BanCreateSchema)
@bp.response(201, BanSchema)
@bp.alt_response(409, schema=ProblemSchema, description="An unusable value")
def create_ban(data: dict[str, Any]):
    """Add a ban rule, site-wide or for one post, with an optional expiry."""
    ban = ban_service.add_ban(
        kind=BanKind(data["kind"]),
        value=data["value"],
        moderator=g.moderator,
        address_key=address_key(current_app),
        reason=data["reason"],
        post_id=data["post_id"],
        expires_at=data["expires_at"],
    )
    db.session.commit()
    return json_response(_ban(ban), 201)


@bp.delete("/bans/<id:ban_id>")
@_documented
@bp.response(200, BanSchema)
@bp.alt_response(404, schema=ProblemSchema, description="No such ban")
@bp.alt_response(409, schema=ProblemSchema, description="Lifted already")
def lift_ban(ban_id: int):
    """Lift a ban; it stays on record as lifted."""
    ban = ban_service.lift_ban(ban_id, g.moderator)
    db.session.commit()
    return json_response(_ban(ban))


@bp.get("/log")
@_documented
@bp.arguments(LogQuerySchema, location="query", as_kwargs=True)
@bp.response(200, LogPageSchema)
def read_log(page: int, per_page: int, **filters: Any):
    """Read the moderation log, newest first; filter by action, moderator, comment, post, time."""
    result = moderation_service.read_log(
        moderation_service.LogFilter(
            page=page,
            per_page=per_page,
            action=filters.get("action"),
            moderator=filters.get("moderator"),
            comment_id=filters.get("comment"),
            post_id=filters.get("post"),
            since=filters.get("since"),
            until=filters.get("until"),
        )
    )
    return _page("moderation.read_log", result)
