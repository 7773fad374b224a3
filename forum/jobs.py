"""Imports as background jobs: queued in Redis for `forum worker` (RQ), or, without Redis,
run by a background thread of the app. Progress lives where every server can read it: in
Redis when configured (never in the database, whose write lock the import itself holds)."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flask import Flask, current_app

from forum.errors import ImportFailed
from forum.extensions import db
from forum.models import ImportJob, JobState
from forum.models.base import utcnow

log = logging.getLogger(__name__)
QUEUE = "forum-imports"
# An import of a large export may take minutes; a stuck one is stopped after this.
JOB_TIMEOUT = 3600


class MemoryProgress:
    """Progress of jobs run by this process's own thread (no Redis, one process)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._done: dict[int, int] = {}

    def set(self, job_id: int, done: int) -> None:
        with self._lock:
            self._done[job_id] = done

    def get(self, job_id: int) -> int | None:
        with self._lock:
            return self._done.get(job_id)


class RedisProgress:
    """Progress shared by every app server and worker through Redis."""

    def __init__(self, url: str) -> None:
        from redis import Redis

        self._redis = Redis.from_url(url)

    def set(self, job_id: int, done: int) -> None:
        self._redis.set(f"forum:import:{job_id}:bytes", done, ex=7 * 24 * 3600)

    def get(self, job_id: int) -> int | None:
        value = self._redis.get(f"forum:import:{job_id}:bytes")
        return int(value) if value is not None else None


def progress_store(app: Flask) -> MemoryProgress | RedisProgress:
    store = app.extensions.get("forum_progress")
    if store is None:
        url = app.config.get("REDIS_URL")
        store = RedisProgress(url) if url else MemoryProgress()
        app.extensions["forum_progress"] = store
    return store


def enqueue(app: Flask, job_id: int) -> None:
    """Hand a job to the worker queue (Redis), or to this app's background thread."""
    url = app.config.get("REDIS_URL")
    if url:
        from redis import Redis
        from rq import Queue

        Queue(QUEUE, connection=Redis.from_url(url)).enqueue(
            "forum.jobs.run_job", job_id, job_timeout=JOB_TIMEOUT, result_ttl=86400
        )
        return
    executor = app.extensions.get("forum_jobs")
    if executor is None:
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="forum-import")
        app.extensions["forum_jobs"] = executor
    executor.submit(_run_in_app, app, job_id).add_done_callback(_log_failure)


def _log_failure(future: Any) -> None:
    error = future.exception()
    if error is not None:
        log.error("an import job could not run", exc_info=error)


def _run_in_app(app: Flask, job_id: int) -> None:
    from forum import writing

    # The job reads its row, then writes it: on SQLite, a transaction that reads first
    # cannot wait for the write lock, so this thread's transactions take it at once.
    with app.app_context(), writing():
        try:
            execute(job_id)
        except Exception:
            db.session.rollback()
            _mark_failed(job_id)
            raise
        finally:
            db.session.remove()


def _mark_failed(job_id: int) -> None:
    """A job that could not even start must not look queued forever."""
    job = db.session.get(ImportJob, job_id)
    if job is not None and job.state in {JobState.QUEUED, JobState.RUNNING}:
        job.state, job.finished_at = JobState.FAILED, utcnow()
        job.error = job.error or "the job could not run; see the server's log"
        db.session.commit()


def run_job(job_id: int) -> None:
    """The worker's entry point (RQ): build the app from the environment and run the job."""
    from forum import create_app

    _run_in_app(create_app(), job_id)


def execute(job_id: int, on_progress: Callable[[int], None] | None = None) -> ImportJob:
    """Run one import job: all of the file is imported, or none of it, and the job says which."""
    from forum import address_key
    from forum.importers import import_file

    job = db.session.get(ImportJob, job_id)
    if job is None or job.state is not JobState.QUEUED:
        raise LookupError(f"import job {job_id} is not waiting to run")
    job.state, job.started_at = JobState.RUNNING, utcnow()
    db.session.commit()
    store = progress_store(current_app._get_current_object())

    def progress(done: int) -> None:
        store.set(job_id, done)
        if on_progress is not None:
            on_progress(done)

    path, name = job.path, job.file_name
    result: dict[str, Any]
    try:
        report = import_file(
            db.session, path, address_key=address_key(current_app), format=job.format,
            recover=job.recover, progress=progress,
            moderation_keys=current_app.config["MODERATION_KEYS"],
            disallowed_keys=current_app.config["DISALLOWED_KEYS"],
        )
        result = {"ok": True, **report.as_dict(), "file": name}
        state, error = JobState.SUCCEEDED, None
    except ImportFailed as failure:
        # The uploaded copy's path means nothing to the user: speak of the file's name.
        failure.file = name
        result = {"ok": False, "file": name, "error": failure.reason, "line": failure.line,
                  "column": failure.column, "hint": failure.hint, "message": str(failure)}
        state, error = JobState.FAILED, str(failure)
    except Exception as failure:  # noqa: BLE001 - a job must end, and say so
        log.exception("import job %s failed", job_id)
        db.session.rollback()
        result = {"ok": False, "file": name, "error": f"{failure.__class__.__name__}: {failure}"}
        state, error = JobState.FAILED, result["error"]
    finally:
        _remove(path)
    job = db.session.get(ImportJob, job_id)
    job.state, job.report, job.error, job.finished_at = state, result, error, utcnow()
    db.session.commit()
    store.set(job_id, job.size if state is JobState.SUCCEEDED else store.get(job_id) or 0)
    return job


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


def job_dict(job: ImportJob, done: int | None) -> dict[str, Any]:
    """A job as the API shows it (ImportJobSchema)."""
    finished = job.state in {JobState.SUCCEEDED, JobState.FAILED}
    done = job.size if job.state is JobState.SUCCEEDED else (done or 0)
    return {
        "id": job.id,
        "state": job.state.value,
        "file_name": job.file_name,
        "size": job.size,
        "format": job.format,
        "progress": {
            "bytes_read": min(done, job.size),
            "total": job.size,
            "percent": 100.0 if job.state is JobState.SUCCEEDED
            else round(100 * min(done, job.size) / job.size, 1) if job.size else 0.0,
        },
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "report": job.report if finished else None,
        "error": job.error,
    }
