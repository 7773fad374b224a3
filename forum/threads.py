"""Pure tree logic: resolve parents, order a thread, nest it for readers. No Flask, no SQL.

Every function here is iterative: a reply chain 10,000 deep must not touch Python's
recursion limit, and nothing here costs more than O(n log n) in the size of the thread.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)


@dataclass
class ResolvedTree(Generic[K]):
    """Where each node of a thread stands once its parents are checked.

    ``order`` lists parents before their children, siblings by their sort key; ``warnings``
    says which links were dropped and why, as (key, message) pairs.
    """

    order: list[K] = field(default_factory=list)
    parent: dict[K, K | None] = field(default_factory=dict)
    root: dict[K, K | None] = field(default_factory=dict)
    depth: dict[K, int] = field(default_factory=dict)
    warnings: list[tuple[K, str]] = field(default_factory=list)


def resolve_tree(parents: Mapping[K, K | None], sort_keys: Mapping[K, Any]) -> ResolvedTree[K]:
    """Resolve parent links: missing and self parents become top-level, cycles are broken.

    A cycle is broken at its member with the smallest sort key (the oldest comment), which
    becomes top-level; every other link of the cycle is kept.
    """
    tree: ResolvedTree[K] = ResolvedTree()
    parent: dict[K, K | None] = {}
    for key, wanted in parents.items():
        if wanted is None:
            parent[key] = None
        elif wanted == key:
            parent[key] = None
            tree.warnings.append((key, "its parent is itself; made top-level"))
        elif wanted not in parents:
            parent[key] = None
            tree.warnings.append(
                (key, f"its parent {wanted!r} is not in the thread; made top-level")
            )
        else:
            parent[key] = wanted
    _break_cycles(parent, sort_keys, tree.warnings)
    tree.parent = parent
    _order(tree, sort_keys)
    return tree


def _break_cycles(
    parent: dict[K, K | None], sort_keys: Mapping[K, Any], warnings: list[tuple[K, str]]
) -> None:
    settled: set[K] = set()  # nodes known to reach a top-level node
    for start in parent:
        path: list[K] = []
        on_path: dict[K, int] = {}
        node: K | None = start
        while node is not None and node not in settled:
            if node in on_path:
                cycle = path[on_path[node] :]
                oldest = min(cycle, key=lambda member: sort_keys[member])
                warnings.append(
                    (oldest, f"its parent link closes a cycle of {len(cycle)}; made top-level")
                )
                parent[oldest] = None
                break
            on_path[node] = len(path)
            path.append(node)
            node = parent[node]
        settled.update(path)


def _order(tree: ResolvedTree[K], sort_keys: Mapping[K, Any]) -> None:
    children: dict[K | None, list[K]] = defaultdict(list)
    for key, parent_key in tree.parent.items():
        children[parent_key].append(key)
    for siblings in children.values():
        siblings.sort(key=lambda key: sort_keys[key])
    stack: list[tuple[K, int, K | None]] = [
        (key, 0, None) for key in reversed(children.get(None, []))
    ]
    while stack:
        key, depth, root = stack.pop()
        tree.order.append(key)
        tree.depth[key] = depth
        tree.root[key] = root
        below_root = key if root is None else root
        stack.extend((child, depth + 1, below_root) for child in reversed(children.get(key, [])))


def shown_ids(rows: Iterable[tuple[int, int | None, int, bool]]) -> tuple[set[int], set[int]]:
    """Decide which comments a reader sees: (shown, tombstones).

    Rows are (id, parent_id, depth, visible). A comment that is not visible but has a
    visible reply somewhere below it is shown as a tombstone, so the thread keeps its shape.
    Each visible comment marks its ancestors up to the first one already marked, so every
    comment is visited once or twice: linear in the thread, without sorting it.
    """
    parent_of: dict[int, int | None] = {}
    visible: list[int] = []
    for comment_id, parent_id, _depth, is_visible in rows:
        parent_of[comment_id] = parent_id
        if is_visible:
            visible.append(comment_id)
    shown: set[int] = set()
    for node in visible:
        while node not in shown:
            shown.add(node)
            parent = parent_of[node]
            if parent is None or parent not in parent_of:
                break
            node = parent
    return shown, shown.difference(visible)


def nest(
    nodes: Iterable[dict[str, Any]], top_ids: list[int], max_depth: int
) -> list[dict[str, Any]]:
    """Nest serialized comments under their parents, ``max_depth`` levels at most.

    ``nodes`` carry ``id`` and ``parent_id`` and come in sibling order. Replies deeper than
    ``max_depth`` are listed at that depth, after the reply they continue, in reading
    order, each with a ``reply_to`` naming the comment it answers; the stored parent
    never changes.
    """
    by_id: dict[int, dict[str, Any]] = {}
    children: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for node in nodes:
        node["replies"] = []
        by_id[node["id"]] = node
        if node["parent_id"] is not None:
            children[node["parent_id"]].append(node)
    top = [by_id[comment_id] for comment_id in top_ids if comment_id in by_id]
    # Each entry: a node, the level it is shown at, and the list it goes in.
    result: list[dict[str, Any]] = []
    stack: list[tuple[dict[str, Any], int, list[dict[str, Any]]]] = [
        (node, 0, result) for node in reversed(top)
    ]
    while stack:
        node, level, container = stack.pop()
        container.append(node)
        kids = children.get(node["id"], [])
        if level < max_depth:
            stack.extend((kid, level + 1, node["replies"]) for kid in reversed(kids))
        else:
            author = node.get("author")
            answered = {"id": node["id"], "author": author["name"] if author else None}
            for kid in kids:
                kid["reply_to"] = answered
            stack.extend((kid, level, container) for kid in reversed(kids))
    return result
