"""Domain exceptions, and their rendering as application/problem+json (RFC 9457)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import orjson
from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


class ForumError(Exception):
    """Base of every domain error; knows nothing of HTTP."""


class NotFound(ForumError):
    """The thing asked for does not exist, or the reader may not see it."""


class Conflict(ForumError):
    """The request is valid but the state of things does not allow it."""


class ParentNotInThread(Conflict):
    """A reply names a parent that belongs to another post."""


class NotOpenForReplies(Conflict):
    """The parent is not visible (deleted, spam, hidden, pending), or the thread is locked."""


class InvalidTransition(Conflict):
    """A moderation action that does not apply to the comment's current status."""


class AlreadyFlagged(Conflict):
    """This client has flagged this comment already."""


class DuplicateComment(Conflict):
    """The same author already posted the same text here."""


class InvalidInput(ForumError):
    """Input that has the right shape but an unusable value (a bad address range, say)."""


class InvalidQuote(InvalidInput):
    """A quote that does not occur in the comment it names, or names one outside the thread."""


class NotAuthenticated(ForumError):
    """No credentials, or credentials that match no one."""


class NotAllowed(ForumError):
    """Credentials that are known but may not do this (a revoked token, an expired edit)."""


class ImportFailed(ForumError):
    """A file could not be imported; nothing of it was written.

    The message names the file, the line and column where the parser can tell, and why.
    """

    def __init__(
        self,
        file: str,
        reason: str,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.file, self.reason, self.line, self.column, self.hint = file, reason, line, column, hint
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        message = f"{where}: {self.reason}"
        return f"{message} ({self.hint})" if self.hint else message


@dataclass(frozen=True)
class ProblemType:
    status: int
    title: str
    slug: str | None = None  # None: about:blank, the status says it all


# The one table from domain exceptions to HTTP.
PROBLEMS: dict[type[ForumError], ProblemType] = {
    NotFound: ProblemType(404, "Not Found"),
    ParentNotInThread: ProblemType(409, "Parent not in thread", "parent-not-in-thread"),
    NotOpenForReplies: ProblemType(409, "Not open for replies", "not-open-for-replies"),
    InvalidTransition: ProblemType(409, "Invalid transition", "invalid-transition"),
    AlreadyFlagged: ProblemType(409, "Already flagged", "already-flagged"),
    DuplicateComment: ProblemType(409, "Duplicate comment", "duplicate-comment"),
    Conflict: ProblemType(409, "Conflict"),
    InvalidQuote: ProblemType(422, "Invalid quote", "invalid-quote"),
    InvalidInput: ProblemType(422, "Unprocessable Content"),
    NotAuthenticated: ProblemType(401, "Unauthorized"),
    NotAllowed: ProblemType(403, "Forbidden"),
    ImportFailed: ProblemType(422, "Import failed", "import-failed"),
}


def problem(
    status: int, title: str, detail: str, type_: str = "about:blank", **extra: Any
) -> Response:
    """Build an application/problem+json response."""
    body = {"type": type_, "title": title, "status": status, "detail": detail}
    body.update({key: value for key, value in extra.items() if value is not None})
    encoded = orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS, default=str)
    return Response(encoded, status=status, mimetype=PROBLEM_JSON)


def render_http_error(error: HTTPException) -> Response:
    """Render an HTTP error as a problem document (the API's answer to every error)."""
    return _handle_http(error)


def _handle_http(error: HTTPException) -> Response:
    status = error.code or 500
    extra: dict[str, Any] = {}
    # webargs (through flask-smorest) puts field messages on the exception.
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") if isinstance(data, dict) else None
    if messages:
        # Messages are keyed by location (query, json, ...); fields are what a client needs.
        errors: dict[str, Any] = {}
        for by_field in messages.values():
            errors.update(by_field if isinstance(by_field, dict) else {"_": by_field})
        extra["errors"] = errors
    detail = error.description or ""
    if status == 422 and messages:
        detail = "The request's parameters failed validation."
    response = problem(status, error.name, detail, instance=request.path, **extra)
    for header, value in error.get_headers():
        if header.lower() not in {"content-type", "content-length"}:
            response.headers[header] = value
    return response


def _handle_forum_error(error: ForumError) -> Response:
    kind = next(
        (PROBLEMS[cls] for cls in type(error).__mro__ if cls in PROBLEMS),
        ProblemType(400, "Bad Request"),
    )
    type_ = f"/problems/{kind.slug}" if kind.slug else "about:blank"
    response = problem(kind.status, kind.title, str(error), type_=type_, instance=request.path)
    if kind.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="forum moderation"'
    return response


def _handle_unexpected(error: Exception) -> Response:
    if isinstance(error, HTTPException):
        return _handle_http(error)
    log.exception("unhandled error on %s %s", request.method, request.path)
    from forum.extensions import db

    db.session.rollback()
    return _handle_http(InternalServerError())


def register_error_handlers(app: Flask) -> None:
    """Render every error, routing ones included, as a problem document."""
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(ForumError, _handle_forum_error)
    app.register_error_handler(Exception, _handle_unexpected)
