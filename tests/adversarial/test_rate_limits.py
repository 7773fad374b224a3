"""Family 6, rate limits: one client gets the documented number and not one more.

Two app servers of their own (``forum serve``, the documented defaults: 5 replies a minute,
20 flags an hour, 10 sign-ins a minute), on the suite's database: one trusting no proxy
(the default), one behind one trusted proxy. A client that rotates X-Forwarded-For (or
Forwarded, or X-Real-IP) is still one client; the limit is one budget across the API and
the forms; a second client (another loopback address) is not slowed by the first; and the
same reply sent again, even by many connections at once, is stored once.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from flask import Flask
from requests.adapters import HTTPAdapter
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Comment, Flag
from tests.adversarial.support import Browserish, import_path
from tests.conftest import ROOT
from tests.production.conftest import free_port, wait_for
from tests.wxr_builder import C, P, write_wxr

REPLIES, FLAGS, SIGN_INS = 5, 20, 10  # the documented defaults


class FromAddress(HTTPAdapter):
    """Connect from another loopback address: a second client, as the server sees it."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def session(base: str, address: str = "127.0.0.1") -> Browserish:
    client = Browserish(base)
    client.headers.pop("Accept", None)
    if address != "127.0.0.1":
        client.mount("http://", FromAddress(address))
    return client


@pytest.fixture(scope="module")
def servers(app: Flask, database_url: str, tmp_path_factory) -> Iterator[dict[str, str]]:
    """``direct``: trusts no proxy; ``proxied``: trusts one. Both with default limits."""
    logs = tmp_path_factory.mktemp("rate-limit-logs")
    processes, urls = [], {}
    environment = {key: value for key, value in os.environ.items() if not key.startswith("FORUM_")}
    try:
        for name, proxies in (("direct", "0"), ("proxied", "1")):
            port = free_port()
            log = open(logs / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    "from forum.cli import main; main()",
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                ],
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={
                    **environment,
                    "FORUM_DATABASE_URL": database_url,
                    "FORUM_SECRET_KEY": "test secret",
                    "FORUM_TRUSTED_PROXIES": proxies,
                    "FORUM_REQUEST_LOG": "false",
                    "FORUM_SESSION_COOKIE_SECURE": "false",
                },
            )
            processes.append((process, log))
            urls[name] = f"http://127.0.0.1:{port}"
            wait_for(urls[name] + "/healthz", process)
        yield urls
    finally:
        for process, log in processes:
            process.terminate()
            process.wait(timeout=15)
            log.close()


@pytest.fixture(scope="module")
def thread(app: Flask, tmp_path_factory) -> dict[str, Any]:
    """A post with forty comments (flag targets) on the suite's database."""
    path = write_wxr(
        tmp_path_factory.mktemp("limits") / "limits.xml",
        [
            P(
                "77",
                title="Rate limited",
                comments=[C(str(n), content=f"Target {n}.") for n in range(1, 41)],
            )
        ],
    )
    import_path(app, path)
    with app.app_context():
        from forum.models import Post

        post = db.session.execute(select(Post.id).where(Post.title == "Rate limited")).scalar_one()
        comments = list(
            db.session.execute(
                select(Comment.id).where(Comment.post_id == post).order_by(Comment.id)
            ).scalars()
        )
        db.session.remove()
    return {"post": post, "comments": comments, "next": iter(comments)}


_counter = iter(range(10**6))


def fresh_reply(**extra: Any) -> dict[str, Any]:
    n = next(_counter)
    return {"author_name": f"Limited {n}", "body": f"Reply number {n} of the limit test.", **extra}


def stored(app: Flask, model=Comment) -> int:
    with app.app_context():
        found = db.session.execute(select(func.count()).select_from(model)).scalar_one()
        db.session.remove()
    return found


def limited_run(app, send, attempts: int) -> list[int]:
    """Send ``attempts`` requests; return their statuses, checking every 429 says when."""
    statuses = []
    for number in range(attempts):
        response = send(number)
        statuses.append(response.status_code)
        if response.status_code == 429:
            assert int(response.headers["Retry-After"]) > 0
            assert response.headers["Content-Type"].startswith(
                ("application/problem+json", "text/html")
            )
    return statuses


CASES = [
    "replies-one-client",
    "replies-rotating-x-forwarded-for",
    "replies-rotating-forwarded-and-x-real-ip",
    "replies-one-budget-for-api-and-forms",
    "replies-behind-a-proxy-rotating-the-client-part",
    "replies-second-client-unaffected",
    "replies-second-client-behind-the-proxy-unaffected",
    "flags-one-client-rotating-x-forwarded-for",
    "flags-one-budget-for-api-and-form",
    "sign-ins-rotating-x-forwarded-for",
]


def _ids(name: str) -> str:
    return f"limit-{CASES.index(name) + 1:02d}-of-{len(CASES)}-{name}"


def post_reply(client, thread, headers=None):
    return client.post(
        f"/api/posts/{thread['post']}/comments", json=fresh_reply(), headers=headers or {}
    )


@pytest.mark.parametrize("case", [pytest.param(c, id=_ids(c)) for c in CASES])
def test_rate_limit(app, servers, thread, case):
    direct, proxied = servers["direct"], servers["proxied"]
    # Each case speaks from its own loopback address: budgets never leak between cases.
    address = f"127.0.{10 + CASES.index(case)}.1"
    before = stored(app)
    if case == "replies-one-client":
        with session(direct, address) as client:
            statuses = limited_run(app, lambda n: post_reply(client, thread), REPLIES + 3)
        assert statuses == [201] * REPLIES + [429] * 3
        assert stored(app) == before + REPLIES
    elif case == "replies-rotating-x-forwarded-for":
        with session(direct, address) as client:
            statuses = limited_run(
                app,
                lambda n: post_reply(client, thread, {"X-Forwarded-For": f"198.51.100.{n + 1}"}),
                REPLIES + 3,
            )
        assert statuses == [201] * REPLIES + [429] * 3
        assert stored(app) == before + REPLIES
    elif case == "replies-rotating-forwarded-and-x-real-ip":
        with session(direct, address) as client:
            statuses = limited_run(
                app,
                lambda n: post_reply(
                    client,
                    thread,
                    {
                        "Forwarded": f"for=203.0.113.{n + 1}",
                        "X-Real-IP": f"192.0.2.{n + 1}",
                        "X-Forwarded-For": f"2001:db8::{n + 1}",
                        "Client-IP": f"10.9.9.{n + 1}",
                    },
                ),
                REPLIES + 2,
            )
        assert statuses == [201] * REPLIES + [429] * 2
    elif case == "replies-one-budget-for-api-and-forms":
        comment = next(thread["next"])
        with session(direct, address) as client:
            page = client.get(f"/posts/{thread['post']}")
            form = client.form(page, f"/posts/{thread['post']}/comments")
            ways = [
                lambda: post_reply(client, thread),
                lambda: client.post(f"/api/comments/{comment}/replies", json=fresh_reply()),
                lambda: client.post(
                    f"/posts/{thread['post']}/comments", data={**form, **fresh_reply()}
                ),
                lambda: client.post(f"/comments/{comment}/replies", data={**form, **fresh_reply()}),
            ]
            statuses = limited_run(app, lambda n: ways[n % 4](), REPLIES + 3)
        assert [s for s in statuses if s != 429] == [s for s in statuses[:REPLIES]]
        assert all(s in {201, 303} for s in statuses[:REPLIES]) and statuses[REPLIES:] == [429] * 3
        assert stored(app) == before + REPLIES
    elif case == "replies-behind-a-proxy-rotating-the-client-part":
        # The proxy appends the address it saw; only that last hop is trusted.
        with session(proxied, address) as client:
            statuses = limited_run(
                app,
                lambda n: post_reply(
                    client, thread, {"X-Forwarded-For": f"198.51.100.{n + 1}, 203.0.113.50"}
                ),
                REPLIES + 3,
            )
        assert statuses == [201] * REPLIES + [429] * 3
    elif case == "replies-second-client-unaffected":
        with session(direct, address) as first, session(direct, "127.0.200.2") as second:
            assert limited_run(app, lambda n: post_reply(first, thread), REPLIES + 1)[-1] == 429
            assert (
                limited_run(app, lambda n: post_reply(second, thread), REPLIES) == [201] * REPLIES
            )
            assert post_reply(first, thread).status_code == 429
    elif case == "replies-second-client-behind-the-proxy-unaffected":
        with session(proxied, address) as client:

            def as_client(hop):
                return lambda n: post_reply(client, thread, {"X-Forwarded-For": hop})

            assert limited_run(app, as_client("203.0.113.60"), REPLIES + 1)[-1] == 429
            assert limited_run(app, as_client("203.0.113.61"), REPLIES) == [201] * REPLIES
    elif case == "flags-one-client-rotating-x-forwarded-for":
        before = stored(app, Flag)
        targets = thread["comments"]
        with session(direct, address) as client:
            statuses = limited_run(
                app,
                lambda n: client.post(
                    f"/api/comments/{targets[n]}/flags",
                    json={"reason": "other"},
                    headers={"X-Forwarded-For": f"198.51.100.{n + 1}"},
                ),
                FLAGS + 2,
            )
        assert statuses == [201] * FLAGS + [429] * 2
        assert stored(app, Flag) == before + FLAGS
    elif case == "flags-one-budget-for-api-and-form":
        before = stored(app, Flag)
        targets = thread["comments"]
        with session(direct, address) as client:
            page = client.get(f"/posts/{thread['post']}")
            form = client.form(page, f"/comments/{targets[0]}/flags")
            statuses = limited_run(
                app,
                lambda n: (
                    client.post(f"/api/comments/{targets[n]}/flags", json={"reason": "spam"})
                    if n % 2
                    else client.post(
                        f"/comments/{targets[n]}/flags", data={**form, "reason": "spam"}
                    )
                ),
                FLAGS + 2,
            )
        assert all(s in {201, 303} for s in statuses[:FLAGS]) and statuses[FLAGS:] == [429] * 2
        assert stored(app, Flag) == before + FLAGS
    elif case == "sign-ins-rotating-x-forwarded-for":
        with session(direct, address) as client:
            page = client.get("/moderation/sign-in")
            form = client.form(page, "/moderation/sign-in")
            statuses = limited_run(
                app,
                lambda n: client.post(
                    "/moderation/sign-in",
                    data={**form, "token": f"guess-{n}"},
                    headers={"X-Forwarded-For": f"198.51.100.{n + 1}"},
                ),
                SIGN_INS + 3,
            )
        assert statuses == [401] * SIGN_INS + [429] * 3


def test_the_same_reply_again_is_refused(app, api, thread):
    """The same words by the same author: stored once, the repeats are 409 problems."""
    before = stored(app)
    body = {"author_name": "Echo", "body": "Exactly the same words, sent again and again."}
    statuses = [
        api.post(
            f"/api/posts/{thread['post']}/comments", json=body, client=f"10.8.0.{n + 1}"
        ).status_code
        for n in range(5)
    ]
    assert statuses == [201] + [409] * 4
    assert stored(app) == before + 1


def test_the_same_reply_from_many_connections_at_once_is_stored_once(app, server, thread):
    """Sixteen connections send one reply at the same instant: exactly one is stored."""
    before = stored(app)
    body = {"author_name": "Chorus", "body": "All of us at once, with exactly these words."}
    barrier = threading.Barrier(16)
    statuses: list[int] = []

    def send(n: int) -> None:
        with requests.Session() as client:
            barrier.wait()
            response = client.post(
                f"{server}/api/posts/{thread['post']}/comments",
                json=body,
                headers={"X-Forwarded-For": f"10.9.0.{n + 1}"},
                timeout=60,
            )
            statuses.append(response.status_code)

    workers = [threading.Thread(target=send, args=(n,)) for n in range(16)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(statuses) == [201] + [409] * 15, statuses
    assert stored(app) == before + 1
    time.sleep(0)  # keep the threads' sessions closed before the next test
