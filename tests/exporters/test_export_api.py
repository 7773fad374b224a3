"""GET /api/posts/{id}/export: moderators only; one post with its thread, as WXR or JSON;
and an archive that readers and moderators have worked on comes back from it."""

from __future__ import annotations

import orjson
import pytest
from lxml import etree
from sqlalchemy import select

from forum.extensions import db
from forum.models import Comment, CommentStatus, Post
from tests.exporters.conftest import import_into
from tests.exporters.snapshot import JSON_POST_FIELDS, WXR_POST_FIELDS, snapshot
from tests.wxr_builder import C, P, write_wxr

PROBLEM = "application/problem+json"
WP = "{http://wordpress.org/export/1.2/}"
FIRST = "The first comment of this thread, with enough words to be quoted well by a reply."


@pytest.fixture
def posts(run_import, tmp_path) -> dict[str, int]:
    comments = [
        C("1", content=FIRST, date_gmt="2024-01-01 10:00:00"),
        C("2", parent="1", content="A reply to the first.", date_gmt="2024-01-01 11:00:00"),
        C("3", approved="0", content="Held for a moderator.", date_gmt="2024-01-01 12:00:00"),
    ]
    run_import(
        write_wxr(
            tmp_path / "posts.xml",
            [
                P("1", title="Open thread", comments=comments),
                P("2", title="Other post", comments=[C("1", content="Elsewhere.")]),
            ],
        )
    )
    found = dict(db.session.execute(select(Post.title, Post.id)).all())
    db.session.rollback()
    return {"open": found["Open thread"], "other": found["Other post"]}


def test_export_needs_a_moderator(http, posts, moderator):
    for headers in ({}, {"Authorization": "Bearer " + "A" * 43}):
        response = http.get(f"/api/posts/{posts['open']}/export", headers=headers)
        assert response.status_code == 401
        assert response.headers["Content-Type"] == PROBLEM
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_unknown_post_and_format_are_problems(http, posts, moderator):
    response = http.get("/api/posts/999999/export", headers=moderator["headers"])
    assert response.status_code == 404 and response.headers["Content-Type"] == PROBLEM
    response = http.get(
        f"/api/posts/{posts['open']}/export?format=csv", headers=moderator["headers"]
    )
    assert response.status_code == 422 and "format" in response.json()["errors"]


def test_json_export_of_one_post(http, posts, moderator):
    response = http.get(f"/api/posts/{posts['open']}/export", headers=moderator["headers"])
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=forum-post-{posts['open']}.json"
    )
    document = response.json()
    assert document["format"] == "forum-archive" and document["version"] == 1
    [post] = document["posts"]
    assert post["id"] == posts["open"] and post["title"] == "Open thread"
    first, held = post["comments"]
    assert first["body_raw"] == FIRST and first["replies"][0]["parent_id"] == first["id"]
    assert held["status"] == "pending"  # moderators' exports hold what readers never see


def test_wxr_export_of_one_post(http, posts, moderator):
    response = http.get(
        f"/api/posts/{posts['other']}/export?format=wxr", headers=moderator["headers"]
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/rss+xml")
    assert response.headers["Content-Disposition"].endswith(f"forum-post-{posts['other']}.xml")
    root = etree.fromstring(response.content)
    [item] = root.iter("item")
    assert item.findtext("title") == "Other post"
    assert item.findtext(f"{WP}post_id") == str(posts["other"])
    assert item.findtext(f"{WP}comment/{WP}comment_content") == "Elsewhere."


@pytest.mark.parametrize("format", ["json", "wxr"])
def test_a_moderated_thread_comes_back(http, posts, moderator, other_app, tmp_path, format):
    """Replies posted here (microsecond dates, a chosen quote), a hidden comment, flags and
    a lock: the export of the post, imported elsewhere, has the same thread."""
    post_id, auth = posts["open"], moderator["headers"]
    first = (
        db.session.execute(
            select(Comment.id).where(Comment.post_id == post_id, Comment.parent_id.is_(None))
        )
        .scalars()
        .first()
    )
    quoted = http.post(
        f"/api/comments/{first}/replies",
        json={
            "author_name": "Ada",
            "body": "Quite.",
            "quote": {
                "comment_id": first,
                "text": "with enough words to be quoted well by a reply",
            },
        },
    )
    assert quoted.status_code == 201
    rude = http.post(
        f"/api/posts/{post_id}/comments", json={"author_name": "Troll", "body": "Something rude."}
    ).json()["comment"]["id"]
    for client in ("192.0.2.1", "192.0.2.2"):
        http.post(
            f"/api/comments/{rude}/flags",
            json={"reason": "abuse", "note": "rude"},
            headers={"X-Forwarded-For": client},
        )
    acted = http.post(
        f"/api/moderation/comments/{rude}/actions",
        json={"action": "hide", "reason": "rude"},
        headers=auth,
    )
    assert acted.status_code == 200
    assert http.post(f"/api/moderation/posts/{post_id}/lock", json={}, headers=auth).ok
    db.session.rollback()
    fields = WXR_POST_FIELDS if format == "wxr" else JSON_POST_FIELDS
    before = [
        post
        for post in snapshot(db.session, fields, seconds=format == "wxr")
        if post[0][2] == "Open thread"
    ]
    assert before[0][4], "the chosen quote is in the snapshot"
    response = http.get(f"/api/posts/{post_id}/export?format={format}", headers=auth)
    path = tmp_path / f"post.{format}"
    path.write_bytes(response.content)
    if format == "json":
        document = orjson.loads(response.content)
        actions = [entry["action"] for entry in document["moderation_log"]]
        assert actions == ["hide", "lock"]
        hidden = [c for c in document["posts"][0]["comments"] if c["id"] == rude][0]
        assert [flag["reason"] for flag in hidden["flags"]] == ["abuse", "abuse"]
        assert "client_hash" not in hidden["flags"][0]
        assert hidden["status"] == "hidden" and hidden["status_reason"] == "rude"
    report = import_into(other_app, path)
    with other_app.app_context():
        after = snapshot(db.session, fields, seconds=format == "wxr")
        statuses = set(db.session.execute(select(Comment.status)).scalars())
        db.session.remove()
    assert CommentStatus.HIDDEN in statuses
    assert after == before
    if format == "json":
        assert "2 reader flags" in report.warnings[0]["message"]
