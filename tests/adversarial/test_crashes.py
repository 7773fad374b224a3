"""Family 8, crashes: kill -9 at any moment loses nothing that was promised.

An import (``forum import``, a real process with its rendering workers) is killed with
SIGKILL at five points of its transaction: each time the database passes its integrity
check, the earlier data is exactly as it was, and nothing of the import is there. Run
again, the import gives exactly the expected rows; a third run creates and changes nothing.
A production server (gunicorn) is killed with SIGKILL while replies pour in: every reply
it acknowledged with 201 is there when it comes back.

Each runs on a database of its own: a SQLite file, or (when the suite runs on PostgreSQL)
a database created beside the suite's on the same server.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
from sqlalchemy import create_engine, text

from forum import database_url as sqlalchemy_url
from tests.conftest import ROOT
from tests.production.conftest import free_port, wait_for
from tests.wxr_builder import C, P, write_wxr

KILL_POINTS = (0.05, 0.25, 0.45, 0.65, 0.85)  # fractions of the import's transaction
TABLES = (
    "posts",
    "comments",
    "authors",
    "terms",
    "post_terms",
    "quotes",
    "import_runs",
    "moderation_log",
    "flags",
    "bans",
    "moderators",
)


@pytest.fixture(scope="module")
def crash_database(database_url: str, tmp_path_factory) -> Iterator[str]:
    """A database of this family's own, migrated, with no data yet."""
    if database_url.startswith("sqlite"):
        url = "sqlite:///" + str(tmp_path_factory.mktemp("crash") / "crash.db")
        created = None
    else:
        name = f"forum_crash_{os.getpid()}"
        admin = create_engine(sqlalchemy_url(database_url, ""), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        except Exception as error:  # noqa: BLE001 - any refusal means: no database of our own
            admin.dispose()
            pytest.skip(
                f"cannot create a database beside the suite's ({error.__class__.__name__}): "
                "the crash family needs one it may break"
            )
        parts = urlsplit(database_url)
        url = urlunsplit(parts._replace(path=f"/{name}"))
        created = (admin, name)
    result = forum(url, "db", "upgrade")
    assert result.returncode == 0, result.stdout + result.stderr
    yield url
    if created:
        admin, name = created
        with admin.connect() as connection:
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def environment(url: str, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("FORUM_")}
    return {**env, "FORUM_DATABASE_URL": url, "FORUM_SECRET_KEY": "crash secret", **extra}


def forum(url: str, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "from forum.cli import main; main()", *arguments],
        cwd=ROOT,
        env=environment(url),
        capture_output=True,
        text=True,
        timeout=300,
    )


def start_forum(
    url: str, *arguments: str, log=subprocess.DEVNULL, **extra: str
) -> subprocess.Popen:
    """A forum process in a session of its own: kill_group ends it and its children."""
    return subprocess.Popen(
        [sys.executable, "-c", "from forum.cli import main; main()", *arguments],
        cwd=ROOT,
        env=environment(url, **extra),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)  # ours: started in its own session above
    except ProcessLookupError:
        pass
    process.wait(timeout=30)


def snapshot(url: str) -> dict[str, Any]:
    """Every table's row count, and a digest of the posts' and comments' contents."""
    engine = create_engine(sqlalchemy_url(url, ""))
    try:
        with engine.connect() as connection:
            counts = {
                t: connection.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()  # noqa: S608
                for t in TABLES
            }
            rows = connection.execute(
                text(
                    "SELECT id, post_id, parent_id, status, body_html, author_name FROM comments "
                    "ORDER BY id"
                )
            ).all()
            posts = connection.execute(
                text("SELECT id, title, body_html, status FROM posts ORDER BY id")
            ).all()
    finally:
        engine.dispose()
    digest = hashlib.sha256(repr((rows, posts)).encode()).hexdigest()
    return {"counts": counts, "digest": digest}


def integrity(url: str) -> str:
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
            return connection.execute("PRAGMA integrity_check").fetchone()[0]
    engine = create_engine(sqlalchemy_url(url, ""))
    try:
        with engine.connect() as connection:
            # Every table can be read whole, and the tree's references all resolve.
            for table in TABLES:
                connection.execute(text(f"SELECT * FROM {table}")).all()  # noqa: S608
            dangling = connection.execute(
                text(
                    "SELECT count(*) FROM comments c LEFT JOIN comments p ON c.parent_id = p.id "
                    "WHERE c.parent_id IS NOT NULL AND p.id IS NULL"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    return "ok" if dangling == 0 else f"{dangling} dangling parents"


class StartWatch:
    """Tells whether the import's transaction has begun writing: SQLite's write lock is
    taken (a probe cannot take it), or a PostgreSQL backend has a transaction id."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = None if url.startswith("sqlite") else create_engine(sqlalchemy_url(url, ""))
        self.connection = self.engine.connect() if self.engine else None

    def started(self) -> bool:
        if self.connection is None:
            probe = sqlite3.connect(
                self.url.removeprefix("sqlite:///"), timeout=0, isolation_level=None
            )
            try:
                probe.execute("BEGIN IMMEDIATE")
                probe.execute("ROLLBACK")
                return False
            except sqlite3.OperationalError:
                return True  # "database is locked": the importer holds the write lock
            finally:
                probe.close()
        found = self.connection.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
            )
        ).scalar_one()
        self.connection.rollback()
        return found > 0

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.engine.dispose()


def big_export(path: Path) -> Path:
    """Enough posts and comments for an import of a few seconds, with replies and quotes."""
    posts = []
    for p in range(1, 121):
        comments = [
            C(
                str(n),
                parent=str(n - 1) if n % 3 else "0",
                content=f"Comment {n} on post {p}: some words about the sourdough starter and "
                f"the long fermentation, number {p * 100 + n}.",
                author=f"Baker {n % 17}",
                date_gmt=f"2024-01-{1 + n % 28:02d} 10:{n % 60:02d}:00",
            )
            for n in range(1, 61)
        ]
        posts.append(
            P(str(1000 + p), title=f"Bake {p}", content=f"<p>Post {p}.</p>", comments=comments)
        )
    return write_wxr(path, posts, site="https://crash.example.org")


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("crash-files")
    return {
        "earlier": write_wxr(
            folder / "earlier.xml",
            [
                P(
                    "1",
                    title="Earlier",
                    comments=[
                        C("1", content="Here before the crash."),
                        C("2", parent="1", content="So was I."),
                    ],
                )
            ],
            site="https://earlier.example.org",
        ),
        "big": big_export(folder / "big.xml"),
    }


def test_an_import_killed_at_five_points_leaves_the_database_intact(crash_database, files):
    url = crash_database
    assert forum(url, "import", str(files["earlier"])).returncode == 0
    earlier = snapshot(url)
    # What the import will do, from a dry run (the whole import, rolled back).
    dry = forum(url, "import", "--json", "--dry-run", str(files["big"]))
    assert dry.returncode == 0, dry.stderr
    expected = json.loads(dry.stdout)["files"][0]
    assert snapshot(url) == earlier, "a dry run writes nothing"
    watch = StartWatch(url)
    # How long the import's transaction lasts (start-up excluded): more dry runs, timed
    # from the moment each holds the database until it ends. The shortest counts: on a
    # busy machine one run can take twice as long as the next, and a kill meant for the
    # middle of an import must not come after its commit.
    durations = []
    for _ in range(3):
        timing = start_forum(url, "import", "--dry-run", str(files["big"]))
        while not watch.started() and timing.poll() is None:
            time.sleep(0.005)
        began = time.perf_counter()
        timing.wait(timeout=300)
        durations.append(time.perf_counter() - began)
    duration = min(durations)
    assert snapshot(url) == earlier, "a dry run writes nothing"
    killed_at = []
    try:
        for fraction in KILL_POINTS:
            process = start_forum(url, "import", str(files["big"]))
            began = time.monotonic()
            while not watch.started():
                assert process.poll() is None, "the import ended before it was seen to start"
                assert time.monotonic() - began < 60
                time.sleep(0.005)
            time.sleep(fraction * duration * 0.5)
            alive = process.poll() is None
            kill_group(process)
            killed_at.append((fraction, alive))
            assert integrity(url) == "ok"
            assert snapshot(url) == earlier, f"killed at {fraction:.0%}: the database changed"
    finally:
        watch.close()
    assert sum(alive for _f, alive in killed_at) >= 4, (
        f"most kills hit a running import: {killed_at}"
    )
    # Again, to the end: exactly what the dry run said.
    again = forum(url, "import", "--json", str(files["big"]))
    assert again.returncode == 0, again.stderr
    report = json.loads(again.stdout)["files"][0]
    assert report["posts"]["created"] == expected["posts"]["created"] == 120
    assert report["comments"]["created"] == expected["comments"]["created"] == 120 * 60
    after = snapshot(url)
    assert after["counts"]["posts"] == earlier["counts"]["posts"] + 120
    assert after["counts"]["comments"] == earlier["counts"]["comments"] + 120 * 60
    assert after["counts"]["import_runs"] == earlier["counts"]["import_runs"] + 1
    # A third time: nothing created, nothing changed.
    third = forum(url, "import", "--json", str(files["big"]))
    assert third.returncode == 0, third.stderr
    report = json.loads(third.stdout)["files"][0]
    assert report["posts"]["created"] == report["posts"]["updated"] == 0
    assert report["comments"]["created"] == report["comments"]["updated"] == 0
    final = snapshot(url)
    assert final["digest"] == after["digest"]
    assert final["counts"] == {**after["counts"], "import_runs": after["counts"]["import_runs"] + 1}
    assert integrity(url) == "ok"


def test_every_acknowledged_reply_survives_a_killed_server(crash_database, files, tmp_path):
    url = crash_database
    assert forum(url, "import", str(files["earlier"])).returncode == 0
    engine = create_engine(sqlalchemy_url(url, ""))
    with engine.connect() as connection:
        post = connection.execute(text("SELECT id FROM posts WHERE title = 'Earlier'")).scalar_one()
    engine.dispose()
    log = open(tmp_path / "server.log", "w")  # noqa: SIM115 - closed below
    extra = {
        "FORUM_WORKERS": "2",
        "FORUM_THREADS": "4",
        "FORUM_TRUSTED_PROXIES": "1",
        "FORUM_REPLY_RATE_LIMIT": "1000000 per minute",
        "FORUM_REQUEST_LOG": "false",
    }

    def serve() -> tuple[subprocess.Popen, str]:
        port = free_port()
        process = start_forum(url, "serve", "--production", "--port", str(port), log=log, **extra)
        base = f"http://127.0.0.1:{port}"
        wait_for(base + "/healthz", process)
        return process, base

    process, base = serve()
    acknowledged: dict[int, str] = {}
    lock = threading.Lock()
    stop = threading.Event()

    def write(writer: int) -> None:
        with requests.Session() as client:
            n = 0
            while not stop.is_set():
                n += 1
                body = f"survivor {writer}-{n}"
                try:
                    response = client.post(
                        f"{base}/api/posts/{post}/comments",
                        json={"author_name": f"W{writer}", "body": body},
                        headers={"X-Forwarded-For": f"10.80.0.{writer + 1}"},
                        timeout=10,
                    )
                except requests.RequestException:
                    return  # the server is gone
                if response.status_code == 201:
                    with lock:
                        acknowledged[response.json()["comment"]["id"]] = body

    writers = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in writers:
        thread.start()
    deadline = time.monotonic() + 30
    while len(acknowledged) < 300 and time.monotonic() < deadline:
        time.sleep(0.05)
    kill_group(process)  # mid-stream: writers are sending as it dies
    stop.set()
    for thread in writers:
        thread.join(timeout=30)
    assert len(acknowledged) >= 300
    assert integrity(url) == "ok"
    process, base = serve()
    try:
        engine = create_engine(sqlalchemy_url(url, ""))
        with engine.connect() as connection:
            stored = dict(
                connection.execute(
                    text("SELECT id, body_raw FROM comments WHERE post_id = :post"), {"post": post}
                ).all()
            )
        engine.dispose()
        missing = {cid: body for cid, body in acknowledged.items() if stored.get(cid) != body}
        assert not missing, f"{len(missing)} acknowledged replies lost"
        # And the server that came back serves them.
        sample = sorted(acknowledged)[:: max(1, len(acknowledged) // 20)]
        for comment_id in sample:
            answer = requests.get(f"{base}/api/comments/{comment_id}", timeout=30)
            assert answer.status_code == 200 and answer.json()["comment"]["id"] == comment_id
    finally:
        kill_group(process)
        log.close()
