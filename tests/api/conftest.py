"""Fixtures for the write side of the API: a post to reply to, and moderators."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Comment, Post
from forum.services.moderators import add_moderator, revoke_moderator
from tests.wxr_builder import C, P, write_wxr


@pytest.fixture
def post(run_import, tmp_path) -> dict:
    """A published post with a few comments: ids by source key, plus the post's id."""
    comments = [
        C("1", content="The first comment of this thread, with enough words to be quoted well."),
        C("2", parent="1", content="A reply to the first."),
        C("3", approved="trash", content="Removed."),
        C("4", approved="spam", content="Spam."),
        C("5", approved="0", content="Waiting."),
    ]
    run_import(
        write_wxr(
            tmp_path / "post.xml",
            [
                P("1", title="Open thread", comments=comments),
                P("2", title="Other post", comments=[C("1", content="On the other post.")]),
            ],
        )
    )
    rows = db.session.execute(select(Comment.id, Comment.source_key, Comment.post_id)).all()
    posts = dict(db.session.execute(select(Post.title, Post.id)).all())
    ids = {
        key.rsplit("-", 1)[-1] + ("" if pid == posts["Open thread"] else "@other"): cid
        for cid, key, pid in rows
    }
    db.session.rollback()  # no snapshot left open: the server's writes must be visible
    return {"id": posts["Open thread"], "other": posts["Other post"], **ids}


@pytest.fixture
def moderator(ctx) -> dict:
    """A moderator's name, token and ready Authorization header."""
    _moderator, token = add_moderator("mia")
    db.session.commit()
    return {"name": "mia", "token": token, "headers": {"Authorization": f"Bearer {token}"}}


@pytest.fixture
def revoked_token(ctx) -> str:
    _moderator, token = add_moderator("rex")
    revoke_moderator("rex")
    db.session.commit()
    return token


def reply(**fields) -> dict:
    return {"author_name": "Ada", "author_email": "ada@example.org", "body": "Well said.", **fields}
