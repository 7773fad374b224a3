"""The moderator's desk: the queue with its filters, actions on comments (one or many), locks."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for
from marshmallow import EXCLUDE, ValidationError, fields, validate
from werkzeug.datastructures import MultiDict

from forum.errors import Conflict, NotFound
from forum.extensions import db
from forum.models import Comment, CommentStatus, Post
from forum.schemas.common import PageQuerySchema
from forum.schemas.fields import Id
from forum.services import moderation as moderation_service
from forum.web import queries
from forum.web.blueprints import moderator_pages
from forum.web.errors import render_error, status_of
from forum.web.forms import ACTION_FORM, field_errors
from forum.web.reader import load_args
from forum.web.security import safe_next

# The service's queues, and the deleted comments (the only ones "restore" applies to).
FILTERS = (*moderation_service.QUEUES, "deleted")
DONE = {
    "approve": "Approved",
    "hide": "Hidden",
    "spam": "Marked as spam",
    "delete": "Deleted",
    "restore": "Restored",
}


class QueueArgs(PageQuerySchema):
    class Meta:
        unknown = EXCLUDE

    status = fields.String(load_default="pending", validate=validate.OneOf(FILTERS))
    post = Id(load_default=None, strict=False)


QUEUE_ARGS = QueueArgs()


def actions_for(status: str) -> list[str]:
    """The actions that apply to a comment in this status, in the service's order."""
    current = CommentStatus(status)
    return [
        action
        for action, (allowed, _target) in moderation_service.TRANSITIONS.items()
        if current in allowed
    ]


@moderator_pages.context_processor
def _helpers():
    return {"actions_for": actions_for}


@moderator_pages.get("")
def queue():
    """The queue: pending, flagged, spam, hidden (or deleted) comments, oldest first."""
    args = load_args(QUEUE_ARGS)
    result = moderation_service.queue(
        moderation_service.QueueFilter(
            status=args["status"],
            post_id=args["post"],
            page=args["page"],
            per_page=current_app.config["PER_PAGE"],
        )
    )
    if result.total and args["page"] > result.pages:
        # The last items of the last page were just dealt with: show what is left.
        wanted = {"status": args["status"], "post": args["post"], "page": result.pages}
        return redirect(url_for(".queue", **wanted), 303)
    return render_template(
        "web/moderation/queue.html",
        result=result,
        status=args["status"],
        post_id=args["post"],
        sizes=queries.queue_sizes(),
        filters=FILTERS,
    )


def _chosen(form: MultiDict) -> tuple[list[str], str]:
    """The comments and the action a queue form names: one item's button, or the bulk bar.

    An item's button sends ``act=ACTION:ID``; the bulk button sends ``act=bulk`` with the
    ticked ``ids`` and the ``action`` chosen beside it.
    """
    act = form.get("act", "bulk")
    if act != "bulk":
        action, _, comment_id = act.partition(":")
        return [comment_id], action
    return form.getlist("ids"), form.get("action", "")


@moderator_pages.post("/actions")
def act():
    """Approve, hide, mark as spam, delete or restore comments: all that are named, or none."""
    ids, action = _chosen(request.form)
    back = safe_next(request.form.get("back"), url_for(".queue"))
    if not ids:
        return _refused(422, "Tick one or more comments first, then choose what to do.", back)
    reason = request.form.get("reason", "").strip() or None
    try:
        data = ACTION_FORM.load({"ids": ids, "action": action, "reason": reason})
    except ValidationError as error:
        wrong = "; ".join(field_errors(error.messages).values())
        return _refused(422, f"That action could not be read: {wrong}", back)
    try:
        done = moderation_service.act_on_comments(
            data["ids"], data["action"], g.moderator, data["reason"]
        )
    except (Conflict, NotFound) as error:
        return _refused(status_of(error), str(error), back)
    db.session.commit()
    flash(f"{DONE[data['action']]}: {_list_ids(c.id for c in done)}.", "success")
    return redirect(back, 303)


def _list_ids(ids) -> str:
    ids = list(ids)
    return ("comment " if len(ids) == 1 else "comments ") + ", ".join(f"#{i}" for i in ids)


def _refused(status: int, message: str, back: str):
    db.session.rollback()
    return render_error(status, message, back=back)


@moderator_pages.get("/comments/<id(bits=64):comment_id>")
def comment(comment_id: int):
    """One comment in any status: its context, flags, history, and what can be done."""
    found = db.session.get(Comment, comment_id)
    if found is None:
        raise NotFound(f"There is no comment {comment_id}.")
    post = db.session.get(Post, found.post_id)
    parent = db.session.get(Comment, found.parent_id) if found.parent_id else None
    log = moderation_service.read_log(
        moderation_service.LogFilter(page=1, per_page=100, comment_id=comment_id)
    )
    return render_template(
        "web/moderation/comment.html",
        comment=moderation_service.moderator_comment(found),
        parent=moderation_service.moderator_comment(parent) if parent else None,
        post=post,
        flags=queries.open_flags(comment_id),
        log=log.items,
    )


@moderator_pages.post("/comments/<id(bits=64):comment_id>/lock")
def lock_branch(comment_id: int):
    """Lock or unlock a branch: the comment and everything below it."""
    return _lock("comment", comment_id)


@moderator_pages.post("/posts/<id:post_id>/lock")
def lock_post(post_id: int):
    """Lock or unlock a post's whole thread."""
    return _lock("post", post_id)


def _lock(kind: str, target_id: int):
    locked = request.form.get("locked") == "1"
    reason = request.form.get("reason", "").strip()[:1000] or None
    back = safe_next(request.form.get("back"), url_for(".queue"))
    try:
        if kind == "post":
            moderation_service.set_post_lock(target_id, locked, g.moderator, reason)
        else:
            moderation_service.set_branch_lock(target_id, locked, g.moderator, reason)
    except Conflict as error:
        return _refused(status_of(error), str(error), back)
    db.session.commit()
    what = "The thread" if kind == "post" else "The branch"
    flash(f"{what} is {'locked' if locked else 'unlocked'}.", "success")
    return redirect(back, 303)
