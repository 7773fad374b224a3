"""Family 1, XSS: every hostile payload, through every way text enters, comes out inert.

Ways in: a reply's body, its author's name and address, a reader's flag note (as the
moderator reads it), a WordPress export, a Disqus export, a saved page (HTML and text), and
the query strings the pages echo. Ways out, each checked as a browser would parse it
(htmlcheck.py): the JSON API, the reader's pages and the moderator's pages. Sanitizing
twice changes nothing; benign text (``<3``, ``a < b > c``, code, maths, emoji, right-to-left
and CJK text) comes through as written. bleach, which gets no more releases, is compared
with nh3 on every payload; a real browser renders a sample and no dialog may open.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from sqlalchemy import select

from forum.extensions import db
from forum.models import Comment, Post
from forum.sanitize import (
    COMMENT_ATTRIBUTES,
    COMMENT_TAGS,
    LINK_REL,
    PROTOCOLS,
    clean_comment,
    clean_post,
    render_wordpress_comment,
    render_wordpress_post,
    text_to_html,
)
from tests.adversarial import htmlcheck
from tests.adversarial.htmlcheck import assert_safe, safe_url, text_content
from tests.adversarial.payloads import (
    _URL_SCHEMES,
    BENIGN,
    BROWSER_SAMPLE,
    XSS_PAYLOADS,
    numbered,
)
from tests.adversarial.support import import_path, note

try:
    import nh3
except ImportError:  # listed in the test extra; without it the differential is skipped
    nh3 = None

INDEX = {slug: n for n, (slug, _payload) in enumerate(XSS_PAYLOADS, 1)}
# Each case is (its number, the payload): the number keys what each way in creates.
XSS = numbered("xss", [(slug, (n, p)) for n, (slug, p) in enumerate(XSS_PAYLOADS, 1)])
# Addresses for the author's-site field: every payload, and every bare hostile URL.
RAW_URLS = [(f"raw-url-{slug}", url) for slug, url in _URL_SCHEMES]
AUTHOR_URLS = numbered(
    "url", [(slug, (n, p)) for n, (slug, p) in enumerate([*XSS_PAYLOADS, *RAW_URLS], 1)]
)
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# What a response must be ---------------------------------------------------------------


def check_comment_json(comment: dict[str, Any] | None) -> None:
    """A comment in the reader's JSON: its body is sanitized, its author's link http(s)."""
    if comment is None:
        return
    assert_safe(comment.get("body_html"))
    author = comment.get("author") or {}
    assert isinstance(author.get("name", ""), str | type(None))
    assert safe_url(author.get("url")), f"author url served: {author.get('url')!r}"
    for reply in comment.get("replies") or []:
        check_comment_json(reply)


def check_page(response, *, allowed=(200,)) -> str:
    assert response.status_code in allowed, (response.status_code, response.text[:300])
    assert_safe(response.text, mode="page")
    return response.text


def stable(body_html: str, *, post: bool = False) -> None:
    """Sanitizing the sanitized body again changes nothing."""
    clean = clean_post if post else clean_comment
    assert clean(body_html) == body_html


def xml_text(value: str) -> str:
    """A payload as CDATA-safe text: characters XML forbids become HTML references (the
    way a hostile export would carry them), and ``]]>`` is split as WordPress splits it."""
    value = _XML_FORBIDDEN.sub(lambda m: f"&#{ord(m.group(0))};", value)
    return value.replace("\r", "&#13;")


def cdata(value: str) -> str:
    return "<![CDATA[" + xml_text(value).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def attribute(value: str) -> str:
    return html.escape(xml_text(value), quote=True)


# 1. The sanitizer itself ---------------------------------------------------------------


@pytest.mark.parametrize("n, payload", XSS)
def test_sanitizer_output_is_inert_and_stable(n, payload):
    """Every renderer's output is inert, and a second pass changes nothing."""
    comment = render_wordpress_comment(payload)
    assert_safe(comment)
    stable(comment)
    assert_safe(clean_comment(payload))
    stable(clean_comment(payload))
    post = render_wordpress_post(payload)
    assert_safe(post, post=True)
    stable(post, post=True)
    assert_safe(text_to_html(payload))


# 2. Replies through the API: body, author name, author address -------------------------


@pytest.fixture(scope="module")
def thread(app: Flask, tmp_path_factory) -> dict[str, Any]:
    """A published post to reply to, and one approved comment per payload (flag targets)."""
    folder = tmp_path_factory.mktemp("xss-thread")
    comments = "".join(
        f"<wp:comment><wp:comment_id>{n}</wp:comment_id>"
        f"<wp:comment_author>Reader {n}</wp:comment_author>"
        f"<wp:comment_content>Flag target number {n}.</wp:comment_content>"
        "<wp:comment_approved>1</wp:comment_approved><wp:comment_parent>0</wp:comment_parent>"
        f"<wp:comment_date_gmt>2024-01-01 10:{n // 60 % 60:02d}:{n % 60:02d}</wp:comment_date_gmt>"
        "</wp:comment>"
        for n in range(1, len(XSS_PAYLOADS) + 1)
    )
    path = folder / "thread.xml"
    path.write_text(
        wxr_document(
            "<item><title>Open thread</title><link>https://blog.example.org/open/</link>"
            "<content:encoded>Reply here.</content:encoded><wp:post_id>1</wp:post_id>"
            "<wp:status>publish</wp:status><wp:post_type>post</wp:post_type>"
            "<wp:post_date_gmt>2024-01-01 09:00:00</wp:post_date_gmt>"
            f"{comments}</item>"
        )
    )
    import_path(app, path)
    with app.app_context():
        post_id = db.session.execute(
            select(Post.id).where(Post.title == "Open thread")
        ).scalar_one()
        targets = {
            int(key.rsplit("-", 1)[-1]): comment_id
            for comment_id, key in db.session.execute(
                select(Comment.id, Comment.source_key).where(Comment.post_id == post_id)
            )
        }
        db.session.remove()
    return {"post": post_id, "targets": targets}


def _posted(api, thread, **fields) -> dict[str, Any] | None:
    """Post a comment; None when it is refused (a 422 is a refusal, never a 5xx)."""
    response = api.post(f"/api/posts/{thread['post']}/comments", json=fields)
    assert response.status_code in {201, 202, 422}, (response.status_code, response.text[:300])
    if response.status_code == 422:
        assert response.headers["Content-Type"].startswith("application/problem+json")
        return None
    answer = response.json()
    check_comment_json(answer["comment"])
    return answer


def _served_everywhere(api, reader, moderator_web, answer: dict[str, Any]) -> dict[str, str]:
    """Read a posted comment back through every view; each must be inert."""
    comment_id = answer["comment"]["id"]
    pages = {}
    if answer["status"] == "published":
        view = api.get(f"/api/comments/{comment_id}")
        assert view.status_code == 200
        check_comment_json(view.json()["comment"])
        stable(view.json()["comment"]["body_html"])
        pages["reader"] = check_page(reader.get(f"/comments/{comment_id}"))
    pages["moderator"] = check_page(moderator_web.get(f"/moderation/comments/{comment_id}"))
    return pages


@pytest.mark.parametrize("n, payload", XSS)
def test_reply_body(api, reader, moderator_web, thread, n, payload):
    answer = _posted(api, thread, author_name=f"Body tester {n}", body=payload)
    if answer is None:
        assert "\x00" in payload, "only text with NUL characters is refused"
        return
    _served_everywhere(api, reader, moderator_web, answer)


@pytest.mark.parametrize("n, payload", XSS)
def test_author_name(local_api, local_reader, local_moderator, thread, n, payload):
    answer = _posted(
        local_api, thread, author_name=payload, body=f"A comment by a hostile name, {n}."
    )
    if answer is None:
        assert "\x00" in payload or len(payload.strip()) > 100 or not payload.strip()
        return
    # The name is data: the JSON gives it back as it was written (trimmed), for the
    # client to escape; the pages escape it.
    assert answer["comment"]["author"]["name"] == payload.strip()
    pages = _served_everywhere(local_api, local_reader, local_moderator, answer)
    document = htmlcheck.parse(pages["moderator"], fragment=False)
    shown = [" ".join("".join(e.itertext()).split()) for e in document.iter("bdi")]
    assert " ".join(payload.strip().split()) in shown, "the name is shown as text"


@pytest.mark.parametrize("n, payload", AUTHOR_URLS)
def test_author_url(local_api, local_reader, local_moderator, thread, n, payload):
    answer = _posted(
        local_api, thread, author_name=f"URL tester {n}", author_url=payload, body=f"Site test {n}."
    )
    if answer is None:
        return  # refused: only http(s) addresses are taken
    assert safe_url(answer["comment"]["author"]["url"])
    _served_everywhere(local_api, local_reader, local_moderator, answer)


# 3. Flag notes, as the moderator reads them --------------------------------------------


@pytest.fixture(scope="module")
def no_auto_hide(app: Flask) -> Iterator[None]:
    saved = app.config["FLAG_THRESHOLD"]
    app.config["FLAG_THRESHOLD"] = 10**9
    yield
    app.config["FLAG_THRESHOLD"] = saved


@pytest.mark.parametrize("n, payload", XSS)
def test_flag_note(local_api, local_moderator, thread, no_auto_hide, n, payload):
    target = thread["targets"][n]
    response = local_api.post(
        f"/api/comments/{target}/flags",
        json={"reason": "other", "note": payload},
        client=f"10.77.{n // 200}.{n % 200 + 1}",
    )
    if response.status_code == 422:
        assert "\x00" in payload
        return
    assert response.status_code == 201, response.text[:300]
    page = check_page(local_moderator.get(f"/moderation/comments/{target}"))
    notes = [
        " ".join("".join(li.itertext()).split())
        for li in htmlcheck.parse(page, fragment=False).iter("li")
    ]
    assert any(" ".join(payload.split()) in text for text in notes), "the note is shown as text"


def test_flagged_queue_pages_are_inert(local_moderator, thread, no_auto_hide, app):
    """The flagged queue shows every note, page after page."""
    first = local_moderator.get("/moderation?status=flagged")
    check_page(first)
    pages = (
        int(re.search(r"Page 1 of (\d+)", first.text).group(1)) if "Page 1 of" in first.text else 1
    )
    for page in range(2, pages + 1):
        check_page(local_moderator.get(f"/moderation?status=flagged&page={page}"))
    for status in ("pending", "spam", "hidden", "deleted"):
        check_page(local_moderator.get(f"/moderation?status={status}"))


# 4. Imports: WordPress, Disqus, saved pages --------------------------------------------


def wxr_document(items: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" ?>\n'
        '<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:wp="http://wordpress.org/export/1.2/">\n'
        "<channel><title>Hostile blog</title><link>https://blog.example.org</link>"
        "<wp:wxr_version>1.2</wp:wxr_version>"
        "<wp:base_site_url>https://blog.example.org</wp:base_site_url>"
        "<wp:base_blog_url>https://blog.example.org</wp:base_blog_url>\n"
        f"{items}</channel></rss>\n"
    )


def _wxr_item(n: int, payload: str) -> str:
    """One post per payload: the payload as its title, body, comment, author and site."""
    return (
        f"<item><title>{attribute(payload)}</title>"
        f"<link>https://blog.example.org/xss/{n}/</link>"
        f"<dc:creator>{cdata(payload)}</dc:creator>"
        f"<content:encoded>{cdata(payload)}</content:encoded>"
        f"<excerpt:encoded>{cdata(payload)}</excerpt:encoded>"
        f"<wp:post_id>{1000 + n}</wp:post_id>"
        "<wp:post_date_gmt>2024-01-01 09:00:00</wp:post_date_gmt>"
        "<wp:status>publish</wp:status><wp:post_type>post</wp:post_type>"
        f"<wp:comment><wp:comment_id>{n}</wp:comment_id>"
        f"<wp:comment_author>{cdata(payload)}</wp:comment_author>"
        f"<wp:comment_author_email>x{n}@example.org</wp:comment_author_email>"
        f"<wp:comment_author_url>{cdata(payload)}</wp:comment_author_url>"
        f"<wp:comment_content>{cdata(payload)}</wp:comment_content>"
        "<wp:comment_approved>1</wp:comment_approved><wp:comment_parent>0</wp:comment_parent>"
        "<wp:comment_date_gmt>2024-01-02 10:00:00</wp:comment_date_gmt></wp:comment>"
        f"<wp:comment><wp:comment_id>{n}001</wp:comment_id>"
        f"<wp:comment_author>Site {n}</wp:comment_author>"
        f"<wp:comment_author_url>{cdata(RAW_URLS[n % len(RAW_URLS)][1])}</wp:comment_author_url>"
        f"<wp:comment_content>My site, {n}.</wp:comment_content>"
        "<wp:comment_approved>1</wp:comment_approved><wp:comment_parent>0</wp:comment_parent>"
        "<wp:comment_date_gmt>2024-01-02 10:30:00</wp:comment_date_gmt></wp:comment>"
        f"<wp:comment><wp:comment_id>{n}000</wp:comment_id>"
        f"<wp:comment_author>Held {n}</wp:comment_author>"
        f"<wp:comment_content>{cdata(payload)}</wp:comment_content>"
        "<wp:comment_approved>0</wp:comment_approved><wp:comment_parent>0</wp:comment_parent>"
        "<wp:comment_date_gmt>2024-01-02 11:00:00</wp:comment_date_gmt></wp:comment>"
        "</item>\n"
    )


@pytest.fixture(scope="module")
def wxr_posts(app: Flask, tmp_path_factory) -> dict[int, dict[str, int]]:
    """One WXR file holding every payload, imported once: post and comment ids by case."""
    path = tmp_path_factory.mktemp("xss-wxr") / "hostile.xml"
    path.write_text(
        wxr_document("".join(_wxr_item(n, p) for n, (_s, p) in enumerate(XSS_PAYLOADS, 1)))
    )
    import_path(app, path)
    return _ids_by_source(app, "wordpress")


def _ids_by_source(app: Flask, source: str) -> dict[int, dict[str, int]]:
    found: dict[int, dict[str, int]] = {}
    with app.app_context():
        for post_id, url in db.session.execute(
            select(Post.id, Post.source_url).where(Post.source == source)
        ):
            match = re.search(r"/xss/(\d+)", url or "")
            if match:
                found[int(match.group(1))] = {"post": post_id}
        for comment_id, post_id, status in db.session.execute(
            select(Comment.id, Comment.post_id, Comment.status).where(Comment.source == source)
        ):
            for ids in found.values():
                if ids["post"] == post_id:
                    ids.setdefault(status.value, comment_id)
        db.session.remove()
    return found


def _check_imported_post(api, reader, moderator_web, ids: dict[str, int]) -> None:
    post = api.get(f"/api/posts/{ids['post']}")
    if post.status_code == 200:  # a post held by the spam lists is not published
        body = post.json()
        assert_safe(body.get("body_html"), post=True)
        assert_safe(body.get("excerpt_html") or body.get("excerpt"), post=True)
        assert safe_url(body.get("url")), f"post url served: {body.get('url')!r}"
        for link in body.get("related_links") or []:
            assert safe_url(link.get("url"))
        thread = api.get(f"/api/posts/{ids['post']}/comments")
        assert thread.status_code == 200
        for comment in thread.json()["comments"]:
            check_comment_json(comment)
        check_page(reader.get(f"/posts/{ids['post']}"))
    for status in ("approved", "pending"):
        if status in ids:
            check_page(moderator_web.get(f"/moderation/comments/{ids[status]}"))


@pytest.mark.parametrize("n, payload", XSS)
def test_wxr_import(local_api, local_reader, local_moderator, wxr_posts, n, payload):
    assert n in wxr_posts, "every hostile post is imported, none dropped"
    _check_imported_post(local_api, local_reader, local_moderator, wxr_posts[n])


@pytest.fixture(scope="module")
def disqus_posts(app: Flask, tmp_path_factory) -> dict[int, dict[str, int]]:
    """One Disqus export: a thread per payload (its title), with a post (its message and
    its author's name)."""
    threads, posts = [], []
    for n, (_slug, payload) in enumerate(XSS_PAYLOADS, 1):
        threads.append(
            f'<thread dsq:id="t{n}"><id>t{n}</id>'
            f"<link>https://comments.example.net/xss/{n}/</link>"
            f"<title>{attribute(payload)}</title>"
            "<createdAt>2024-01-01T09:00:00Z</createdAt><isClosed>false</isClosed>"
            "<isDeleted>false</isDeleted></thread>"
        )
        posts.append(
            f'<post dsq:id="p{n}"><id>p{n}</id><message>{cdata(payload)}</message>'
            "<createdAt>2024-01-01T10:00:00Z</createdAt><isDeleted>false</isDeleted>"
            f"<isSpam>false</isSpam><author><name>{attribute(payload)}</name>"
            f"<email>d{n}@example.org</email><isAnonymous>false</isAnonymous></author>"
            f'<thread dsq:id="t{n}"/></post>'
        )
    path = tmp_path_factory.mktemp("xss-disqus") / "hostile-disqus.xml"
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">'
        + "".join(threads)
        + "".join(posts)
        + "</disqus>"
    )
    import_path(app, path, format="disqus")
    return _ids_by_source(app, "disqus")


@pytest.mark.parametrize("n, payload", XSS)
def test_disqus_import(local_api, local_reader, local_moderator, disqus_posts, n, payload):
    assert n in disqus_posts, "every hostile thread is imported, none dropped"
    _check_imported_post(local_api, local_reader, local_moderator, disqus_posts[n])


def saved_html_page(n: int, payload: str) -> str:
    """A page saved from a WordPress blog whose article and comment carry the payload."""
    site = attribute(RAW_URLS[n % len(RAW_URLS)][1])
    shown = html.escape(payload)
    return "\n".join(
        [
            '<!doctype html><html lang="en"><head><meta charset="utf-8">',
            f"<title>Saved page {n} &#8211; Hostile blog</title>",
            f'<link rel="canonical" href="https://saved.example.org/xss/{n}/"></head><body>',
            '<article class="post type-post"><header class="entry-header">',
            f'<h1 class="entry-title">Saved page {n}: {shown}</h1></header>',
            '<div class="entry-meta"><time class="entry-date" datetime="2024-03-01T10:00:00Z">',
            "1 March</time></div>",
            '<div class="entry-content"><p>An article saved with a hostile body.</p>',
            f"{payload}</div></article>",
            '<div id="comments" class="comments-area">',
            f'<h2 class="comments-title">2 thoughts on &ldquo;Saved page {n}&rdquo;</h2>',
            '<ol class="comment-list">',
            f'<li id="comment-{n}1" class="comment depth-1 parent"><article class="comment-body">',
            '<footer class="comment-meta"><div class="comment-author vcard">',
            f'<b class="fn"><a href="{site}" class="url">{shown}</a></b> says:</div>',
            '<div class="comment-metadata"><time datetime="2024-03-01T11:00:00Z">1 March</time>',
            "</div></footer>",
            f'<div class="comment-content"><p>First.</p>{payload}</div></article>',
            f'<ol class="children"><li id="comment-{n}2" class="comment depth-2">',
            '<article class="comment-body"><footer class="comment-meta">',
            f'<div class="comment-author vcard"><b class="fn">Replier {n}</b></div>',
            '<div class="comment-metadata"><time datetime="2024-03-01T12:00:00Z">1 March</time>',
            "</div></footer>",
            '<div class="comment-content"><p>A reply.</p></div></article></li></ol>',
            "</li></ol></div></body></html>",
        ]
    )


def saved_text_page(n: int, payload: str) -> str:
    """A page saved as text (a browser's "save as text"): the payload is just text there."""
    return (
        f"Saved text page {n}\n\nBy Jane Doe\n\nAn article saved as text, with hostile words: "
        f"{payload}\n\n2 thoughts on \u201cSaved text page {n}\u201d\n\n"
        f"1. {payload}\n\n-Mallory\n\n2. A second comment on page {n}.\n"
    )


@pytest.mark.parametrize("n, payload", XSS)
def test_saved_page_import(app, local_api, local_reader, local_moderator, tmp_path, n, payload):
    for kind, content in (
        ("html", saved_html_page(n, payload)),
        ("txt", saved_text_page(n, payload)),
    ):
        path = tmp_path / f"saved-{n}.{kind}"
        path.write_bytes(content.encode("utf-8", "surrogatepass"))
        report = import_path(app, path, format="page")
        assert report.posts["created"] + report.posts["updated"] + report.posts["unchanged"] == 1
        with app.app_context():
            post_id = db.session.execute(
                select(Post.id).where(Post.title.contains(f"page {n}")).order_by(Post.id.desc())
            ).scalar()
            comment_ids = db.session.execute(
                select(Comment.id, Comment.status).where(Comment.post_id == post_id)
            ).all()
            db.session.remove()
        ids = {"post": post_id}
        for comment_id, status in comment_ids:
            ids.setdefault(status.value, comment_id)
        _check_imported_post(local_api, local_reader, local_moderator, ids)


# 5. What the pages echo: search words, redirect targets --------------------------------


@pytest.mark.parametrize("n, payload", XSS)
def test_query_strings_echoed_by_pages(local_reader, thread, n, payload):
    """The search box and the sign-in form put what the address says back in the page."""
    value = payload.replace("\x00", "")
    check_page(local_reader.get("/?q=" + quote(value)), allowed=(200, 404, 422))
    check_page(local_reader.get(f"/posts/{thread['post']}?sort=" + quote(value)), allowed=(422,))
    page = check_page(local_reader.get("/moderation/sign-in?next=" + quote(value)))
    [field] = [
        element.get("value")
        for element in htmlcheck.parse(page, fragment=False).iter("input")
        if element.get("name") == "next"
    ]
    assert field.startswith("/") and not field.startswith("//"), field


# 6. Benign text survives --------------------------------------------------------------

# Text the reader meant literally, but that an HTML parser reads as a tag: to it
# `x<y and y>z` holds an element named "y". sanitize.py keeps a "<" that names no known
# element as text; a case it still strips would be listed here (slug: reason), as an xfail.
STRIPPED_AS_TAGS: dict[str, str] = {}


def _benign_params():
    params = []
    for n, (slug, (written, seen)) in enumerate(BENIGN, 1):
        reason = STRIPPED_AS_TAGS.get(slug)
        params.append(
            pytest.param(
                n,
                written,
                " ".join((written if seen is None else seen).split()),
                id=f"benign-{n:03d}-of-{len(BENIGN)}-{slug}",
                marks=[pytest.mark.xfail(strict=True, reason=reason)] if reason else [],
            )
        )
    return params


@pytest.mark.parametrize("n, written, seen", _benign_params())
def test_benign_text_survives(local_api, local_reader, thread, n, written, seen):
    """The reader's words are served as written: through the API, and on the page."""
    answer = _posted(local_api, thread, author_name=f"Benign {n}", body=written)
    assert answer is not None and answer["status"] == "published"
    body_html = answer["comment"]["body_html"]
    assert_safe(body_html)
    assert text_content(body_html) == seen
    page = check_page(local_reader.get(f"/comments/{answer['comment']['id']}"))
    shown = [
        " ".join("".join(element.itertext()).split())
        for element in htmlcheck.parse(page, fragment=False).iter("div")
        if "comment-text" in (element.get("class") or "")
    ]
    assert seen in shown


# 7. bleach against nh3 ----------------------------------------------------------------

# nh3 (ammonia) with our allowlist. "*": no attribute on every tag (ammonia's default
# allows lang and title everywhere; our policy does not).
NH3_ATTRIBUTES = {"*": set(), **{tag: set(names) for tag, names in COMMENT_ATTRIBUTES.items()}}
# Where nh3 keeps what bleach and our checker call unsafe: the finding, per case. A change
# in nh3 that fixes or widens one fails the test, so the README stays true.
NH3_KEEPS = {
    "cite-javascript": "nh3 keeps javascript: in <blockquote cite>: ammonia checks URL "
    "schemes only in href/src-like attributes, not in cite",
    "q-cite-vbscript": "nh3 keeps vbscript: in <q cite>, for the same reason",
}


def nh3_clean(payload: str) -> str:
    return nh3.clean(
        payload,
        tags=set(COMMENT_TAGS),
        attributes=NH3_ATTRIBUTES,
        url_schemes=set(PROTOCOLS),
        link_rel=LINK_REL,
        strip_comments=True,
    )


def kept_markup(markup: str) -> list[tuple[str, str, str]]:
    """What a sanitizer kept: elements, attributes, and the scheme of every URL."""
    kept = []
    for element in htmlcheck.parse(markup, fragment=True).iter():
        if not isinstance(element.tag, str) or element.tag == "DOCUMENT_FRAGMENT":
            continue
        kept.append((element.tag, "", ""))
        for name, value in sorted(element.attrib.items()):
            if name == "rel":
                continue
            is_url = name in {"href", "cite"}
            scheme = (htmlcheck.url_scheme(value) or "relative") if is_url else ""
            kept.append((element.tag, name, scheme))
    return sorted(kept)


def differential(payload: str) -> dict[str, Any]:
    ours, theirs = clean_comment(payload), nh3_clean(payload)
    found = {
        "bleach": ours,
        "nh3": theirs,
        "bleach_problems": htmlcheck.problems(ours),
        "nh3_problems": htmlcheck.problems(theirs),
    }
    if found["bleach_problems"] and not found["nh3_problems"]:
        found["verdict"] = "bleach-unsafe"
    elif found["nh3_problems"] and not found["bleach_problems"]:
        found["verdict"] = "nh3-unsafe"
    elif kept_markup(ours) != kept_markup(theirs):
        found["verdict"] = "differs-markup"
    elif text_content(ours) != text_content(theirs):
        found["verdict"] = "differs-text"
    else:
        found["verdict"] = "same"
    return found


def _nh3_params():
    params = []
    for param in XSS:
        n, payload = param.values
        verdict = differential(payload)["verdict"] if nh3 is not None else "nh3-missing"
        params.append(pytest.param(n, payload, id=f"nh3-{param.id[4:]}-{verdict}"))
    return params


NH3_FINDINGS: list[dict[str, Any]] = []


@pytest.mark.skipif(nh3 is None, reason="nh3 is not installed (pip install -e '.[test]')")
@pytest.mark.parametrize("n, payload", _nh3_params())
def test_nh3_differential(n, payload):
    """bleach (ours) and nh3 with the same allowlist, on every payload. Ours must be inert;
    where nh3 is not, the case must be a documented finding (NH3_KEEPS, and the README);
    where they merely keep different markup or text, the case id and the summary say so."""
    slug = XSS_PAYLOADS[n - 1][0]
    found = {"case": slug, **differential(payload)}
    if found["verdict"] != "same":
        NH3_FINDINGS.append(found)
    assert not found["bleach_problems"], f"bleach lets through {found['bleach_problems']}"
    if found["verdict"] == "nh3-unsafe":
        assert slug in NH3_KEEPS, f"undocumented: nh3 lets through {found['nh3_problems']}"
    else:
        assert slug not in NH3_KEEPS, "nh3 no longer keeps this: update NH3_KEEPS and README"


@pytest.fixture(scope="module", autouse=True)
def _nh3_summary() -> Iterator[None]:
    yield
    if not NH3_FINDINGS:
        return
    by_verdict: dict[str, list[dict[str, Any]]] = {}
    for finding in NH3_FINDINGS:
        by_verdict.setdefault(finding["verdict"], []).append(finding)
    counts = ", ".join(f"{len(v)} {k}" for k, v in sorted(by_verdict.items()))
    note(f"nh3 differential on {len(XSS_PAYLOADS)} payloads (the rest the same): {counts}")
    for verdict in ("nh3-unsafe", "differs-markup"):
        for finding in by_verdict.get(verdict, []):
            note(
                f"  {verdict} {finding['case']}: bleach {finding['bleach']!r}"
                f" | nh3 {finding['nh3']!r}"
            )
    folder = Path(os.environ.get("FORUM_TEST_ARTIFACTS") or "/tmp/forum-test-artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "nh3-differential.json").write_text(json.dumps(NH3_FINDINGS, indent=1))
    note(f"  every difference: {folder / 'nh3-differential.json'}")


# 8. A real browser --------------------------------------------------------------------

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    missing = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing = "Playwright for Python is not installed (pip install -e '.[test]')"
    if not missing and not shutil.which("chromium"):
        missing = "Debian's chromium is not installed (apt-get install chromium)"
    if missing:
        if os.environ.get("FORUM_REQUIRE_BROWSER"):
            pytest.fail(missing)
        pytest.skip(missing)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def _without_csp(route) -> None:
    """Serve the page as the app sent it, minus its Content-Security-Policy: the sanitizer
    alone must keep every payload inert."""
    response = route.fetch()
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-security-policy"}
    route.fulfill(response=response, headers=headers)


class Tab:
    """A signed-in moderator's browser tab that records every dialog a page opens."""

    def __init__(self, chromium, server: str, token: str, csp: bool) -> None:
        self.context = chromium.new_context(base_url=server)
        self.context.set_default_timeout(15_000)
        if not csp:
            self.context.route("**/*", _without_csp)
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        self.page.on("dialog", self._dialog)
        self.page.goto("/moderation/sign-in")
        self.page.fill("input[name=token]", token)
        self.page.click("form[action='/moderation/sign-in'] button[type=submit]")
        self.page.wait_for_load_state()

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def visit(self, path: str) -> None:
        self.page.goto(path)
        self.page.wait_for_load_state("load")


@pytest.fixture(scope="module", params=["with-csp", "without-csp"])
def tab(request, chromium, server, moderator_token) -> Iterator[Tab]:
    opened = Tab(chromium, server, moderator_token, csp=request.param == "with-csp")
    yield opened
    opened.context.close()


def test_browser_harness_sees_a_dialog(chromium, server):
    """The harness itself: a page that does call alert() is caught (no CSP in the way)."""
    context = chromium.new_context(base_url=server)
    try:
        context.route(
            "**/canary",
            lambda route: route.fulfill(
                status=200, content_type="text/html", body="<script>alert('canary')</script>"
            ),
        )
        page = context.new_page()
        seen: list[str] = []
        page.on("dialog", lambda dialog: (seen.append(dialog.message), dialog.dismiss()))
        page.goto("/canary")
        page.wait_for_timeout(100)
    finally:
        context.close()
    assert seen == ["canary"]


@pytest.mark.parametrize(
    "slug",
    [
        pytest.param(s, id=f"browser-{i:02d}-of-{len(BROWSER_SAMPLE)}-{s}")
        for i, s in enumerate(BROWSER_SAMPLE, 1)
    ],
)
def test_browser_opens_no_dialog(tab, wxr_posts, slug):
    """The reader's page of the post (title, body, comments, authors, their sites) and the
    moderator's page of a held comment, rendered by Chromium: no dialog opens."""
    ids = wxr_posts[INDEX[slug]]
    tab.visit(f"/posts/{ids['post']}")
    tab.visit(f"/moderation/comments/{ids['pending']}")
    tab.page.wait_for_timeout(50)  # timers and autofocus handlers would have fired by now
    assert tab.dialogs == []


def test_browser_moderation_queue_opens_no_dialog(tab, wxr_posts):
    """The queue holds a held copy of every payload, twenty to a page."""
    tab.visit("/moderation?status=pending")
    pages = tab.page.locator(".page-of").all_inner_texts()
    last = int(pages[0].rsplit(" ", 1)[-1]) if pages else 1
    for number in range(2, last + 1):
        tab.visit(f"/moderation?status=pending&page={number}")
    tab.page.wait_for_timeout(50)
    assert tab.dialogs == []
