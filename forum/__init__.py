"""forum: an archive and moderation backend for discussion threads."""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import Any

import orjson
from flask import Flask, has_request_context, request
from flask.json.provider import JSONProvider
from sqlalchemy import event
from sqlalchemy.engine import Engine

from forum import sqlite_writers
from forum.config import from_environment

__all__ = ["create_app"]


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then FORUM_* environment variables, then ``config``."""
    app = Flask(__name__, instance_relative_config=True)
    settings = from_environment()
    settings.update(config or {})
    app.config.update(settings)
    app.config["SECRET_KEY"] = settings["SECRET_KEY"] or _instance_secret(app.instance_path)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url(
        settings["DATABASE_URL"], app.instance_path
    )
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # Write transactions queue for their turn instead of polling SQLite's lock.
        options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
        options.setdefault("connect_args", {}).setdefault("factory", sqlite_writers.Connection)
    app.config.update(_api_settings())
    app.json = OrjsonProvider(app)
    logging.basicConfig(level=settings["LOG_LEVEL"])

    from forum.api import register_api
    from forum.cli import register_commands
    from forum.errors import register_error_handlers
    from forum.extensions import db, migrate
    from forum.health import bp as health_bp
    from forum.ratelimit import init_rate_limits
    from forum.request_log import init_request_log
    from forum.web import register_web

    db.init_app(app)
    migrate.init_app(app, db, directory=_migrations_directory())
    init_request_log(app)
    init_rate_limits(app)
    app.register_blueprint(health_bp)
    register_api(app)
    register_web(app)
    register_error_handlers(app)
    register_commands(app)
    return app


def database_url(url: str | None, instance_path: str) -> str:
    """Return the SQLAlchemy URL: the configured one, or a SQLite file in the instance folder."""
    if not url:
        os.makedirs(instance_path, exist_ok=True)
        return "sqlite:///" + os.path.join(instance_path, "forum.db")
    # psycopg 3 is the PostgreSQL driver; plain postgresql:// URLs mean it.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def address_key(app: Flask) -> bytes:
    """The key that client addresses are hashed with, derived from the secret key."""
    return hashlib.sha256(b"forum address hash\0" + str(app.config["SECRET_KEY"]).encode()).digest()


def _instance_secret(instance_path: str) -> str:
    """Read the instance's secret key, making one the first time (kept across restarts)."""
    os.makedirs(instance_path, exist_ok=True)
    path = os.path.join(instance_path, "secret_key")
    try:
        with open(path) as file:
            return file.read().strip()
    except FileNotFoundError:
        key = secrets.token_hex(32)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(key)
        return key


def _migrations_directory() -> str:
    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")


def _api_settings() -> dict[str, Any]:
    return {
        "API_TITLE": "forum",
        "API_VERSION": "1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
    }


class OrjsonProvider(JSONProvider):
    """Flask's JSON through orjson: several times faster on big threads."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS).decode()

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return orjson.loads(s)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    """Make SQLite safe for a web app: WAL, enforced foreign keys, wait rather than fail."""
    if not isinstance(connection, sqlite3.Connection):
        return
    # Let SQLAlchemy, not the driver, decide where transactions begin (see _sqlite_begin).
    connection.isolation_level = None
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# Whether SQLite transactions begun now take the write lock: True or False when marked by
# writing() or reading(), None to decide by the request's method.
_WRITING: ContextVar[bool | None] = ContextVar("forum_writing", default=None)


@contextmanager
def _marked(value: bool) -> Iterator[None]:
    token = _WRITING.set(value)
    try:
        yield
    finally:
        _WRITING.reset(token)


def writing() -> AbstractContextManager[None]:
    """Mark work outside a request that writes (a background import): on SQLite its
    transactions take the write lock when they begin, as write requests do."""
    return _marked(True)


def reading() -> AbstractContextManager[None]:
    """Mark a transaction of a write request that only reads (checking a reply before
    storing it): on SQLite it takes no write lock, so other writers need not wait while
    it reads, sanitizes and decides. It must write nothing; its writes come after, in a
    transaction of their own."""
    return _marked(False)


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection: Any) -> None:
    """Begin SQLite transactions explicitly, so reads and writes share one snapshot.

    A request that writes takes the write lock at once (BEGIN IMMEDIATE): a transaction
    that reads first and writes later cannot wait for the lock (SQLite would answer
    "database is locked" at once), while one that asks first simply waits its turn, in
    the queue of ``forum.sqlite_writers``.
    """
    if connection.dialect.name == "sqlite":
        immediate = _WRITING.get()
        if immediate is None:
            immediate = has_request_context() and request.method not in {"GET", "HEAD", "OPTIONS"}
        if not immediate:
            connection.exec_driver_sql("BEGIN")
            return
        driver = connection.connection.dbapi_connection
        queued = isinstance(driver, sqlite_writers.Connection)
        if queued:
            driver.begin_writing()
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            if queued:
                driver.end_writing()
            raise
