"""Readers' pages over real HTTP, as a browser without JavaScript sees them: the archive,
threads, the reply view, replying and flagging, and the security every page carries."""

from __future__ import annotations

import lxml.html
import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Comment, CommentStatus, Flag, Quote
from forum.services.moderation import set_post_lock
from forum.services.moderators import add_moderator
from forum.web.security import CONTENT_SECURITY_POLICY
from tests.web.conftest import CHAIN, QUOTED, assert_accessible_forms, csrf_token
from tests.wxr_builder import P, write_wxr

HTML = "text/html; charset=utf-8"


def page_of(response):
    assert response.headers["Content-Type"] == HTML, response.text[:300]
    return lxml.html.fromstring(response.text)


def text(element) -> str:
    return " ".join(element.text_content().split())


def comment_count() -> int:
    db.session.rollback()  # end the test's snapshot: see what the server committed
    return db.session.execute(select(func.count(Comment.id))).scalar_one()


def reply_form(web, page, action: str, **fields) -> dict:
    return {**web.form(page, action), **fields}


# The archive ---------------------------------------------------------------------------------


def test_archive_lists_posts_newest_first_with_comment_counts(web, discussion):
    response = web.get("/")
    assert response.status_code == 200
    document = page_of(response)
    titles = [text(a) for a in document.xpath("//ol[@class='post-list']//h2/a")]
    assert titles == ["Sourdough notes", "A nested discussion"]  # same date: newest id first
    entry = document.xpath(f"//a[@href='/posts/{discussion['post']}#comments']")[0]
    approved = 2 + 1 + 1 + CHAIN + 1  # 1, 2, 3, 7, the chain, and 8
    assert text(entry) == f"{approved} comments"
    assert document.xpath("//main[@id='main']") and document.xpath("//h1")
    assert document.xpath("//form[@role='search']//label[@for='site-search']")


@pytest.fixture
def many_posts(run_import, tmp_path) -> int:
    posts = [
        P(str(100 + n), title=f"Post number {n:02d}", content="Has 50%_off." if n == 7 else "Text.")
        for n in range(1, 24)
    ]
    run_import(write_wxr(tmp_path / "many.xml", posts))
    db.session.rollback()
    return len(posts)


def test_archive_is_paginated(web, many_posts):
    first = page_of(web.get("/"))
    assert len(first.xpath("//ol[@class='post-list']/li")) == 20
    assert first.xpath("//nav[@class='pagination']//a[@rel='next']/@href") == ["/?page=2"]
    second = page_of(web.get("/?page=2"))
    assert len(second.xpath("//ol[@class='post-list']/li")) == many_posts - 20
    assert second.xpath("//a[@rel='prev']/@href") == ["/"]
    assert web.get("/?page=3").status_code == 404
    bad = web.get("/?page=abc")
    assert bad.status_code == 422 and "page" in text(page_of(bad))


def test_search_matches_titles_and_bodies_in_any_case(web, discussion, many_posts):
    found = page_of(web.get("/", params={"q": "SOURDOUGH"}))
    assert [text(a) for a in found.xpath("//ol[@class='post-list']//h2/a")] == ["Sourdough notes"]
    by_body = page_of(web.get("/", params={"q": "rye FLOUR"}))
    assert len(by_body.xpath("//ol[@class='post-list']/li")) == 1
    assert found.xpath("//input[@name='q']/@value") == ["SOURDOUGH"]
    # LIKE's wildcards are taken literally.
    literal = page_of(web.get("/", params={"q": "50%_off"}))
    assert [text(a) for a in literal.xpath("//ol[@class='post-list']//h2/a")] == ["Post number 07"]
    assert not page_of(web.get("/", params={"q": "%%"})).xpath("//ol[@class='post-list']/li")
    nothing = page_of(web.get("/", params={"q": "<script>nothing</script>"}))
    assert "No post matches" in text(nothing)
    assert "<script>nothing" not in web.get("/", params={"q": "<script>nothing</script>"}).text


# A thread ------------------------------------------------------------------------------------


def test_thread_nests_replies_with_authors_dates_and_permalinks(web, discussion):
    document = page_of(web.get(f"/posts/{discussion['post']}"))
    first = document.xpath(f"//article[@id='c{discussion['1']}']")[0]
    assert "Ada" in text(first.xpath(".//header")[0])
    assert first.xpath(".//time/@datetime")[0].startswith("2024-01-01T10:00:00")
    assert first.xpath(f".//a[@href='#c{discussion['1']}']")
    assert first.xpath(f".//a[@href='/comments/{discussion['1']}#c{discussion['1']}']")
    # Ben's reply is inside the list of Ada's replies, Cy's inside Ben's; both collapsible.
    nested = document.xpath(
        f"//article[@id='c{discussion['1']}']/following-sibling::details[@class='branch']"
        f"//article[@id='c{discussion['2']}']/following-sibling::details"
        f"//article[@id='c{discussion['3']}']"
    )
    assert len(nested) == 1
    for hidden in ("4", "5"):
        assert not document.xpath(f"//*[@id='c{discussion[hidden]}']")
    assert "Buy cheap watches" not in web.get(f"/posts/{discussion['post']}").text


def test_quote_links_to_the_comment_it_quotes(web, discussion):
    document = page_of(web.get(f"/posts/{discussion['post']}"))
    ben = document.xpath(f"//article[@id='c{discussion['2']}']")[0]
    link = ben.xpath(".//p[@class='quote-source']/a")[0]
    assert link.get("href") == f"#c{discussion['1']}" and text(link) == "Ada"
    assert ben.xpath(f".//blockquote[@cite='#c{discussion['1']}']")
    assert QUOTED in text(ben.xpath(".//blockquote")[0])
    ada = document.xpath(f"//article[@id='c{discussion['1']}']")[0]
    assert ada.xpath(f".//p[@class='quoted-by']/a[@href='#c{discussion['2']}']")


def test_removed_comment_with_replies_is_a_tombstone(web, discussion):
    document = page_of(web.get(f"/posts/{discussion['post']}"))
    tombstone = document.xpath(f"//article[@id='c{discussion['6']}']")[0]
    assert "This comment was removed" in text(tombstone)
    assert "Eve" not in text(tombstone) and "Removed text" not in text(tombstone)
    assert not tombstone.xpath(".//form")
    assert document.xpath(f"//article[@id='c{discussion['7']}']")


def test_deep_thread_continues_on_the_comments_own_page(web, discussion):
    document = page_of(web.get(f"/posts/{discussion['post']}"))
    # Levels 0 to 8 are on the thread page; the one at level 8 links to its own page.
    for n in range(1, 10):
        assert document.xpath(f"//article[@id='c{discussion[f'd{n}']}']"), n
    for n in range(10, CHAIN + 1):
        assert not document.xpath(f"//article[@id='c{discussion[f'd{n}']}']"), n
    link = document.xpath("//p[@class='continue']/a")[0]
    assert link.get("href") == f"/comments/{discussion['d9']}#c{discussion['d9']}"
    assert f"{CHAIN - 9} more replies" in text(link)
    deeper = page_of(web.get(link.get("href").split("#")[0]))
    for n in range(9, CHAIN + 1):
        assert deeper.xpath(f"//article[@id='c{discussion[f'd{n}']}']"), n


def test_thread_is_paginated_by_top_level_comment(web, discussion, app, monkeypatch):
    monkeypatch.setitem(app.config, "PER_PAGE", 2)
    first = page_of(web.get(f"/posts/{discussion['post']}"))
    assert first.xpath(f"//article[@id='c{discussion['1']}']")
    assert not first.xpath(f"//article[@id='c{discussion['8']}']")
    assert first.xpath("//a[@rel='next']/@href") == [f"/posts/{discussion['post']}?page=2#comments"]
    second = page_of(web.get(f"/posts/{discussion['post']}?page=2"))
    assert second.xpath(f"//article[@id='c{discussion['8']}']")
    newest = page_of(web.get(f"/posts/{discussion['post']}?sort=newest"))
    assert newest.xpath(f"//article[@id='c{discussion['d1']}']")
    assert web.get(f"/posts/{discussion['post']}?page=9").status_code == 404
    assert web.get(f"/posts/{discussion['post']}?sort=sideways").status_code == 422


def test_reply_view_shows_ancestors_the_comment_and_its_replies(web, discussion):
    response = web.get(f"/comments/{discussion['2']}")
    document = page_of(response)
    ancestors = document.xpath("//ol[@class='ancestors']//article/@id")
    assert ancestors == [f"c{discussion['1']}"]
    focus = document.xpath(f"//article[@id='c{discussion['2']}']")[0]
    assert "is-focus" in focus.get("class")
    assert document.xpath(f"//section[@class='focus']//article[@id='c{discussion['3']}']")
    assert document.xpath(f"//a[@href='/posts/{discussion['post']}#c{discussion['2']}']")


def test_reply_view_of_a_deep_comment_shortens_its_ancestors(web, discussion):
    document = page_of(web.get(f"/comments/{discussion[f'd{CHAIN}']}"))
    shown = document.xpath("//ol[@class='ancestors']//article")
    assert len(shown) == 5
    earlier = document.xpath("//p[@class='earlier']/a")[0]
    above = discussion[f"d{CHAIN - 6}"]
    assert earlier.get("href") == f"/comments/{above}#c{above}"
    assert f"{CHAIN - 1 - 5} earlier comments" in text(earlier)


def test_quote_of_a_comment_elsewhere_links_to_that_comments_page(web, discussion):
    # Quoting Ada in another branch (the quote helper sets quote_of to the selected comment).
    page = web.get(f"/posts/{discussion['post']}")
    action = f"/comments/{discussion['8']}/replies"
    fields = reply_form(web, page, action, author_name="Lu", body="As Ada said.")
    fields.update(quote_of=str(discussion["1"]), quote_text="enough words to be quoted")
    response = web.post(action, data=fields)
    assert response.status_code == 303
    new_id = response.headers["Location"].rsplit("#c", 1)[1]
    document = page_of(web.get(f"/comments/{new_id}"))
    link = document.xpath(f"//article[@id='c{new_id}']//p[@class='quote-source']/a")[0]
    assert link.get("href") == f"/comments/{discussion['1']}#c{discussion['1']}"


def test_script_in_a_comment_or_name_never_runs(web, discussion):
    response = web.get(f"/posts/{discussion['post']}")
    assert "<script>alert" not in response.text
    assert "<i>Mallory</i>" not in response.text
    document = page_of(response)
    mallory = document.xpath(f"//article[@id='c{discussion['8']}']")[0]
    assert "<i>Mallory</i>" in text(mallory.xpath(".//span[@class='author']")[0])
    assert mallory.xpath(".//b[text()='bold']")
    assert not document.xpath("//script[not(@src)]")


@pytest.mark.parametrize("path", ["/posts/999999", "/comments/999999", "/posts/abc", "/nowhere"])
def test_unknown_ids_and_addresses_are_404_pages(web, discussion, path):
    response = web.get(path)
    assert response.status_code == 404
    assert "Not found" in text(page_of(response).xpath("//h1")[0])


def test_hidden_comment_and_unpublished_post_are_404(web, discussion):
    assert web.get(f"/comments/{discussion['4']}").status_code == 404
    assert web.get(f"/comments/{discussion['5']}").status_code == 404
    # The API keeps answering in JSON, whatever the client accepts.
    api = web.get("/api/nothing-here")
    assert api.status_code == 404 and api.headers["Content-Type"] == "application/problem+json"


# Security ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/", "/?q=x", "/posts/{post}", "/comments/{c}", "/posts/999999", "/moderation/sign-in"],
)
def test_every_page_sends_the_security_headers(web, discussion, path):
    response = web.get(path.format(post=discussion["post"], c=discussion["1"]))
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    document = page_of(response)
    assert not document.xpath("//script[not(@src)]") and not document.xpath("//*[@style]")
    assert not document.xpath("//@*[starts-with(name(), 'on')]")
    for url in document.xpath("//script/@src | //link[@rel='stylesheet']/@href"):
        assert url.startswith("/assets/")


def test_assets_are_served_by_the_app(web):
    for name, kind in (("forum.css", "text/css"), ("forum.js", "text/javascript")):
        response = web.get(f"/assets/{name}")
        assert response.status_code == 200 and response.headers["Content-Type"].startswith(kind)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "http://" not in response.text and "https://" not in response.text
    assert "prefers-color-scheme: dark" in web.get("/assets/forum.css").text


def test_session_cookie_is_secure_http_only_and_same_site(web, discussion):
    response = web.get(f"/posts/{discussion['post']}")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_a_form_without_a_valid_csrf_token_is_refused(web, discussion):
    before = comment_count()
    page = web.get(f"/posts/{discussion['post']}")
    fields = reply_form(
        web, page, f"/posts/{discussion['post']}/comments", author_name="Zed", body="Hello there."
    )
    for token in (None, "forged", csrf_token(page.text)[:-2] + "xx"):
        data = dict(fields)
        if token is None:
            data.pop("csrf_token")
        else:
            data["csrf_token"] = token
        response = web.post(f"/posts/{discussion['post']}/comments", data=data)
        assert response.status_code == 400
        assert "This form has expired" in text(page_of(response))
    # Another client's token is no good either: it belongs to another session.
    stranger = web.__class__(web.base)
    response = stranger.post(f"/posts/{discussion['post']}/comments", data=fields)
    assert response.status_code == 400
    assert comment_count() == before


def test_the_json_api_needs_no_csrf_token(web, discussion):
    response = web.post(
        f"/api/posts/{discussion['post']}/comments",
        json={"author_name": "Api", "body": "Through the API."},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 201


# Replying and flagging without JavaScript -----------------------------------------------------


def test_reply_is_published_and_shown_in_its_thread(web, discussion):
    page = web.get(f"/posts/{discussion['post']}")
    action = f"/comments/{discussion['3']}/replies"
    response = web.post(
        action,
        data=reply_form(web, page, action, author_name="Gus", body="A <b>fine</b> point."),
    )
    assert response.status_code == 303
    new_id = db.session.execute(select(func.max(Comment.id))).scalar_one()
    assert response.headers["Location"] == f"/posts/{discussion['post']}#c{new_id}"
    shown = web.get(response.headers["Location"])
    document = page_of(shown)
    assert "Your comment is published." in text(document.xpath("//div[@class='flashes']")[0])
    mine = document.xpath(
        f"//article[@id='c{discussion['3']}']/following-sibling::details//article"
    )
    assert mine[0].get("id") == f"c{new_id}" and "Gus" in text(mine[0])
    # The browser remembers the name for the next comment.
    assert document.xpath("//input[@name='author_name']/@value")[0] == "Gus"


def test_reply_held_for_moderation_says_so(web, discussion, app, monkeypatch):
    monkeypatch.setitem(app.config, "MODERATION_KEYS", ["phone number list"])
    page = web.get(f"/posts/{discussion['post']}")
    action = f"/posts/{discussion['post']}/comments"
    response = web.post(
        action,
        data=reply_form(web, page, action, author_name="Hal", body="Selling a phone number list."),
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/posts/{discussion['post']}#respond"
    document = page_of(web.get(response.headers["Location"]))
    assert "awaits moderation" in text(document.xpath("//div[@class='flashes']")[0])
    assert "Selling a phone number list" not in text(document)
    db.session.rollback()
    held = db.session.execute(select(Comment).where(Comment.author_name == "Hal")).scalar_one()
    assert held.status == CommentStatus.PENDING


def test_invalid_reply_comes_back_with_messages_and_what_was_written(web, discussion):
    before = comment_count()
    page = web.get(f"/posts/{discussion['post']}")
    action = f"/posts/{discussion['post']}/comments"
    response = web.post(
        action,
        data=reply_form(
            web, page, action, author_name="", body="Kept <em>text</em>", author_email="nope"
        ),
    )
    assert response.status_code == 422
    document = page_of(response)
    summary = text(document.xpath("//div[@class='error-summary']")[0])
    assert "Must not be empty" in summary and "email" in summary.lower()
    assert document.xpath("//textarea[@name='body']")[0].text == "Kept <em>text</em>"
    assert document.xpath("//input[@name='author_name']/@aria-invalid") == ["true"]
    assert document.xpath(f"//form[@action='{action}']//input[@name='csrf_token']")
    assert comment_count() == before


def test_reply_to_a_closed_thread_is_refused_with_a_message(web, discussion, ctx):
    page = web.get(f"/posts/{discussion['post']}")
    moderator, _token = add_moderator("lock")
    set_post_lock(discussion["post"], True, moderator, None)
    db.session.commit()
    action = f"/comments/{discussion['1']}/replies"
    response = web.post(
        action, data=reply_form(web, page, action, author_name="Ivy", body="Too late?")
    )
    assert response.status_code == 409
    assert "closed" in text(page_of(response).xpath("//div[@class='error-summary']")[0])
    closed = page_of(web.get(f"/posts/{discussion['post']}"))
    assert not closed.xpath("//form[@class='reply-form']")
    assert "Comments are closed" in text(closed)


def test_reply_may_quote_a_passage_of_its_parent(web, discussion):
    page = web.get(f"/posts/{discussion['post']}")
    action = f"/comments/{discussion['1']}/replies"
    fields = reply_form(web, page, action, author_name="Jo", body="Indeed.")
    assert fields["quote_of"] == str(discussion["1"])
    response = web.post(action, data={**fields, "quote_text": "enough words to be quoted"})
    assert response.status_code == 303
    document = page_of(web.get(response.headers["Location"]))
    new_id = response.headers["Location"].rsplit("#c", 1)[1]
    mine = document.xpath(f"//article[@id='c{new_id}']")[0]
    assert mine.xpath(f".//blockquote[@cite='#c{discussion['1']}']")
    assert mine.xpath(f".//p[@class='quote-source']/a[@href='#c{discussion['1']}']")
    db.session.rollback()
    assert db.session.execute(select(Quote).where(Quote.comment_id == int(new_id))).scalar()


def test_quote_that_is_not_in_the_comment_is_refused(web, discussion):
    page = web.get(f"/posts/{discussion['post']}")
    action = f"/comments/{discussion['1']}/replies"
    fields = reply_form(web, page, action, author_name="Jo", body="Indeed.")
    response = web.post(action, data={**fields, "quote_text": "words Ada never wrote"})
    assert response.status_code == 422
    document = page_of(response)
    assert document.xpath("//textarea[@name='quote_text']/@aria-invalid") == ["true"]


def test_flag_with_a_reason_and_not_twice(web, discussion):
    page = web.get(f"/posts/{discussion['post']}")
    action = f"/comments/{discussion['3']}/flags"
    fields = {**web.form(page, action), "reason": "abuse", "note": "Rude."}
    response = web.post(action, data=fields)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/posts/{discussion['post']}#c{discussion['3']}"
    assert "A moderator will look" in text(page_of(web.get(response.headers["Location"])))
    again = web.post(action, data=fields)
    assert again.status_code == 409 and "already" in text(page_of(again))
    missing_reason = web.post(action, data={**fields, "reason": ""})
    assert missing_reason.status_code == 422
    db.session.rollback()
    assert db.session.execute(select(func.count(Flag.id))).scalar_one() == 1


def test_flag_form_does_not_redirect_elsewhere(web, discussion, app, monkeypatch):
    monkeypatch.setitem(app.config, "FLAG_THRESHOLD", 100)
    page = web.get(f"/posts/{discussion['post']}")
    action = f"/comments/{discussion['3']}/flags"
    for back in ("//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:x"):
        fields = {**web.form(page, action), "reason": "spam", "back": back}
        response = web.post(
            action, data=fields, headers={"X-Forwarded-For": f"192.0.2.{len(back)}"}
        )
        assert response.status_code == 303
        assert response.headers["Location"] == f"/comments/{discussion['3']}"


def test_replies_are_rate_limited_with_a_friendly_page(web, discussion, app, monkeypatch):
    monkeypatch.setitem(app.config, "REPLY_RATE_LIMIT", "2 per minute")
    page = web.get(f"/posts/{discussion['post']}")
    action = f"/posts/{discussion['post']}/comments"
    statuses = []
    for number in range(3):
        fields = reply_form(web, page, action, author_name="Kim", body=f"Comment {number}.")
        response = web.post(action, data=fields)
        statuses.append(response.status_code)
    assert statuses == [303, 303, 429]
    assert "Slow down" in text(page_of(response)) and response.headers["Retry-After"]


def test_pages_have_landmarks_one_heading_and_labelled_forms(web, discussion):
    for path in ("/", f"/posts/{discussion['post']}", f"/comments/{discussion['2']}"):
        assert_accessible_forms(page_of(web.get(path)))
