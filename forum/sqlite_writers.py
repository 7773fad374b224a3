"""SQLite writers take turns in a queue, not by polling.

SQLite lets one transaction write at a time. A writer that finds the lock taken sleeps
and tries again (its busy handler: 1, 2, 5, 10, … ms), so under many concurrent replies
most of the waiting is sleeping while the lock is already free, and the lock goes to
whoever happens to wake at the right moment. Here each write transaction first takes a
lock of our own, which wakes the next writer as soon as it is released: a thread lock
among the threads of one process, then an advisory file lock (``flock``, beside the
database file) among processes. Writers that do not take it (another program, the
``sqlite3`` shell) are still kept out by SQLite's own lock; they only wait as before.

The lock is taken just before ``BEGIN IMMEDIATE`` and released when the connection
commits, rolls back or closes, whichever comes first.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import weakref
from typing import Any

# How long a writer waits for its turn, as SQLite's busy_timeout would.
WAIT_SECONDS = 30.0

_thread_locks: dict[str, threading.Lock] = {}
_thread_locks_guard = threading.Lock()
# Connections holding their turn now: a process forked meanwhile (an import's sanitizing
# workers) must not keep the file lock of its parent's writer (see _forget_in_child).
_holding: weakref.WeakSet[Connection] = weakref.WeakSet()


def _thread_lock(path: str) -> threading.Lock:
    with _thread_locks_guard:
        return _thread_locks.setdefault(path, threading.Lock())


def lock_path(database: Any) -> str | None:
    """The lock file of a database file, or None for a database in memory."""
    if not isinstance(database, (str, os.PathLike)):
        return None
    name = os.fspath(database)
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return os.path.abspath(name) + "-writers"


class Connection(sqlite3.Connection):
    """A sqlite3 connection whose write transactions wait for their turn in a queue."""

    def __init__(self, database: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        self._lock_path = lock_path(database)
        self._held: threading.Lock | None = None
        self._file: int | None = None

    def begin_writing(self) -> None:
        """Wait for this process's and then every process's turn to write."""
        if self._lock_path is None or self._held is not None:
            return
        lock = _thread_lock(self._lock_path)
        if not lock.acquire(timeout=WAIT_SECONDS):
            raise sqlite3.OperationalError("database is locked (waited for other writers)")
        try:
            # One descriptor per process would do; one per connection keeps it simple,
            # and only the thread holding the thread lock ever waits on it.
            self._file = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._file, fcntl.LOCK_EX)
        except BaseException:
            self._close_file()
            lock.release()
            raise
        self._held = lock
        _holding.add(self)

    def end_writing(self) -> None:
        held, self._held = self._held, None
        _holding.discard(self)
        if held is not None:
            self._close_file()  # closing the descriptor releases the file lock
            held.release()

    def _close_file(self) -> None:
        if self._file is not None:
            os.close(self._file)
            self._file = None

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.end_writing()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.end_writing()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.end_writing()


def _forget_in_child() -> None:
    """In a forked child: close the copies of the lock files its parent's writers hold.

    A file lock lasts while any copy of its descriptor is open, so a child that kept one
    (a sanitizing worker forked during an import, alive for minutes) would hold every
    other writer back after the parent's writer had finished. The child's thread locks
    start afresh too: threads of the parent that held them do not exist in the child.
    """
    global _thread_locks, _thread_locks_guard
    for connection in list(_holding):
        connection._close_file()
        connection._held = None
    _holding.clear()
    _thread_locks, _thread_locks_guard = {}, threading.Lock()


os.register_at_fork(after_in_child=_forget_in_child)
