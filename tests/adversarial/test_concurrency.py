"""Family 7, concurrency: many writers at once lose nothing and break nothing.

A production server of its own (gunicorn: two worker processes of eight threads, as
``forum serve --production`` runs it) on the suite's database, SQLite or PostgreSQL:
16 writers post 200 replies each to one post, half of them to one parent; 50 readers flag
one comment at the same instant; moderators approve and delete a comment while readers
reply to it. Every 201 is stored, no request fails with a 5xx or "database is locked",
the flags are counted exactly and hide the comment exactly once, and the races end in a
state the log explains.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Comment, CommentStatus, Flag, LogEntry, Post
from tests.adversarial.support import import_path, new_moderator
from tests.conftest import ROOT
from tests.production.conftest import free_port, stop, wait_for
from tests.wxr_builder import C, P, write_wxr

WRITERS, REPLIES = 16, 200
FLAGGERS = 50
RACES = 20


@pytest.fixture(scope="module")
def production(app: Flask, database_url: str, tmp_path_factory) -> Iterator[dict[str, Any]]:
    """gunicorn on the suite's database: 2 processes x 8 threads, generous limits."""
    log_path = tmp_path_factory.mktemp("concurrency") / "gunicorn.log"
    port = free_port()
    environment = {key: value for key, value in os.environ.items() if not key.startswith("FORUM_")}
    environment.update(
        {
            "FORUM_DATABASE_URL": database_url,
            "FORUM_SECRET_KEY": "test secret",
            "FORUM_TRUSTED_PROXIES": "1",
            "FORUM_WORKERS": "2",
            "FORUM_THREADS": "8",
            "FORUM_REPLY_RATE_LIMIT": "1000000 per minute",
            "FORUM_FLAG_RATE_LIMIT": "1000000 per minute",
            "FORUM_FLAG_THRESHOLD": str(FLAGGERS),
            "FORUM_REQUEST_LOG": "false",
        }
    )
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from forum.cli import main; main()",
                "serve",
                "--production",
                "--port",
                str(port),
            ],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_for(url + "/healthz", process)
            yield {"url": url, "log": log_path}
        finally:
            stop(process)


@pytest.fixture(scope="module")
def thread(app: Flask, tmp_path_factory) -> dict[str, Any]:
    comments = [
        C("1", content="The parent of half the replies."),
        C("2", content="The comment everyone flags."),
    ]
    comments += [
        C(str(n), approved="0" if n % 2 else "1", content=f"Race target {n}.")
        for n in range(10, 10 + RACES)
    ]
    path = write_wxr(
        tmp_path_factory.mktemp("concurrency-data") / "thread.xml",
        [P("1", title="Busy thread", comments=comments)],
    )
    import_path(app, path)
    with app.app_context():
        post = db.session.execute(select(Post.id).where(Post.title == "Busy thread")).scalar_one()
        ids = {
            key.rsplit("-", 1)[-1]: cid
            for cid, key in db.session.execute(
                select(Comment.id, Comment.source_key).where(Comment.post_id == post)
            )
        }
        db.session.remove()
    return {"post": post, "ids": ids, "token": new_moderator(app, "concurrency-mia")}


def comments_of(app: Flask, post_id: int) -> dict[int, Any]:
    with app.app_context():
        rows = db.session.execute(
            select(
                Comment.id,
                Comment.parent_id,
                Comment.depth,
                Comment.root_id,
                Comment.status,
                Comment.body_raw,
            ).where(Comment.post_id == post_id)
        ).all()
        db.session.remove()
    return {row.id: row for row in rows}


def no_locked_database(production: dict[str, Any]) -> None:
    log = Path(production["log"]).read_text()
    assert "database is locked" not in log and "Traceback" not in log, log[-2000:]


CASES = [
    "16-writers-200-replies-each",
    "50-flags-at-once-threshold-50",
    "50-flags-at-once-threshold-3",
    "approve-delete-reply-races",
]


def _id(case: str) -> str:
    return f"concurrency-{CASES.index(case) + 1}-of-{len(CASES)}-{case}"


@pytest.mark.parametrize("case", [pytest.param(CASES[0], id=_id(CASES[0]))])
def test_writers(app, production, thread, case):
    url, post, parent = production["url"], thread["post"], thread["ids"]["1"]
    before = comments_of(app, post)
    barrier = threading.Barrier(WRITERS)

    def write(writer: int) -> list[tuple[int, int, dict | str]]:
        results = []
        with requests.Session() as client:
            client.headers["X-Forwarded-For"] = f"10.70.{writer}.1"
            barrier.wait()
            for n in range(REPLIES):
                body = {"author_name": f"Writer {writer}", "body": f"w{writer} r{n}"}
                if n % 2:
                    response = client.post(
                        f"{url}/api/comments/{parent}/replies", json=body, timeout=120
                    )
                else:
                    response = client.post(
                        f"{url}/api/posts/{post}/comments", json=body, timeout=120
                    )
                answer = (
                    response.json()
                    if response.headers.get("Content-Type", "").startswith("application/")
                    else response.text
                )
                results.append((n, response.status_code, answer))
        return results

    with ThreadPoolExecutor(WRITERS) as pool:
        results = [r for batch in pool.map(write, range(WRITERS)) for r in batch]
    statuses = Counter(status for _n, status, _a in results)
    assert statuses == {201: WRITERS * REPLIES}, statuses
    after = comments_of(app, post)
    assert len(after) == len(before) + WRITERS * REPLIES
    for n, _status, answer in results:
        row = after[answer["comment"]["id"]]
        assert row.status == CommentStatus.APPROVED
        assert row.parent_id == (parent if n % 2 else None)
        assert row.depth == (1 if n % 2 else 0)
        assert row.root_id == (parent if n % 2 else None)
    no_locked_database(production)


def flag_at_once(url: str, comment: int, count: int, prefix: str) -> Counter:
    barrier = threading.Barrier(count)

    def flag(n: int) -> int:
        with requests.Session() as client:
            barrier.wait()
            return client.post(
                f"{url}/api/comments/{comment}/flags",
                json={"reason": "spam"},
                headers={"X-Forwarded-For": f"{prefix}.{n + 1}"},
                timeout=120,
            ).status_code

    with ThreadPoolExecutor(count) as pool:
        return Counter(pool.map(flag, range(count)))


def flags_and_hides(app: Flask, comment: int) -> tuple[int, int, CommentStatus]:
    with app.app_context():
        flags = db.session.execute(
            select(func.count()).select_from(Flag).where(Flag.comment_id == comment)
        ).scalar_one()
        hides = db.session.execute(
            select(func.count())
            .select_from(LogEntry)
            .where(LogEntry.comment_id == comment, LogEntry.action == "auto_hide")
        ).scalar_one()
        status = db.session.get(Comment, comment).status
        db.session.remove()
    return flags, hides, status


@pytest.mark.parametrize("case", [pytest.param(CASES[1], id=_id(CASES[1]))])
def test_fifty_flags_at_once_threshold_fifty(app, production, thread, case):
    comment = thread["ids"]["2"]
    statuses = flag_at_once(production["url"], comment, FLAGGERS, "10.71.0")
    assert statuses == {201: FLAGGERS}
    assert flags_and_hides(app, comment) == (FLAGGERS, 1, CommentStatus.HIDDEN)
    no_locked_database(production)


@pytest.mark.parametrize("case", [pytest.param(CASES[2], id=_id(CASES[2]))])
def test_fifty_flags_at_once_threshold_three(app, server, thread, case):
    """The suite's own server hides at the default threshold, 3: the third flag hides the
    comment, the 47 after it find nothing to flag."""
    comment = thread["ids"]["10"]  # an approved race target no other test touches
    statuses = flag_at_once(server, comment, FLAGGERS, "10.72.0")
    assert statuses == {201: 3, 404: FLAGGERS - 3}
    assert flags_and_hides(app, comment) == (3, 1, CommentStatus.HIDDEN)


@pytest.mark.parametrize("case", [pytest.param(CASES[3], id=_id(CASES[3]))])
def test_approve_delete_and_reply_race(app, production, thread, case):
    """Each round: a held or published comment gets an approve, a delete and three replies
    at the same instant. Whatever wins, the state is one the log explains."""
    url, token = production["url"], thread["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    for round_ in range(RACES):
        key = str(10 + round_)
        if key == "10":
            continue  # flagged and hidden by the threshold-3 case
        comment = thread["ids"][key]
        with app.app_context():
            start = db.session.get(Comment, comment).status
            db.session.remove()
        barrier = threading.Barrier(5)

        def act(what: str, n: int = 0) -> tuple[str, int]:
            with requests.Session() as client:
                barrier.wait()
                if what in {"approve", "delete"}:
                    response = client.post(
                        f"{url}/api/moderation/comments/{comment}/actions",
                        json={"action": what},
                        headers=bearer,
                        timeout=120,
                    )
                else:
                    response = client.post(
                        f"{url}/api/comments/{comment}/replies",
                        json={"author_name": f"Racer {n}", "body": f"race {round_} reply {n}"},
                        headers={"X-Forwarded-For": f"10.73.{round_}.{n + 1}"},
                        timeout=120,
                    )
                return what, response.status_code

        with ThreadPoolExecutor(5) as pool:
            outcomes = list(
                pool.map(
                    lambda job: act(*job),
                    [("approve",), ("delete",), ("reply", 0), ("reply", 1), ("reply", 2)],
                )
            )
        assert all(status < 500 for _what, status in outcomes), outcomes
        done = {what: status for what, status in outcomes if what != "reply"}
        replies_ok = sum(1 for what, status in outcomes if what == "reply" and status == 201)
        with app.app_context():
            final = db.session.get(Comment, comment)
            entries = (
                db.session.execute(
                    select(LogEntry).where(LogEntry.comment_id == comment).order_by(LogEntry.id)
                )
                .scalars()
                .all()
            )
            replies = (
                db.session.execute(select(Comment).where(Comment.parent_id == comment))
                .scalars()
                .all()
            )
            chain = [(e.action, e.from_status, e.to_status) for e in entries]
            final_status, final_depth = final.status, final.depth
            reply_rows = [(r.status, r.depth, r.root_id) for r in replies]
            root = final.root_id or final.id
            db.session.remove()
        # The log tells the story: each step starts where the last one ended.
        moderated = [c for c in chain if c[0] in {"approve", "delete"}]
        assert len(moderated) == sum(1 for s in done.values() if s == 200), (outcomes, chain)
        previous = start.value
        for action, from_status, to_status in moderated:
            assert from_status == previous, chain
            previous = to_status
        assert final_status.value == previous
        assert done["delete"] == 200, "delete applies to every status but deleted"
        assert final_status == CommentStatus.DELETED
        # Replies: stored exactly for their 201s, only ever under an approved comment.
        assert len(reply_rows) == replies_ok
        if replies_ok:
            assert ("approve", start.value, "approved") in moderated or start.value == "approved"
        for status, depth, reply_root in reply_rows:
            assert status == CommentStatus.APPROVED and depth == final_depth + 1
            assert reply_root == root
        # Readers see a tombstone with the replies below it, or nothing.
        answer = requests.get(f"{url}/api/comments/{comment}", timeout=60)
        if replies_ok:
            assert answer.status_code == 200 and answer.json()["comment"]["tombstone"]
            assert len(answer.json()["comment"]["replies"]) == replies_ok
        else:
            assert answer.status_code == 404
    no_locked_database(production)
