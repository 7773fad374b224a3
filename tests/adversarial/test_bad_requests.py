"""Family 4, bad requests: every one is a 4xx problem document, and nothing is written.

Wrong types, missing fields, huge strings, ids of 2^64 and below zero, floats for ints, SQL
in ids and query strings, NUL, lone surrogates, zero-width and bidirectional-override
characters, fields nobody may set, arrays for objects, JSON nested past any parser's
patience, wrong content types, broken JSON, and bodies of 10 MB, through every endpoint
that takes input, over real HTTP. Each answer: a 4xx status, ``application/problem+json``
whose ``status`` is that status, no stack trace, SQL, driver name or file path in it, and
not one row of any table changed.
"""

from __future__ import annotations

import json
import socket
import time
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask

from tests.adversarial.support import leaks, new_moderator, row_counts
from tests.wxr_builder import C, P, write_wxr

PROBLEM = "application/problem+json"
JSON = {"Content-Type": "application/json"}
VALID = {"author_name": "Ada", "author_email": "ada@example.org", "body": "A fine reply."}


def reply(**changes: Any) -> dict[str, Any]:
    body = {**VALID, **changes}
    return {key: value for key, value in body.items() if value is not ...}


def raw(text: str | bytes, content_type: str | None = "application/json") -> dict[str, Any]:
    return {
        "data": text.encode() if isinstance(text, str) else text,
        "headers": {"Content-Type": content_type} if content_type else {},
    }


def nested(depth: int, *, arrays: bool) -> str:
    return ("[" * depth + "]" * depth) if arrays else ('{"a":' * depth + "1" + "}" * depth)


# Each case: (method, path, request keyword arguments). Paths name {post}, {comment},
# {mine} (a comment with an edit token), {token} headers are added where moderation needs.
Case = tuple[str, str, dict[str, Any]]
COMMENTS = "/api/posts/{post}/comments"


def _comment_body_cases() -> list[tuple[str, Case]]:
    cases: list[tuple[str, dict[str, Any]]] = []
    wrong = {
        "author_name": [123, 1.5, True, None, [], {}, ["Ada"]],
        "body": [42, False, None, [], {"text": "x"}],
        "author_email": [5, [], "not-an-email", "<script>@x.example", "a@b@c.example"],
        "author_url": [
            5,
            "javascript:alert(1)",
            "data:text/html,x",
            "ftp://example.org",
            "http://",
            "//evil.example/x",
            "http://exa mple.org/",
        ],
        "quote": [
            "x",
            5,
            [],
            {"comment_id": "1", "text": "x"},
            {"comment_id": 1.5, "text": "x"},
            {"comment_id": 1},
            {"text": "x"},
            {"comment_id": None, "text": "x"},
        ],
        "parent_id": [
            "5",
            5.5,
            True,
            [],
            {},
            0,
            -1,
            2**63,
            2**64,
            1e308,
            "1 OR 1=1",
            "1; DROP TABLE comments",
        ],
        "homepage": [5, [], {}],
    }
    for field, values in wrong.items():
        for n, value in enumerate(values, 1):
            cases.append((f"type-{field}-{n}", {"json": reply(**{field: value})}))
    cases += [
        ("missing-everything", {"json": {}}),
        ("missing-author-name", {"json": reply(author_name=...)}),
        ("missing-body", {"json": reply(body=...)}),
        ("only-email", {"json": {"author_email": "ada@example.org"}}),
        ("huge-body-10001", {"json": reply(body="x" * 10_001)}),
        ("huge-body-900k", {"json": reply(body="x" * 900_000)}),
        ("huge-name-101", {"json": reply(author_name="n" * 101)}),
        ("huge-url-501", {"json": reply(author_url="https://example.org/" + "a" * 490)}),
        ("huge-email-255", {"json": reply(author_email="a" * 243 + "@example.org")}),
        ("huge-quote-2001", {"json": reply(quote={"comment_id": 1, "text": "q" * 2001})}),
        ("nul-body", {"json": reply(body="nul\x00byte")}),
        ("nul-name", {"json": reply(author_name="A\x00da")}),
        ("nul-email", {"json": reply(author_email="ada\x00@example.org")}),
        ("nul-quote", {"json": reply(quote={"comment_id": 1, "text": "a\x00b"})}),
        ("nul-homepage", {"json": reply(homepage="\x00")}),
        ("surrogate-body", raw('{"author_name": "Ada", "body": "x\\ud800y"}')),
        ("surrogate-name", raw('{"author_name": "\\udfff", "body": "x"}')),
        ("surrogate-pair-reversed", raw('{"author_name": "Ada", "body": "\\udc00\\ud800"}')),
        ("zero-width-name", {"json": reply(author_name="\u200b")}),
        ("zero-width-name-mixed", {"json": reply(author_name="\u200b\u200c\u200d\u2060\ufeff")}),
        ("hangul-filler-name", {"json": reply(author_name="\u3164\u3164")}),
        ("braille-blank-name", {"json": reply(author_name="\u2800")}),
        ("nbsp-name", {"json": reply(author_name="\u00a0\u2003\u3000")}),
        ("rlo-name", {"json": reply(author_name="\u202eexe.png")}),
        ("isolate-name", {"json": reply(author_name="Ada\u2066\u2069")}),
        ("lre-name", {"json": reply(author_name="\u202aAda\u202c")}),
        ("zero-width-body", {"json": reply(body="\u200b\u200b\u200b")}),
        ("braille-blank-body", {"json": reply(body="\u2800 \u2800")}),
        ("bom-only-body", {"json": reply(body="\ufeff")}),
    ]
    for field, value in [
        ("status", "approved"),
        ("id", 5),
        ("post_id", 2),
        ("depth", 0),
        ("root_id", 1),
        ("kind", "pingback"),
        ("created_at", "2000-01-01T00:00:00Z"),
        ("author_ip_hash", "x"),
        ("edit_token_hash", "x"),
        ("moderated_at", "2024-01-01T00:00:00Z"),
        ("source", "x"),
        ("is_moderator", True),
        ("author", {"name": "x"}),
        ("status_reason", "x"),
        ("locked_at", "2024-01-01T00:00:00Z"),
    ]:
        cases.append((f"mass-assignment-{field}", {"json": reply(**{field: value})}))
    cases += [
        ("array-empty", {"json": []}),
        ("array-of-valid", {"json": [VALID]}),
        ("json-string", {"json": "Ada says hi"}),
        ("json-number", {"json": 42}),
        ("json-null", raw("null")),
        ("json-true", raw("true")),
        ("nested-arrays-100000", raw(nested(100_000, arrays=True))),
        ("nested-objects-5000", raw(nested(5_000, arrays=False))),
        (
            "nested-body-2000",
            raw('{"author_name":"Ada","body":' + nested(2_000, arrays=False) + "}"),
        ),
        (
            "nested-quote-3000",
            raw('{"author_name":"Ada","body":"x","quote":' + nested(3_000, arrays=True) + "}"),
        ),
        ("content-type-text-plain", raw(json.dumps(VALID), "text/plain")),
        ("content-type-form", {"data": VALID}),
        (
            "content-type-multipart",
            {"files": {"body": ("b.txt", b"hello")}, "data": {"author_name": "Ada"}},
        ),
        ("content-type-xml", raw("<comment><body>x</body></comment>", "application/xml")),
        ("content-type-missing", raw(json.dumps(VALID), None)),
        (
            "content-type-utf16-body",
            raw(json.dumps(VALID).encode("utf-16"), "application/json; charset=utf-16"),
        ),
        ("invalid-utf8", raw(b'{"author_name": "A\xffda", "body": "x"}')),
        ("utf8-bom", raw(b"\xef\xbb\xbf" + json.dumps(VALID).encode())),
        ("not-json", raw("{not json")),
        ("trailing-comma", raw('{"author_name": "Ada", "body": "x",}')),
        ("single-quotes", raw("{'author_name': 'Ada', 'body': 'x'}")),
        ("json-comment", raw('{"author_name": "Ada", /* hi */ "body": "x"}')),
        ("nan", raw('{"author_name": "Ada", "body": "x", "parent_id": NaN}')),
        ("infinity", raw('{"author_name": "Ada", "body": "x", "parent_id": Infinity}')),
        (
            "integer-5000-digits",
            raw('{"author_name": "Ada", "body": "x", "parent_id": ' + "9" * 5000 + "}"),
        ),
        ("float-1e400", raw('{"author_name": "Ada", "body": "x", "parent_id": 1e400}')),
        ("empty-body", raw("")),
        ("whitespace-body", raw("   \n ")),
        ("two-documents", raw(json.dumps(VALID) + json.dumps(VALID))),
    ]
    return [(slug, ("POST", COMMENTS, kwargs)) for slug, kwargs in cases]


def _path_cases() -> list[tuple[str, Case]]:
    ids = [
        "18446744073709551616",
        "9223372036854775808",
        "-1",
        "0",
        "1.5",
        "1e3",
        "0x10",
        "%2e%2e",
        "1%20OR%201=1",
        "1'%20OR%20'1'='1",
        "%EF%BC%91%EF%BC%92",
        "1%00",
        "99999999999999999999999999999999",
        "{comment}abc",
    ]
    cases = []
    for n, value in enumerate(ids, 1):
        cases.append(
            (f"path-reply-id-{n}", ("POST", f"/api/comments/{value}/replies", {"json": VALID}))
        )
        cases.append(
            (
                f"path-flag-id-{n}",
                ("POST", f"/api/comments/{value}/flags", {"json": {"reason": "spam"}}),
            )
        )
    for n, value in enumerate(["2147483648", "-5", "0", "1.0", "abc"], 1):
        cases.append(
            (f"path-post-id-{n}", ("POST", f"/api/posts/{value}/comments", {"json": VALID}))
        )
    return cases


def _other_endpoint_cases() -> list[tuple[str, Case]]:
    replies = "/api/comments/{comment}/replies"
    flags = "/api/comments/{comment}/flags"
    mine = "/api/comments/{mine}"
    cases: list[tuple[str, Case]] = [
        ("reply-with-parent-id", ("POST", replies, {"json": reply(parent_id=1)})),
        ("reply-missing-body", ("POST", replies, {"json": reply(body=...)})),
        ("reply-array", ("POST", replies, {"json": [VALID]})),
        ("reply-status", ("POST", replies, {"json": reply(status="approved")})),
    ]
    for n, reason in enumerate(
        ["", "SPAM", "spam ", 5, None, ["spam"], "'; DROP TABLE flags;--"], 1
    ):
        cases.append((f"flag-reason-{n}", ("POST", flags, {"json": {"reason": reason}})))
    cases += [
        ("flag-missing-reason", ("POST", flags, {"json": {"note": "x"}})),
        ("flag-note-nul", ("POST", flags, {"json": {"reason": "spam", "note": "\x00"}})),
        ("flag-note-1001", ("POST", flags, {"json": {"reason": "spam", "note": "n" * 1001}})),
        ("flag-weight", ("POST", flags, {"json": {"reason": "spam", "weight": 100}})),
        ("flag-client-hash", ("POST", flags, {"json": {"reason": "spam", "client_hash": "x"}})),
        (
            "flag-resolved",
            ("POST", flags, {"json": {"reason": "spam", "resolved_at": "2024-01-01"}}),
        ),
        ("flag-not-json", ("POST", flags, raw("reason=spam", "application/x-www-form-urlencoded"))),
        ("edit-no-token", ("PATCH", mine, {"json": {"body": "changed"}})),
        (
            "edit-wrong-token",
            ("PATCH", mine, {"json": {"body": "changed"}, "headers": {"X-Edit-Token": "wrong"}}),
        ),
        (
            "edit-empty-token",
            ("PATCH", mine, {"json": {"body": "changed"}, "headers": {"X-Edit-Token": ""}}),
        ),
        (
            "edit-huge-token",
            ("PATCH", mine, {"json": {"body": "changed"}, "headers": {"X-Edit-Token": "t" * 4000}}),
        ),
        (
            "edit-status",
            ("PATCH", mine, {"json": {"body": "x", "status": "approved"}, "edit_token": True}),
        ),
        ("edit-body-type", ("PATCH", mine, {"json": {"body": 5}, "edit_token": True})),
        ("edit-body-empty", ("PATCH", mine, {"json": {"body": "\u200b"}, "edit_token": True})),
        ("edit-body-nul", ("PATCH", mine, {"json": {"body": "\x00"}, "edit_token": True})),
        ("edit-body-10001", ("PATCH", mine, {"json": {"body": "x" * 10_001}, "edit_token": True})),
        ("edit-nested", ("PATCH", mine, {**raw(nested(5000, arrays=False)), "edit_token": True})),
        ("delete-wrong-token", ("DELETE", mine, {"headers": {"X-Edit-Token": "wrong"}})),
        ("delete-other-comment-token", ("DELETE", "/api/comments/{comment}", {"edit_token": True})),
    ]
    act = "/api/moderation/comments/{comment}/actions"
    bulk = "/api/moderation/actions"
    bans = "/api/moderation/bans"
    for n, action in enumerate(["nuke", None, "", "APPROVE", ["approve"], "approve; DROP"], 1):
        cases.append(
            (f"mod-action-{n}", ("POST", act, {"json": {"action": action}, "moderator": True}))
        )
    cases += [
        (
            "mod-action-extra",
            ("POST", act, {"json": {"action": "hide", "status": "approved"}, "moderator": True}),
        ),
        (
            "mod-action-reason-nul",
            ("POST", act, {"json": {"action": "hide", "reason": "\x00"}, "moderator": True}),
        ),
        ("mod-action-array", ("POST", act, {"json": ["hide"], "moderator": True})),
        (
            "mod-action-nested",
            ("POST", act, {**raw(nested(100_000, arrays=True)), "moderator": True}),
        ),
    ]
    for n, ids in enumerate(
        [[], [0], ["1"], [2**64], [-1], [1.5], list(range(1, 503)), None, "1,2"], 1
    ):
        cases.append(
            (
                f"mod-bulk-ids-{n}",
                ("POST", bulk, {"json": {"ids": ids, "action": "hide"}, "moderator": True}),
            )
        )
    for n, body in enumerate(
        [
            {"kind": "regex", "value": ".*"},
            {"kind": "name", "value": ""},
            {"kind": "name", "value": "\x00"},
            {"kind": "name", "value": "x" * 321},
            {"kind": "address_range", "value": "999.1.1.1/99"},
            {"kind": "address_range", "value": "0.0.0.0/0; DROP TABLE bans"},
            {"kind": "email", "value": "x@example.org", "expires_at": "yesterday"},
            {"kind": "email", "value": "x@example.org", "post_id": -1},
            {"kind": "email", "value": "x@example.org", "post_id": 2**64},
            {"kind": "email", "value": "x@example.org", "created_by": "admin"},
            {"kind": "email"},
            {"value": "x@example.org"},
        ],
        1,
    ):
        cases.append((f"mod-ban-{n}", ("POST", bans, {"json": body, "moderator": True})))
    return cases


def _query_cases() -> list[tuple[str, Case]]:
    queries = [
        "/api/posts?page=0",
        "/api/posts?page=-1",
        "/api/posts?page=abc",
        "/api/posts?page=1e3",
        "/api/posts?page=" + "9" * 30,
        "/api/posts?page=1;DROP%20TABLE%20posts",
        "/api/posts?per_page=0",
        "/api/posts?per_page=101",
        "/api/posts?per_page=18446744073709551616",
        "/api/posts?type=xyz",
        "/api/posts?type='%20OR%201=1--",
        "/api/posts?q=" + "q" * 201,
        "/api/posts?q=%00",
        "/api/posts?q=a%00b",
        "/api/posts/{post}/comments?max_depth=-1",
        "/api/posts/{post}/comments?max_depth=101",
        "/api/posts/{post}/comments?max_depth=abc",
        "/api/posts/{post}/comments?sort=random",
        "/api/posts/{post}/comments?sort=oldest%27%20OR%201=1",
        "/api/posts/{post}/comments?page=0",
        "/api/comments/{comment}?max_depth=1000",
        "/api/comments/{comment}?max_depth=1.5",
    ]
    moderated = [
        "/api/moderation/queue?status=all",
        "/api/moderation/queue?status=pending'--",
        "/api/moderation/queue?post=abc",
        "/api/moderation/queue?post=-1",
        "/api/moderation/log?since=not-a-date",
        "/api/moderation/log?until=99999-01-01",
        "/api/moderation/log?comment=-1",
        "/api/moderation/log?comment=1%20OR%201=1",
        "/api/moderation/log?post=18446744073709551616",
        "/api/moderation/bans?include_lifted=perhaps",
        "/api/moderation/bans?page=0",
    ]
    cases = [(f"query-{n}", ("GET", url, {})) for n, url in enumerate(queries, 1)]
    cases += [
        (f"query-moderation-{n}", ("GET", url, {"moderator": True}))
        for n, url in enumerate(moderated, 1)
    ]
    return cases


def _http_cases() -> list[tuple[str, Case]]:
    return [
        ("method-put-comments", ("PUT", COMMENTS, {"json": VALID})),
        ("method-delete-post", ("DELETE", "/api/posts/{post}", {})),
        ("method-patch-flags", ("PATCH", "/api/comments/{comment}/flags", {"json": {}})),
        ("method-trace", ("TRACE", "/api/posts", {})),
        ("unknown-path", ("POST", "/api/comments", {"json": VALID})),
        ("unknown-api-path", ("GET", "/api/../../etc/passwd", {})),
        ("long-path", ("GET", "/api/posts/" + "1" * 20_000, {})),
        ("body-over-limit", ("POST", COMMENTS, {"json": reply(body="x" * 1_100_000)})),
    ]


CASES: list[tuple[str, Case]] = [
    *_comment_body_cases(),
    *_path_cases(),
    *_other_endpoint_cases(),
    *_query_cases(),
    *_http_cases(),
]


@pytest.fixture(scope="module")
def target(app: Flask, api, tmp_path_factory) -> dict[str, Any]:
    """A post, one of its comments, a comment of ours with its edit token, a moderator."""
    path = write_wxr(
        tmp_path_factory.mktemp("bad") / "target.xml",
        [P("1", title="Target", comments=[C("1", content="Target comment.")])],
    )
    from tests.adversarial.support import import_path

    import_path(app, path)
    posts = api.get("/api/posts").json()["items"]
    post = next(item["id"] for item in posts if item["title"] == "Target")
    comment = api.get(f"/api/posts/{post}/comments").json()["comments"][0]["id"]
    mine = api.post(f"/api/posts/{post}/comments", json=reply(body="Mine to edit.")).json()
    return {
        "post": post,
        "comment": comment,
        "mine": mine["comment"]["id"],
        "edit_token": mine["edit_token"],
        "moderator": new_moderator(app, "bad-requests"),
    }


def send(api, target: dict[str, Any], case: Case):
    method, path, kwargs = case
    kwargs = dict(kwargs)
    headers = dict(kwargs.pop("headers", {}) or {})
    if kwargs.pop("moderator", False):
        headers["Authorization"] = f"Bearer {target['moderator']}"
    if kwargs.pop("edit_token", False):
        headers["X-Edit-Token"] = target["edit_token"]
    url = path.format(**{k: v for k, v in target.items() if k in {"post", "comment", "mine"}})
    return api.request(method, url, headers=headers, **kwargs)


def check_problem(response) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    assert response.headers["Content-Type"].startswith(PROBLEM), response.headers["Content-Type"]
    body = response.json()
    assert body["status"] == response.status_code and body["title"] and body["type"]
    assert not leaks(response.text), leaks(response.text)


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(case, id=f"bad-{n:03d}-of-{len(CASES)}-{slug}")
        for n, (slug, case) in enumerate(CASES, 1)
    ],
)
def test_bad_request_is_a_4xx_problem_and_writes_nothing(app, api, target, case):
    before = row_counts(app)
    response = send(api, target, case)
    check_problem(response)
    assert row_counts(app) == before, "nothing written"


def test_sql_in_text_is_stored_as_text(app, api, target):
    """SQL in a text field is just text: stored as written, every table still there."""
    texts = ["'; DROP TABLE comments; --", "1' OR '1'='1", "Robert'); DELETE FROM posts;--"]
    for n, text in enumerate(texts):
        answer = api.post(
            f"/api/posts/{target['post']}/comments", json=reply(author_name=f"Bobby {n}", body=text)
        )
        assert answer.status_code == 201
        assert answer.json()["comment"]["body_html"] == f"<p>{text.replace('<', '&lt;')}</p>"
    assert all(count >= 0 for count in row_counts(app).values())


# Bodies of 10 MB: refused before they are read ------------------------------------------


def _socket_request(server: str, head: str, first: bytes, wait: float = 10) -> tuple[bytes, float]:
    """Send the headers and only the first part of a body; read what the server answers."""
    parts = urlsplit(server)
    started = time.perf_counter()
    with socket.create_connection((parts.hostname, parts.port), timeout=wait) as connection:
        connection.sendall(head.encode() + first)
        answer = b""
        try:
            while b"\r\n\r\n" not in answer:
                chunk = connection.recv(65536)
                if not chunk:
                    break
                answer += chunk
        except TimeoutError:
            pass
    return answer, time.perf_counter() - started


TEN_MB = 10 * 1024 * 1024


@pytest.mark.parametrize(
    "path, content_type",
    [
        pytest.param("/api/posts/{post}/comments", "application/json", id="large-1-of-3-api-json"),
        pytest.param(
            "/api/comments/{comment}/flags", "application/json", id="large-2-of-3-api-flag"
        ),
        pytest.param(
            "/posts/{post}/comments", "application/x-www-form-urlencoded", id="large-3-of-3-form"
        ),
    ],
)
def test_ten_megabytes_is_413_without_reading_it(app, server, target, path, content_type):
    before = row_counts(app)
    url = path.format(post=target["post"], comment=target["comment"])
    head = (
        f"POST {url} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {TEN_MB}\r\nConnection: close\r\n\r\n"
    )
    answer, seconds = _socket_request(server, head, b'{"body": "' + b"x" * 65536)
    status_line = answer.split(b"\r\n", 1)[0]
    assert b" 413 " in status_line + b" ", answer[:300]
    assert seconds < 5, "answered before the rest of the body was sent"
    assert row_counts(app) == before


def test_ten_megabytes_chunked_is_refused(app, server, target):
    """Without a Content-Length the limit holds as the body streams in."""
    before = row_counts(app)
    chunk = b"x" * 65536
    head = (
        f"POST /api/posts/{target['post']}/comments HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(TEN_MB // len(chunk)))
    parts = urlsplit(server)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as connection:
        connection.sendall(head.encode())
        try:
            connection.sendall(body + b"0\r\n\r\n")
        except OSError:
            pass  # the server may close the connection once it has answered
        answer = connection.recv(65536)
    status = int(answer.split(b" ", 2)[1])
    assert 400 <= status < 500, answer[:300]
    assert row_counts(app) == before
