"""Health checks, request logs, and import jobs without Redis."""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import threading
import time
from urllib.parse import urlsplit, urlunsplit

import pytest
from flask_migrate import upgrade

from forum import create_app
from forum.extensions import db
from tests.conftest import SHARED


def test_healthz_and_readyz(http):
    assert http.get("/healthz").json() == {"status": "ok"}
    ready = http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "checks": {"database": "ok"}}
    assert ready.headers["Cache-Control"] == "no-store"


class Proxy:
    """A TCP proxy on loopback that can be taken down and brought back, like a database."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.listener: socket.socket | None = None
        self.connections: list[socket.socket] = []

    def up(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        if self.listener:
            # shutdown() wakes the thread blocked in accept(); close() alone would not.
            try:
                self.listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.listener.close()
            self.listener = None
        for connection in self.connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            connection.close()
        self.connections.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            self.connections += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def _ready(app) -> int:
    return app.test_client().get("/readyz").status_code


def test_readyz_fails_while_the_database_is_down_and_recovers(database_url, tmp_path, app):
    if database_url.startswith("postgresql"):
        parts = urlsplit(database_url)
        proxy = Proxy((parts.hostname, parts.port or 5432))
        proxy.up()
        netloc = f"{parts.username}@127.0.0.1:{proxy.port}"
        through = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
        probe = create_app({"DATABASE_URL": through, "SECRET_KEY": "x", "REQUEST_LOG": False})
        try:
            assert _ready(probe) == 200
            proxy.down()
            assert _ready(probe) == 503
            body = probe.test_client().get("/readyz").json
            assert body["checks"]["database"].startswith("failing")
            proxy.up()
            deadline = time.monotonic() + 20
            while _ready(probe) != 200 and time.monotonic() < deadline:
                time.sleep(0.2)
            assert _ready(probe) == 200
        finally:
            with probe.app_context():
                db.engine.dispose()
            proxy.down()
        return
    path = tmp_path / "ready.db"
    probe = create_app({"DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "x",
                        "REQUEST_LOG": False})
    with probe.app_context():
        upgrade()
        db.engine.dispose()
    assert _ready(probe) == 200
    shutil.move(path, tmp_path / "away.db")  # the database is gone: an empty file in its place
    with probe.app_context():
        db.engine.dispose()
    assert _ready(probe) == 503
    os.remove(path)
    shutil.move(tmp_path / "away.db", path)
    with probe.app_context():
        db.engine.dispose()
    assert _ready(probe) == 200


def test_requests_are_logged_one_line_each_without_secrets(app, http, post, moderator, caplog,
                                                           monkeypatch):
    monkeypatch.setitem(app.config, "LOG_FORMAT", "json")
    with caplog.at_level(logging.INFO, logger="forum.requests"):
        logger = logging.getLogger("forum.requests")
        logger.addHandler(caplog.handler)
        try:
            http.get(f"/api/posts/{post['id']}/comments?token=SECRET-IN-QUERY",
                     headers={"X-Request-ID": "req-42"})
            http.get("/api/moderation/queue", headers=moderator["headers"])
            http.post(f"/api/posts/{post['id']}/comments",
                      json={"author_name": "Eve", "author_email": "eve@example.org", "body": "x"},
                      headers={"X-Forwarded-For": "198.51.100.99"})
        finally:
            logger.removeHandler(caplog.handler)
    lines = [json.loads(record.getMessage()) for record in caplog.records
             if record.name == "forum.requests"]
    assert len(lines) >= 3
    first = next(line for line in lines if line["request_id"] == "req-42")
    assert first["method"] == "GET" and first["status"] == 200
    assert first["path"] == f"/api/posts/{post['id']}/comments" and first["duration_ms"] >= 0
    text = caplog.text
    for secret in ("SECRET-IN-QUERY", moderator["token"], "eve@example.org", "198.51.100.99"):
        assert secret not in text


@pytest.mark.skipif(not (SHARED / "corpora").is_dir(), reason="../shared/corpora is not present")
def test_without_redis_an_import_job_runs_in_a_thread_of_the_app(http, moderator):
    path = SHARED / "corpora" / "wxr" / "isso__wordpress.xml"
    with path.open("rb") as file:
        response = http.post("/api/imports", headers=moderator["headers"],
                             files={"file": (path.name, file)})
    assert response.status_code == 202
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = http.get(response.headers["Location"], headers=moderator["headers"]).json()
        if job["state"] in {"succeeded", "failed"}:
            break
        time.sleep(0.1)
    assert job["state"] == "succeeded", job
    assert job["report"]["comments"]["total"] == 8 and job["report"]["file"] == path.name
    listed = http.get("/api/imports", headers=moderator["headers"]).json()
    assert listed["items"][0]["id"] == job["id"]
    not_importable = http.post("/api/imports", headers=moderator["headers"],
                               files={"file": ("notes.bin", b"\x00\x01\x02binary")})
    assert not_importable.status_code == 422
