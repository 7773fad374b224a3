"""Test fixtures: a real database (a SQLite file, or PostgreSQL when FORUM_TEST_DATABASE_URL
names one), migrated by the project's migrations, emptied after every test; and the app
served over real HTTP on loopback."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import text
from werkzeug.serving import make_server

from forum import address_key, create_app
from forum.extensions import db
from forum.importers import import_file
from forum.importers.report import Report
from forum.models import Base
from forum.ratelimit import limiter

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return os.environ.get("FORUM_TEST_DATABASE_URL") or (
        "sqlite:///" + str(tmp_path_factory.mktemp("db") / "forum-test.db")
    )


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test secret",
            "TESTING": True,
            # Tests post many replies from one address; the rate-limit tests lower these.
            "REPLY_RATE_LIMIT": "100000 per minute",
            "FLAG_RATE_LIMIT": "100000 per minute",
            # Tests speak as many clients through X-Forwarded-For, as if behind one proxy.
            "TRUSTED_PROXIES": 1,
        }
    )
    app.instance_path = str(tmp_path_factory.mktemp("instance"))
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _empty_database(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test starts from an empty, migrated database."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                # The moderation log refuses deletes; only a test may lift that, briefly.
                connection.execute(text("DROP TRIGGER moderation_log_no_delete"))
                for table in tables:
                    connection.execute(text(f"DELETE FROM {table}"))
                connection.execute(
                    text(
                        "CREATE TRIGGER moderation_log_no_delete BEFORE DELETE ON moderation_log "
                        "BEGIN SELECT RAISE(ABORT, 'the moderation log is append-only'); END"
                    )
                )
        limiter.reset()


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    """An app context for tests that call services and importers directly."""
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def run_import(ctx: Flask):
    """Import a file the way the CLI does, returning the report."""

    def run(path: str | os.PathLike[str], **options) -> Report:
        return import_file(db.session, path, address_key=address_key(ctx), **options)

    return run


@pytest.fixture(scope="session")
def server(app: Flask) -> Iterator[str]:
    """The app on a real HTTP server on loopback; yields its base URL."""
    http_server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http_server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http_server.server_port}"
    http_server.shutdown()


class Client(requests.Session):
    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base

    def request(self, method: str, url: str, *args, **kwargs):  # type: ignore[override]
        kwargs.setdefault("timeout", 60)
        return super().request(
            method, url if url.startswith("http") else self.base + url, *args, **kwargs
        )


@pytest.fixture
def http(server: str) -> Iterator[Client]:
    with Client(server) as client:
        yield client


def count(model) -> int:
    from sqlalchemy import func, select

    return db.session.execute(select(func.count()).select_from(model)).scalar_one()
