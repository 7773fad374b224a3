"""The JSON API under /api, documented at /api/openapi.json."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import flask_smorest
import orjson
from apispec import BasePlugin
from flask import Flask, Response, request, url_for
from flask_smorest import Api
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.routing import BaseConverter, ValidationError

from forum.errors import PROBLEM_JSON


class JsonBodyParser(FlaskParser):
    """webargs' parser, reading JSON bodies with orjson instead of the standard library.

    The standard library's json recurses: a body nested a thousand levels deep raised
    RecursionError, and an integer of more than 4,300 digits ValueError, both 500s. orjson
    stops at 1,024 levels and refuses numbers it cannot hold, as invalid JSON: 400.
    (orjson.JSONDecodeError is a json.JSONDecodeError, which webargs turns into a 400.)
    """

    def _raw_load_json(self, req: Any) -> Any:
        if not is_json_request(req):
            return core.missing
        return orjson.loads(req.get_data(cache=True))


class Blueprint(flask_smorest.Blueprint):
    """The API's blueprints: flask-smorest's, with the JSON body parser above."""

    ARGUMENTS_PARSER = JsonBodyParser()


class IdConverter(BaseConverter):
    """A positive database id; anything else (negative, zero, past the column) is a 404.

    ``<id:post_id>`` is a 32-bit id (posts, bans); ``<id(bits=64):comment_id>`` a 64-bit one.
    """

    regex = r"[1-9][0-9]{0,18}"

    def __init__(self, url_map: Any, bits: int = 32) -> None:
        super().__init__(url_map)
        self.maximum = 2 ** (bits - 1) - 1

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > self.maximum:
            raise ValidationError()
        return number

    def to_url(self, value: Any) -> str:
        return str(int(value))


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Encode with orjson: fast, and datetimes come out as ISO 8601."""
    response = Response(orjson.dumps(data), status=status, mimetype="application/json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def served_links(comments: Any) -> Any:
    """Serve only http(s) author addresses in comments, however deep they nest.

    Imports keep the address a source gave (a WXR ``comment_author_url`` may be
    ``javascript:…``); a reader's client that links it must never get one that runs script.
    Walks ``replies`` without recursion; returns what it was given, changed in place.
    """
    from forum.urls import safe_link

    pending = list(comments) if isinstance(comments, list) else [comments]
    while pending:
        node = pending.pop()
        if not isinstance(node, dict):
            continue
        author = node.get("author")
        if isinstance(author, dict) and "url" in author:
            author["url"] = safe_link(author["url"])
        pending.extend(node.get("replies") or ())
    return comments


def pagination_headers(
    endpoint: str, page: int, pages: int, total: int, **values: Any
) -> dict[str, str]:
    """Link (RFC 8288) and X-Total-Count headers for a paginated list."""
    args = tuple((key, value) for key, value in request.args.items() if key != "page")
    link = _links(request.root_url, endpoint, page, pages, tuple(values.items()), args)
    return {"Link": link, "X-Total-Count": str(total)}


# Remembered: a page served from the thread cache spent a fifth of its time building
# these four URLs. They depend on nothing but the arguments (the root URL names the
# scheme, host and script root that url_for reads from the request).
@lru_cache(maxsize=1024)
def _links(
    root_url: str,
    endpoint: str,
    page: int,
    pages: int,
    values: tuple[tuple[str, Any], ...],
    args: tuple[tuple[str, str], ...],
) -> str:
    links = {"first": 1, "last": pages}
    if page > 1:
        links["prev"] = min(page - 1, pages)
    if page < pages:
        links["next"] = page + 1
    return ", ".join(
        f'<{url_for(endpoint, **dict(values), **dict(args), page=number, _external=True)}>; '
        f'rel="{rel}"'
        for rel, number in links.items()
    )


def _id_parameter(converter: IdConverter) -> dict[str, Any]:
    bits = "int64" if converter.maximum > 2**31 else "int32"
    return {"type": "integer", "format": bits, "minimum": 1, "maximum": converter.maximum}


class ProblemResponsesPlugin(BasePlugin):
    """Document every error response as application/problem+json, as errors.py sends it."""

    def operation_helper(self, path=None, operations=None, **kwargs: Any) -> None:
        for operation in (operations or {}).values():
            for status, response in operation.get("responses", {}).items():
                if _is_error(status) and isinstance(response, dict):
                    _as_problem(response)


def _is_error(status: Any) -> bool:
    return str(status) == "default" or str(status)[:1] in {"4", "5"}


def _as_problem(response: dict[str, Any]) -> None:
    content = response.get("content") or {}
    if "application/json" in content:
        response["content"] = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def register_api(app: Flask) -> None:
    from forum.api import comments, exports, imports, moderation, posts

    # One Api per app: flask-smorest keeps the spec and its blueprints on the instance.
    app.url_map.converters["id"] = IdConverter
    api = Api(app, spec_kwargs={"extra_plugins": [ProblemResponsesPlugin()]})
    api.register_converter(IdConverter, _id_parameter)
    api.register_blueprint(posts.bp)
    api.register_blueprint(comments.bp)
    api.register_blueprint(moderation.bp)
    api.register_blueprint(imports.bp)
    api.register_blueprint(exports.bp)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    for response in api.spec.components.responses.values():
        _as_problem(response)
