"""The pages' pure helpers: cutting deep branches, keeping ancestors short, safe links."""

from __future__ import annotations

import pytest

from forum.services.posts import _like_pattern
from forum.threads import nest
from forum.web.filters import link_url, long_date, plural, short_datetime
from forum.web.security import safe_next
from forum.web.trees import authors_by_id, count_nodes, cut_deep_branches, split_ancestors


def chain(length: int) -> list[dict]:
    return [
        {"id": n, "parent_id": n - 1 if n > 1 else None, "author": {"name": f"a{n}"}}
        for n in range(1, length + 1)
    ]


def levels(nodes: list[dict]) -> list[tuple[int, int, int]]:
    """(id, level, continued) of every node, in reading order."""
    found, stack = [], [(node, 0) for node in reversed(nodes)]
    while stack:
        node, level = stack.pop()
        found.append((node["id"], level, node["continued"]))
        stack.extend((reply, level + 1) for reply in reversed(node["replies"]))
    return found


@pytest.mark.parametrize("length", [1, 8, 9, 10, 30])
def test_branches_deeper_than_the_limit_are_cut_and_counted(length):
    nested = nest(chain(length), [1], max_depth=9)
    shown = levels(cut_deep_branches(nested, limit=8))
    assert [node_id for node_id, _, _ in shown] == list(range(1, min(length, 9) + 1))
    assert max(level for _, level, _ in shown) == min(length, 9) - 1
    continued = {node_id: more for node_id, _, more in shown if more}
    assert continued == ({9: length - 9} if length > 9 else {})


def test_cutting_counts_replies_listed_flat_too():
    # nest() with a shallower max_depth lists deeper replies flat: they are all counted.
    [top] = cut_deep_branches(nest(chain(12), [1], max_depth=3), limit=2)
    third = top["replies"][0]["replies"][0]
    assert third["id"] == 3 and third["replies"] == [] and third["continued"] == 9


def test_a_ten_thousand_deep_chain_is_cut_without_recursion():
    nested = nest(chain(10_000), [1], max_depth=9)
    [top] = cut_deep_branches(nested)
    assert count_nodes([top]) == 9 and authors_by_id([top])[1] == "a1"


@pytest.mark.parametrize(
    ("total", "hidden", "above"),
    [(0, 0, None), (5, 0, None), (6, 1, 0), (40, 35, 34)],
)
def test_only_the_nearest_ancestors_are_kept(total, hidden, above):
    ancestors = [{"id": n} for n in range(total)]
    link, count, kept = split_ancestors(ancestors, shown=5)
    assert count == hidden and len(kept) == min(total, 5)
    assert (link["id"] if link else None) == above


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/posts/1?page=2#c5", "/posts/1?page=2#c5"),
        ("/", "/"),
        (None, "/fallback"),
        ("", "/fallback"),
        ("//evil.example/", "/fallback"),
        ("/\\evil.example", "/fallback"),
        ("https://evil.example/", "/fallback"),
        ("javascript:alert(1)", "/fallback"),
        ("posts/1", "/fallback"),
        ("/posts/1\r\nSet-Cookie: x=y", "/fallback"),
    ],
)
def test_redirects_stay_on_this_site(target, expected):
    assert safe_next(target, "/fallback") == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.org/a", "https://example.org/a"),
        (" http://example.org ", "http://example.org"),
        ("javascript:alert(1)", None),
        ("JaVaScRiPt:alert(1)", None),
        ("data:text/html,<script>", None),
        ("//example.org", None),
        ("", None),
        (None, None),
        ("http://[::1", None),
    ],
)
def test_only_http_links_are_linked(url, expected):
    assert link_url(url) == expected


def test_like_wildcards_are_literal():
    assert _like_pattern("50%_off\\") == "%50\\%\\_off\\\\%"


def test_dates_and_counts_read_naturally():
    assert long_date("2024-03-09T10:15:00+00:00") == "9 March 2024, 10:15 UTC"
    assert short_datetime("2024-03-09T12:15:00+02:00") == "9 Mar 2024, 10:15"
    assert long_date(None) == "undated" and short_datetime("not a date") == "undated"
    assert plural(1, "reply", "replies") == "1 reply" and plural(3, "comment") == "3 comments"
