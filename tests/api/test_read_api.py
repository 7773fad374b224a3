"""The read API over real HTTP: posts, threads, the reply view, and its errors."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Comment
from tests.wxr_builder import C, P, chain, write_wxr

PROBLEM = "application/problem+json"


def ids_by_key() -> dict[str, int]:
    rows = db.session.execute(select(Comment.id, Comment.source_key)).all()
    return {key.rsplit("-", 1)[-1]: comment_id for comment_id, key in rows}


def post_id(http, title: str) -> int:
    items = http.get("/api/posts?per_page=100").json()["items"]
    return next(item["id"] for item in items if item["title"] == title)


def flatten(nodes):
    stack = list(reversed(nodes))
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node["replies"]))


@pytest.fixture
def thread(run_import, tmp_path):
    """One post with a realistic thread: nesting, statuses, and a removed parent."""
    comments = [
        C("1", date_gmt="2024-01-01 10:00:00", content="First!"),
        C("2", parent="1", date_gmt="2024-01-01 11:00:00", content="Reply to first"),
        C("3", parent="2", date_gmt="2024-01-01 12:00:00", content="Deeper"),
        C("4", date_gmt="2024-01-02 10:00:00", approved="trash", content="Removed"),
        C("5", parent="4", date_gmt="2024-01-02 11:00:00", content="Answer to removed"),
        C("6", date_gmt="2024-01-03 10:00:00", approved="spam", content="Buy pills"),
        C("7", date_gmt="2024-01-04 10:00:00", approved="0", content="Waiting"),
        C("8", parent="1", date_gmt="2024-01-01 10:30:00", approved="0", content="Pending reply"),
        C("9", date_gmt="2024-01-05 10:00:00", content="<script>x()</script>Last <b>one</b>"),
    ]
    run_import(
        write_wxr(
            tmp_path / "t.xml",
            [P("1", title="Thread", comments=comments), P("2", title="Draft", status="draft")],
        )
    )
    return ids_by_key()


def test_posts_list_shows_published_posts_with_counts(http, thread):
    response = http.get("/api/posts")
    assert response.status_code == 200
    body = response.json()
    assert [item["title"] for item in body["items"]] == ["Thread"]
    assert body["items"][0]["comment_count"] == 5
    assert body["total"] == 1 and response.headers["X-Total-Count"] == "1"
    assert 'rel="first"' in response.headers["Link"]


def test_posts_pagination(run_import, http, tmp_path):
    run_import(
        write_wxr(tmp_path / "many.xml", [P(str(n), title=f"Post {n}") for n in range(1, 8)])
    )
    first = http.get("/api/posts", params={"per_page": 3})
    assert first.json()["pages"] == 3 and len(first.json()["items"]) == 3
    assert 'rel="next"' in first.headers["Link"] and "page=2" in first.headers["Link"]
    last = http.get("/api/posts", params={"per_page": 3, "page": 3}).json()
    assert len(last["items"]) == 1
    titles = [
        i["title"]
        for p in (1, 2, 3)
        for i in http.get("/api/posts", params={"per_page": 3, "page": p}).json()["items"]
    ]
    assert sorted(titles) == sorted(f"Post {n}" for n in range(1, 8))


def test_one_post(http, thread):
    pid = post_id(http, "Thread")
    body = http.get(f"/api/posts/{pid}").json()
    assert body["body_html"] == "<p>Body.</p>" and body["author"] == {"name": "admin"}


def test_thread_nests_replies_and_hides_what_readers_may_not_see(http, thread):
    pid = post_id(http, "Thread")
    response = http.get(f"/api/posts/{pid}/comments")
    assert response.status_code == 200
    body = response.json()
    top = body["comments"]
    assert [c["id"] for c in top] == [thread["1"], thread["4"], thread["9"]]
    first = top[0]
    assert [r["id"] for r in first["replies"]] == [thread["2"]]  # pending reply 8 is not shown
    assert [r["id"] for r in first["replies"][0]["replies"]] == [thread["3"]]
    assert first["replies"][0]["replies"][0]["depth"] == 2
    tombstone = top[1]
    assert tombstone["tombstone"] is True
    assert tombstone["author"] is None and tombstone["body_html"] is None
    assert [r["id"] for r in tombstone["replies"]] == [thread["5"]]
    shown = {c["id"] for c in flatten(top)}
    assert not shown & {thread["6"], thread["7"], thread["8"]}
    assert "<script>" not in top[2]["body_html"] and "<b>one</b>" in top[2]["body_html"]
    assert body["total"] == 3


def test_thread_sort_newest_flips_top_level_only(http, thread):
    pid = post_id(http, "Thread")
    top = http.get(f"/api/posts/{pid}/comments", params={"sort": "newest"}).json()["comments"]
    assert [c["id"] for c in top] == [thread["9"], thread["4"], thread["1"]]
    assert [r["id"] for r in top[2]["replies"]] == [thread["2"]]


def test_thread_pages_by_top_level_comment_with_whole_subtrees(http, thread):
    pid = post_id(http, "Thread")
    first = http.get(f"/api/posts/{pid}/comments", params={"per_page": 1})
    body = first.json()
    assert body["pages"] == 3 and body["total"] == 3
    assert [c["id"] for c in flatten(body["comments"])] == [thread["1"], thread["2"], thread["3"]]
    assert 'rel="next"' in first.headers["Link"]
    second = http.get(f"/api/posts/{pid}/comments", params={"per_page": 1, "page": 2}).json()
    assert [c["id"] for c in flatten(second["comments"])] == [thread["4"], thread["5"]]
    beyond = http.get(f"/api/posts/{pid}/comments", params={"per_page": 1, "page": 9}).json()
    assert beyond["comments"] == []


def test_max_depth_lists_deeper_replies_flat_with_reply_to(http, thread):
    pid = post_id(http, "Thread")
    top = http.get(f"/api/posts/{pid}/comments", params={"max_depth": 1}).json()["comments"]
    replies = top[0]["replies"]
    assert [r["id"] for r in replies] == [thread["2"], thread["3"]]
    assert "reply_to" not in replies[0]
    assert replies[1]["reply_to"] == {"id": thread["2"], "author": "Reader"}
    assert replies[1]["depth"] == 2  # the stored depth; only the listing is flattened
    assert all(r["replies"] == [] for r in replies)


def test_reply_view_has_ancestors_and_replies(http, thread):
    body = http.get(f"/api/comments/{thread['2']}").json()
    assert [a["id"] for a in body["ancestors"]] == [thread["1"]]
    assert body["comment"]["id"] == thread["2"]
    assert [r["id"] for r in body["comment"]["replies"]] == [thread["3"]]
    assert body["post"]["title"] == "Thread"
    tombstoned = http.get(f"/api/comments/{thread['5']}").json()
    assert tombstoned["ancestors"][0]["tombstone"] is True


@pytest.mark.parametrize("key", ["6", "7", "8"])
def test_reply_view_of_a_comment_readers_may_not_see_is_404(http, thread, key):
    response = http.get(f"/api/comments/{thread[key]}")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == PROBLEM
    assert "Buy pills" not in response.text


@pytest.mark.parametrize(
    "path",
    [
        "/api/posts/999999",
        "/api/posts/999999/comments",
        "/api/comments/999999",
        "/api/posts/0",
        "/api/posts/-1",
        "/api/posts/18446744073709551616",
        "/api/posts/99999999999999999999999",
        "/api/comments/1.5",
        "/api/nothing-here",
    ],
)
def test_unknown_ids_and_paths_are_404_problems(http, thread, path):
    response = http.get(path)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == 404 and body["title"] and body["type"] == "about:blank"


def test_draft_post_is_not_served(http, thread):
    draft = db.session.execute(select(Comment.post_id)).scalars().first()
    from forum.models import Post, PostStatus

    draft = db.session.execute(select(Post.id).where(Post.status == PostStatus.DRAFT)).scalar_one()
    assert http.get(f"/api/posts/{draft}").status_code == 404
    assert http.get(f"/api/posts/{draft}/comments").status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        {"page": "0"},
        {"page": "x"},
        {"per_page": "1000"},
        {"per_page": "-3"},
        {"sort": "sideways"},
        {"max_depth": "101"},
        {"max_depth": "1.5"},
        {"page": "99999999999999999999"},
    ],
)
def test_bad_query_parameters_are_422_problems(http, thread, query):
    pid = post_id(http, "Thread")
    response = http.get(f"/api/posts/{pid}/comments", params=query)
    assert response.status_code == 422
    assert response.headers["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == 422 and set(body["errors"]) == set(query)


def test_wrong_method_is_a_405_problem(http, thread):
    response = http.delete("/api/posts")
    assert response.status_code == 405
    assert response.headers["Content-Type"] == PROBLEM


def test_ten_thousand_deep_chain_is_served(run_import, http, tmp_path):
    run_import(write_wxr(tmp_path / "deep.xml", [P("1", title="Deep", comments=chain(10_000))]))
    pid = post_id(http, "Deep")
    body = http.get(f"/api/posts/{pid}/comments").json()
    nodes = list(flatten(body["comments"]))
    assert len(nodes) == 10_000
    levels, parent, node = 0, None, body["comments"][0]
    while node["replies"]:
        parent, node, levels = node, node["replies"][0], levels + 1
    assert levels == body["max_depth"] == 50
    # Level 50 holds its own comment and, listed flat after it, the 9,949 deeper ones.
    assert len(parent["replies"]) == 1 + 10_000 - 51
    assert all("reply_to" in reply for reply in parent["replies"][1:])
    deepest = max(nodes, key=lambda n: n["depth"])
    assert deepest["depth"] == 9_999 and deepest["reply_to"]["id"] == nodes[-2]["id"]
    view = http.get(f"/api/comments/{deepest['id']}").json()
    assert len(view["ancestors"]) == 9_999
    assert [a["depth"] for a in view["ancestors"][:3]] == [0, 1, 2]
    top = http.get(f"/api/comments/{nodes[0]['id']}", params={"max_depth": 100}).json()
    assert len(list(flatten([top["comment"]]))) == 10_000


def test_openapi_document_describes_the_endpoints(http):
    spec = http.get("/api/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    for path in (
        "/api/posts",
        "/api/posts/{post_id}",
        "/api/posts/{post_id}/comments",
        "/api/comments/{comment_id}",
    ):
        assert path in spec["paths"]
    assert "CommentNode" in spec["components"]["schemas"]


def test_posts_can_be_searched_by_title_and_body(run_import, http, tmp_path):
    run_import(write_wxr(tmp_path / "s.xml", [
        P("1", title="Sourdough notes", content="Flour and water."),
        P("2", title="Bicycles", content="A chain needs WAX, not 100% oil."),
        P("3", title="Alps", content="Huts and trails."),
    ]))
    titles = lambda q: [i["title"] for i in http.get("/api/posts", params={"q": q}).json()["items"]]  # noqa: E731
    assert titles("sourdough") == ["Sourdough notes"]
    assert titles("wax") == ["Bicycles"]
    assert titles("100%") == ["Bicycles"]  # % is a character here, not a wildcard
    assert titles("_") == []
    assert http.get("/api/posts", params={"q": "x" * 201}).status_code == 422
