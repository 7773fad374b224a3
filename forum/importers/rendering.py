"""Render many comment bodies at once: in worker processes when an import is big.

Sanitizing is most of an import's work, it is the same pure function for every body, and
it parallelizes across processes (not threads: bleach is pure Python). A parser submits
each body as it reads it and collects the HTML when it yields the post, so the workers
sanitize while the parser reads on and the writer writes. The output is exactly what
rendering in order in one process gives, whatever the number of workers.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections.abc import Callable
from multiprocessing.pool import AsyncResult, Pool
from typing import Any

# Files smaller than this are rendered in the importing process: starting workers would
# cost more than they save (about 5,000 WordPress comments).
PARALLEL_FROM_BYTES = 4_000_000
# Bodies per task sent to a worker: large enough that sending them costs little.
BATCH = 128


def import_workers(path: str | os.PathLike[str]) -> int:
    """How many worker processes an import of this file should use (0: none).

    The IMPORT_WORKERS setting, else one per CPU; none for a small file, where starting
    them would cost more than they save. 0 or 1 renders in the importing process.
    """
    from flask import current_app, has_app_context

    if os.path.getsize(path) < PARALLEL_FROM_BYTES:
        return 0
    configured = current_app.config.get("IMPORT_WORKERS") if has_app_context() else None
    workers = int(configured) if configured is not None else os.cpu_count() or 1
    return workers if workers > 1 else 0


def _render_batch(render: Callable[[str], Any], raws: list[str]) -> list[Any]:
    return [render(raw) for raw in raws]


class Pending:
    """A body submitted for rendering; ``result()`` waits for it."""

    __slots__ = ("_renderer", "_batch", "_at")

    def __init__(self, renderer: Renderer, batch: int, at: int) -> None:
        self._renderer, self._batch, self._at = renderer, batch, at

    def result(self) -> Any:
        return self._renderer._result(self._batch, self._at)

    def ready(self) -> bool:
        """Tell whether result() would return at once (the body's batch is rendered)."""
        return self._renderer._ready(self._batch)


class Renderer:
    """Render bodies with ``render``: at once, or in a pool of ``workers`` processes.

    ``render`` must be a module-level function (workers receive it by name). Use as a
    context manager; leaving it stops the workers.
    """

    def __init__(self, render: Callable[[str], Any], workers: int) -> None:
        self._render = render
        self._workers = workers if workers > 1 else 0
        self._pool: Pool | None = None
        self._sent: list[AsyncResult[list[Any]] | list[Any] | None] = []
        self._unread: list[int] = []  # bodies of each sent batch not read yet
        self._batch: list[str] = []

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    @property
    def parallel(self) -> bool:
        return bool(self._workers)

    def start(self) -> None:
        """Start the workers now (else the first batch does), while the process can fork."""
        if self._workers and self._pool is None:
            self._pool = process_context().Pool(self._workers)

    def submit(self, raw: str) -> Any:
        """Start rendering a body: its rendering, or a Pending when a worker renders it."""
        if not self._workers:
            return self._render(raw)
        self._batch.append(raw)
        pending = Pending(self, len(self._sent), len(self._batch) - 1)
        if len(self._batch) >= BATCH:
            self._send()
        return pending

    def _send(self) -> None:
        self.start()
        assert self._pool is not None
        self._sent.append(self._pool.apply_async(_render_batch, (self._render, self._batch)))
        self._unread.append(len(self._batch))
        self._batch = []

    def _ready(self, batch: int) -> bool:
        if batch == len(self._sent):
            return False  # the batch being filled: not sent yet
        sent = self._sent[batch]
        return not isinstance(sent, AsyncResult) or sent.ready()

    def _result(self, batch: int, at: int) -> Any:
        if batch == len(self._sent):
            self._send()  # the batch being filled: send it now, it is needed
        sent = self._sent[batch]
        if isinstance(sent, AsyncResult):
            sent = self._sent[batch] = sent.get()
        assert sent is not None, "each body is read once"
        self._unread[batch] -= 1
        if not self._unread[batch]:
            self._sent[batch] = None  # all read: let the batch go
        return sent[at]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None


def process_context() -> multiprocessing.context.BaseContext:
    """Fork where it is safe and cheap; elsewhere, or beside other threads, a fork server."""
    methods = multiprocessing.get_all_start_methods()
    if sys.platform == "linux" and "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        return multiprocessing.get_context("forkserver")
    return multiprocessing.get_context("spawn")
