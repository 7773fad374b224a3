"""The pure thread logic: resolving parent links, choosing what is shown, nesting replies."""

from __future__ import annotations

from typing import Any

import pytest

from forum.threads import nest, resolve_tree, shown_ids

# resolve_tree ------------------------------------------------------------------------------


def _chain(n: int) -> dict[int, int | None]:
    """0 <- 1 <- 2 <- ... <- n-1: each node answers the one before it."""
    return {i: (i - 1 if i else None) for i in range(n)}


def _warned(tree: Any) -> dict[Any, str]:
    return dict(tree.warnings)


def test_parents_listed_after_their_children_still_resolve() -> None:
    parents = {"c": "b", "b": "a", "a": None}
    tree = resolve_tree(parents, {"a": 1, "b": 2, "c": 3})
    assert tree.parent == {"a": None, "b": "a", "c": "b"}
    assert tree.order == ["a", "b", "c"]
    assert tree.warnings == []


def test_missing_parent_makes_the_comment_top_level_with_a_warning() -> None:
    tree = resolve_tree({"a": None, "b": "gone"}, {"a": 1, "b": 2})
    assert tree.parent["b"] is None
    assert tree.depth["b"] == 0
    [(key, message)] = tree.warnings
    assert key == "b"
    assert "'gone'" in message


def test_self_parent_makes_the_comment_top_level_with_a_warning() -> None:
    tree = resolve_tree({"a": "a", "b": "a"}, {"a": 1, "b": 2})
    assert tree.parent == {"a": None, "b": "a"}
    [(key, message)] = tree.warnings
    assert key == "a"
    assert "itself" in message


def test_three_cycle_is_broken_at_its_oldest_member_only() -> None:
    # 1 -> 2 -> 3 -> 1; comment 2 is the oldest.
    tree = resolve_tree({1: 2, 2: 3, 3: 1}, {1: 30, 2: 10, 3: 20})
    assert tree.parent == {1: 2, 2: None, 3: 1}
    assert tree.order == [2, 1, 3]
    assert tree.depth == {2: 0, 1: 1, 3: 2}
    [(key, message)] = tree.warnings
    assert key == 2
    assert "cycle" in message


def test_a_reply_hanging_off_a_cycle_is_not_part_of_it() -> None:
    # 4 answers 1, which is in the cycle 1 -> 2 -> 3 -> 1.
    tree = resolve_tree({4: 1, 1: 2, 2: 3, 3: 1}, {1: 1, 2: 2, 3: 3, 4: 0})
    assert tree.parent == {4: 1, 1: None, 2: 3, 3: 1}
    assert [key for key, _ in tree.warnings] == [1]
    assert tree.root[4] == 1


def test_two_separate_cycles_are_each_broken_once() -> None:
    parents = {"a": "b", "b": "a", "x": "y", "y": "z", "z": "x", "t": None}
    keys = {"a": 5, "b": 4, "x": 3, "y": 9, "z": 8, "t": 0}
    tree = resolve_tree(parents, keys)
    assert tree.parent == {"a": "b", "b": None, "x": None, "y": "z", "z": "x", "t": None}
    assert sorted(key for key, _ in tree.warnings) == ["b", "x"]
    assert all("cycle" in message for _, message in tree.warnings)
    assert tree.order == ["t", "x", "z", "y", "b", "a"]


def test_siblings_are_ordered_by_sort_key_not_by_input_order() -> None:
    parents = {"r": None, "late": "r", "early": "r", "middle": "r"}
    keys = {"r": 0, "late": 30, "early": 10, "middle": 20}
    assert resolve_tree(parents, keys).order == ["r", "early", "middle", "late"]


def test_top_level_comments_are_ordered_by_sort_key() -> None:
    tree = resolve_tree({3: None, 1: None, 2: None}, {1: "b", 2: "c", 3: "a"})
    assert tree.order == [3, 1, 2]


def test_order_lists_every_parent_before_its_children_depth_first() -> None:
    parents = {1: None, 2: 1, 3: 1, 4: 2, 5: None, 6: 4, 7: 3}
    tree = resolve_tree(parents, {k: k for k in parents})
    assert tree.order == [1, 2, 4, 6, 3, 7, 5]
    position = {key: i for i, key in enumerate(tree.order)}
    assert all(position[p] < position[k] for k, p in tree.parent.items() if p is not None)


def test_depth_and_root_are_computed_from_the_resolved_parents() -> None:
    parents = {1: None, 2: 1, 3: 2, 4: None, 5: 4}
    tree = resolve_tree(parents, {k: k for k in parents})
    assert tree.depth == {1: 0, 2: 1, 3: 2, 4: 0, 5: 1}
    # A top-level comment has no root; every reply names its thread's top-level comment.
    assert tree.root == {1: None, 2: 1, 3: 1, 4: None, 5: 4}


def test_ten_thousand_deep_chain_resolves_without_recursion() -> None:
    n = 10_000
    parents = dict(reversed(_chain(n).items()))  # children first, to make it work harder
    tree = resolve_tree(parents, {i: i for i in range(n)})
    assert tree.order == list(range(n))
    assert tree.depth[n - 1] == n - 1
    assert tree.root[0] is None
    assert all(tree.root[i] == 0 for i in range(1, n))
    assert tree.warnings == []


def test_ten_thousand_cycle_is_broken_without_recursion() -> None:
    n = 10_000
    parents = {i: (i + 1) % n for i in range(n)}  # each answers the next; the last answers 0
    tree = resolve_tree(parents, {i: -i for i in range(n)})  # the last is the oldest
    assert tree.parent[n - 1] is None
    assert tree.depth[0] == n - 1
    assert [key for key, _ in tree.warnings] == [n - 1]


def test_hundred_thousand_wide_tree_resolves() -> None:
    n = 100_000
    parents: dict[int, int | None] = {i: 0 for i in range(1, n)}
    parents[0] = None
    tree = resolve_tree(parents, {i: n - i for i in range(n)})  # newest reply sorts first
    assert len(tree.order) == n
    assert tree.order[0] == 0
    assert tree.order[1:] == list(range(n - 1, 0, -1))
    assert all(tree.depth[i] == 1 and tree.root[i] == 0 for i in range(1, n))


# shown_ids --------------------------------------------------------------------------------


def test_visible_leaves_are_shown_and_hidden_leaves_are_not() -> None:
    rows = [(1, None, 0, True), (2, 1, 1, True), (3, 1, 1, False), (4, None, 0, False)]
    shown, tombstones = shown_ids(rows)
    assert shown == {1, 2}
    assert tombstones == set()


def test_hidden_ancestors_of_a_deep_visible_reply_become_tombstones() -> None:
    # 1 (visible) > 2 (hidden) > 3 (hidden) > 4 (hidden) > 5 (visible)
    rows = [
        (5, 4, 4, True),
        (1, None, 0, True),
        (3, 2, 2, False),
        (2, 1, 1, False),
        (4, 3, 3, False),
    ]
    shown, tombstones = shown_ids(rows)
    assert shown == {1, 2, 3, 4, 5}
    assert tombstones == {2, 3, 4}


def test_hidden_top_level_comment_with_a_visible_reply_is_a_tombstone() -> None:
    rows = [(1, None, 0, False), (2, 1, 1, False), (3, 2, 2, True)]
    shown, tombstones = shown_ids(rows)
    assert shown == {1, 2, 3}
    assert tombstones == {1, 2}


def test_hidden_subtree_without_a_visible_comment_is_not_shown() -> None:
    # 2's subtree (2, 3, 4) is all hidden; 5 under 1 is visible.
    rows = [
        (1, None, 0, True),
        (2, 1, 1, False),
        (3, 2, 2, False),
        (4, 3, 3, False),
        (5, 1, 1, True),
    ]
    shown, tombstones = shown_ids(rows)
    assert shown == {1, 5}
    assert tombstones == set()


def test_only_the_branch_leading_to_a_visible_reply_is_kept() -> None:
    # 1 (hidden) has two hidden children; only 3 leads to a visible reply.
    rows = [
        (1, None, 0, False),
        (2, 1, 1, False),
        (3, 1, 1, False),
        (6, 2, 2, False),
        (7, 3, 2, True),
    ]
    shown, tombstones = shown_ids(rows)
    assert shown == {1, 3, 7}
    assert tombstones == {1, 3}


def test_parent_outside_the_rows_is_not_added() -> None:
    # A page of a reply view: the parent of the first row was not fetched.
    shown, tombstones = shown_ids([(10, 9, 3, True), (11, 10, 4, True)])
    assert shown == {10, 11}
    assert tombstones == set()


# nest -------------------------------------------------------------------------------------


def _node(comment_id: int, parent_id: int | None, name: str | None = "") -> dict[str, Any]:
    author = None if name is None else {"name": name or f"user{comment_id}"}
    return {"id": comment_id, "parent_id": parent_id, "author": author}


def _ids(nodes: list[dict[str, Any]]) -> list[int]:
    return [node["id"] for node in nodes]


def _shape(nodes: list[dict[str, Any]]) -> list[Any]:
    """[(id, [replies...]), ...] for comparing whole trees."""
    return [(node["id"], _shape(node["replies"])) for node in nodes]


def test_nest_keeps_the_whole_tree_when_max_depth_is_large() -> None:
    nodes = [_node(1, None), _node(2, 1), _node(3, 2), _node(4, 1), _node(5, None), _node(6, 5)]
    result = nest(nodes, [1, 5], max_depth=100)
    assert _shape(result) == [(1, [(2, [(3, [])]), (4, [])]), (5, [(6, [])])]
    assert not any("reply_to" in node for node in nodes)


def test_nest_keeps_sibling_order_as_given() -> None:
    nodes = [_node(1, None), _node(9, 1), _node(3, 1), _node(7, 1)]
    [top] = nest(nodes, [1], max_depth=5)
    assert _ids(top["replies"]) == [9, 3, 7]


def test_nest_returns_top_level_comments_in_top_ids_order() -> None:
    nodes = [_node(1, None), _node(2, None), _node(3, None)]
    assert _ids(nest(nodes, [3, 1, 2], max_depth=5)) == [3, 1, 2]


def test_nest_skips_top_ids_that_are_not_among_the_nodes() -> None:
    assert _ids(nest([_node(1, None)], [1, 99], max_depth=5)) == [1]


def test_max_depth_one_flattens_a_chain_in_reading_order_with_reply_to() -> None:
    nodes = [_node(1, None, "ann"), _node(2, 1, "bob"), _node(3, 2, "cy"), _node(4, 3, "di")]
    [top] = nest(nodes, [1], max_depth=1)
    assert top["id"] == 1
    replies = top["replies"]
    assert _ids(replies) == [2, 3, 4]
    assert all(reply["replies"] == [] for reply in replies)
    assert "reply_to" not in replies[0]
    assert replies[1]["reply_to"] == {"id": 2, "author": "bob"}
    assert replies[2]["reply_to"] == {"id": 3, "author": "cy"}


def test_flattening_keeps_the_stored_parent() -> None:
    nodes = [_node(1, None), _node(2, 1), _node(3, 2)]
    nest(nodes, [1], max_depth=1)
    assert [node["parent_id"] for node in nodes] == [None, 1, 2]


def test_reply_to_an_anonymous_comment_has_no_author_name() -> None:
    nodes = [_node(1, None), _node(2, 1, None), _node(3, 2)]
    [top] = nest(nodes, [1], max_depth=1)
    assert top["replies"][1]["reply_to"] == {"id": 2, "author": None}


def test_flattened_branches_are_listed_in_pre_order() -> None:
    # 1 > [2 > [3 > [4], 5], 6]: 3's reply 4 comes before 2's next reply 5.
    nodes = [_node(1, None), _node(2, 1), _node(3, 2), _node(4, 3), _node(5, 2), _node(6, 1)]
    [top] = nest(nodes, [1], max_depth=1)
    assert _ids(top["replies"]) == [2, 3, 4, 5, 6]
    reply_to = {node["id"]: node.get("reply_to", {}).get("id") for node in top["replies"]}
    assert reply_to == {2: None, 3: 2, 4: 3, 5: 2, 6: None}


def test_max_depth_zero_lists_everything_at_the_top_level() -> None:
    nodes = [_node(1, None), _node(2, 1), _node(3, 2), _node(4, 1), _node(5, None), _node(6, 5)]
    result = nest(nodes, [1, 5], max_depth=0)
    assert _ids(result) == [1, 2, 3, 4, 5, 6]
    assert all(node["replies"] == [] for node in result)
    assert {node["id"]: node.get("reply_to", {}).get("id") for node in result} == {
        1: None,
        2: 1,
        3: 2,
        4: 1,
        5: None,
        6: 5,
    }


@pytest.mark.parametrize("max_depth", [2, 3])
def test_nesting_stops_at_max_depth(max_depth: int) -> None:
    nodes = [_node(i, i - 1 if i > 1 else None) for i in range(1, 7)]
    level, node = 0, nest(nodes, [1], max_depth=max_depth)[0]
    while node["replies"] and "reply_to" not in node["replies"][0]:
        level, node = level + 1, node["replies"][0]
    assert level == max_depth


def test_ten_thousand_deep_chain_nests_fifty_one_levels() -> None:
    n = 10_000
    nodes = [_node(i, i - 1 if i else None) for i in range(n)]
    result = nest(nodes, [0], max_depth=50)
    levels = [result]
    while len(levels[-1]) == 1 and levels[-1][0]["replies"]:
        levels.append(levels[-1][0]["replies"])
    assert len(levels) == 51
    deepest = levels[-1]
    # The 51st level holds comment 50, nested as usual, then the 9,949 comments below it.
    assert _ids(deepest) == list(range(50, n))
    assert "reply_to" not in deepest[0]
    flattened = deepest[1:]
    assert len(flattened) == 9_949
    assert all(node["reply_to"]["id"] == node["id"] - 1 for node in flattened)
    assert all(node["replies"] == [] for node in deepest)
