"""Family 9, cost bounds and headers: a stranger's text costs little, and pages are locked.

Sanitizing a reply of the maximum length (10,000 characters) built to be slow — thousands
of unclosed tags, deep nesting, misnested formatting and blocks, huge host names and paths
for the linkifier, thousands of links, entities and attributes — stays under 500 ms (the
best of three, as the reply path renders it). Every HTML page sends a Content-Security-
Policy without inline script, ``X-Content-Type-Options: nosniff`` and a Referrer-Policy;
JSON never gets sniffed into HTML either; every cookie is Secure, HttpOnly and SameSite.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask import Flask

from forum.sanitize import clean_comment, render_wordpress_comment
from tests.adversarial.support import Browserish, import_path, new_moderator
from tests.wxr_builder import C, P, write_wxr

LIMIT = 10_000  # a reply's maximum length
BOUND = 0.5  # seconds


def fill(unit: str, tail: str = "") -> str:
    return unit * ((LIMIT - len(tail)) // len(unit)) + tail


# html5lib checks the whole stack of open elements for a list or a <pre> that opens inside
# formatting: quadratic in the nesting, until sanitize.py bounded how many elements are open
# ("lists-in-underline" and "lists-in-bold" took 0.9 to 1.7 s before).
SLOW: dict[str, tuple[str, str | None]] = {
    "unclosed-bold-3333": (fill("<b>"), None),
    "unclosed-italic-underline": (fill("<i><u>"), None),
    "unclosed-five-kinds": (fill("<b><i><u><s><em>"), None),
    "unclosed-anchors": (fill("<a>"), None),
    "nested-blockquotes": (fill("<blockquote>"), None),
    "nested-quotes": (fill("<q>"), None),
    "nested-divs-closed": ("<div>" * 909 + "x" + "</div>" * 909, None),
    "stray-end-tags": (fill("</b>"), None),
    "tables-for-foster-parenting": (fill("<table>"), None),
    "select-options": (fill("<select><option>"), None),
    "comment-openings": (fill("<!--"), None),
    "cdata-openings": (fill("<![CDATA["), None),
    "attribute-quote-openings": (fill('<b title="'), None),
    "svg-and-math": (fill("<svg><math>"), None),
    "paragraph-openings": (fill("<p>"), None),
    "lone-less-than": ("<" * LIMIT, None),
    "host-of-dots": ("http://" + "a." * 4995 + "com", None),
    "host-one-long-label": ("http://" + "a" * 9980 + ".com", None),
    "www-long-label": ("www." + "a" * 9990 + ".com", None),
    "dotted-words-no-scheme": ("a." * 5000, None),
    "path-of-slashes": ("https://x.example/" + "a/" * 4990, None),
    "query-of-ampersands": ("https://x.example/?" + "a=1&" * 2495, None),
    "two-thousand-links": (fill("http://a.co "), None),
    "links-in-code": (fill("<code>http://a.co</code>"), None),
    "email-lookalikes": (fill("a@b.co "), None),
    "entities-named": (fill("&amp;"), None),
    "entities-numeric": (fill("&#x41;"), None),
    "entities-unknown": (fill("&foo;"), None),
    "bare-ampersands": ("&" * LIMIT, None),
    "attributes-by-the-thousand": ("<a " + 'title="x" ' * 998 + ">x</a>", None),
    "newlines": ("\n" * LIMIT, None),
    "short-lines": (fill("a\n"), None),
    "one-long-word": ("x" * LIMIT, None),
    "astral-emoji": ("\U0001f600" * LIMIT, None),
    "noncharacters": ("\U0010fffe" * LIMIT, None),
    "lists-in-underline": (fill("<ul><u>"), None),
    "lists-in-bold": (fill("<b><ul>"), None),
}


def _params():
    total = len(SLOW)
    return [
        pytest.param(
            body,
            id=f"cost-{n:03d}-of-{total}-{slug}",
            marks=[pytest.mark.xfail(strict=True, reason=reason)] if reason else [],
        )
        for n, (slug, (body, reason)) in enumerate(SLOW.items(), 1)
    ]


def best_of_three(function, *arguments: Any) -> float:
    """The best of three runs, in CPU time of this thread: what the work costs, not how
    long a shared machine's other processes kept it waiting (CI runs beside other jobs on
    two cores). It stops early once a run is within the bound, or twice past it."""
    best = float("inf")
    for _ in range(3):
        clean_comment.cache_clear()  # a cached answer would time nothing
        started = time.thread_time()
        function(*arguments)
        best = min(best, time.thread_time() - started)
        if best < BOUND or best > 2 * BOUND:
            break
    return best


@pytest.mark.parametrize("body", _params())
def test_sanitizing_a_hostile_body_stays_cheap(body):
    assert len(body) <= LIMIT
    seconds = best_of_three(render_wordpress_comment, body)
    assert seconds < BOUND, f"{seconds * 1000:.0f} ms"


# Headers and cookies ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(app: Flask, api, tmp_path_factory) -> dict[str, Any]:
    path = write_wxr(
        tmp_path_factory.mktemp("headers") / "site.xml",
        [P("1", title="Headers", comments=[C("1"), C("2", parent="1")])],
    )
    import_path(app, path)
    post = next(
        item["id"] for item in api.get("/api/posts").json()["items"] if item["title"] == "Headers"
    )
    comment = api.get(f"/api/posts/{post}/comments").json()["comments"][0]["id"]
    return {"post": post, "comment": comment, "token": new_moderator(app, "headers-mia")}


PAGES = [
    ("archive", "/", False),
    ("search", "/?q=bread", False),
    ("post", "/posts/{post}", False),
    ("comment", "/comments/{comment}", False),
    ("missing-post", "/posts/999999", False),
    ("bad-query", "/?page=abc", False),
    ("unknown-address", "/no/such/page", False),
    ("sign-in", "/moderation/sign-in", False),
    ("queue", "/moderation", True),
    ("queue-flagged", "/moderation?status=flagged", True),
    ("bans", "/moderation/bans", True),
    ("log", "/moderation/log", True),
    ("moderated-comment", "/moderation/comments/{comment}", True),
    ("asset-script", "/assets/forum.js", False),
    ("asset-style", "/assets/forum.css", False),
]


def check_policy(policy: str) -> None:
    directives = {
        part.strip().split(" ", 1)[0]: part.strip().split(" ", 1)[1:]
        for part in policy.split(";")
        if part.strip()
    }
    script = " ".join(directives.get("script-src") or directives.get("default-src") or [""])
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script and "*" not in script
    assert "data:" not in script and "http:" not in script and "https:" not in script
    assert directives.get("object-src") == ["'none'"]
    assert directives.get("base-uri") == ["'none'"]
    assert directives.get("frame-ancestors") == ["'none'"]
    assert "'unsafe-inline'" not in " ".join(directives.get("style-src") or [])


@pytest.mark.parametrize(
    "name, path, moderator",
    [
        pytest.param(*p, id=f"headers-{n:02d}-of-{len(PAGES)}-{p[0]}")
        for n, p in enumerate(PAGES, 1)
    ],
)
def test_pages_send_the_security_headers(server, site, name, path, moderator):
    with Browserish(server) as client:
        client.headers["X-Forwarded-For"] = f"10.90.0.{len(name)}"
        if moderator:
            client.sign_in(site["token"])
        response = client.get(path.format(**site))
    assert response.status_code in {200, 404, 422}
    check_policy(response.headers["Content-Security-Policy"])
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in {"same-origin", "no-referrer", "strict-origin"}
    assert response.headers["X-Frame-Options"] == "DENY"
    if moderator:
        assert "no-store" in response.headers["Cache-Control"]


DATA = [
    "/api/posts",
    "/api/posts/{post}",
    "/api/posts/999999",
    "/api/openapi.json",
    "/api/comments/{comment}",
    "/healthz",
    "/api/moderation/queue",
]


@pytest.mark.parametrize(
    "path", [pytest.param(p, id=f"data-{n}-of-{len(DATA)}") for n, p in enumerate(DATA, 1)]
)
def test_json_is_never_sniffed_into_a_page(api, site, path):
    """A JSON answer holds what strangers wrote (names, at least): a browser that opens it
    must neither sniff it into HTML nor run anything in it."""
    response = api.get(path.format(**site))
    assert response.headers["Content-Type"].startswith(
        ("application/json", "application/problem+json")
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


COOKIE_MOMENTS = [
    "first-page",
    "sign-in-page",
    "failed-sign-in",
    "signed-in",
    "reply-form",
    "flag-form",
    "signed-out",
]


@pytest.mark.parametrize(
    "moment",
    [
        pytest.param(m, id=f"cookie-{n}-of-{len(COOKIE_MOMENTS)}-{m}")
        for n, m in enumerate(COOKIE_MOMENTS, 1)
    ],
)
def test_every_cookie_is_secure_http_only_and_same_site(server, site, moment):
    set_cookies: list[str] = []

    def keep(response):
        set_cookies.extend(v for k, v in response.raw.headers.items() if k.lower() == "set-cookie")
        return response

    with Browserish(server) as client:
        client.headers["X-Forwarded-For"] = f"10.91.0.{COOKIE_MOMENTS.index(moment) + 1}"
        page = keep(client.get(f"/posts/{site['post']}"))
        if moment == "sign-in-page":
            keep(client.get("/moderation/sign-in"))
        elif moment == "failed-sign-in":
            form = client.form(client.get("/moderation/sign-in"), "/moderation/sign-in")
            keep(client.post("/moderation/sign-in", data={**form, "token": "wrong"}))
        elif moment in {"signed-in", "signed-out"}:
            keep(client.sign_in(site["token"]))
            if moment == "signed-out":
                queue = client.get("/moderation")
                form = client.form(queue, "/moderation/sign-out")
                keep(client.post("/moderation/sign-out", data=form))
        elif moment == "reply-form":
            form = client.form(page, f"/posts/{site['post']}/comments")
            keep(
                client.post(
                    f"/posts/{site['post']}/comments",
                    data={**form, "author_name": "Cookie", "body": "Cookie test reply."},
                )
            )
        elif moment == "flag-form":
            form = client.form(page, f"/comments/{site['comment']}/flags")
            keep(
                client.post(f"/comments/{site['comment']}/flags", data={**form, "reason": "other"})
            )
    assert set_cookies, "the session cookie was set"
    for cookie in set_cookies:
        attributes = {part.strip().split("=", 1)[0].lower(): part for part in cookie.split(";")[1:]}
        assert "secure" in attributes and "httponly" in attributes, cookie
        assert attributes.get("samesite", "").strip().lower() in {"samesite=lax", "samesite=strict"}
