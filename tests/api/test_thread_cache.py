"""Cached threads: an ETag per thread version, 304 while unchanged, never a stale thread."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from forum.extensions import db
from forum.models import Comment, CommentStatus, Quote
from forum.models.posts import thread_versions
from tests.api.conftest import reply


def version_of(post_id: int) -> int:
    db.session.rollback()  # a fresh snapshot
    version = db.session.execute(
        select(thread_versions.c.version).where(thread_versions.c.post_id == post_id)
    ).scalar()
    db.session.rollback()
    return version or 0


def test_thread_carries_an_etag_and_answers_304_while_it_is_unchanged(http, post):
    url = f"/api/posts/{post['id']}/comments"
    first = http.get(url)
    assert first.status_code == 200 and first.headers["ETag"]
    again = http.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    assert http.get(url).json() == first.json()
    other_query = http.get(url + "?max_depth=0", headers={"If-None-Match": first.headers["ETag"]})
    assert other_query.status_code == 200 and other_query.headers["ETag"] != first.headers["ETag"]


def test_a_reply_shows_at_once_and_changes_the_etag(http, post):
    url = f"/api/posts/{post['id']}/comments"
    before = http.get(url)
    posted = http.post(url, json=reply(body="A brand new comment on this thread."))
    assert posted.status_code == 201
    after = http.get(url, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    assert posted.json()["comment"]["id"] in [node["id"] for node in after.json()["comments"]]


def test_a_moderators_decision_shows_at_once(http, post, moderator):
    url = f"/api/posts/{post['id']}/comments"
    assert post["2"] in [node["id"] for node in http.get(url).json()["comments"][0]["replies"]]
    hidden = http.post(
        f"/api/moderation/comments/{post['2']}/actions",
        json={"action": "hide", "reason": "test"},
        headers=moderator["headers"],
    )
    assert hidden.status_code == 200
    assert http.get(url).json()["comments"][0]["replies"] == []
    assert http.get(f"/api/comments/{post['2']}").status_code == 404


def test_reply_view_carries_an_etag_and_follows_the_thread(http, post):
    url = f"/api/comments/{post['1']}"
    first = http.get(url)
    assert first.status_code == 200
    assert http.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    http.post(f"/api/comments/{post['1']}/replies", json=reply(body="Another reply to the first."))
    after = http.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200 and len(after.json()["comment"]["replies"]) == 2


def test_every_write_to_a_threads_comments_or_quotes_counts(ctx, post):
    """The triggers count inserts, updates and deletes of comments and of quotes."""
    seen = [version_of(post["id"])]

    def changed() -> bool:
        db.session.commit()
        seen.append(version_of(post["id"]))
        return seen[-1] > seen[-2]

    db.session.execute(
        update(Comment).where(Comment.id == post["5"]).values(status=CommentStatus.APPROVED)
    )
    assert changed()
    db.session.add(Quote(comment_id=post["2"], source_comment_id=post["1"], text="first comment"))
    assert changed()
    db.session.execute(update(Quote).where(Quote.comment_id == post["2"]).values(text="first"))
    assert changed()
    db.session.execute(delete(Quote).where(Quote.comment_id == post["2"]))
    assert changed()
    db.session.execute(delete(Comment).where(Comment.id == post["4"]))
    assert changed()
    other = version_of(post["other"])
    db.session.execute(
        update(Comment).where(Comment.id == post["1@other"]).values(author_name="Someone")
    )
    db.session.commit()
    assert version_of(post["other"]) > other and version_of(post["id"]) == seen[-1]
