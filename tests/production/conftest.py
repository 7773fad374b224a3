"""Real servers for the production tests: Redis, gunicorn app servers, an RQ worker."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
import requests

from tests.api.conftest import moderator, post  # noqa: F401 (shared fixtures)
from tests.conftest import ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}")
        try:
            requests.get(url, timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory) -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("FORUM_REQUIRE_REDIS"):
            pytest.fail("redis-server is not installed, and FORUM_REQUIRE_REDIS says it must be")
        pytest.skip("redis-server is not installed (.ci/run installs it)")
    port = free_port()
    directory = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(directory)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.1)
    yield f"redis://127.0.0.1:{port}/0"
    stop(process)


@pytest.fixture(scope="session")
def cluster_environment(database_url, redis_url, tmp_path_factory, app) -> dict[str, str]:
    """What every server and the worker of the test cluster share."""
    return {
        **os.environ,
        "FORUM_DATABASE_URL": database_url,
        "FORUM_REDIS_URL": redis_url,
        "FORUM_SECRET_KEY": "test secret",
        "FORUM_TRUSTED_PROXIES": "1",
        "FORUM_REPLY_RATE_LIMIT": "3 per minute",
        "FORUM_FLAG_RATE_LIMIT": "100 per minute",
        "FORUM_UPLOAD_DIR": str(tmp_path_factory.mktemp("uploads")),
        "FORUM_MAX_UPLOAD_BYTES": "3000000",
        "FORUM_WORKERS": "1",
        "FORUM_THREADS": "4",
        "FORUM_REQUEST_LOG": "false",
    }


def forum_process(arguments: list[str], environment: dict[str, str], log) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", "from forum.cli import main; main()", *arguments],
        cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
    )


@pytest.fixture(scope="session")
def cluster(cluster_environment, tmp_path_factory) -> Iterator[dict[str, str]]:
    """Two gunicorn app servers on different ports, one database, one Redis, one worker."""
    logs = tmp_path_factory.mktemp("cluster-logs")
    processes, urls = [], {}
    try:
        for name in ("a", "b"):
            port = free_port()
            log = open(logs / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
            process = forum_process(["serve", "--production", "--port", str(port)],
                                    cluster_environment, log)
            processes.append((process, log))
            urls[name] = f"http://127.0.0.1:{port}"
            wait_for(urls[name] + "/healthz", process)
        worker_log = open(logs / "worker.log", "w")  # noqa: SIM115
        worker = forum_process(["worker"], cluster_environment, worker_log)
        processes.append((worker, worker_log))
        yield urls
    finally:
        for process, log in processes:
            stop(process)
            log.close()
