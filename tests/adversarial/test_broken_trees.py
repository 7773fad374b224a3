"""Family 3, broken trees: whatever the parent links say, nothing is dropped and the stored
thread is a tree.

Orphan parents, self-parents, cycles (of 2, 3, 100 and 10,000, with tails, by the
thousand), repeated ids, parents named in another post, parents listed after their
children, parent ids that are not ids, a 10,000-deep chain (in order and reversed) and
elements nested 50,000 deep, through the WordPress, Disqus, saved-page and forum-archive
importers. For every case: every comment of the file is stored; every stored parent exists
on the same post; depth and root agree with the parents; no cycle is left, each cycle of
the file broken at exactly one member (its oldest); links that were fine are kept; the
thread and the deepest reply are served; no RecursionError anywhere.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from forum.extensions import db
from forum.models import Comment, Post
from tests.adversarial.support import ImportWorker, import_path

START = datetime(2024, 1, 1, tzinfo=UTC)
DEEP_SECONDS = 10.0  # a 50,000-deep tree must not hold the importer for longer


@dataclass
class Tree:
    """A thread as a file states it: (id, parent id) in file order; "0" is no parent."""

    links: list[tuple[str, str]]
    cycles: list[set[str]] = field(default_factory=list)  # expected to be broken once each
    orphans: set[str] = field(default_factory=set)  # expected to become top-level
    dates: dict[str, int] | None = None  # minutes after START; default: file order


def chain(length: int, reverse: bool = False) -> Tree:
    links = [(str(n), str(n - 1) if n > 1 else "0") for n in range(1, length + 1)]
    return Tree(links[::-1] if reverse else links, dates={str(n): n for n in range(1, length + 1)})


def cycle(length: int, start: int = 1) -> list[tuple[str, str]]:
    ids = [str(n) for n in range(start, start + length)]
    return [(ids[i], ids[i - 1]) for i in range(length)]  # ids[0]'s parent is the last one


TREES: dict[str, Tree] = {
    "orphan-parent": Tree([("1", "0"), ("2", "99")], orphans={"2"}),
    "orphan-heads-a-chain": Tree([("1", "77"), ("2", "1"), ("3", "2")], orphans={"1"}),
    "self-parent": Tree([("1", "1"), ("2", "1")], orphans={"1"}),
    "self-parent-in-chain": Tree([("1", "0"), ("2", "1"), ("3", "3"), ("4", "3")], orphans={"3"}),
    "cycle-of-2": Tree([("1", "2"), ("2", "1")], cycles=[{"1", "2"}]),
    "cycle-of-3": Tree(cycle(3), cycles=[{"1", "2", "3"}]),
    "cycle-of-100": Tree(cycle(100), cycles=[{str(n) for n in range(1, 101)}]),
    "cycle-oldest-last-in-file": Tree(
        [("1", "3"), ("2", "1"), ("3", "2")],
        cycles=[{"1", "2", "3"}],
        dates={"1": 3, "2": 2, "3": 1},
    ),
    "cycle-with-tails": Tree(
        [*cycle(3), ("4", "1"), ("5", "4"), ("6", "2")], cycles=[{"1", "2", "3"}]
    ),
    "two-cycles-and-a-bridge": Tree(
        [*cycle(2, 1), *cycle(3, 3), ("6", "1"), ("7", "4")],
        cycles=[{"1", "2"}, {"3", "4", "5"}],
    ),
    "thousand-cycles-of-2": Tree(
        [link for k in range(1000) for link in cycle(2, 2 * k + 1)],
        cycles=[{str(2 * k + 1), str(2 * k + 2)} for k in range(1000)],
    ),
    "cycle-of-10000": Tree(cycle(10_000), cycles=[{str(n) for n in range(1, 10_001)}]),
    "duplicate-ids": Tree([("1", "0"), ("2", "1"), ("2", "1"), ("3", "2")]),
    "duplicate-ids-in-a-cycle": Tree([("1", "2"), ("2", "1"), ("1", "0")]),
    "duplicate-id-many-times": Tree([("1", "0"), *[("5", "1")] * 20]),
    "parent-after-child": Tree([("3", "2"), ("2", "1"), ("1", "0")]),
    "parent-ids-not-ids": Tree(
        [
            ("1", "0"),
            ("2", ""),
            ("3", "00"),
            ("4", "-1"),
            ("5", "abc"),
            ("6", " 1 "),
            ("7", "99999999999999999999999999"),
            ("8", "1.0"),
            ("9", "0x1"),
        ]
    ),
    "wide-5000": Tree([("1", "0"), *((str(n), "1") for n in range(2, 5002))]),
    "chain-10000": chain(10_000),
    "chain-10000-children-first": chain(10_000, reverse=True),
}


def _cases():
    return [
        pytest.param(slug, id=f"tree-{n:03d}-of-{len(TREES)}-{slug}")
        for n, slug in enumerate(TREES, 1)
    ]


# Files ---------------------------------------------------------------------------------


def _date(minutes: int) -> datetime:
    return START + timedelta(minutes=minutes)


def _wxr_comment(key: str, parent: str, minutes: int, content: str | None = None) -> str:
    return (
        f"<wp:comment><wp:comment_id>{key}</wp:comment_id>"
        f"<wp:comment_author>Author {key}</wp:comment_author>"
        f"<wp:comment_content><![CDATA[{content or f'Comment {key}, replying to {parent}.'}]]>"
        f"</wp:comment_content><wp:comment_approved>1</wp:comment_approved>"
        f"<wp:comment_parent>{parent}</wp:comment_parent>"
        f"<wp:comment_date_gmt>{_date(minutes):%Y-%m-%d %H:%M:%S}</wp:comment_date_gmt>"
        "</wp:comment>"
    )


def wxr_file(posts: list[tuple[str, str]], site: str = "https://trees.example.org") -> str:
    """posts: (post id, its comments' XML)."""
    items = "".join(
        f"<item><title>Tree {pid}</title><link>{site}/?p={pid}</link>"
        f"<content:encoded>Post {pid}.</content:encoded><wp:post_id>{pid}</wp:post_id>"
        "<wp:post_date_gmt>2024-01-01 00:00:00</wp:post_date_gmt><wp:status>publish</wp:status>"
        f"<wp:post_type>post</wp:post_type>{comments}</item>\n"
        for pid, comments in posts
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>Trees</title>'
        f"<link>{site}</link><wp:wxr_version>1.2</wp:wxr_version>"
        f"<wp:base_site_url>{site}</wp:base_site_url>{items}</channel></rss>\n"
    )


def tree_comments(tree: Tree) -> str:
    return "".join(
        _wxr_comment(key, parent, (tree.dates or {}).get(key, index))
        for index, (key, parent) in enumerate(tree.links, 1)
    )


# Checks --------------------------------------------------------------------------------


def stored_thread(app: Flask, post_id: int) -> list[dict[str, Any]]:
    with app.app_context():
        rows = (
            db.session.execute(
                select(
                    Comment.id,
                    Comment.post_id,
                    Comment.parent_id,
                    Comment.root_id,
                    Comment.depth,
                    Comment.source_key,
                    Comment.source_parent_key,
                    Comment.created_at,
                ).where(Comment.post_id == post_id)
            )
            .mappings()
            .all()
        )
        db.session.remove()
    return [dict(row) for row in rows]


def source_id(row: dict[str, Any]) -> str:
    return row["source_key"].rsplit("#comment-", 1)[-1]


def check_is_a_tree(app: Flask, post_id: int, rows: list[dict[str, Any]]) -> None:
    """Every parent exists on the same post; depth and root follow the parents; no cycle."""
    by_id = {row["id"]: row for row in rows}
    with app.app_context():
        outside = db.session.execute(
            select(Comment.id, Comment.post_id).where(
                Comment.id.in_({row["parent_id"] for row in rows if row["parent_id"]} - set(by_id))
            )
        ).all()
        db.session.remove()
    assert not outside, f"parents on another post, or missing: {outside[:5]}"
    depth: dict[int, int] = {}
    root: dict[int, int | None] = {}
    for row in rows:  # iterative: walk up to a settled node or the top
        path, node = [], row["id"]
        while node not in depth:
            assert node not in path, "a cycle was stored"
            path.append(node)
            parent = by_id[node]["parent_id"]
            if parent is None:
                depth[node], root[node] = 0, None
                path.pop()
                break
            node = parent
        for node in reversed(path):
            parent = by_id[node]["parent_id"]
            depth[node] = depth[parent] + 1
            root[node] = root[parent] if root[parent] is not None else parent
    for row in rows:
        assert row["depth"] == depth[row["id"]], row
        assert row["root_id"] == root[row["id"]], row


def check_links(rows: list[dict[str, Any]], tree: Tree) -> None:
    """Nothing dropped; good links kept; each cycle broken at one member, its oldest."""
    assert len(rows) == len(tree.links), "every comment of the file is stored"
    repeated = {key for key, n in Counter(k for k, _p in tree.links).items() if n > 1}
    by_source: dict[str, dict[str, Any]] = {}
    for row in rows:
        by_source.setdefault(source_id(row), row)
    by_id = {row["id"]: row for row in rows}
    in_cycles = set().union(*tree.cycles) if tree.cycles else set()
    declared = dict(tree.links)
    for key, parent in tree.links:
        if key in repeated or parent in repeated or key in in_cycles or key in tree.orphans:
            continue
        if parent in declared and parent != key:
            row = by_source[key]
            assert row["parent_id"] is not None and source_id(by_id[row["parent_id"]]) == parent
    for key in tree.orphans:
        row = by_source[key]
        assert row["parent_id"] is None
        if declared[key] != key:
            assert row["source_parent_key"] == declared[key]
    for members in tree.cycles:
        tops = [key for key in members if by_source[key]["parent_id"] is None]
        assert len(tops) == 1, f"cycle {sorted(members)[:5]} broken at {tops[:5]}"
        oldest = min(members, key=lambda k: (by_source[k]["created_at"], k))
        assert tops == [oldest]


def check_served(api, reader, post_id: int, rows: list[dict[str, Any]]) -> None:
    """The thread, its pages and the deepest reply are served (no 5xx, no RecursionError)."""
    seen, page, pages = 0, 1, 1
    while page <= pages:
        answer = api.get(f"/api/posts/{post_id}/comments?per_page=100&page={page}")
        assert answer.status_code == 200, answer.text[:300]
        body = answer.json()
        pages = body["pages"]
        stack = list(body["comments"])
        while stack:
            node = stack.pop()
            seen += 1
            stack.extend(node["replies"])
        page += 1
    assert seen == len(rows), "the thread serves every comment"
    assert reader.get(f"/posts/{post_id}").status_code == 200
    deepest = max(rows, key=lambda row: (row["depth"], row["id"]))
    assert api.get(f"/api/comments/{deepest['id']}").status_code == 200
    assert reader.get(f"/comments/{deepest['id']}").status_code == 200


# WordPress: one post per case, one file ------------------------------------------------


@pytest.fixture(scope="module")
def wxr_trees(app: Flask, tmp_path_factory) -> dict[str, int]:
    folder = tmp_path_factory.mktemp("trees")
    posts = [(str(100 + n), tree_comments(tree)) for n, tree in enumerate(TREES.values())]
    path = folder / "trees.xml"
    path.write_text(wxr_file(posts))
    report = import_path(app, path)
    assert report.comments["created"] == sum(len(t.links) for t in TREES.values())
    with app.app_context():
        ids = dict(db.session.execute(select(Post.title, Post.id)).all())
        db.session.remove()
    return {slug: ids[f"Tree {100 + n}"] for n, slug in enumerate(TREES)}


@pytest.mark.parametrize("slug", _cases())
def test_wordpress_tree(app, local_api, local_reader, wxr_trees, slug):
    tree = TREES[slug]
    rows = stored_thread(app, wxr_trees[slug])
    check_links(rows, tree)
    check_is_a_tree(app, wxr_trees[slug], rows)
    check_served(local_api, local_reader, wxr_trees[slug], rows)


# Other importers and shapes ------------------------------------------------------------


def test_parent_named_in_another_post_is_not_a_parent(app, tmp_path):
    """Post A has comment 7; post B's comment 8 names 7 as its parent: 8 is top-level in B,
    never a reply across posts. Post B's own comment 7 is the parent of its 9."""
    path = tmp_path / "cross.xml"
    path.write_text(
        wxr_file(
            [
                ("201", _wxr_comment("7", "0", 1)),
                ("202", _wxr_comment("8", "7", 2)),
                ("203", _wxr_comment("7", "0", 3) + _wxr_comment("9", "7", 4)),
            ],
            site="https://cross.example.org",
        )
    )
    import_path(app, path)
    with app.app_context():
        posts = dict(
            db.session.execute(
                select(Post.title, Post.id).where(Post.title.in_(["Tree 202", "Tree 203"]))
            ).all()
        )
        db.session.remove()
    [eight] = stored_thread(app, posts["Tree 202"])
    assert eight["parent_id"] is None and eight["source_parent_key"] == "7"
    rows = stored_thread(app, posts["Tree 203"])
    nine = next(r for r in rows if source_id(r) == "9")
    assert {r["id"]: r for r in rows}[nine["parent_id"]]["post_id"] == posts["Tree 203"]


def disqus_file(links: list[tuple[str, str]], link: str) -> str:
    posts = "".join(
        f'<post dsq:id="{key}"><message><![CDATA[<p>Disqus {key}</p>]]></message>'
        f"<createdAt>{_date(n):%Y-%m-%dT%H:%M:%SZ}</createdAt><isDeleted>false</isDeleted>"
        f"<isSpam>false</isSpam><author><name>D{key}</name></author>"
        f'<thread dsq:id="t"/>'
        + (f'<parent dsq:id="{parent}"/>' if parent != "0" else "")
        + "</post>"
        for n, (key, parent) in enumerate(links, 1)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">'
        f'<thread dsq:id="t"><link>{link}</link><title>Disqus tree</title></thread>'
        f"{posts}</disqus>"
    )


DISQUS_TREES = [
    "orphan-parent",
    "self-parent",
    "cycle-of-3",
    "cycle-with-tails",
    "two-cycles-and-a-bridge",
    "chain-10000-children-first",
]


@pytest.mark.parametrize(
    "slug",
    [
        pytest.param(s, id=f"disqus-tree-{n}-of-{len(DISQUS_TREES)}-{s}")
        for n, s in enumerate(DISQUS_TREES, 1)
    ],
)
def test_disqus_tree(app, local_api, local_reader, tmp_path, slug):
    tree = TREES[slug]
    path = tmp_path / f"{slug}.xml"
    link = f"https://disqus-trees.example.org/{slug}/"
    path.write_text(disqus_file(tree.links, link))
    import_path(app, path, format="disqus")
    with app.app_context():
        post_id = db.session.execute(select(Post.id).where(Post.source_url == link)).scalar_one()
        db.session.remove()
    rows = stored_thread(app, post_id)
    assert len(rows) == len(tree.links)
    for row in rows:
        row["source_key"] = "#comment-" + row["source_key"].rsplit(":", 1)[-1].rsplit("#", 1)[-1]
    check_is_a_tree(app, post_id, rows)
    check_served(local_api, local_reader, post_id, rows)


def archive_file(comments: list[dict[str, Any]], *, nested: bool, key: str) -> str:
    """forum's own JSON archive; ``nested``: each comment inside the one before."""

    def node(comment: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": comment["id"],
            "parent_id": comment["parent_id"],
            "status": "approved",
            "kind": "comment",
            "author": {"name": f"J{comment['id']}"},
            "created_at": _date(comment["id"]).isoformat(),
            "body_raw": f"Archived {comment['id']}.",
            "replies": [],
        }

    if nested:
        # Written as text, each comment opened inside the one before and all closed at the
        # end: a 50,000-deep object would hit Python's own recursion limit in json.dumps.
        opening, closing = [], []
        for comment in comments:
            head, _, tail = json.dumps(node(comment)).partition('"replies": []')
            opening.append(head + '"replies": [')
            closing.append("]" + tail)
        thread = "[" + "".join(opening) + "".join(reversed(closing)) + "]"
    else:
        thread = json.dumps([node(c) for c in comments])
    post = json.dumps(
        {
            "id": 1,
            "type": "post",
            "status": "published",
            "title": f"Archived tree {key}",
            "source": "archive-test",
            "source_key": key,
            "body_raw": "Archived post.",
        }
    )
    return (
        '{"format": "forum-archive", "version": 1, "exported_at": "2024-01-01T00:00:00+00:00", '
        f'"posts": [{post[:-1]}, "comments": {thread}}}], "moderation_log": []}}'
    )


@pytest.mark.parametrize(
    "depth, nested",
    [
        pytest.param(10_000, False, id="archive-1-of-3-chain-10000"),
        pytest.param(200, True, id="archive-2-of-3-nested-200"),
        pytest.param(50_000, True, id="archive-3-of-3-nested-50000"),
    ],
)
def test_archive_tree(app, worker, local_api, local_reader, tmp_path, depth, nested):
    """forum's own JSON archive: a chain by parent_id, and replies nested inside replies.
    Nesting deeper than any export (ours stop at 64 levels) is refused: nothing written."""
    comments = [{"id": n, "parent_id": n - 1 if n > 1 else None} for n in range(1, depth + 1)]
    path = tmp_path / "archive.json"
    key = f"{depth}-{'nested' if nested else 'chain'}"
    path.write_text(archive_file(comments, nested=nested, key=key))
    answer = worker.run(path, format="json", timeout=120)
    assert "crash" not in answer, answer.get("traceback") or answer["crash"]
    assert answer["seconds"] < DEEP_SECONDS
    if depth > 1000 and nested:
        assert "nests deeper" in answer["error"]["reason"]
        assert answer["after"] == answer["before"]
        return
    assert "report" in answer, answer.get("error")
    report = answer["report"]["comments"]
    assert report["created"] + report["updated"] + report["unchanged"] == depth
    with app.app_context():
        post_id = db.session.execute(
            select(Post.id).where(Post.title == f"Archived tree {key}")
        ).scalar_one()
        db.session.remove()
    rows = stored_thread(app, post_id)
    assert len(rows) == depth and max(r["depth"] for r in rows) == depth - 1
    check_is_a_tree(app, post_id, rows)
    check_served(local_api, local_reader, post_id, rows)


# Elements nested 50,000 deep -----------------------------------------------------------

DEEP: dict[str, tuple[str, str | None]] = {
    # slug: (the comment's content, xfail reason)
    "div-50000-in-a-comment": ("<div>" * 50_000 + "deep words" + "</div>" * 50_000, None),
    "blockquote-50000-in-a-comment": (
        "<blockquote>" * 50_000 + "deep words" + "</blockquote>" * 50_000,
        None,
    ),
    "bold-50000-in-a-comment": ("<b>" * 50_000 + "deep words" + "</b>" * 50_000, None),
    "unclosed-50000-in-a-comment": ("<i><u>" * 25_000 + "deep words", None),
}


@pytest.fixture(scope="module")
def worker(app: Flask, database_url: str):
    process = ImportWorker(database_url)
    process.start()
    yield process
    process.stop()


def _deep_params():
    total = len(DEEP)
    return [
        pytest.param(
            slug,
            id=f"deep-{n}-of-{total}-{slug}",
            marks=[pytest.mark.xfail(strict=True, reason=reason)] if reason else [],
        )
        for n, (slug, (_content, reason)) in enumerate(DEEP.items(), 1)
    ]


@pytest.mark.parametrize("slug", _deep_params())
def test_element_tree_50000_deep_in_a_comment(app, worker, local_api, tmp_path, slug):
    """A WXR comment whose HTML nests 50,000 deep: kept, sanitized, served, in time."""
    content, _reason = DEEP[slug]
    pid = str(900 + list(DEEP).index(slug))
    path = tmp_path / f"{slug}.xml"
    path.write_text(
        wxr_file(
            [(pid, _wxr_comment("1", "0", 1, content) + _wxr_comment("2", "1", 2))],
            site=f"https://deep.example.org/{slug}",
        )
    )
    answer = worker.run(path, timeout=DEEP_SECONDS)
    assert "crash" not in answer, answer.get("traceback") or answer["crash"]
    assert "report" in answer, answer.get("error")
    assert answer["seconds"] < DEEP_SECONDS, f"took {answer['seconds']:.1f} s"
    assert answer["report"]["comments"]["created"] == 2
    with app.app_context():
        post_id = db.session.execute(
            select(Post.id).where(Post.title == f"Tree {pid}")
        ).scalar_one()
        db.session.remove()
    thread = local_api.get(f"/api/posts/{post_id}/comments")
    assert thread.status_code == 200
    [top] = thread.json()["comments"]
    assert "deep words" in top["body_html"] and len(top["replies"]) == 1


OTHER = [
    "xml-elements-50000-deep",
    "saved-page-div-50000-in-a-comment",
    "saved-page-replies-80-deep",
]


def saved_page(comments_html: str) -> str:
    return (
        "<!doctype html><html><head><title>Deep page</title>"
        '<link rel="canonical" href="https://deep-page.example.org/a/"></head><body>'
        '<article><h1 class="entry-title">Deep page</h1><div class="entry-content">'
        "<p>The article.</p></div></article>"
        '<div id="comments"><h2 class="comments-title">Comments</h2>'
        f'<ol class="comment-list">{comments_html}</ol></div></body></html>'
    )


def page_comment(key: int, body: str, children: str = "") -> str:
    return (
        f'<li id="comment-{key}" class="comment"><article class="comment-body">'
        f'<footer class="comment-meta"><div class="comment-author"><b class="fn">P{key}</b></div>'
        f'<time datetime="{_date(key).isoformat()}">t</time></footer>'
        f'<div class="comment-content"><p>{body}</p></div></article>'
        + (f'<ol class="children">{children}</ol>' if children else "")
        + "</li>"
    )


def _other_params():
    return [pytest.param(s, id=f"shape-{n}-of-{len(OTHER)}-{s}") for n, s in enumerate(OTHER, 1)]


@pytest.mark.parametrize("slug", _other_params())
def test_other_deep_shapes(app, worker, tmp_path, slug):
    """XML nested past the parser's limit is refused with its line; saved pages nested
    past lxml's HTML limit are refused too, rather than silently cut."""
    if slug == "xml-elements-50000-deep":
        path = tmp_path / "deep.xml"
        path.write_text(wxr_file([("950", "<wp:x>" * 50_000 + "</wp:x>" * 50_000)]))
        answer = worker.run(path, timeout=60)
        assert "crash" not in answer, answer.get("traceback") or answer["crash"]
        assert answer["error"]["line"] and "depth" in answer["error"]["reason"]
        assert answer["after"] == answer["before"]
        return
    if slug == "saved-page-div-50000-in-a-comment":
        html = saved_page(
            page_comment(1, "<div>" * 50_000 + "deep words" + "</div>" * 50_000)
            + page_comment(2, "After the deep one.")
        )
        expected_comments = 2
    else:
        inner = ""
        for key in range(80, 0, -1):
            inner = page_comment(key, f"Reply at depth {key}.", inner)
        html = saved_page(inner)
        expected_comments = 80
    path = tmp_path / f"{slug}.html"
    path.write_text(html)
    answer = worker.run(path, format="page", timeout=60)
    assert "crash" not in answer, answer.get("traceback") or answer["crash"]
    if "error" in answer:  # refused: a clear error, and nothing written
        assert "deep" in answer["error"]["reason"]
        assert answer["after"] == answer["before"]
        return
    report = answer["report"]
    assert report["comments"]["total"] == expected_comments, "nothing dropped"
    with app.app_context():
        bodies = [
            b
            for (b,) in db.session.execute(
                select(Comment.body_html).join(Post).where(Post.title == "Deep page")
            )
        ]
        db.session.remove()
    assert any("deep words" in b or "depth 80" in b for b in bodies)
