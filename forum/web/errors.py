"""Error pages: what a reader sees when something is missing, refused, too fast, or broken."""

from __future__ import annotations

import logging

from flask import Flask, Response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, NotFound

from forum import errors as api_errors
from forum.errors import PROBLEMS, ForumError
from forum.extensions import db
from forum.web.blueprints import moderator_pages, reader_pages
from forum.web.security import API_PREFIX

log = logging.getLogger(__name__)

# Friendlier words than the status line's, where a reader may meet the status.
TITLES = {
    400: "That request could not be understood",
    401: "Please sign in",
    403: "Not allowed",
    404: "Not found",
    405: "Not possible here",
    409: "That could not be done",
    413: "That is too long",
    422: "Please check what you entered",
    429: "Slow down a little",
    500: "Something went wrong on our side",
}
MESSAGES = {
    404: "There is nothing at this address. It may have been removed, or the link is wrong.",
    429: "You have sent several of these in a short time. Wait a minute, then try again.",
    500: "The error has been logged. Please try again in a moment.",
}
CSRF_MESSAGE = (
    "For your safety, a form works only for a while after its page was opened, and only "
    "from this site. Go back, reload the page, and send it again."
)


def render_error(
    status: int, message: str, title: str | None = None, back: str | None = None
) -> tuple[str, int]:
    """Render the error page: a status, a message, a title (from the status), a way back."""
    title = title or TITLES.get(status, "Something went wrong")
    page = render_template("web/error.html", status=status, title=title, message=message, back=back)
    return page, status


def status_of(error: ForumError) -> int:
    """The HTTP status of a domain error, from the one table in forum.errors."""
    for cls in type(error).__mro__:
        if cls in PROBLEMS:
            return PROBLEMS[cls].status
    return 400


def _forum_error(error: ForumError) -> tuple[str, int]:
    db.session.rollback()
    return render_error(status_of(error), str(error))


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    if isinstance(error, CSRFError):
        page, status = render_error(400, CSRF_MESSAGE, "This form has expired")
    else:
        message = MESSAGES.get(status) or error.description or ""
        page, status = render_error(status, message)
    response = Response(page, status=status, mimetype="text/html")
    for header, value in error.get_headers():
        if header.lower() not in {"content-type", "content-length"}:
            response.headers[header] = value
    return response


def _unexpected(error: Exception) -> Response | tuple[str, int]:
    if isinstance(error, HTTPException):
        return _http_error(error)
    log.exception("unhandled error on %s %s", request.method, request.path)
    db.session.rollback()
    return _http_error(InternalServerError())


def _wants_page() -> bool:
    if request.blueprint in {reader_pages.name, moderator_pages.name}:
        return True
    if request.path.startswith(API_PREFIX) or request.path == API_PREFIX.rstrip("/"):
        return False
    return request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html"


def _not_found_anywhere(error: NotFound) -> Response:
    """A browser asking for an address that matches no route gets a page, not JSON."""
    if _wants_page():
        return _http_error(error)
    return api_errors.render_http_error(error)


# On the pages, every error is a page. (Blueprints take handlers only before their first
# registration, so this happens once, at import.)
for _pages in (reader_pages, moderator_pages):
    _pages.register_error_handler(ForumError, _forum_error)
    _pages.register_error_handler(HTTPException, _http_error)
    _pages.register_error_handler(Exception, _unexpected)


def register_page_errors(app: Flask) -> None:
    """Answer a browser's unknown address with a page; the API keeps its problem documents."""
    app.register_error_handler(NotFound, _not_found_anywhere)
