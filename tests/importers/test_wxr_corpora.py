"""Every real WXR export in ../shared/corpora/wxr imports with the counts and tree that
../shared/corpora/SOURCES.md describes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import func, select

from forum.errors import ImportFailed
from forum.extensions import db
from forum.models import Comment, Post
from tests.conftest import SHARED

CORPUS = SHARED / "corpora" / "wxr"

# file: (needs --recover, posts by status, posts by type, comments by status, comments by
# kind, skipped items, deepest comment depth (0 = top level) or None when no comments)
EXPECTED = {
    "wordpress-importer__theme-unit-test-data.xml": (
        False,
        {"published": 77, "scheduled": 1, "draft": 1},
        {"post": 58, "page": 21},
        {"approved": 30, "pending": 3},
        {"comment": 29, "pingback": 2, "trackback": 2},
        {"attachment": 37, "nav_menu_item": 70},
        9,
    ),
    "wordpress-importer__valid-wxr-1.0.xml": (
        False,
        {"published": 6},
        {"post": 3, "page": 3},
        {"approved": 1},
        {"comment": 1},
        {},
        0,
    ),
    "wordpress-importer__valid-wxr-1.1.xml": (
        False,
        {"published": 2},
        {"post": 1, "page": 1},
        {"approved": 1},
        {"comment": 1},
        {},
        0,
    ),
    "wordpress-importer__small-export.xml": (
        False,
        {"published": 9, "draft": 1, "private": 1},
        {"post": 6, "page": 5},
        {"approved": 1},
        {"comment": 1},
        {},
        0,
    ),
    "wordpress-importer__crazy-cdata.xml": (True, {"published": 1}, {"post": 1}, {}, {}, {}, None),
    "wordpress-importer__crazy-cdata-escaped.xml": (
        False,
        {"published": 1},
        {"post": 1},
        {},
        {},
        {},
        None,
    ),
    "wordpress-importer__multiple-cdata.xml": (
        False,
        {"published": 1},
        {"post": 1},
        {},
        {},
        {},
        None,
    ),
    "wordpress-importer__slashes.xml": (
        False,
        {"published": 1},
        {"post": 1},
        {"approved": 1},
        {"comment": 1},
        {},
        0,
    ),
    "wordpress-importer__test-serialized-comment-meta.xml": (
        False,
        {"draft": 1},
        {"post": 1},
        {"approved": 1},
        {"comment": 1},
        {},
        0,
    ),
    "wordpress-importer__wxr-utf-8-challenges.xml": (
        False,
        {"published": 1},
        {"post": 1},
        {},
        {},
        {},
        None,
    ),
    "wordpress-importer__wxr-with-sub-data.xml": (
        False,
        {"published": 1},
        {"post": 1},
        {"pending": 1},
        {"comment": 1},
        {},
        0,
    ),
    "wordpress-importer__post-content-blank-lines.xml": (
        False,
        {"published": 1},
        {"post": 1},
        {},
        {},
        {},
        None,
    ),
    "wordpress-importer__namespace-edge-cases.xml": (
        True,
        {"published": 6},
        {"post": 6},
        {},
        {},
        {},
        None,
    ),
    "wordpress-importer__wxr-comprehensive.xml": (
        False,
        {"published": 2},
        {"post": 1, "page": 1},
        {"approved": 1},
        {"comment": 1},
        {},
        0,
    ),
    "wordpress-importer__wxr-with-note-comments.xml": (
        False,
        {"published": 1},
        {"page": 1},
        {"approved": 1},
        {"comment": 1},
        {"private_comment": 2},
        0,
    ),
    "isso__wordpress.xml": (
        False,
        {"published": 3},
        {"post": 3},
        {"approved": 8},
        {"comment": 8},
        {},
        2,
    ),
    "hexo-migrator-wordpress__wordpress.xml": (
        False,
        {"published": 5, "draft": 1, "deleted": 13},
        {"post": 17, "page": 2},
        {"approved": 1},
        {"comment": 1},
        {},
        0,
    ),
    "jekyll-import__sitetitle.wordpress.2025-01-19.000.xml": (
        False,
        {"published": 8},
        {"post": 7, "page": 1},
        {},
        {},
        {"attachment": 6, "wp_global_styles": 1, "wp_navigation": 1},
        None,
    ),
    "TryGhost-migrate__sample.xml": (
        True,
        {"published": 3, "draft": 1},
        {"post": 3, "page": 1},
        {},
        {},
        {"attachment": 1, "customcpt": 1},
        None,
    ),
}

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpora is not present")


def test_every_corpus_file_has_an_expectation():
    assert sorted(p.name for p in CORPUS.glob("*.xml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file_imports_with_expected_counts(run_import, name):
    recover, posts, types, statuses, kinds, skipped, deepest = EXPECTED[name]
    path = CORPUS / name
    if recover:
        with pytest.raises(ImportFailed) as failure:
            run_import(path)
        assert failure.value.line and "--recover" in str(failure.value)
        assert db.session.execute(select(func.count(Post.id))).scalar_one() == 0
    report = run_import(path, recover=recover)
    assert bool(report.repairs) == recover
    assert dict(report.posts_by_status) == posts
    assert dict(report.posts_by_type) == types
    assert dict(report.comments_by_status) == statuses
    assert dict(report.comments_by_kind) == kinds
    assert dict(report.skipped) == skipped
    stored = db.session.execute(select(func.count(Post.id))).scalar_one()
    assert stored == sum(posts.values())
    assert db.session.execute(select(func.count(Comment.id))).scalar_one() == sum(statuses.values())
    if deepest is not None:
        assert db.session.execute(select(func.max(Comment.depth))).scalar_one() == deepest
    again = run_import(path, recover=recover)
    assert again.posts["created"] == again.comments["created"] == 0
    assert db.session.execute(select(func.count(Post.id))).scalar_one() == stored


def _file_parents(path: Path) -> Counter:
    """(post id, comment id) -> parent id, read independently of the importer."""
    tree = etree.parse(str(path), etree.XMLParser(recover=True, resolve_entities=False))
    parents: Counter = Counter()
    for item in tree.iter("item"):
        for comment in item:
            if not isinstance(comment.tag, str) or etree.QName(comment).localname != "comment":
                continue
            fields = {
                etree.QName(c).localname: (c.text or "").strip()
                for c in comment
                if isinstance(c.tag, str)
            }
            if fields.get("comment_type") == "note":
                continue
            parents[fields.get("comment_parent") or "0"] += 1
    return parents


@pytest.mark.parametrize("name", [n for n, e in EXPECTED.items() if e[3]])
def test_corpus_parent_links_are_preserved(run_import, name):
    recover = EXPECTED[name][0]
    run_import(CORPUS / name, recover=recover)
    rows = db.session.execute(select(Comment)).scalars().all()
    by_id = {row.id: row for row in rows}
    expected_replies = sum(n for parent, n in _file_parents(CORPUS / name).items() if parent != "0")
    replies = [row for row in rows if row.parent_id is not None]
    assert len(replies) == expected_replies
    for row in replies:
        parent = by_id[row.parent_id]
        assert parent.post_id == row.post_id
        assert parent.source_key.endswith(f"#comment-{row.source_parent_key}")
        assert row.depth == parent.depth + 1


def _body_after_import(run_import, name: str) -> str:
    # These upstream fixtures all come from one test site and reuse post id 1, so each
    # import updates the same post: read its body right after each file.
    run_import(CORPUS / name)
    return (
        db.session.execute(select(Post.body_raw).order_by(Post.updated_at.desc())).scalars().first()
    )


def test_corpus_content_quirks(run_import):
    assert _body_after_import(run_import, "wordpress-importer__crazy-cdata-escaped.xml") == (
        "Content with nested <![CDATA[ tags ]]> :)"
    )
    assert _body_after_import(run_import, "wordpress-importer__multiple-cdata.xml") == (
        "line oneline twoline three"
    )
    assert _body_after_import(run_import, "wordpress-importer__slashes.xml") == (
        'Slashes aren\\\'t \\"cool\\"'
    )
    comment = db.session.execute(select(Comment)).scalar_one()
    assert comment.body_raw == "\\o/ ¯\\_(ツ)_/¯"
    blank = _body_after_import(run_import, "wordpress-importer__post-content-blank-lines.xml")
    assert "\n\n" in blank
    html = db.session.execute(select(Post.body_html).where(Post.body_raw == blank)).scalar_one()
    assert html.count("<p>") >= 2
    utf8 = _body_after_import(run_import, "wordpress-importer__wxr-utf-8-challenges.xml")
    assert "&#xD800;&#xDC00;" in utf8  # character references inside CDATA stay text
    title = db.session.execute(select(Post.title).where(Post.body_raw == utf8)).scalar_one()
    assert "\u202e" in title  # right-to-left override kept as written


def test_isso_export_keeps_both_comments_with_the_same_id(run_import):
    run_import(CORPUS / "isso__wordpress.xml")
    keys = db.session.execute(select(Comment.source_key)).scalars().all()
    assert len([k for k in keys if k.endswith("#comment-11")]) == 2
