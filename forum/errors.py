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
    ImportFailed: ProblemType(422, "Import failed", "import-failed"),
}


def problem(
    status: int, title: str, detail: str, type_: str = "about:blank", **extra: Any
) -> Response:
    """Build an application/problem+json response."""
    body = {"type": type_, "title": title, "status": status, "detail": detail}
    body.update({key: value for key, value in extra.items() if value is not None})
    return Response(orjson.dumps(body), status=status, mimetype=PROBLEM_JSON)


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
    kind = PROBLEMS.get(type(error), ProblemType(400, "Bad Request"))
    type_ = f"/problems/{kind.slug}" if kind.slug else "about:blank"
    return problem(kind.status, kind.title, str(error), type_=type_, instance=request.path)


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
