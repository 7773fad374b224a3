"""Serialized threads, kept per process for as long as their thread has not changed.

A thread's JSON is costly to build (a 10,000-comment thread is 5 MB) and changes only when
the thread does. Every write to a post's comments or quotes adds one to the post's
``thread_version`` (database triggers count them, whoever writes), so a serialized thread
keyed by (post, version, query) is valid while that version is current: one indexed read
of the post, which the request makes anyway, tells. Nothing here is shared state another
app server would need: each process keeps what it serialized, bounded in bytes, and a miss
only costs the time to build it again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, NamedTuple

import orjson
from flask import Flask, Response, current_app, request
from werkzeug.http import quote_etag

from forum.memory import fewer_collections

# The JSON's shape: part of every ETag, so a release that changes it never answers 304 to
# a client holding the old shape.
FORMAT = "1"
DEFAULT_BYTES = 64 * 1024 * 1024


class Serialized(NamedTuple):
    etag: str  # unquoted
    body: bytes
    total: int  # what the pagination headers need
    pages: int


class ThreadCache:
    """A least-recently-used map of serialized threads, bounded by their total size."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, Serialized] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()  # app servers run threads

    def get(self, key: Hashable) -> Serialized | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: Hashable, value: Serialized) -> Serialized:
        """Keep a serialized thread (unless it alone would take half the room)."""
        size = len(value.body)
        if size > self.max_bytes // 2:
            return value
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
            self._entries[key] = value
            self._bytes += size
            while self._bytes > self.max_bytes:
                _key, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped.body)
        return value


def thread_cache(app: Flask | None = None) -> ThreadCache:
    """The app's cache of serialized threads; THREAD_CACHE_BYTES sizes it (0: none)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    cache = app.extensions.get("forum_thread_cache")
    if cache is None:
        size = app.config.get("THREAD_CACHE_BYTES", DEFAULT_BYTES)
        cache = app.extensions.setdefault("forum_thread_cache", ThreadCache(int(size)))
    return cache


def etag_for(*parts: object) -> str:
    """A strong ETag (unquoted) naming one serialization: format, thread version, query."""
    return ".".join(map(str, (FORMAT, *parts)))


def serialized(
    key: tuple[Any, ...],
    build: Callable[[], Any],
    counts: Callable[[Any], tuple[int, int]] = lambda _data: (0, 1),
) -> Serialized:
    """The JSON for ``key`` (whose parts include the thread's version): cached, or built.

    ``counts`` takes what ``build`` returned and gives (total, pages) for the headers.
    """
    cache = thread_cache()
    found = cache.get(key)
    if found is None:
        with fewer_collections():
            data = build()
            found = cache.put(key, Serialized(etag_for(*key), orjson.dumps(data), *counts(data)))
    return found


def conditional_response(found: Serialized, headers: dict[str, str]) -> Response:
    """200 with the JSON and its ETag, or 304 when the client holds that version already."""
    headers = {**headers, "ETag": quote_etag(found.etag)}
    if request.if_none_match.contains_weak(found.etag):
        return Response(status=304, headers=headers)
    return Response(found.body, mimetype="application/json", headers=headers)
