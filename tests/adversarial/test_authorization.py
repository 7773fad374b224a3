"""Family 5, authorization: nobody moderates without a moderator's token, nothing leaks.

Every moderation endpoint of the API (and the moderator-only import and export endpoints)
times every way of getting credentials wrong: none, an empty Bearer, malformed headers, an
unknown token, a revoked one, a valid one in the query string or a cookie, and a valid one
with the method overridden by a header. Every moderation page times every way of faking
a session. Each is refused (401, 403, 405, or a redirect to the sign-in form) and changes
nothing. Readers cannot read pending, spam, hidden or deleted comments, nor unpublished
posts, by id or otherwise. Tokens carry at least 128 random bits, are compared in constant
time, and are never logged, stored, or put in a cookie.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import math
import re
import secrets
import time
import zlib
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, text

from forum.extensions import db
from forum.models import Ban, Comment, Post
from forum.services import moderators as moderator_service
from forum.services.moderators import add_moderator, reissue_token, revoke_moderator
from tests.adversarial.support import Browserish, import_path, leaks, new_moderator, row_counts
from tests.wxr_builder import C, P, write_wxr

PROBLEM = "application/problem+json"
SECRET = "SECRET-WORDS"


@pytest.fixture(scope="module")
def world(app: Flask, api, tmp_path_factory) -> dict[str, Any]:
    """A post with a comment in every status (each with an approved reply below it), a locked
    post and branch, a ban, an unpublished post; a moderator, a revoked one."""
    folder = tmp_path_factory.mktemp("authz")
    comments = [C("1", content="An approved comment with enough words to be quoted.")]
    for n, approved in ((2, "0"), (3, "spam"), (4, "trash")):
        comments.append(C(str(n), approved=approved, content=f"{SECRET} of status {approved}."))
        comments.append(C(f"{n}0", parent=str(n), content=f"A visible reply to {n}."))
    comments.append(C("5", content=f"{SECRET} that will be hidden."))
    comments.append(C("50", parent="5", content="A visible reply to 5."))
    comments.append(C("6", approved="0", content="Pending, for the actions to approve."))
    path = write_wxr(
        folder / "authz.xml",
        [
            P("1", title="Authorized", comments=comments),
            P("2", title="Locked", comments=[C("1", content="On a locked post.")]),
            P(
                "3",
                title=f"Draft {SECRET}",
                status="draft",
                content=f"{SECRET} in a draft.",
                comments=[C("1", content=f"{SECRET} on a draft.")],
            ),
        ],
    )
    import_path(app, path)
    token = new_moderator(app, "authz-mia")
    revoked = new_moderator(app, "authz-rex")
    with app.app_context():
        revoke_moderator("authz-rex")
        posts = dict(db.session.execute(select(Post.title, Post.id)).all())
        keys = {
            (post_id, key.rsplit("-", 1)[-1]): comment_id
            for comment_id, post_id, key in db.session.execute(
                select(Comment.id, Comment.post_id, Comment.source_key)
            )
        }
        post = posts["Authorized"]
        ids = {key: cid for (pid, key), cid in keys.items() if pid == post}
        hidden = db.session.get(Comment, ids["5"])
        from forum.models import CommentStatus
        from forum.models.base import utcnow

        hidden.status = CommentStatus.HIDDEN
        locked_post = db.session.get(Post, posts["Locked"])
        locked_post.locked_at = utcnow()
        db.session.get(Comment, ids["10"] if "10" in ids else ids["1"]).locked_at = utcnow()
        db.session.commit()
        world = {
            "post": post,
            "locked_post": posts["Locked"],
            "draft": posts[f"Draft {SECRET}"],
            "comments": ids,
            "token": token,
            "revoked": revoked,
            "draft_comment": keys[(posts[f"Draft {SECRET}"], "1")],
        }
        db.session.remove()
    answer = api.post(
        "/api/moderation/bans",
        json={"kind": "name", "value": "Mallory"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 201, answer.text
    world["ban"] = answer.json()["id"]
    return world


def state(app: Flask) -> dict[str, Any]:
    """Everything a moderation request could change."""
    with app.app_context():
        found = {
            "rows": row_counts(app),
            "comments": sorted(
                db.session.execute(
                    select(Comment.id, Comment.status, Comment.locked_at, Comment.moderated_at)
                ).all()
            ),
            "posts": sorted(db.session.execute(select(Post.id, Post.locked_at)).all()),
            "bans": sorted(db.session.execute(select(Ban.id, Ban.lifted_at)).all()),
            "jobs": db.session.execute(text("SELECT count(*) FROM import_jobs")).scalar_one(),
        }
        db.session.remove()
    return found


# The API ---------------------------------------------------------------------------------

# (slug, method, path, request keyword arguments, a method the route does not take)
ENDPOINTS: list[tuple[str, str, str, dict[str, Any], str]] = [
    ("queue", "GET", "/api/moderation/queue", {}, "POST"),
    (
        "act",
        "POST",
        "/api/moderation/comments/{pending}/actions",
        {"json": {"action": "approve"}},
        "GET",
    ),
    (
        "bulk",
        "POST",
        "/api/moderation/actions",
        {"json": {"ids": ["{pending}"], "action": "approve"}},
        "GET",
    ),
    ("lock-post", "POST", "/api/moderation/posts/{post}/lock", {"json": {}}, "GET"),
    ("unlock-post", "POST", "/api/moderation/posts/{locked_post}/unlock", {"json": {}}, "GET"),
    ("lock-branch", "POST", "/api/moderation/comments/{approved}/lock", {"json": {}}, "GET"),
    ("unlock-branch", "POST", "/api/moderation/comments/{approved}/unlock", {"json": {}}, "GET"),
    ("bans-list", "GET", "/api/moderation/bans", {}, "PUT"),
    ("ban-add", "POST", "/api/moderation/bans", {"json": {"kind": "name", "value": "Eve"}}, "PUT"),
    ("ban-lift", "DELETE", "/api/moderation/bans/{ban}", {}, "POST"),
    ("log", "GET", "/api/moderation/log", {}, "POST"),
    ("import-upload", "POST", "/api/imports", {"upload": True}, "PUT"),
    ("import-list", "GET", "/api/imports", {}, "PUT"),
    ("import-get", "GET", "/api/imports/1", {}, "DELETE"),
    ("export", "GET", "/api/posts/{post}/export?format=json", {}, "POST"),
]
CREDENTIALS = [
    "none",
    "empty-bearer",
    "bearer-without-token",
    "basic-scheme",
    "no-space",
    "token-scheme",
    "two-tokens",
    "oversized",
    "wrong-token",
    "revoked-token",
    "token-in-query-string",
    "token-in-cookie",
    "method-override",
]


def _api_params():
    total = len(ENDPOINTS) * len(CREDENTIALS)
    params, n = [], 0
    for endpoint in ENDPOINTS:
        for credential in CREDENTIALS:
            n += 1
            params.append(
                pytest.param(
                    endpoint, credential, id=f"authz-{n:03d}-of-{total}-{endpoint[0]}-{credential}"
                )
            )
    return params


def _fill(value: Any, world: dict[str, Any]) -> Any:
    names = {
        "pending": world["comments"]["6"],
        "approved": world["comments"]["1"],
        "post": world["post"],
        "locked_post": world["locked_post"],
        "ban": world["ban"],
    }
    if isinstance(value, str):
        if value.startswith("{") and value.endswith("}") and value[1:-1] in names:
            return names[value[1:-1]]
        return value.format(**names)
    if isinstance(value, list):
        return [_fill(item, world) for item in value]
    if isinstance(value, dict):
        return {key: _fill(item, world) for key, item in value.items()}
    return value


def credentials(kind: str, world: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """(headers, query arguments) for a kind of wrong credentials."""
    token = world["token"]
    encoded = base64.b64encode(f"mia:{token}".encode()).decode()
    headers = {
        "none": {},
        "empty-bearer": {"Authorization": "Bearer "},
        "bearer-without-token": {"Authorization": "Bearer"},
        "basic-scheme": {"Authorization": f"Basic {encoded}"},
        "no-space": {"Authorization": f"Bearer{token}"},
        "token-scheme": {"Authorization": f"Token {token}"},
        "two-tokens": {"Authorization": f"Bearer {token} {token}"},
        "oversized": {"Authorization": "Bearer " + token * 100},
        "wrong-token": {
            "Authorization": "Bearer " + base64.urlsafe_b64encode(b"\x01" * 32).decode()
        },
        "revoked-token": {"Authorization": f"Bearer {world['revoked']}"},
        "token-in-query-string": {},
        "token-in-cookie": {"Cookie": f"token={token}; access_token={token}; session={token}"},
    }.get(kind, {})
    query = (
        {
            "token": token,
            "access_token": token,
            "bearer_token": token,
            "authorization": f"Bearer {token}",
        }
        if kind == "token-in-query-string"
        else {}
    )
    return headers, query


@pytest.mark.parametrize("endpoint, credential", _api_params())
def test_moderation_api_refuses_without_a_good_token(app, api, world, endpoint, credential):
    slug, method, path, kwargs, wrong_method = endpoint
    before = state(app)
    headers, query = credentials(credential, world)
    url = _fill(path, world)
    request: dict[str, Any] = {"headers": headers, "params": query}
    if "json" in kwargs:
        request["json"] = _fill(kwargs["json"], world)
    if kwargs.get("upload"):
        request["files"] = {"file": ("export.xml", io.BytesIO(b"<rss/>"), "text/xml")}
    expected: set[int]
    if credential == "method-override":
        request["headers"] = {
            "Authorization": f"Bearer {world['token']}",
            "X-HTTP-Method-Override": method,
            "X-HTTP-Method": method,
            "X-Method-Override": method,
        }
        response = api.request(wrong_method, url, **request)
        expected = {405}
    else:
        response = api.request(method, url, **request)
        expected = {403} if credential == "revoked-token" else {401}
    assert response.status_code in expected, (response.status_code, response.text[:300])
    assert response.headers["Content-Type"].startswith(PROBLEM)
    if response.status_code == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert not leaks(response.text)
    assert world["token"] not in response.text
    assert state(app) == before, "no side effect"


def test_the_good_token_works(app, api, world):
    """The control: the same requests with the token do go through."""
    response = api.get(
        "/api/moderation/queue", headers={"Authorization": f"Bearer {world['token']}"}
    )
    assert response.status_code == 200
    response = api.get(
        "/api/moderation/queue", headers={"Authorization": f"bearer  {world['token']} "}
    )
    assert response.status_code == 200  # the scheme is case-insensitive (RFC 9110)


# The pages -------------------------------------------------------------------------------

PAGES: list[tuple[str, str, str, dict[str, str]]] = [
    ("queue", "GET", "/moderation", {}),
    ("act", "POST", "/moderation/actions", {"act": "approve:{pending}"}),
    ("comment", "GET", "/moderation/comments/{pending}", {}),
    ("lock-branch", "POST", "/moderation/comments/{approved}/lock", {"locked": "1"}),
    ("lock-post", "POST", "/moderation/posts/{post}/lock", {"locked": "1"}),
    ("bans", "GET", "/moderation/bans", {}),
    (
        "ban-add",
        "POST",
        "/moderation/bans",
        {"kind": "name", "value": "Eve", "duration": "forever"},
    ),
    ("ban-lift", "POST", "/moderation/bans/{ban}/lift", {}),
    ("log", "GET", "/moderation/log", {}),
]
SESSIONS = [
    "no-session",
    "bearer-header",
    "token-in-query-string",
    "cookie-signed-with-another-key",
    "unsigned-cookie",
    "revoked-moderator",
    "token-reissued",
    "session-13-hours-old",
]


def _page_params():
    total = len(PAGES) * len(SESSIONS)
    params, n = [], 0
    for page in PAGES:
        for kind in SESSIONS:
            n += 1
            params.append(pytest.param(page, kind, id=f"pages-{n:03d}-of-{total}-{page[0]}-{kind}"))
    return params


def _session_cookie(app: Flask, data: dict[str, Any], secret: str | None = None) -> str:
    saved = app.secret_key
    try:
        if secret is not None:
            app.secret_key = secret
        serializer = app.session_interface.get_signing_serializer(app)
        return serializer.dumps(data)
    finally:
        app.secret_key = saved


def _csrf(page_text: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page_text)
    return found.group(1) if found else ""


def browser_for(
    kind: str, app: Flask, server: str, world: dict[str, Any]
) -> tuple[Browserish, dict]:
    """A browser session in the given wrong state, with a CSRF token that its session
    accepts where one can be had: the check that refuses must be the moderator's."""
    client = Browserish(server)
    # Its own address (the test app trusts one proxy): sign-ins are limited per address.
    client.headers["X-Forwarded-For"] = f"10.66.{secrets.randbelow(250)}.{secrets.randbelow(250)}"
    extra: dict[str, Any] = {"csrf_token": _csrf(client.get("/moderation/sign-in").text)}
    if kind == "bearer-header":
        client.headers["Authorization"] = f"Bearer {world['token']}"
    elif kind == "token-in-query-string":
        extra["params"] = {"token": world["token"]}
    elif kind in {"revoked-moderator", "token-reissued"}:
        name = f"authz-{kind}-{time.monotonic_ns()}"
        client.sign_in(new_moderator(app, name))
        extra["csrf_token"] = _csrf(client.get("/moderation/bans").text)
        assert extra["csrf_token"], "signed in: the bans page has its form"
        with app.app_context():
            (revoke_moderator if kind == "revoked-moderator" else reissue_token)(name)
            db.session.commit()
            db.session.remove()
    elif kind in {"cookie-signed-with-another-key", "unsigned-cookie", "session-13-hours-old"}:
        from itsdangerous import URLSafeTimedSerializer

        from forum.models import Moderator
        from forum.web.auth import _fingerprint

        raw_csrf = secrets.token_hex(20)
        with app.test_request_context():
            moderator = db.session.execute(
                select(Moderator).where(Moderator.name == "authz-mia")
            ).scalar_one()
            data = {
                "csrf_token": raw_csrf,
                "moderator": {
                    "id": moderator.id,
                    "key": _fingerprint(moderator),
                    "since": int(time.time()),
                },
            }
            db.session.remove()
        if kind == "cookie-signed-with-another-key":
            cookie = _session_cookie(app, data, secret="not the secret key")
        elif kind == "unsigned-cookie":
            cookie = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
        else:
            data["moderator"]["since"] = int(time.time()) - 13 * 3600
            cookie = _session_cookie(app, data)
        client.cookies.clear()
        client.cookies.set("session", cookie, domain="127.0.0.1", path="/")
        extra["csrf_token"] = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(
            raw_csrf
        )
    return client, extra


@pytest.mark.parametrize("page, kind", _page_params())
def test_moderation_pages_refuse_without_a_good_session(app, server, world, page, kind):
    slug, method, path, fields = page
    client, extra = browser_for(kind, app, server, world)
    before = state(app)
    with client:
        url = _fill(path, world)
        data = {key: _fill(value, world) for key, value in fields.items()}
        params = extra.pop("params", None)
        if method == "POST":
            response = client.post(
                url, data={**data, "csrf_token": extra["csrf_token"]}, params=params
            )
        else:
            response = client.get(url, params=params)
    refused = response.status_code in {400, 401, 403} or (
        response.status_code == 303 and "/moderation/sign-in" in response.headers["Location"]
    )
    assert refused, (response.status_code, response.headers.get("Location"), response.text[:200])
    assert SECRET not in response.text
    if kind != "token-in-query-string":  # there the sign-in link repeats the address asked for
        assert world["token"] not in response.text
    assert state(app) == before, "no side effect"


# Readers ---------------------------------------------------------------------------------

HIDDEN_FROM_READERS = {"pending": "2", "spam": "3", "deleted": "4", "hidden": "5"}
VIEWS = [
    "api-reply-view",
    "page-reply-view",
    "api-thread",
    "page-thread",
    "api-reply-view-of-a-reply",
    "page-of-a-reply",
    "flag",
    "reply",
    "search",
]


def _reader_params():
    total = len(HIDDEN_FROM_READERS) * len(VIEWS)
    params, n = [], 0
    for status in HIDDEN_FROM_READERS:
        for view in VIEWS:
            n += 1
            params.append(
                pytest.param(status, view, id=f"reader-{n:03d}-of-{total}-{status}-{view}")
            )
    return params


@pytest.mark.parametrize("status, view", _reader_params())
def test_readers_cannot_read_what_is_not_published(app, api, reader, world, status, view):
    key = HIDDEN_FROM_READERS[status]
    comment = world["comments"][key]
    child = world["comments"][f"{key}0"]
    before = state(app)
    if view == "api-reply-view":
        response = api.get(f"/api/comments/{comment}")
        if response.status_code == 200:  # a tombstone kept for its visible reply
            shown = response.json()["comment"]
            assert shown["tombstone"] and shown["author"] is None and shown["body_html"] is None
        else:
            assert response.status_code == 404
    elif view == "page-reply-view":
        response = reader.get(f"/comments/{comment}")
        assert response.status_code in {200, 404}
    elif view == "api-thread":
        response = api.get(f"/api/posts/{world['post']}/comments?per_page=100")
        assert response.status_code == 200
    elif view == "page-thread":
        response = reader.get(f"/posts/{world['post']}")
        assert response.status_code == 200
    elif view == "api-reply-view-of-a-reply":
        response = api.get(f"/api/comments/{child}")
        assert response.status_code == 200
        [ancestor] = response.json()["ancestors"]
        assert ancestor["tombstone"] and ancestor["body_html"] is None
    elif view == "page-of-a-reply":
        response = reader.get(f"/comments/{child}")
        assert response.status_code == 200
    elif view == "flag":
        response = api.post(
            f"/api/comments/{comment}/flags", json={"reason": "spam"}, client="10.55.0.1"
        )
        assert response.status_code == 404
    elif view == "reply":
        response = api.post(
            f"/api/comments/{comment}/replies",
            json={"author_name": "Nosy", "body": "What did it say?"},
        )
        assert response.status_code in {404, 409}
    else:
        response = api.get(f"/api/posts?q={SECRET}")
        assert response.json()["total"] == 0
        page = reader.get(f"/?q={SECRET}").text
        assert f"{SECRET} of status" not in page and f"{SECRET} in a draft" not in page
    assert SECRET not in response.text, "the hidden text is served"
    assert state(app) == before


UNPUBLISHED_VIEWS = [
    "api-post",
    "page-post",
    "api-thread",
    "api-comment",
    "page-comment",
    "export-without-token",
    "archive-page",
    "api-list",
]


@pytest.mark.parametrize(
    "view",
    [
        pytest.param(v, id=f"draft-{n}-of-{len(UNPUBLISHED_VIEWS)}-{v}")
        for n, v in enumerate(UNPUBLISHED_VIEWS, 1)
    ],
)
def test_readers_cannot_read_an_unpublished_post(api, reader, world, view):
    draft, comment = world["draft"], world["draft_comment"]
    response = {
        "api-post": lambda: api.get(f"/api/posts/{draft}"),
        "page-post": lambda: reader.get(f"/posts/{draft}"),
        "api-thread": lambda: api.get(f"/api/posts/{draft}/comments"),
        "api-comment": lambda: api.get(f"/api/comments/{comment}"),
        "page-comment": lambda: reader.get(f"/comments/{comment}"),
        "export-without-token": lambda: api.get(f"/api/posts/{draft}/export?format=json"),
        "archive-page": lambda: reader.get("/?q=draft"),
        "api-list": lambda: api.get("/api/posts?per_page=100"),
    }[view]()
    assert response.status_code in {200, 401, 404}
    assert SECRET not in response.text


# Tokens ----------------------------------------------------------------------------------


def test_tokens_carry_at_least_128_random_bits(app):
    """Tokens decode to at least 16 random bytes, never repeat, and look random."""
    tokens = []
    with app.app_context():
        for n in range(64):
            _moderator, token = add_moderator(f"entropy-{n}")
            tokens.append(token)
        db.session.rollback()
        db.session.remove()
    assert len(set(tokens)) == len(tokens)
    raw = [base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)) for token in tokens]
    assert min(len(r) for r in raw) * 8 >= 128
    everything = b"".join(raw)
    assert len(zlib.compress(everything, 9)) >= len(everything) * 0.95, "compressible: not random"
    counts = Counter(everything)
    entropy = -sum(c / len(everything) * math.log2(c / len(everything)) for c in counts.values())
    assert entropy > 7.5


def test_tokens_are_compared_in_constant_time(app, world, monkeypatch):
    """The stored hash is found by index, then compared with hmac.compare_digest."""
    calls = []
    real = moderator_service.hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(moderator_service.hmac, "compare_digest", spy)
    with app.app_context():
        moderator_service.authenticate(f"Bearer {world['token']}")
        db.session.remove()
    digest = hashlib.sha256(world["token"].encode()).hexdigest()
    assert (digest, digest) in calls


@pytest.fixture
def every_log_line() -> Iterator[io.StringIO]:
    """Everything the app logs, at every level, while the test runs."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setLevel(logging.DEBUG)
    # The test's own HTTP client logs the URLs it asks for: that is not the app's log.
    handler.addFilter(lambda record: record.name.split(".")[0] not in {"urllib3", "requests"})
    loggers = [logging.getLogger(), logging.getLogger("forum.requests"), logging.getLogger("forum")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    yield stream
    for logger, level in zip(loggers, levels, strict=True):
        logger.removeHandler(handler)
        logger.setLevel(level)


def test_tokens_are_never_logged_stored_or_put_in_a_cookie(app, server, api, world, every_log_line):
    token = world["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    api.get("/api/moderation/queue", headers=bearer)
    api.get("/api/moderation/queue", headers={"Authorization": f"Bearer {token}x"})
    api.get("/api/moderation/queue", params={"token": token})
    api.post(
        f"/api/moderation/comments/{world['comments']['1']}/actions",
        headers=bearer,
        json={"action": "nonsense"},
    )
    api.get(f"/api/moderation/queue?access_token={token}")
    api.get("/api/moderation/queue", headers={"Authorization": f"Bearer {world['revoked']}"})
    with Browserish(server) as client:
        client.headers["X-Forwarded-For"] = "10.67.0.1"
        client.sign_in(token)
        cookie = client.cookies.get("session")
        client.get("/moderation")
    with Browserish(server) as client:
        client.headers["X-Forwarded-For"] = "10.67.0.2"
        page = client.get(f"/moderation/sign-in?token={token}")
        client.post(
            "/moderation/sign-in",
            data={**client.form(page, "/moderation/sign-in"), "token": token + "x"},
        )
    logged = every_log_line.getvalue()
    assert "/api/moderation/queue" in logged, "the request log was captured"
    assert token not in logged and world["revoked"] not in logged
    assert cookie, "signed in: a session cookie"
    session = app.session_interface.get_signing_serializer(app).loads(cookie)
    assert "moderator" in session and token not in json.dumps(session) and token not in cookie
    with app.app_context():
        for table in ("moderators", "moderation_log", "comments", "import_jobs"):
            rows = db.session.execute(text(f"SELECT * FROM {table}")).all()  # noqa: S608
            assert not any(token in str(value) for row in rows for value in row), table
        db.session.remove()
