"""The demo: `forum demo` migrates, imports the samples in import/, and serves them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import requests
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Comment, CommentStatus, Post
from tests.conftest import ROOT


def test_demo_imports_the_samples_idempotently(app, ctx):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "--no-serve"])
    assert first.exit_code == 0, first.output
    assert "/api/posts" in first.output and "/comments/" in first.output
    assert "/moderation" in first.output
    token = first.output.strip().splitlines()[-1].strip()
    from forum.services.moderators import authenticate

    assert authenticate(f"Bearer {token}").name == "demo"
    posts = db.session.execute(select(func.count(Post.id))).scalar_one()
    comments = db.session.execute(select(func.count(Comment.id))).scalar_one()
    assert posts >= 4 and comments >= 40
    statuses = dict(
        db.session.execute(select(Comment.status, func.count()).group_by(Comment.status)).all()
    )
    for status in (CommentStatus.PENDING, CommentStatus.SPAM, CommentStatus.DELETED):
        assert statuses.get(status, 0) >= 2
    assert db.session.execute(select(func.max(Comment.depth))).scalar_one() >= 6
    bodies = db.session.execute(select(Comment.body_html)).scalars().all()
    assert not any(
        "<script" in body or "onerror" in body or "javascript:" in body for body in bodies
    )
    assert any("<blockquote>" in body for body in bodies)
    again = runner.invoke(args=["demo", "--no-serve"])
    assert again.exit_code == 0
    assert db.session.execute(select(func.count(Comment.id))).scalar_one() == comments


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_forum_demo_command_serves_the_samples(tmp_path):
    """The README's first command, as a new user runs it: a real process and real HTTP."""
    port = _free_port()
    env = {
        **os.environ,
        "FORUM_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
        "FORUM_SECRET_KEY": "demo test",
    }
    process = subprocess.Popen(
        [sys.executable, "-c", "from forum.cli import main; main()", "demo", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline, posts = time.monotonic() + 60, None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                posts = requests.get(f"http://127.0.0.1:{port}/api/posts", timeout=5).json()
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        assert posts is not None, (
            process.stdout.read() if process.poll() is not None else "no answer"
        )
        assert posts["total"] >= 4
        busiest = max(posts["items"], key=lambda item: item["comment_count"])
        thread = requests.get(
            f"http://127.0.0.1:{port}/api/posts/{busiest['id']}/comments", timeout=10
        ).json()
        assert thread["comments"] and thread["comments"][0]["replies"]
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()
