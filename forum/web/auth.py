"""Moderators signing in to the pages with their token, and who is signed in, on every request.

The session (a signed, HTTP-only cookie) never holds the token: only the moderator's id, a
keyed fingerprint of the stored token hash, and when they signed in. Every request loads the
moderator again, so a revoked or replaced token ends the session at once.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

from flask import current_app, flash, g, redirect, render_template, request, session, url_for

from forum.errors import NotAllowed, NotAuthenticated
from forum.extensions import db
from forum.models import Moderator
from forum.ratelimit import limiter
from forum.services.moderators import authenticate
from forum.web.blueprints import moderator_pages
from forum.web.errors import status_of
from forum.web.security import safe_next

SESSION_KEY = "moderator"
SESSION_SECONDS = 12 * 3600  # a moderator signs in again after this, whatever the browser does
SIGN_IN_LIMIT = "10 per minute"
OPEN_ENDPOINTS = {"sign_in_form", "sign_in", "sign_out"}


def _fingerprint(moderator: Moderator) -> str:
    """A value tied to the moderator's current token, useless as a credential elsewhere."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    message = b"moderator session\0" + moderator.token_hash.encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def signed_in_moderator() -> Moderator | None:
    """The moderator this session belongs to, if the session is still good."""
    saved: Any = session.get(SESSION_KEY)
    if not isinstance(saved, dict) or not isinstance(saved.get("id"), int):
        return None
    if time.time() - float(saved.get("since") or 0) > SESSION_SECONDS:
        return None
    moderator = db.session.get(Moderator, saved["id"])
    if moderator is None or moderator.revoked_at is not None:
        return None
    if not hmac.compare_digest(str(saved.get("key")), _fingerprint(moderator)):
        return None
    return moderator


@moderator_pages.before_request
def _require_moderator():
    """Every moderation page but signing in and out needs a signed-in moderator."""
    endpoint = (request.endpoint or "").rpartition(".")[2]
    if endpoint in OPEN_ENDPOINTS:
        return None
    g.moderator = signed_in_moderator()
    if g.moderator is not None:
        return None
    if session.pop(SESSION_KEY, None) is not None:
        flash("Your moderator session has ended. Please sign in again.", "notice")
    wanted = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for(".sign_in_form", next=wanted), 303)


@moderator_pages.after_request
def _never_cached(response):
    """Moderation pages show emails and hidden comments: no cache may keep them."""
    response.headers["Cache-Control"] = "no-store"
    return response


@moderator_pages.get("/sign-in")
def sign_in_form():
    """The sign-in form (or straight on, for a moderator who is signed in)."""
    wanted = safe_next(request.args.get("next"), url_for(".queue"))
    if signed_in_moderator() is not None:
        return redirect(wanted, 303)
    return render_template("web/moderation/sign_in.html", next=wanted, error=None)


@moderator_pages.post("/sign-in")
@limiter.limit(SIGN_IN_LIMIT)
def sign_in():
    """Check a moderator's token, and start a session that does not keep it."""
    wanted = safe_next(request.form.get("next"), url_for(".queue"))
    token = request.form.get("token", "").strip()
    try:
        if not token:
            raise NotAuthenticated("Enter your moderator token.")
        moderator = authenticate(f"Bearer {token}")
    except (NotAuthenticated, NotAllowed) as error:
        page = render_template("web/moderation/sign_in.html", next=wanted, error=str(error))
        return page, status_of(error)
    session.clear()  # a fresh session: nothing from before signing in carries over
    session[SESSION_KEY] = {
        "id": moderator.id,
        "key": _fingerprint(moderator),
        "since": int(time.time()),
    }
    flash(f"Signed in as {moderator.name}.", "success")
    return redirect(wanted, 303)


@moderator_pages.post("/sign-out")
def sign_out():
    """End the session: the moderator, and everything else it held."""
    session.clear()
    flash("You are signed out.", "success")
    return redirect(url_for(".sign_in_form"), 303)
