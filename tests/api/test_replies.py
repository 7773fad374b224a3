"""Posting comments and replies: validation, policy, refusals, quotes, edits, limits."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Comment, CommentStatus, LogEntry, Post, Quote
from tests.api.conftest import reply

PROBLEM = "application/problem+json"


def stored() -> int:
    db.session.rollback()  # end the test's snapshot: see what the server committed
    return db.session.execute(select(func.count(Comment.id))).scalar_one()


def row_of(comment_id: int) -> Comment:
    db.session.rollback()
    return db.session.get(Comment, comment_id)


def test_top_level_comment_is_published_with_location(http, post):
    response = http.post(f"/api/posts/{post['id']}/comments", json=reply())
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "published" and body["comment"]["depth"] == 0
    assert response.headers["Location"].endswith(f"/api/comments/{body['comment']['id']}")
    assert len(body["edit_token"]) >= 22
    thread = http.get(f"/api/posts/{post['id']}/comments").json()
    assert body["comment"]["id"] in [c["id"] for c in thread["comments"]]


def test_reply_nests_under_its_parent_and_is_sanitized(http, post):
    response = http.post(
        f"/api/comments/{post['2']}/replies",
        json=reply(body="Hi <script>alert(1)</script><b>there</b>\n\nsecond"),
    )
    assert response.status_code == 201
    comment = response.json()["comment"]
    assert comment["parent_id"] == post["2"] and comment["depth"] == 2
    assert "<script>" not in comment["body_html"] and "<b>there</b>" in comment["body_html"]
    assert comment["body_html"].count("<p>") == 2
    row = row_of(comment["id"])
    assert row.root_id == post["1"] and row.body_raw.startswith("Hi <script>")
    assert row.author_ip_hash and "127.0.0.1" not in row.author_ip_hash


@pytest.mark.parametrize(
    "extra",
    [
        {"status": "approved"},
        {"id": 5},
        {"is_moderator": True},
        {"post_id": 2},
        {"depth": 0},
        {"moderated_at": "2024-01-01T00:00:00Z"},
    ],
)
def test_mass_assignment_is_refused(http, post, extra):
    before = stored()
    response = http.post(f"/api/posts/{post['id']}/comments", json=reply(**extra))
    assert response.status_code == 422
    assert response.headers["Content-Type"] == PROBLEM
    assert set(response.json()["errors"]) == set(extra)
    assert stored() == before


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"body": "x" * 10_001}, "body"),
        ({"body": "   "}, "body"),
        ({"author_name": "n" * 101}, "author_name"),
        ({"author_name": ""}, "author_name"),
        ({"author_email": "not-an-email"}, "author_email"),
        ({"author_url": "javascript:alert(1)"}, "author_url"),
        ({"author_url": "ftp://example.org"}, "author_url"),
        ({"body": "nul\x00byte"}, "body"),
        ({"body": 42}, "body"),
        ({"quote": {"comment_id": "1", "text": "x"}}, "quote"),
        ({"quote": {"comment_id": 1.5, "text": "x"}}, "quote"),
    ],
)
def test_invalid_fields_are_422_with_the_field_named(http, post, fields, bad):
    before = stored()
    response = http.post(f"/api/posts/{post['id']}/comments", json=reply(**fields))
    assert response.status_code == 422, response.text
    assert bad in response.json()["errors"]
    assert stored() == before


def test_body_at_the_limit_is_accepted(http, post):
    response = http.post(f"/api/posts/{post['id']}/comments", json=reply(body="y" * 10_000))
    assert response.status_code == 201


def test_not_json_is_a_4xx_problem(http, post):
    response = http.post(
        f"/api/posts/{post['id']}/comments",
        data="{not json",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code in {400, 422}
    assert response.headers["Content-Type"] == PROBLEM


@pytest.mark.parametrize(
    ("target", "status"),
    [
        ("3", 409),
        ("4", 409),
        ("5", 409),
        ("1@other", None),
    ],
)
def test_replies_to_comments_not_open_are_refused(http, post, target, status):
    before = stored()
    if status is None:  # a parent from another post, named on this post
        response = http.post(
            f"/api/posts/{post['id']}/comments", json=reply(parent_id=post["1@other"])
        )
        assert response.status_code == 409
        assert response.json()["type"] == "/problems/parent-not-in-thread"
    else:
        response = http.post(f"/api/comments/{post[target]}/replies", json=reply())
        assert response.status_code == status
        assert response.json()["type"] == "/problems/not-open-for-replies"
    assert stored() == before


def test_reply_to_unknown_comment_is_404(http, post):
    assert http.post("/api/comments/987654321/replies", json=reply()).status_code == 404
    assert http.post("/api/posts/987654321/comments", json=reply()).status_code == 404


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("see http://a.org/x http://b.org/y http://c.org/z", "3 links"),
        ('<a href="https://a.org">a</a> <a href="https://b.org">b</a> https://c.net', "3 links"),
    ],
)
def test_too_many_links_hold_the_comment(http, post, body, reason):
    response = http.post(f"/api/posts/{post['id']}/comments", json=reply(body=body))
    assert response.status_code == 202
    assert response.json()["status"] == "held"
    row = row_of(response.json()["comment"]["id"])
    assert row.status == CommentStatus.PENDING and reason in row.status_reason
    thread = http.get(f"/api/posts/{post['id']}/comments").json()
    assert row.id not in [c["id"] for c in thread["comments"]]
    db.session.rollback()
    entry = db.session.execute(select(LogEntry).where(LogEntry.comment_id == row.id)).scalar_one()
    assert (entry.action, entry.actor, entry.to_status) == ("policy", "system", "pending")


def test_policy_table(app, http, post, monkeypatch):
    monkeypatch.setitem(app.config, "MODERATION_KEYS", ["phone number list"])
    monkeypatch.setitem(app.config, "DISALLOWED_KEYS", ["cheap pills"])
    cases = [
        (
            reply(body="Buy a Phone  Number List today"),
            202,
            CommentStatus.PENDING,
            "moderation phrase",
        ),
        (reply(body="CHEAP pills here", author_name="Bob"), 202, CommentStatus.SPAM, "disallowed"),
        (
            reply(body="hello", author_name="Bot", homepage="http://x"),
            202,
            CommentStatus.SPAM,
            "honeypot",
        ),
        (reply(body="Plain and fine", author_name="Cy"), 201, CommentStatus.APPROVED, None),
    ]
    for payload, code, status, reason in cases:
        response = http.post(f"/api/posts/{post['id']}/comments", json=payload)
        assert response.status_code == code, payload
        row = row_of(response.json()["comment"]["id"])
        assert row.status == status
        assert (reason is None and row.status_reason is None) or reason in row.status_reason


def test_first_comment_moderation_when_enabled(app, http, post, monkeypatch):
    monkeypatch.setitem(app.config, "MODERATION_FIRST_COMMENT", True)
    first = http.post(f"/api/posts/{post['id']}/comments", json=reply(author_email="new@x.org"))
    assert first.status_code == 202
    # Reader@... has approved comments from the import? No: it has no email. Approve one.
    row = row_of(first.json()["comment"]["id"])
    row.status = CommentStatus.APPROVED
    db.session.commit()
    second = http.post(
        f"/api/posts/{post['id']}/comments",
        json=reply(author_email="new@x.org", body="Again, later."),
    )
    assert second.status_code == 201


def test_duplicate_comment_is_refused(http, post):
    assert http.post(f"/api/posts/{post['id']}/comments", json=reply()).status_code == 201
    again = http.post(f"/api/posts/{post['id']}/comments", json=reply())
    assert again.status_code == 409 and again.json()["type"] == "/problems/duplicate-comment"


def test_quote_of_an_earlier_comment_is_linked(http, post):
    text = "with enough words to be quoted well"
    response = http.post(
        f"/api/comments/{post['2']}/replies",
        json=reply(quote={"comment_id": post["1"], "text": text}),
    )
    assert response.status_code == 201
    comment = response.json()["comment"]
    assert f'<blockquote cite="#c{post["1"]}">' in comment["body_html"]
    assert comment["quotes"] == [
        {"comment_id": comment["id"], "source_comment_id": post["1"], "text": text}
    ]
    view = http.get(f"/api/comments/{post['1']}").json()
    assert comment["id"] in view["comment"]["quoted_by"]


@pytest.mark.parametrize(
    "quote",
    [
        {"text": "words that are nowhere in it"},
        {"comment_id_key": "1@other", "text": "On the other post"},
        {"comment_id_key": "4", "text": "Spam"},
    ],
)
def test_quote_must_occur_in_a_visible_comment_of_the_thread(http, post, quote):
    source = post[quote.pop("comment_id_key", "1")]
    before = stored()
    response = http.post(
        f"/api/comments/{post['2']}/replies", json=reply(quote={"comment_id": source, **quote})
    )
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/invalid-quote"
    assert stored() == before
    assert db.session.execute(select(func.count(Quote.id))).scalar_one() == 0


def test_author_edits_and_deletes_with_the_token(http, post):
    posted = http.post(f"/api/comments/{post['1']}/replies", json=reply()).json()
    cid, token = posted["comment"]["id"], posted["edit_token"]
    assert http.patch(f"/api/comments/{cid}", json={"body": "Changed."}).status_code == 403
    wrong = http.patch(
        f"/api/comments/{cid}", json={"body": "Changed."}, headers={"X-Edit-Token": "not-the-token"}
    )
    assert wrong.status_code == 403 and wrong.headers["Content-Type"] == PROBLEM
    edited = http.patch(
        f"/api/comments/{cid}", json={"body": "Changed."}, headers={"X-Edit-Token": token}
    )
    assert edited.status_code == 200 and "Changed." in edited.json()["body_html"]
    child = http.post(f"/api/comments/{cid}/replies", json=reply(author_name="Bea")).json()
    assert http.delete(f"/api/comments/{cid}", headers={"X-Edit-Token": token}).status_code == 204
    view = http.get(f"/api/comments/{child['comment']['id']}").json()
    assert view["ancestors"][-1]["id"] == cid and view["ancestors"][-1]["tombstone"] is True


def test_edit_window_closes_after_15_minutes(http, post):
    posted = http.post(f"/api/comments/{post['1']}/replies", json=reply()).json()
    row = row_of(posted["comment"]["id"])
    row.created_at = row.created_at - timedelta(minutes=16)
    db.session.commit()
    response = http.patch(
        f"/api/comments/{row.id}",
        json={"body": "Late."},
        headers={"X-Edit-Token": posted["edit_token"]},
    )
    assert response.status_code == 403 and "15 minutes" in response.json()["detail"]


def test_reply_rate_limit_is_429_with_retry_after(app, http, post, monkeypatch):
    monkeypatch.setitem(app.config, "REPLY_RATE_LIMIT", "2 per minute")
    codes = [
        http.post(
            f"/api/posts/{post['id']}/comments",
            json=reply(body=f"Note {n}"),
            headers={"X-Forwarded-For": "198.51.100.7"},
        ).status_code
        for n in range(3)
    ]
    assert codes == [201, 201, 429]
    limited = http.post(
        f"/api/posts/{post['id']}/comments",
        json=reply(body="Note 9"),
        headers={"X-Forwarded-For": "198.51.100.7"},
    )
    assert limited.status_code == 429 and limited.headers["Content-Type"] == PROBLEM
    assert int(limited.headers["Retry-After"]) > 0
    other = http.post(
        f"/api/posts/{post['id']}/comments",
        json=reply(body="Other client"),
        headers={"X-Forwarded-For": "198.51.100.8"},
    )
    assert other.status_code == 201, (other.text, other.headers)


def test_locked_thread_and_locked_branch_take_no_replies(http, post, moderator):
    headers = moderator["headers"]
    assert (
        http.post(
            f"/api/moderation/comments/{post['1']}/lock", json={}, headers=headers
        ).status_code
        == 200
    )
    assert http.post(f"/api/comments/{post['2']}/replies", json=reply()).status_code == 409
    assert http.post(f"/api/posts/{post['id']}/comments", json=reply()).status_code == 201
    assert (
        http.post(
            f"/api/moderation/posts/{post['id']}/lock", json={"reason": "heated"}, headers=headers
        ).status_code
        == 200
    )
    refused = http.post(f"/api/posts/{post['id']}/comments", json=reply(body="Another"))
    assert refused.status_code == 409
    assert (
        http.post(
            f"/api/moderation/posts/{post['id']}/unlock", json={}, headers=headers
        ).status_code
        == 200
    )
    assert (
        http.post(f"/api/posts/{post['id']}/comments", json=reply(body="Open again")).status_code
        == 201
    )


def _writers(http, post, writers: int, each: int) -> list[int]:
    codes: list[int] = []
    lock = threading.Lock()

    def write(number: int) -> None:
        import requests

        with requests.Session() as session:
            for n in range(each):
                parent = post["1"] if n % 2 else None
                url = (
                    f"{http.base}/api/comments/{parent}/replies"
                    if parent
                    else f"{http.base}/api/posts/{post['id']}/comments"
                )
                response = session.post(
                    url,
                    json=reply(author_name=f"W{number}", body=f"Writer {number}, reply {n}."),
                    timeout=60,
                )
                with lock:
                    codes.append(response.status_code)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return codes


def test_concurrent_writers_lose_nothing(http, post):
    before = stored()
    codes = _writers(http, post, writers=8, each=25)
    assert codes.count(201) == 200, sorted(set(codes))
    assert stored() == before + 200
    db.session.rollback()
    assert (
        db.session.execute(
            select(func.count(Comment.id)).where(Comment.parent_id == post["1"])
        ).scalar_one()
        == 8 * 12 + 1
    )  # odd replies, plus one imported


def test_replies_to_unpublished_posts_are_404(http, post):
    draft = db.session.get(Post, post["other"])
    from forum.models import PostStatus

    draft.status = PostStatus.DRAFT
    db.session.commit()
    assert http.post(f"/api/posts/{post['other']}/comments", json=reply()).status_code == 404


def test_a_new_reply_that_quotes_in_a_blockquote_or_silently_is_linked(http, post):
    passage = "The first comment of this thread, with enough words to be quoted well."
    body = f"<blockquote>{passage}</blockquote>\n\nI disagree, and here is why in my own words."
    response = http.post(f"/api/comments/{post['2']}/replies", json=reply(body=body))
    assert response.status_code == 201
    comment = response.json()["comment"]
    assert f'<blockquote cite="#c{post["1"]}">' in comment["body_html"]
    assert [q["source_comment_id"] for q in comment["quotes"]] == [post["1"]]
    silent = http.post(
        f"/api/comments/{post['1']}/replies",
        json=reply(
            author_name="Sam",
            body="this thread, with enough words to be quoted well.\n\n"
            "Which I think misses the point entirely.",
        ),
    )
    assert silent.status_code == 201
    assert silent.json()["comment"]["quotes"][0]["source_comment_id"] == post["1"]
    view = http.get(f"/api/comments/{post['1']}").json()
    assert {comment["id"], silent.json()["comment"]["id"]} <= set(view["comment"]["quoted_by"])
