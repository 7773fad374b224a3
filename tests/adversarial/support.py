"""Tools shared by the adversarial families: clients, counts, a listener, leak checks."""

from __future__ import annotations

import json
import os
import re
import select as io_select
import socket
import subprocess
import sys
import threading
from pathlib import Path

import lxml.html
import requests
from flask import Flask
from sqlalchemy import func, select, text

from forum import address_key
from forum.extensions import db
from forum.importers import import_file
from forum.models import Base
from forum.ratelimit import limiter
from forum.services.moderators import add_moderator

BROWSER_HEADERS = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
NOTES: list[str] = []


def note(line: str) -> None:
    """A line printed at the end of the run, under the families' counts."""
    NOTES.append(line)


def empty_database(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
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


def row_counts(app: Flask) -> dict[str, int]:
    """How many rows each table holds."""
    with app.app_context():
        counts = {
            table.name: db.session.execute(select(func.count()).select_from(table)).scalar_one()
            for table in Base.metadata.sorted_tables
        }
        db.session.remove()
    return counts


def import_path(app: Flask, path: str | os.PathLike[str], **options):
    """Import a file the way the CLI does, in a context of its own; returns the report."""
    with app.app_context():
        try:
            return import_file(db.session, path, address_key=address_key(app), **options)
        finally:
            db.session.remove()


def new_moderator(app: Flask, name: str) -> str:
    with app.app_context():
        _moderator, token = add_moderator(name)
        db.session.commit()
        db.session.remove()
    return token


# Clients -------------------------------------------------------------------------------


class Client(requests.Session):
    """A JSON client for the live test server; ``client`` sets X-Forwarded-For (the test
    app trusts one proxy), so one process can speak as many readers."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base

    def request(self, method: str, url: str, *args, client: str | None = None, **kwargs):  # type: ignore[override]
        kwargs.setdefault("timeout", 60)
        if client is not None:
            kwargs["headers"] = {**(kwargs.get("headers") or {}), "X-Forwarded-For": client}
        return super().request(
            method, url if url.startswith("http") else self.base + url, *args, **kwargs
        )


class Browserish(Client):
    """Speaks to the pages like a browser without JavaScript: cookies, forms, CSRF."""

    def __init__(self, base: str) -> None:
        super().__init__(base)
        self.headers.update(BROWSER_HEADERS)

    def request(self, method: str, url: str, *args, **kwargs):  # type: ignore[override]
        kwargs.setdefault("allow_redirects", False)
        response = super().request(method, url, *args, **kwargs)
        # Browsers send Secure cookies to http://127.0.0.1; Python's cookie jar does not.
        for cookie in self.cookies:
            cookie.secure = False
        return response

    def get(self, url: str, **kwargs):  # type: ignore[override]
        kwargs.setdefault("allow_redirects", False)
        return self.request("GET", url, **kwargs)

    def form(self, page: requests.Response, action: str) -> dict[str, str]:
        document = lxml.html.fromstring(page.text)
        for form in document.forms:
            if form.get("action") == action:
                return {n: v for n, v in form.form_values() if n and v is not None}
        raise AssertionError(f"no form posts to {action}")

    def sign_in(self, token: str) -> requests.Response:
        page = self.get("/moderation/sign-in")
        response = self.post(
            "/moderation/sign-in", data={**self.form(page, "/moderation/sign-in"), "token": token}
        )
        assert response.status_code == 303, response.text[:500]
        return response


class Answer:
    """The parts of a response the families read, whichever client got it."""

    def __init__(self, response) -> None:
        self.status_code = response.status_code
        self.headers = response.headers
        self.content = response.get_data()
        self.text = response.get_data(as_text=True)

    def json(self):
        import orjson

        return orjson.loads(self.content)


class InProcess:
    """The same app without sockets (Flask's test client): for the families that read
    thousands of pages, where the loopback round trip would be most of the time. Same
    interface as ``Client``/``Browserish``; cookies are kept like a browser's."""

    def __init__(self, app: Flask, *, browser: bool = False) -> None:
        self.app = app
        self._client = app.test_client()
        self.headers = dict(BROWSER_HEADERS) if browser else {}

    def request(
        self,
        method: str,
        url: str,
        *,
        client: str | None = None,
        headers=None,
        json=None,
        data=None,
        **_ignored,
    ) -> Answer:
        sent = {**self.headers, **(headers or {})}
        if client is not None:
            sent["X-Forwarded-For"] = client
        response = self._client.open(url, method=method, headers=sent, json=json, data=data)
        return Answer(response)

    def get(self, url: str, **kwargs) -> Answer:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs) -> Answer:
        return self.request("POST", url, **kwargs)

    def patch(self, url: str, **kwargs) -> Answer:
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs) -> Answer:
        return self.request("DELETE", url, **kwargs)

    form = Browserish.form

    def sign_in(self, token: str) -> Answer:
        page = self.get("/moderation/sign-in")
        response = self.post(
            "/moderation/sign-in", data={**self.form(page, "/moderation/sign-in"), "token": token}
        )
        assert response.status_code == 303, response.text[:500]
        return response


# Small tools ---------------------------------------------------------------------------


class ImportWorker:
    """A process that imports files in a 512 MiB address space (import_worker.py); a case
    that kills it, or runs past ``timeout`` seconds, is reported and the process restarted."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        root = Path(__file__).resolve().parents[2]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.adversarial.import_worker", self.database_url],
            cwd=root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert json.loads(self.process.stdout.readline()) == {"ready": True}

    def run(
        self,
        path: Path,
        *,
        format: str | None = None,
        recover: bool = False,
        timeout: float = 120,
    ) -> dict:
        if self.process is None or self.process.poll() is not None:
            self.start()
        request = {"path": str(path), "format": format, "recover": recover}
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        ready, _, _ = io_select.select([self.process.stdout], [], [], timeout)
        if not ready:
            self.process.kill()  # ours: started by start() above
            self.stop()
            return {"crash": f"still importing after {timeout:.0f} s", "timeout": True}
        line = self.process.stdout.readline()
        if not line:
            self.stop()
            return {"crash": f"the import process died ({self.process.returncode})"}
        return json.loads(line)

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.stdin and not self.process.stdin.closed:
            try:
                self.process.stdin.close()
            except BrokenPipeError:
                pass
        self.process.wait(timeout=30)
        self.process.stdout.close()


class Listener:
    """A TCP listener on loopback that counts connections: nothing may ever reach it."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(64)
        self.port = self.socket.getsockname()[1]
        self.connections: list[tuple[str, int]] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while True:
            try:
                connection, address = self.socket.accept()
            except OSError:
                return
            self.connections.append(address)
            connection.close()

    def close(self) -> None:
        self.socket.close()


LEAKS = re.compile(
    r"Traceback|File \"|\.py\b|sqlalchemy|psycopg|sqlite3?\.|SELECT\s|INSERT\s|UPDATE\s|"
    r"/work/|/tmp/|/usr/|site-packages|werkzeug\.|IntegrityError|OperationalError",
    re.IGNORECASE,
)


def leaks(body: str) -> list[str]:
    """Stack traces, SQL, file paths or driver names in a response body."""
    return sorted({match.group(0) for match in LEAKS.finditer(body)})
