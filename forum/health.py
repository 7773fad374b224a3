"""Health checks for load balancers: cheap, unauthenticated, never cached."""

from __future__ import annotations

import orjson
from flask import Blueprint, Response, current_app
from sqlalchemy import text

from forum.extensions import db
from forum.schema_status import check_schema

bp = Blueprint("health", __name__)


def _answer(body: dict, status: int) -> Response:
    response = Response(orjson.dumps(body), status=status, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
def healthz() -> Response:
    """The process is alive and answering."""
    return _answer({"status": "ok"}, 200)


@bp.get("/readyz")
def readyz() -> Response:
    """Ready for traffic: the database answers and is migrated; Redis answers if configured."""
    checks: dict[str, str] = {}
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
        check_schema()
        checks["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - any failure means "not ready"
        db.session.rollback()
        checks["database"] = f"failing: {error.__class__.__name__}"
    url = current_app.config.get("REDIS_URL")
    if url:
        try:
            from redis import Redis

            Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
            checks["redis"] = "ok"
        except Exception as error:  # noqa: BLE001
            checks["redis"] = f"failing: {error.__class__.__name__}"
    ready = all(value == "ok" for value in checks.values())
    return _answer(
        {"status": "ok" if ready else "unavailable", "checks": checks}, 200 if ready else 503
    )
