"""Pure helpers for showing threads: cut deep branches into "continue this thread" links.

No Flask, no SQL. Everything is iterative, like forum.threads: a page never recurses deeper
than the levels it shows, whatever the depth of the thread.
"""

from __future__ import annotations

from typing import Any

# Levels shown on one page (0 is a top-level comment). A comment shown at the last level
# keeps its replies for its own page, behind a "continue this thread" link.
CONTINUE_DEPTH = 8
# How many ancestors the reply view shows above a comment before "earlier comments".
ANCESTORS_SHOWN = 5


def cut_deep_branches(
    nodes: list[dict[str, Any]], limit: int = CONTINUE_DEPTH
) -> list[dict[str, Any]]:
    """Drop the replies of every node at level ``limit``; count them in ``continued``.

    Nodes are nested as forum.threads.nest makes them (``replies`` lists, and possibly
    replies listed flat at the deepest level). Every node gets ``continued``: how many
    comments below it are left for its own page (0 when none are).
    """
    stack = [(node, 0) for node in nodes]
    while stack:
        node, level = stack.pop()
        replies = node.get("replies") or []
        if level >= limit:
            node["continued"] = count_nodes(replies)
            node["replies"] = []
        else:
            node["continued"] = 0
            stack.extend((reply, level + 1) for reply in replies)
    return nodes


def count_nodes(nodes: list[dict[str, Any]]) -> int:
    """Count nodes and everything nested below them."""
    total, stack = 0, list(nodes)
    while stack:
        node = stack.pop()
        total += 1
        stack.extend(node.get("replies") or [])
    return total


def authors_by_id(nodes: list[dict[str, Any]]) -> dict[int, str | None]:
    """Map the id of every node shown to its author's name (None for a tombstone)."""
    found: dict[int, str | None] = {}
    stack = list(nodes)
    while stack:
        node = stack.pop()
        author = node.get("author")
        found[node["id"]] = author["name"] if author else None
        stack.extend(node.get("replies") or [])
    return found


def split_ancestors(
    ancestors: list[dict[str, Any]], shown: int = ANCESTORS_SHOWN
) -> tuple[dict[str, Any] | None, int, list[dict[str, Any]]]:
    """Keep the last ``shown`` ancestors: return (the one above them, how many are hidden,
    the kept ones). The first is where a link to earlier comments goes (None: no link)."""
    if len(ancestors) <= shown:
        return None, 0, ancestors
    hidden = len(ancestors) - shown
    return ancestors[hidden - 1], hidden, ancestors[hidden:]
