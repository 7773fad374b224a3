"""The moderator's records: ban rules (add, lift, list) and the moderation log."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, g, redirect, render_template, request, url_for
from marshmallow import EXCLUDE, ValidationError, fields
from sqlalchemy import select

from forum import address_key
from forum.errors import Conflict, InvalidInput
from forum.extensions import db
from forum.models import BanKind, Moderator
from forum.models.base import utcnow
from forum.schemas.common import PageQuerySchema
from forum.schemas.moderation import BAN_KINDS, LogQuerySchema
from forum.services import bans as ban_service
from forum.services import moderation as moderation_service
from forum.services.moderation import ACTIONS
from forum.web.blueprints import moderator_pages
from forum.web.errors import render_error, status_of
from forum.web.forms import BAN_FORM, field_errors
from forum.web.reader import check_page, load_args

# How long a ban lasts: the form offers these rather than a free date.
DURATIONS = {
    "": None,
    "1d": timedelta(days=1),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "365d": timedelta(days=365),
}
# Every action the log records, for its filter.
LOG_ACTIONS = (
    *ACTIONS,
    "auto_hide",
    "policy",
    "ban",
    "unban",
    "lock",
    "unlock",
    "lock_branch",
    "unlock_branch",
)


class BanArgs(PageQuerySchema):
    class Meta:
        unknown = EXCLUDE

    include_lifted = fields.Boolean(load_default=False)


class LogArgs(LogQuerySchema):
    class Meta:
        unknown = EXCLUDE


BAN_ARGS = BanArgs()
LOG_ARGS = LogArgs()


def _moderator_names() -> dict[int, str]:
    return dict(db.session.execute(select(Moderator.id, Moderator.name)).all())


def _bans_page(values, errors: dict[str, str], status: int = 200):
    args = load_args(BAN_ARGS)
    result = ban_service.list_bans(
        args["page"], current_app.config["PER_PAGE"], args["include_lifted"]
    )
    if result.total:
        check_page(args["page"], result.pages)
    page = render_template(
        "web/moderation/bans.html",
        result=result,
        include_lifted=args["include_lifted"],
        kinds=BAN_KINDS,
        values=values,
        errors=errors,
        names=_moderator_names(),
        now=utcnow(),
    )
    return page, status


@moderator_pages.get("/bans")
def bans():
    """Ban rules in force (or all of them), newest first, and the form to add one.

    The form can be filled from the address (``kind``, ``value``, ``reason``, ``post``):
    the queue links here to ban a comment's author.
    """
    return _bans_page(request.args, {})


@moderator_pages.post("/bans")
def add_ban():
    """Add a ban rule, site-wide or for one post, for good or for a while."""
    form = request.form
    duration = form.get("duration", "")
    if duration not in DURATIONS:
        return _bans_page(form, {"duration": "Choose how long the ban lasts."}, 422)
    lasts = DURATIONS[duration]
    try:
        data = BAN_FORM.load(
            {
                "kind": form.get("kind", ""),
                "value": form.get("value", ""),
                "post_id": form.get("post", "").strip() or None,
                "reason": form.get("reason", ""),
                "expires_at": (utcnow() + lasts).isoformat() if lasts else None,
            }
        )
    except ValidationError as error:
        errors = field_errors(error.messages)
        if "post_id" in errors:
            errors["post"] = errors.pop("post_id")
        return _bans_page(form, errors, 422)
    try:
        ban = ban_service.add_ban(
            kind=BanKind(data["kind"]),
            value=data["value"],
            moderator=g.moderator,
            address_key=address_key(current_app),
            reason=data["reason"],
            post_id=data["post_id"],
            expires_at=data["expires_at"],
        )
    except (InvalidInput, Conflict) as error:
        db.session.rollback()
        return _bans_page(form, {"value": str(error)}, status_of(error))
    db.session.commit()
    flash(f"Ban #{ban.id} added.", "success")
    return redirect(url_for(".bans"), 303)


@moderator_pages.post("/bans/<id:ban_id>/lift")
def lift_ban(ban_id: int):
    """Lift a ban; it stays listed, as lifted."""
    try:
        ban_service.lift_ban(ban_id, g.moderator, request.form.get("reason", "").strip() or None)
    except Conflict as error:
        db.session.rollback()
        return render_error(status_of(error), str(error), back=url_for(".bans"))
    db.session.commit()
    flash(f"Ban #{ban_id} lifted.", "success")
    return redirect(url_for(".bans"), 303)


@moderator_pages.get("/log")
def log():
    """The moderation log, newest first, filtered by action, moderator, comment or post."""
    args = load_args(LOG_ARGS)
    result = moderation_service.read_log(
        moderation_service.LogFilter(
            page=args["page"],
            per_page=current_app.config["PER_PAGE"],
            action=args.get("action"),
            moderator=args.get("moderator"),
            comment_id=args.get("comment"),
            post_id=args.get("post"),
            since=args.get("since"),
            until=args.get("until"),
        )
    )
    if result.total:
        check_page(args["page"], result.pages)
    return render_template("web/moderation/log.html", result=result, args=args, actions=LOG_ACTIONS)
