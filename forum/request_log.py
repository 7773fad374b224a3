"""One log line per request: request id, method, path, status, duration. No query strings,
tokens, emails or client addresses ever appear in it."""

from __future__ import annotations

import logging
import re
import time
import uuid

import orjson
from flask import Flask, Response, current_app, g, request

log = logging.getLogger("forum.requests")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def _start() -> None:
    g.started = time.perf_counter()
    offered = request.headers.get("X-Request-ID", "")
    # A proxy's id is kept when it looks like one; anything else is replaced, not echoed.
    g.request_id = offered if _REQUEST_ID.match(offered) else uuid.uuid4().hex


def _finish(response: Response) -> Response:
    request_id = g.get("request_id") or uuid.uuid4().hex
    response.headers["X-Request-ID"] = request_id
    duration = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
    fields = {"request_id": request_id, "method": request.method, "path": request.path,
              "status": response.status_code, "duration_ms": round(duration, 2)}
    if current_app.config["LOG_FORMAT"] == "json":
        log.info(orjson.dumps(fields).decode())
    else:
        log.info("%(request_id)s %(method)s %(path)s %(status)s %(duration_ms).1fms", fields)
    return response


def init_request_log(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_finish)
    logger = logging.getLogger("forum.requests")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.propagate = False
    logger.setLevel(logging.INFO if app.config["REQUEST_LOG"] else logging.WARNING)
    # The development server's own access log prints client addresses and query strings
    # (tokens may travel there by mistake): this log replaces it.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
