"""Two app servers on one database and one Redis behave as one forum."""

from __future__ import annotations

import time

import pytest
import requests
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Comment, CommentStatus, ImportRun, LogEntry, Post
from tests.api.conftest import reply
from tests.conftest import SHARED

CORPUS = SHARED / "corpora" / "wxr"


def fresh():
    db.session.rollback()


def test_a_reply_through_one_server_is_read_through_the_other(cluster, post):
    a, b = cluster["a"], cluster["b"]
    before = requests.get(f"{b}/api/posts/{post['id']}/comments", timeout=30).json()
    response = requests.post(
        f"{a}/api/comments/{post['1']}/replies",
        json=reply(),
        headers={"X-Forwarded-For": "198.51.100.10"},
        timeout=30,
    )
    assert response.status_code == 201
    new_id = response.json()["comment"]["id"]
    after = requests.get(f"{b}/api/posts/{post['id']}/comments", timeout=30).json()
    first = next(c for c in after["comments"] if c["id"] == post["1"])
    assert new_id in [r["id"] for r in first["replies"]]
    assert after != before


def test_a_hide_through_one_server_is_seen_through_the_other(cluster, post, moderator):
    a, b = cluster["a"], cluster["b"]
    hidden = requests.post(
        f"{b}/api/moderation/comments/{post['2']}/actions",
        json={"action": "hide"},
        headers=moderator["headers"],
        timeout=30,
    )
    assert hidden.status_code == 200
    thread = requests.get(f"{a}/api/posts/{post['id']}/comments", timeout=30).json()
    first = next(c for c in thread["comments"] if c["id"] == post["1"])
    assert post["2"] not in [r["id"] for r in first["replies"]]
    assert requests.get(f"{a}/api/comments/{post['2']}", timeout=30).status_code == 404


def test_flags_spread_over_both_servers_reach_the_threshold_once(cluster, post):
    servers = [cluster["a"], cluster["b"], cluster["a"]]
    for number, server in enumerate(servers):
        response = requests.post(
            f"{server}/api/comments/{post['1']}/flags",
            json={"reason": "abuse"},
            headers={"X-Forwarded-For": f"203.0.113.{40 + number}"},
            timeout=30,
        )
        assert response.status_code == 201
    fresh()
    assert db.session.get(Comment, post["1"]).status == CommentStatus.HIDDEN
    hides = db.session.execute(
        select(func.count(LogEntry.id)).where(LogEntry.action == "auto_hide")
    ).scalar_one()
    assert hides == 1


def test_one_clients_rate_limit_is_counted_across_both_servers(cluster, post):
    client = {"X-Forwarded-For": "192.0.2.200"}
    codes = [
        requests.post(
            f"{server}/api/posts/{post['id']}/comments",
            json=reply(body=f"Spread reply {n}."),
            headers=client,
            timeout=30,
        ).status_code
        for n, server in enumerate([cluster["a"], cluster["b"], cluster["a"], cluster["b"]])
    ]
    assert codes == [201, 201, 201, 429]  # 3 per minute, whichever server counts
    other = requests.post(
        f"{cluster['b']}/api/posts/{post['id']}/comments",
        json=reply(body="Someone else."),
        headers={"X-Forwarded-For": "192.0.2.201"},
        timeout=30,
    )
    assert other.status_code == 201


def wait_for_job(url: str, headers: dict, seconds: float = 120) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = requests.get(url, headers=headers, timeout=30).json()
        if job["state"] in {"succeeded", "failed"}:
            return job
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not finish")


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpora is not present")
def test_an_uploaded_export_is_imported_by_the_worker_like_the_cli(cluster, moderator, app):
    path = CORPUS / "wordpress-importer__theme-unit-test-data.xml"
    runner = app.test_cli_runner()
    import json

    expected = json.loads(runner.invoke(args=["import", "--json", "--dry-run", str(path)]).output)
    expected = expected["files"][0]
    with path.open("rb") as file:
        response = requests.post(
            f"{cluster['a']}/api/imports",
            headers=moderator["headers"],
            files={"file": (path.name, file)},
            timeout=60,
        )
    assert response.status_code == 202, response.text
    assert response.json()["state"] == "queued" and response.json()["format"] == "wxr"
    job = wait_for_job(
        response.headers["Location"].replace(cluster["a"], cluster["b"]), moderator["headers"]
    )
    assert job["state"] == "succeeded", job
    assert job["progress"]["percent"] == 100.0
    for key in ("posts", "comments", "skipped"):
        for field in ("by_status", "total") if key != "skipped" else ():
            assert job["report"][key][field] == expected[key][field]
    assert job["report"]["skipped"] == expected["skipped"]
    fresh()
    assert (
        db.session.execute(select(func.count(Post.id))).scalar_one() == expected["posts"]["total"]
    )


def test_a_damaged_upload_fails_as_a_job_and_writes_nothing(cluster, moderator, tmp_path):
    damaged = tmp_path / "damaged.xml"
    text = (
        (SHARED / "corpora" / "wxr" / "wordpress-importer__small-export.xml").read_text()
        if CORPUS.is_dir()
        else None
    )
    if text is None:
        pytest.skip("../shared/corpora is not present")
    damaged.write_text(text[: len(text) // 2])
    fresh()
    before = (
        db.session.execute(select(func.count(Post.id))).scalar_one(),
        db.session.execute(select(func.count(ImportRun.id))).scalar_one(),
    )
    with damaged.open("rb") as file:
        response = requests.post(
            f"{cluster['b']}/api/imports",
            headers=moderator["headers"],
            files={"file": ("damaged.xml", file)},
            timeout=60,
        )
    assert response.status_code == 202
    job = wait_for_job(response.headers["Location"], moderator["headers"])
    assert job["state"] == "failed"
    assert job["report"]["ok"] is False and job["report"]["line"]
    assert "damaged.xml" in job["error"] and "not well-formed" in job["error"]
    fresh()
    assert (
        db.session.execute(select(func.count(Post.id))).scalar_one(),
        db.session.execute(select(func.count(ImportRun.id))).scalar_one(),
    ) == before


def test_an_upload_over_the_size_limit_is_413(cluster, moderator):
    big = b"<rss>" + b" " * 3_100_000 + b"</rss>"
    response = requests.post(
        f"{cluster['a']}/api/imports",
        headers=moderator["headers"],
        files={"file": ("big.xml", big)},
        timeout=60,
    )
    assert response.status_code == 413
    assert response.headers["Content-Type"] == "application/problem+json"


def test_uploads_need_a_moderator(cluster):
    response = requests.post(
        f"{cluster['a']}/api/imports", files={"file": ("x.xml", b"<rss/>")}, timeout=30
    )
    assert response.status_code == 401


def test_request_ids_are_kept_or_made_and_returned(cluster):
    given = requests.get(f"{cluster['a']}/healthz", headers={"X-Request-ID": "lb-1234"}, timeout=30)
    assert given.headers["X-Request-ID"] == "lb-1234"
    made = requests.get(
        f"{cluster['a']}/healthz", headers={"X-Request-ID": "bad id <x>"}, timeout=30
    )
    assert made.headers["X-Request-ID"] != "bad id <x>" and len(made.headers["X-Request-ID"]) == 32
