"""Readers writing: replies and flags, from plain forms that work without JavaScript.

Each POST validates with the API's schemas, calls the same service as the API, commits,
and redirects (POST/redirect/GET); a refusal re-renders the form with its message.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, session, url_for
from marshmallow import ValidationError

from forum import address_key, reading
from forum.errors import AlreadyFlagged, Conflict, InvalidInput, InvalidQuote, NotFound
from forum.extensions import db
from forum.models import Comment, CommentStatus, FlagReason
from forum.privacy import hash_address
from forum.ratelimit import client_address, flags_limited, replies_limited
from forum.services import comments as comment_service
from forum.services import flags as flag_service
from forum.services import posts as post_service
from forum.services import replies as reply_service
from forum.web import queries
from forum.web.blueprints import reader_pages
from forum.web.errors import status_of
from forum.web.forms import (
    AUTHOR_FIELDS,
    FLAG_FORM,
    REPLY_FORM,
    field_errors,
    flag_fields,
    reply_fields,
    reply_input,
)
from forum.web.security import safe_next
from forum.web.trees import CONTINUE_DEPTH

PUBLISHED = "Your comment is published."
HELD = "Thank you. Your comment awaits moderation: it will appear once a moderator has approved it."
FLAGGED = "Thank you. A moderator will look at this comment."
HIDDEN_BY_FLAGS = "Thank you. Enough readers flagged this comment: it is hidden until reviewed."


@reader_pages.post("/posts/<id:post_id>/comments")
@replies_limited
def comment_on_post(post_id: int):
    """Post a top-level comment on a post."""
    return _reply(post_id, None)


@reader_pages.post("/comments/<id(bits=64):comment_id>/replies")
@replies_limited
def reply_to_comment(comment_id: int):
    """Reply to a comment."""
    with reading():  # the reply's own checks and writes come in transactions of their own
        post_id = comment_service.get_comment_post_id(comment_id)
    db.session.rollback()
    return _reply(post_id, comment_id)


def _reply(post_id: int, parent_id: int | None):
    try:
        data = REPLY_FORM.load(reply_fields(request.form))
    except ValidationError as error:
        return _compose(post_id, parent_id, field_errors(error.messages), 422)
    try:
        posted = reply_service.add_reply(
            post_id=post_id,
            parent_id=parent_id,
            data=reply_input(data),
            address=client_address(),
            settings=current_app.config,
            address_key=address_key(current_app),
        )
    except (Conflict, InvalidInput) as error:
        db.session.rollback()
        field = "quote_text" if isinstance(error, InvalidQuote) else "form"
        return _compose(post_id, parent_id, {field: str(error)}, status_of(error))
    db.session.commit()
    session["author"] = {name: data[name] or "" for name in AUTHOR_FIELDS}
    if posted.comment.status == CommentStatus.APPROVED:
        flash(PUBLISHED, "success")
        return redirect(_location(posted.comment), 303)
    flash(HELD, "notice")
    return redirect(safe_next(request.form.get("back"), url_for(".post", post_id=post_id)), 303)


def _location(comment: Comment) -> str:
    """Where a published comment is seen: its place in the thread, or its own page."""
    anchor = f"c{comment.id}"
    if comment.depth > CONTINUE_DEPTH:
        return url_for(".comment", comment_id=comment.id, _anchor=anchor)
    page = queries.thread_page_of(comment.id, current_app.config["PER_PAGE"])
    shown_page = page if page > 1 else None
    return url_for(".post", post_id=comment.post_id, page=shown_page, _anchor=anchor)


def _compose(post_id: int, parent_id: int | None, errors: dict[str, str], status: int):
    """The reply form again, with what the reader wrote and what to change."""
    post = post_service.get_post(post_id)
    parent = _shown_comment(parent_id) if parent_id is not None else None
    page = render_template(
        "web/compose.html",
        post=post_service.post_dict(post, 0),
        parent=parent,
        parent_id=parent_id,
        values=request.form,
        errors=errors,
        back=safe_next(request.form.get("back"), url_for(".post", post_id=post_id)),
    )
    return page, status


def _shown_comment(comment_id: int) -> dict[str, Any] | None:
    try:
        return comment_service.get_reply_view(comment_id, max_depth=0)["comment"]
    except NotFound:
        return None


@reader_pages.post("/comments/<id(bits=64):comment_id>/flags")
@flags_limited
def flag_comment(comment_id: int):
    """Flag a comment for the moderators, with a reason."""
    try:
        data = FLAG_FORM.load(flag_fields(request.form))
    except ValidationError as error:
        return _flag_form(comment_id, field_errors(error.messages), 422)
    client = hash_address(client_address(), address_key(current_app)) or "unknown"
    try:
        _flag, hidden = flag_service.flag_comment(
            comment_id,
            reason=FlagReason(data["reason"]),
            note=data["note"],
            client_hash=client,
            settings=current_app.config,
        )
    except AlreadyFlagged as error:
        db.session.rollback()
        return _flag_form(comment_id, {"form": str(error)}, 409)
    db.session.commit()
    flash(HIDDEN_BY_FLAGS if hidden else FLAGGED, "success")
    fallback = url_for(".comment", comment_id=comment_id)
    return redirect(safe_next(request.form.get("back"), fallback), 303)


def _flag_form(comment_id: int, errors: dict[str, str], status: int):
    comment = _shown_comment(comment_id)
    if comment is None:
        raise NotFound(f"There is no comment {comment_id}.")
    page = render_template(
        "web/flag.html",
        comment=comment,
        values=request.form,
        errors=errors,
        back=safe_next(request.form.get("back"), url_for(".comment", comment_id=comment_id)),
    )
    return page, status
