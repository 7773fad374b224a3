"""Bulk work that makes many short-lived objects: the cyclic collector runs less often then.

Building a 50,000-comment thread, or importing one, allocates millions of small containers
and frees nearly all of them by reference counting alone. The collector, triggered every
700 allocations, would meanwhile walk everything held in memory again and again: a third
of the time of a big thread. While any such work runs, in any thread, it runs less often.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

RELAXED_THRESHOLDS = (50_000, 20, 100)
_lock = threading.Lock()
_active = 0
_saved: tuple[int, ...] = ()


@contextmanager
def fewer_collections(enabled: bool = True) -> Iterator[None]:
    """Raise the collector's thresholds for the duration; nested and concurrent uses nest."""
    global _active, _saved
    if not enabled:
        yield
        return
    with _lock:
        if _active == 0:
            _saved = gc.get_threshold()
            gc.set_threshold(*RELAXED_THRESHOLDS)
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0:
                gc.set_threshold(*_saved)
