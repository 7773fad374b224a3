"""SQLite write transactions queue for their turn (forum.sqlite_writers), and let go of it
when they end, however they end."""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import text

from forum import create_app, reading, writing
from forum.config import DEFAULTS
from forum.extensions import db
from forum.production import gunicorn_options
from forum.sqlite_writers import lock_path


@pytest.fixture
def sqlite_app(tmp_path: Path) -> Iterator[Flask]:
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'queue.db'}", "SECRET_KEY": "t"})
    with app.app_context():
        upgrade()
        with db.engine.begin() as connection:
            connection.execute(text("CREATE TABLE scratch (note TEXT NOT NULL)"))
        yield app
        db.session.remove()
        db.engine.dispose()


def queue_is_taken(app: Flask) -> bool:
    """Whether some writer holds the queue: another open file description asks for it."""
    path = lock_path(db.engine.url.database)
    assert path is not None
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)
    return False


def test_lock_file_beside_a_database_file_and_none_in_memory(tmp_path: Path) -> None:
    assert lock_path(str(tmp_path / "forum.db")) == str(tmp_path / "forum.db") + "-writers"
    assert lock_path(":memory:") is None
    assert lock_path("") is None
    assert lock_path("file:forum?mode=memory") is None


def test_a_write_transaction_holds_the_queue_until_it_commits(sqlite_app: Flask) -> None:
    assert not queue_is_taken(sqlite_app)
    with writing():
        db.session.execute(text("SELECT 1"))
        assert queue_is_taken(sqlite_app)
        db.session.commit()
    assert not queue_is_taken(sqlite_app)


def test_rollback_and_close_let_go_of_the_queue(sqlite_app: Flask) -> None:
    with writing():
        db.session.execute(text("SELECT 1"))
        assert queue_is_taken(sqlite_app)
        db.session.rollback()
        assert not queue_is_taken(sqlite_app)
        db.session.execute(text("SELECT 1"))
        assert queue_is_taken(sqlite_app)
        db.session.remove()  # the connection goes back to the pool, rolled back
    assert not queue_is_taken(sqlite_app)


def _linger(started: Any) -> None:
    started.set()
    time.sleep(60)


def test_a_process_forked_meanwhile_does_not_keep_the_queue(sqlite_app: Flask) -> None:
    """An import forks its sanitizing workers while its write transaction is open: once
    the transaction ends, other writers must not wait for those workers to exit."""
    with writing():
        db.session.execute(text("SELECT 1"))
        context = multiprocessing.get_context("fork")
        started = context.Event()
        child = context.Process(target=_linger, args=(started,))
        child.start()
        try:
            # The child runs its fork handlers before its target: once it has started,
            # what it inherited is closed (or, wrongly, kept).
            assert started.wait(30)
            db.session.commit()
            assert not queue_is_taken(sqlite_app)
        finally:
            child.terminate()
            child.join()


def test_reading_transactions_do_not_queue(sqlite_app: Flask) -> None:
    with reading():
        db.session.execute(text("SELECT 1"))
        assert not queue_is_taken(sqlite_app)
        db.session.rollback()


def test_writers_on_many_threads_all_write(sqlite_app: Flask) -> None:
    """Sixteen threads, each with its own connection, write at once: every row lands."""
    errors: list[BaseException] = []

    def write(number: int) -> None:
        try:
            with sqlite_app.app_context(), writing():
                for step in range(20):
                    db.session.execute(
                        text("INSERT INTO scratch (note) VALUES (:n)"),
                        {"n": f"writer {number} {step}"},
                    )
                    db.session.commit()
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert db.session.execute(text("SELECT count(*) FROM scratch")).scalar() == 320
    assert not queue_is_taken(sqlite_app)


def test_worker_connections_reach_gunicorn() -> None:
    settings = {**DEFAULTS, "WORKER_CONNECTIONS": 8}
    assert gunicorn_options(settings)["worker_connections"] == 8
    assert gunicorn_options(dict(DEFAULTS))["worker_connections"] == 1000
