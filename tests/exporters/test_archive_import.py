"""The importer of our own JSON archive: detected, streamed, checked, and never trusted."""

from __future__ import annotations

import orjson
import pytest
from sqlalchemy import select

from forum.errors import ImportFailed
from forum.extensions import db
from forum.importers import archive, detect_format
from forum.importers.records import CommentRecord, Notice, PostRecord
from forum.importers.xmlsource import ReadState
from forum.models import Comment, CommentStatus, Post, PostStatus, Quote

QUOTED = "Conditions change a lot from year to year, so check before you go up there."


def document(*posts: dict, **extra) -> dict:
    return {
        "format": "forum-archive",
        "version": 1,
        "posts": list(posts),
        "moderation_log": [],
        **extra,
    }


def post(**fields) -> dict:
    return {
        "id": 7,
        "type": "post",
        "status": "published",
        "title": "A post",
        "body_raw": "Body.",
        "body_html": "<p>Body.</p>",
        "published_at": "2024-01-01T09:00:00+00:00",
        "source": "wordpress",
        "source_key": "https://blog.example.org?p=1",
        "comments": [],
        **fields,
    }


def comment(id: int, parent_id: int | None = None, **fields) -> dict:
    return {
        "id": id,
        "parent_id": parent_id,
        "status": "approved",
        "kind": "comment",
        "author": {"name": "Reader", "email": None, "url": None, "account": None},
        "created_at": f"2024-01-01T10:00:{id:02d}+00:00",
        "body_raw": f"Comment {id}.",
        "body_html": f"<p>Comment {id}.</p>",
        "replies": [],
        **fields,
    }


def write(tmp_path, data: dict | bytes, name: str = "archive.json"):
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else orjson.dumps(data))
    return path


def records(path) -> list:
    return list(archive.parse(path, recover=False, state=ReadState()))


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b'{"format": "forum-archive", "version": 1, "posts": [', True),
        (b'\xef\xbb\xbf\n  {\n  "exported_at": "x",\n  "format" : "forum-archive"', True),
        (b'{"format": "something-else"}', False),
        (b'["format", "forum-archive"]', False),
        (b"<rss><!-- forum-archive --></rss>", False),
    ],
)
def test_detect(head, expected):
    assert archive.detect(head) is expected


def test_an_export_is_detected_as_json(tmp_path):
    assert detect_format(write(tmp_path, document(post()))) == "json"


def test_the_tree_comes_from_parent_ids_not_the_nesting(tmp_path):
    # Comment 3 answers 1 but is listed (as past the nesting depth) beside 2.
    thread = [comment(1, replies=[comment(2, 1), comment(3, 1, reply_to={"id": 1})])]
    deep = comment(4, 3)
    thread[0]["replies"][0]["replies"] = [deep]  # nested under 2, but its parent is 3
    found = records(write(tmp_path, document(post(comments=thread))))
    [record] = [r for r in found if isinstance(r, PostRecord)]
    assert [(c.key, c.parent_key) for c in record.comments] == [
        ("1", None),
        ("2", "1"),
        ("4", "3"),
        ("3", "1"),
    ]
    assert record.key == "wordpress:https://blog.example.org?p=1"


def test_bodies_are_sanitized_again_and_old_citations_dropped(tmp_path):
    html = (
        '<blockquote cite="#c12"><p>quoted</p></blockquote>'
        '<p onclick="x()">Hi<script>alert(1)</script> <a href="javascript:x">there</a></p>'
    )
    data = document(
        post(
            body_html="<p>Post<script>alert(1)</script></p>", comments=[comment(1, body_html=html)]
        )
    )
    [record] = [r for r in records(write(tmp_path, data)) if isinstance(r, PostRecord)]
    assert record.body_html == "<p>Postalert(1)</p>"
    body = record.comments[0].body_html
    assert "script" not in body and "onclick" not in body and "javascript" not in body
    assert body.startswith("<blockquote><p>quoted</p></blockquote>")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"format": "forum-archive", "version": 1, "posts": [{"id": 1,', "not valid JSON"),
        (orjson.dumps(document(post(), version=2)), "archive version 2"),
        (orjson.dumps(document(post(), format="other")), "not a forum archive"),
        (orjson.dumps(document(post(status="live"))), "status must be one of published"),
        (orjson.dumps(document(post(title=5))), "post 1: title must be a string"),
        (orjson.dumps(document(post(comments=[{**comment(1), "id": "x"}]))), "id must be a whole"),
        (orjson.dumps(document(post(source_key=None))), "has no source and source_key"),
        (orjson.dumps(document(post(published_at="yesterday"))), "an ISO 8601 date"),
        (orjson.dumps(document("a post")), "post 1 is not an object"),
        (orjson.dumps(document(post(title="a\x00b"))), "title must be text without NUL"),
    ],
)
def test_damaged_or_foreign_archives_are_refused(tmp_path, data, message):
    with pytest.raises(ImportFailed) as failure:
        records(write(tmp_path, data))
    assert message in str(failure.value)


def test_a_refused_archive_writes_nothing(run_import, tmp_path):
    good, bad = post(), post(source_key="two", status="nonsense")
    with pytest.raises(ImportFailed):
        run_import(write(tmp_path, document(good, bad)))
    assert db.session.execute(select(Post)).first() is None


def test_flags_and_log_are_counted_as_not_imported(tmp_path):
    flags = [{"reason": "spam", "note": None, "created_at": None, "resolved_at": None}]
    data = document(post(comments=[comment(1, flags=flags)]), moderation_log=[{"id": 1}] * 3)
    [notice] = [r for r in records(write(tmp_path, data)) if isinstance(r, Notice)]
    assert "1 reader flags and 3 moderation log entries were not imported" in notice.message


def test_statuses_dates_authors_and_quotes_are_restored(run_import, tmp_path):
    account = {
        "id": 3,
        "login": "ada",
        "display_name": "Ada L.",
        "email": "ada@example.org",
        "source": "wordpress",
        "source_key": "https://blog.example.org|ada",
    }
    reply_body = f"<blockquote>{QUOTED}</blockquote>\n\nAgreed."
    # As the source cited it: the citation names an id of the source's database.
    reply_html = f'<blockquote cite="#c999"><p>{QUOTED}</p></blockquote><p>Agreed.</p>'
    thread = [
        comment(
            1,
            body_raw=QUOTED,
            author={"name": "Ada", "account": account},
            replies=[comment(2, 1, body_raw=reply_body, body_html=reply_html)],
        ),
        comment(3, status="hidden", created_at="2024-02-03T04:05:06.789+00:00"),
    ]
    report = run_import(
        write(tmp_path, document(post(author=account, comments=thread, status="draft")))
    )
    assert report.format == "json" and report.quotes["total"] == 1
    row = db.session.execute(select(Post)).scalar_one()
    assert row.status == PostStatus.DRAFT and row.source == "archive"
    assert row.author.login == "ada" and row.author.display_name == "Ada L."
    rows = {c.body_raw[:10]: c for c in db.session.execute(select(Comment)).scalars()}
    first, reply, hidden = rows[QUOTED[:10]], rows["<blockquot"], rows["Comment 3."]
    assert reply.parent_id == first.id and first.author_id == row.author_id
    assert hidden.status == CommentStatus.HIDDEN and hidden.created_at.microsecond == 789000
    quote = db.session.execute(select(Quote)).scalar_one()
    assert (quote.comment_id, quote.source_comment_id) == (reply.id, first.id)
    assert f'<blockquote cite="#c{first.id}">' in reply.body_html


def test_a_later_export_of_the_same_archive_updates(run_import, tmp_path):
    first = document(post(comments=[comment(1), comment(2)]))
    run_import(write(tmp_path, first))
    later = document(
        post(title="Renamed", comments=[comment(1, status="spam"), comment(2), comment(3, 2)])
    )
    report = run_import(write(tmp_path, later, "later.json"))
    assert report.posts["updated"] == 1 and report.comments["created"] == 1
    assert db.session.execute(select(Post.title)).scalars().all() == ["Renamed"]
    statuses = dict(db.session.execute(select(Comment.body_raw, Comment.status)).all())
    assert statuses["Comment 1."] == CommentStatus.SPAM


def test_records_are_typed(tmp_path):
    found = records(write(tmp_path, document(post(comments=[comment(1)]))))
    [record] = [r for r in found if isinstance(r, PostRecord)]
    assert isinstance(record.comments[0], CommentRecord)
    assert record.published_at.isoformat() == "2024-01-01T09:00:00+00:00"
