"""Moderation over HTTP: who may moderate, the queue, actions, flags, bans, and the log."""

from __future__ import annotations

import threading

import pytest
import requests
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from forum.extensions import db
from forum.models import Ban, Comment, CommentStatus, Flag, LogEntry, Moderator
from tests.api.conftest import reply

PROBLEM = "application/problem+json"

# Every moderation endpoint: (method, path template, JSON body)
ENDPOINTS = [
    ("GET", "/api/moderation/queue", None),
    ("GET", "/api/moderation/log", None),
    ("GET", "/api/moderation/bans", None),
    ("POST", "/api/moderation/bans", {"kind": "name", "value": "troll"}),
    ("DELETE", "/api/moderation/bans/{ban}", None),
    ("POST", "/api/moderation/comments/{c1}/actions", {"action": "hide"}),
    ("POST", "/api/moderation/actions", {"action": "hide", "ids": ["{c1}"]}),
    ("POST", "/api/moderation/posts/{post}/lock", {}),
    ("POST", "/api/moderation/posts/{post}/unlock", {}),
    ("POST", "/api/moderation/comments/{c1}/lock", {}),
    ("POST", "/api/moderation/comments/{c1}/unlock", {}),
]


def fresh():
    db.session.rollback()


def snapshot() -> tuple:
    fresh()
    counts = tuple(
        db.session.execute(select(func.count()).select_from(model)).scalar_one()
        for model in (LogEntry, Ban, Flag)
    )
    statuses = tuple(db.session.execute(select(Comment.status).order_by(Comment.id)).scalars())
    return counts, statuses


def _fill(path: str, body, ids: dict):
    path = path.format(**ids)
    if body and "ids" in body:
        body = {**body, "ids": [ids["c1"]]}
    return path, body


@pytest.fixture
def ids(post, moderator, ctx):
    ban = Ban(kind=__import__("forum.models", fromlist=["BanKind"]).BanKind.NAME, value="x")
    db.session.add(ban)
    db.session.commit()
    return {"post": post["id"], "c1": post["1"], "ban": ban.id}


@pytest.mark.parametrize(
    ("method", "path", "body"), ENDPOINTS, ids=[f"{m} {p}" for m, p, _ in ENDPOINTS]
)
@pytest.mark.parametrize(
    "credentials", ["none", "empty", "malformed", "wrong", "revoked", "query-string", "override"]
)
def test_moderation_endpoints_refuse_without_a_valid_token(
    http, ids, revoked_token, moderator, method, path, body, credentials
):
    path, body = _fill(path, body, ids)
    headers = {
        "none": {},
        "empty": {"Authorization": "Bearer "},
        "malformed": {"Authorization": f"Token {moderator['token']}"},
        "wrong": {"Authorization": "Bearer " + "A" * 43},
        "revoked": {"Authorization": f"Bearer {revoked_token}"},
        "query-string": {},
        "override": {"X-HTTP-Method-Override": "GET"},
    }[credentials]
    if credentials == "query-string":
        path += f"?access_token={moderator['token']}&token={moderator['token']}"
    before = snapshot()
    response = http.request(method, path, json=body, headers=headers)
    expected = 403 if credentials == "revoked" else 401
    assert response.status_code == expected, response.text
    assert response.headers["Content-Type"] == PROBLEM
    if expected == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert moderator["token"] not in response.text
    assert snapshot() == before


def act(http, moderator, comment_id, action, reason=None):
    return http.post(
        f"/api/moderation/comments/{comment_id}/actions",
        json={"action": action, **({"reason": reason} if reason else {})},
        headers=moderator["headers"],
    )


def test_queue_lists_pending_oldest_first_with_context_and_history(http, post, moderator):
    held = http.post(
        f"/api/comments/{post['1']}/replies",
        json=reply(body="a http://a.org/1 http://b.org/2 http://c.org/3"),
    )
    assert held.status_code == 202
    response = http.get("/api/moderation/queue", headers=moderator["headers"])
    assert response.status_code == 200
    items = response.json()["items"]
    assert [i["comment"]["id"] for i in items] == [post["5"], held.json()["comment"]["id"]]
    newest = items[1]
    assert (
        newest["comment"]["status"] == "pending" and "links" in newest["comment"]["status_reason"]
    )
    assert newest["comment"]["author"]["email"] == "ada@example.org"
    assert newest["context"]["post"]["id"] == post["id"]
    assert newest["context"]["parent"]["id"] == post["1"]
    assert newest["author_history"] == {"approved": 0, "spam": 0}
    spam = http.get(
        "/api/moderation/queue", params={"status": "spam"}, headers=moderator["headers"]
    ).json()
    assert [i["comment"]["id"] for i in spam["items"]] == [post["4"]]
    other = http.get(
        "/api/moderation/queue", params={"post": post["other"]}, headers=moderator["headers"]
    ).json()
    assert other["items"] == []
    bad = http.get(
        "/api/moderation/queue", params={"status": "everything"}, headers=moderator["headers"]
    )
    assert bad.status_code == 422


def test_every_transition_is_logged(http, post, moderator):
    cid = post["5"]  # pending
    steps = [
        ("approve", "pending", "approved"),
        ("hide", "approved", "hidden"),
        ("spam", "hidden", "spam"),
        ("delete", "spam", "deleted"),
        ("restore", "deleted", "spam"),
        ("approve", "spam", "approved"),
    ]
    for action, before, after in steps:
        response = act(http, moderator, cid, action, reason=f"because {action}")
        assert response.status_code == 200, response.text
        assert response.json()["comments"][0]["status"] == after
    log = http.get(
        "/api/moderation/log", params={"comment": cid}, headers=moderator["headers"]
    ).json()["items"]
    assert [(e["action"], e["from_status"], e["to_status"], e["actor"]) for e in reversed(log)] == [
        (action, before, after, "mia") for action, before, after in steps
    ]
    assert all(e["reason"].startswith("because ") for e in log)


@pytest.mark.parametrize(
    ("key", "action"),
    [
        ("1", "approve"),
        ("1", "restore"),
        ("3", "delete"),
        ("3", "hide"),
        ("4", "restore"),
    ],
)
def test_illegal_transitions_are_409_and_change_nothing(http, post, moderator, key, action):
    before = snapshot()
    response = act(http, moderator, post[key], action)
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/invalid-transition"
    assert snapshot() == before


def test_bulk_action_is_all_or_nothing(http, post, moderator):
    before = snapshot()
    mixed = http.post(
        "/api/moderation/actions",
        headers=moderator["headers"],
        json={"action": "hide", "ids": [post["1"], post["3"]]},
    )
    assert mixed.status_code == 409 and snapshot() == before
    missing = http.post(
        "/api/moderation/actions",
        headers=moderator["headers"],
        json={"action": "hide", "ids": [post["1"], 987654]},
    )
    assert missing.status_code == 404 and snapshot() == before
    done = http.post(
        "/api/moderation/actions",
        headers=moderator["headers"],
        json={"action": "hide", "ids": [post["1"], post["2"]], "reason": "cleanup"},
    )
    assert done.status_code == 200
    assert [c["status"] for c in done.json()["comments"]] == ["hidden", "hidden"]


def test_deleting_a_comment_with_replies_leaves_a_tombstone(http, post, moderator):
    assert act(http, moderator, post["1"], "delete").status_code == 200
    thread = http.get(f"/api/posts/{post['id']}/comments").json()["comments"]
    first = next(c for c in thread if c["id"] == post["1"])
    assert first["tombstone"] and first["body_html"] is None
    assert [r["id"] for r in first["replies"]] == [post["2"]]


def flag(http, comment_id, client, reason="abuse", note=None):
    return http.post(
        f"/api/comments/{comment_id}/flags",
        json={"reason": reason, **({"note": note} if note else {})},
        headers={"X-Forwarded-For": client},
    )


def test_flags_hide_at_the_threshold_once(http, post, moderator):
    cid = post["1"]
    assert flag(http, cid, "203.0.113.1", note="rude").status_code == 201
    repeat = flag(http, cid, "203.0.113.1")
    assert repeat.status_code == 409 and repeat.json()["type"] == "/problems/already-flagged"
    assert flag(http, cid, "203.0.113.2", "spam").status_code == 201
    queue = http.get(
        "/api/moderation/queue", params={"status": "flagged"}, headers=moderator["headers"]
    ).json()["items"]
    assert queue[0]["comment"]["status"] == "approved"  # flagged, still published
    assert queue[0]["flags"] == {
        "total": 2,
        "by_reason": {"abuse": 1, "spam": 1},
        "notes": ["rude"],
    }
    assert flag(http, cid, "203.0.113.3").status_code == 201
    fresh()
    assert db.session.get(Comment, cid).status == CommentStatus.HIDDEN
    hides = (
        db.session.execute(select(LogEntry).where(LogEntry.action == "auto_hide")).scalars().all()
    )
    assert len(hides) == 1 and hides[0].actor == "system" and hides[0].comment_id == cid
    assert flag(http, cid, "203.0.113.4").status_code == 404  # hidden: nothing left to flag
    approved = act(http, moderator, cid, "approve", reason="fine on review")
    assert approved.status_code == 200
    flagged = http.get(
        "/api/moderation/queue", params={"status": "flagged"}, headers=moderator["headers"]
    ).json()
    assert flagged["items"] == []  # the moderator's decision answers the flags


def test_flag_weights_are_configurable(app, http, post, monkeypatch):
    monkeypatch.setitem(
        app.config, "FLAG_WEIGHTS", {"spam": 3, "abuse": 1, "off_topic": 1, "other": 1}
    )
    assert flag(http, post["2"], "203.0.113.9", "spam").status_code == 201
    fresh()
    assert db.session.get(Comment, post["2"]).status == CommentStatus.HIDDEN


def test_fifty_clients_flagging_at_once_hide_once(app, http, post, monkeypatch):
    codes: list[int] = []
    barrier = threading.Barrier(50)

    def one(number: int) -> None:
        with requests.Session() as session:
            barrier.wait()
            response = session.post(
                f"{http.base}/api/comments/{post['1']}/flags",
                json={"reason": "abuse"},
                headers={"X-Forwarded-For": f"198.18.0.{number}"},
                timeout=60,
            )
            codes.append(response.status_code)

    monkeypatch.setitem(app.config, "FLAG_THRESHOLD", 50)
    threads = [threading.Thread(target=one, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes.count(201) == 50, sorted(set(codes))
    fresh()
    assert db.session.execute(select(func.count(Flag.id))).scalar_one() == 50
    assert db.session.get(Comment, post["1"]).status == CommentStatus.HIDDEN
    assert (
        db.session.execute(
            select(func.count(LogEntry.id)).where(LogEntry.action == "auto_hide")
        ).scalar_one()
        == 1
    )


def test_flag_rate_limit(app, http, post, monkeypatch):
    monkeypatch.setitem(app.config, "FLAG_RATE_LIMIT", "1 per hour")
    assert flag(http, post["1"], "192.0.2.50").status_code == 201
    limited = flag(http, post["2"], "192.0.2.50")
    assert limited.status_code == 429 and "Retry-After" in limited.headers


@pytest.mark.parametrize(
    ("kind", "value", "payload"),
    [
        ("name", "  Spam  Lord ", reply(author_name="spam lord")),
        ("email", "Troll+tag@Example.org", reply(author_email="troll@example.org")),
        ("email_domain", "junk.example", reply(author_email="anyone@junk.example")),
        ("address", "192.0.2.77", reply()),
        ("address_range", "192.0.2.0/24", reply()),
    ],
)
def test_ban_rules_mark_new_comments_as_spam_and_say_which(
    http, post, moderator, kind, value, payload
):
    created = http.post(
        "/api/moderation/bans",
        headers=moderator["headers"],
        json={"kind": kind, "value": value, "reason": "persistent abuse"},
    )
    assert created.status_code == 201, created.text
    ban_id = created.json()["id"]
    response = http.post(
        f"/api/posts/{post['id']}/comments", json=payload, headers={"X-Forwarded-For": "192.0.2.77"}
    )
    assert response.status_code == 202
    fresh()
    row = db.session.get(Comment, response.json()["comment"]["id"])
    assert row.status == CommentStatus.SPAM and f"ban #{ban_id}" in row.status_reason
    assert (
        http.delete(f"/api/moderation/bans/{ban_id}", headers=moderator["headers"]).status_code
        == 200
    )
    again = http.post(
        f"/api/posts/{post['id']}/comments",
        json={**payload, "body": "Later."},
        headers={"X-Forwarded-For": "192.0.2.77"},
    )
    assert again.status_code == 201


def test_ban_scope_expiry_and_listing(http, post, moderator):
    headers = moderator["headers"]
    scoped = http.post(
        "/api/moderation/bans",
        headers=headers,
        json={"kind": "name", "value": "Ada", "post_id": post["other"]},
    )
    assert scoped.status_code == 201 and scoped.json()["scope"] == "post"
    assert http.post(f"/api/posts/{post['id']}/comments", json=reply()).status_code == 201
    past = http.post(
        "/api/moderation/bans",
        headers=headers,
        json={"kind": "name", "value": "x", "expires_at": "2000-01-01T00:00:00Z"},
    )
    assert past.status_code == 422
    bad = http.post(
        "/api/moderation/bans",
        headers=headers,
        json={"kind": "address_range", "value": "not-a-network"},
    )
    assert bad.status_code == 422 and bad.headers["Content-Type"] == PROBLEM
    listed = http.get("/api/moderation/bans", headers=headers).json()
    assert [b["id"] for b in listed["items"]] == [scoped.json()["id"]]
    address = http.post(
        "/api/moderation/bans", headers=headers, json={"kind": "address", "value": "192.0.2.1"}
    ).json()
    assert "192.0.2.1" not in address["value"]  # stored as a keyed hash only


def test_log_filters_and_is_append_only(http, post, moderator, ctx):
    act(http, moderator, post["5"], "approve")
    act(http, moderator, post["2"], "hide")
    headers = moderator["headers"]
    hides = http.get("/api/moderation/log", params={"action": "hide"}, headers=headers).json()
    assert [e["comment_id"] for e in hides["items"]] == [post["2"]]
    by_mia = http.get("/api/moderation/log", params={"moderator": "mia"}, headers=headers).json()
    assert by_mia["total"] == 2
    nul = http.get("/api/moderation/log", params={"moderator": "m\x00a"}, headers=headers)
    assert nul.status_code == 422
    assert nul.headers["Content-Type"] == "application/problem+json"
    fresh()
    for statement in ("UPDATE moderation_log SET reason = 'edited'", "DELETE FROM moderation_log"):
        with pytest.raises(DatabaseError):
            db.session.execute(text(statement))
        db.session.rollback()
    assert db.session.execute(select(func.count(LogEntry.id))).scalar_one() == 2


def test_moderator_cli_add_and_revoke(app, http, post):
    runner = app.test_cli_runner()
    added = runner.invoke(args=["moderator", "add", "nina"])
    assert added.exit_code == 0
    token = added.stdout.strip().splitlines()[-1]
    assert len(token) >= 43  # 256 random bits, URL-safe base64
    fresh()
    stored = db.session.execute(
        select(Moderator.token_hash).where(Moderator.name == "nina")
    ).scalar_one()
    assert token not in stored
    assert (
        http.get("/api/moderation/queue", headers={"Authorization": f"Bearer {token}"}).status_code
        == 200
    )
    assert runner.invoke(args=["moderator", "add", "nina"]).exit_code != 0
    assert runner.invoke(args=["moderator", "revoke", "nina"]).exit_code == 0
    assert (
        http.get("/api/moderation/queue", headers={"Authorization": f"Bearer {token}"}).status_code
        == 403
    )
