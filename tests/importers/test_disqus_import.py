"""Disqus exports: the real files in ../shared/corpora/disqus, and merging with WordPress."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from forum.errors import ImportFailed
from forum.extensions import db
from forum.models import Comment, CommentStatus, Post, PostStatus
from tests.conftest import SHARED
from tests.wxr_builder import C, P, write_wxr

CORPUS = SHARED / "corpora" / "disqus"
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpora is not present")

# file: (needs --recover, posts by status, comments by status, replies, deepest depth)
EXPECTED = {
    # 189 posts on 57 threads; threads of one page (other hosts, query strings) merge.
    "disqus-to-github-issues-go__evanlin_20210517.xml": (
        False,
        {"published": 55},
        {"approved": 168, "spam": 13, "deleted": 8},
        74,
        6,
    ),
    # Post 6's thread (1337) is missing: kept, on a post readers do not see.
    "isso__disqus.xml": (
        False,
        {"published": 2, "pending": 1},
        {"approved": 5, "deleted": 1},
        2,
        1,
    ),
    # Damaged on purpose: a stray backtick first, an unquoted attribute, a bad date.
    "remark42__disqus.xml": (
        True,
        {"published": 2, "pending": 1},
        {"approved": 5, "spam": 1},
        None,
        None,
    ),
    "remark42__disqus-deleted-post.xml": (
        True,
        {"published": 2, "pending": 1},
        {"approved": 4, "deleted": 1, "spam": 1},
        None,
        None,
    ),
}


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


@needs_corpus
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_disqus_corpus_imports_with_expected_counts(run_import, name):
    recover, posts, statuses, replies, deepest = EXPECTED[name]
    if recover:
        with pytest.raises(ImportFailed) as failure:
            run_import(CORPUS / name)
        assert failure.value.line == 1 and "--recover" in str(failure.value)
        assert count(Post) == 0
    report = run_import(CORPUS / name, recover=recover)
    assert report.format == "disqus" and bool(report.repairs) == recover
    assert dict(report.posts_by_status) == posts
    assert dict(report.comments_by_status) == statuses
    assert count(Comment) == sum(statuses.values())
    if replies is not None:
        assert (
            db.session.execute(
                select(func.count(Comment.id)).where(Comment.parent_id.is_not(None))
            ).scalar_one()
            == replies
        )
        assert db.session.execute(select(func.max(Comment.depth))).scalar_one() == deepest
    for row in db.session.execute(select(Comment).where(Comment.parent_id.is_not(None))).scalars():
        parent = db.session.get(Comment, row.parent_id)
        assert parent.post_id == row.post_id and parent.source_key.endswith(row.source_parent_key)
    again = run_import(CORPUS / name, recover=recover)
    assert again.posts["created"] == again.comments["created"] == 0
    assert count(Comment) == sum(statuses.values())


@needs_corpus
def test_deleted_disqus_post_with_a_live_reply_is_a_tombstone(run_import, http):
    run_import(CORPUS / "isso__disqus.xml")
    deleted = db.session.execute(
        select(Comment).where(Comment.status == CommentStatus.DELETED)
    ).scalar_one()
    db.session.rollback()
    thread = http.get(f"/api/posts/{deleted.post_id}/comments").json()["comments"]
    tombstone = next(c for c in thread if c["id"] == deleted.id)
    assert tombstone["tombstone"] and tombstone["replies"][0]["body_html"]


@needs_corpus
def test_a_thread_first_loaded_on_localhost_joins_the_real_page(run_import):
    run_import(CORPUS / "disqus-to-github-issues-go__evanlin_20210517.xml")
    urls = db.session.execute(select(Post.canonical_url)).scalars().all()
    assert not any(url.startswith(("localhost", "127.0.0.1", "0.0.0.0")) for url in urls)
    assert len(urls) == len(set(urls))


def disqus_file(path: Path, link: str, posts: list[tuple[str, str | None, str, str, str]]) -> Path:
    """posts: (id, parent id, author, ISO date, message)."""
    items = "".join(
        f'<post dsq:id="{pid}"><id/><message><![CDATA[{message}]]></message>'
        f"<createdAt>{date}</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam>"
        f"<author><name>{author}</name><isAnonymous>true</isAnonymous></author>"
        f'<thread dsq:id="77"/>' + (f'<parent dsq:id="{parent}"/>' if parent else "") + "</post>"
        for pid, parent, author, date, message in posts
    )
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">'
        f'<thread dsq:id="77"><id/><link>{link}</link><title>Hello</title>'
        "<createdAt>2024-01-01T09:00:00Z</createdAt><isClosed>false</isClosed>"
        f"<isDeleted>false</isDeleted></thread>{items}</disqus>",
        encoding="utf-8",
    )
    return path


DISQUS_POSTS = [
    ("901", None, "Reader", "2024-01-01T10:00:30Z", "<p>A comment.</p>"),  # the same as WXR's 1
    ("902", "901", "Later", "2024-02-01T10:00:00Z", "<p>A reply in Disqus times.</p>"),
    ("903", None, "Newcomer", "2024-02-02T10:00:00Z", "<p>Only in Disqus.</p>"),
]


@pytest.mark.parametrize("wordpress_first", [True, False])
def test_wordpress_and_disqus_of_one_blog_merge_into_one_thread(
    run_import, tmp_path, wordpress_first
):
    wxr = write_wxr(
        tmp_path / "blog.xml",
        [
            P(
                "5",
                title="Hello",
                content="The post.",
                comments=[
                    C("1", content="A comment."),
                    C("2", parent="1", content="An old reply.", date_gmt="2024-01-01 11:00:00"),
                ],
            )
        ],
        site="https://blog.example.org",
    )
    wxr.write_text(
        wxr.read_text().replace(
            "https://blog.example.org/?p=5", "https://blog.example.org/2024/hello/"
        )
    )
    disqus = disqus_file(
        tmp_path / "disqus.xml",
        "http://www.blog.example.org/2024/hello?utm_source=feed",
        DISQUS_POSTS,
    )
    first, second = (wxr, disqus) if wordpress_first else (disqus, wxr)
    run_import(first)
    report = run_import(second)
    assert report.posts["attached"] == 1 and report.comments["merged"] == 1
    assert count(Post) == 1
    post = db.session.execute(select(Post)).scalar_one()
    assert post.title == "Hello" and post.body_raw == "The post."
    assert post.status == PostStatus.PUBLISHED
    comments = db.session.execute(select(Comment).order_by(Comment.created_at)).scalars().all()
    assert len(comments) == 4  # 2 + 3, one of them stored once
    assert sorted(c.author_name for c in comments) == ["Later", "Newcomer", "Reader", "Reader"]
    reader = next(c for c in comments if c.body_raw in {"A comment.", "<p>A comment.</p>"})
    later = next(c for c in comments if c.author_name == "Later")
    assert later.parent_id == reader.id and later.depth == 1
    again = run_import(second)
    assert again.comments["created"] == 0 and count(Comment) == 4


def test_disqus_xml_attacks_are_refused(run_import, tmp_path):
    evil = tmp_path / "evil.xml"
    evil.write_text(
        '<?xml version="1.0"?><!DOCTYPE disqus [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<disqus xmlns="http://disqus.com"><post><message>&x;</message></post></disqus>'
    )
    with pytest.raises(ImportFailed) as failure:
        run_import(evil)
    assert "DTD" in str(failure.value)
    assert count(Comment) == 0
