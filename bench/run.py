"""Run forum's benchmarks (issue #7) side by side with Isso's, and print one table.

bench/run.sh prepares the tools (wrk, gunicorn, Isso in a scratch virtual environment,
a scratch PostgreSQL) and calls this; see BENCHMARKS.md for the method. Every number is
the median of --runs runs unless the table says otherwise.
"""

# A benchmark driver runs programs and queries with values it made itself:
# ruff: noqa: S603, S607, S608, S108

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
# name: (posts, comments per post, maximum depth)
SIZES = {
    "full": {"1k": (1, 1000, 10), "100k": (10, 10000, 10), "50k": (1, 50000, 30)},
    "quick": {"1k": (1, 1000, 10), "4k": (2, 2000, 10), "5k": (1, 5000, 30)},
}
# gunicorn as `forum serve --production` runs it (FORUM_WORKERS, FORUM_THREADS,
# FORUM_WORKER_CONNECTIONS), set for 2 cores: 4 processes of 2 threads, each holding 6
# connections at most. Without that bound the 16 kept-alive connections of a run could
# land mostly on one process, which then holds one core while the other stays idle.
WORKERS = os.environ.get("FORUM_BENCH_WORKERS", "4")
THREADS = os.environ.get("FORUM_BENCH_THREADS", "2")
CONNECTIONS = os.environ.get("FORUM_BENCH_WORKER_CONNECTIONS", "6")
ISSO_SIZES = {"full": ["1k", "100k"], "quick": ["1k", "4k"]}
FORUM = [sys.executable, "-c", "from forum.cli import main; main()"]  # the `forum` command


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# Measuring processes ---------------------------------------------------------------------


def _tree(root: int) -> list[int]:
    """The pid and every descendant of a process."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as file:
                ppid = int(file.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as file:
            for line in file:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def measure(command: list[str], env: dict[str, str], timeout: float) -> dict[str, Any]:
    """Run a command under /usr/bin/time -v; return wall seconds, the largest process's peak
    RSS (time -v), the peak of the summed PSS of all its processes, and its stdout."""
    timed = ["/usr/bin/time", "-v", *command]
    started = time.perf_counter()
    process = subprocess.Popen(
        timed, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            peak[0] = max(peak[0], sum(_pss_kb(pid) for pid in _tree(process.pid)[1:]))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
        done.set()
        return {"timeout": True, "seconds": time.perf_counter() - started}
    finally:
        done.set()
    seconds = time.perf_counter() - started
    found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", stderr)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{stderr[-3000:]}")
    return {
        "seconds": seconds,
        "max_rss_mb": int(found.group(1)) / 1024 if found else None,
        "pss_mb": peak[0] / 1024,
        "stdout": stdout,
    }


# Databases ---------------------------------------------------------------------------------


class Database:
    """A fresh forum database, SQLite or PostgreSQL, migrated to the current schema."""

    def __init__(self, kind: str, work: Path, pg_url: str | None) -> None:
        self.kind, self.work, self.pg_url = kind, work, pg_url

    def url(self, name: str) -> str:
        if self.kind == "sqlite":
            return f"sqlite:///{self.work / (name + '.db')}"
        return self.pg_url or ""

    def fresh(self, name: str, env: dict[str, str]) -> str:
        url = self.url(name)
        if self.kind == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(str(self.work / (name + ".db")) + suffix).unlink(missing_ok=True)
        else:
            import psycopg

            with psycopg.connect(url, autocommit=True) as connection:
                connection.execute("DROP SCHEMA IF EXISTS public CASCADE")
                connection.execute("CREATE SCHEMA public")
        subprocess.run(
            [*FORUM, "db", "upgrade"],
            env={**env, "FORUM_DATABASE_URL": url},
            check=True,
            capture_output=True,
        )
        return url

    def scalar(self, url: str, sql: str) -> Any:
        if self.kind == "sqlite":
            with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
                return connection.execute(sql).fetchone()[0]
        import psycopg

        with psycopg.connect(url) as connection:
            return connection.execute(sql).fetchone()[0]

    def column(self, url: str, sql: str) -> list[Any]:
        if self.kind == "sqlite":
            with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
                return [row[0] for row in connection.execute(sql)]
        import psycopg

        with psycopg.connect(url) as connection:
            return [row[0] for row in connection.execute(sql)]


def base_env(work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FORUM_")}
    env.update(
        {
            "FORUM_SECRET_KEY": "benchmark",
            "FORUM_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


# The benchmarks ----------------------------------------------------------------------------


def generate(work: Path, sizes: dict[str, tuple[int, int, int]]) -> dict[str, Path]:
    files = {}
    for name, (posts, comments, depth) in sizes.items():
        path = work / f"wxr-{name}.xml"
        if not path.exists():
            log(f"generating {path.name}: {posts} x {comments} comments, depth {depth}")
            subprocess.run(
                [sys.executable, str(BENCH / "gen_wxr.py"), "--posts", str(posts)]
                + ["--comments", str(comments), "--depth", str(depth), "-o", str(path)],
                check=True,
            )
        files[name] = path
    return files


def import_forum(db: Database, name: str, path: Path, runs: int, env: dict[str, str]) -> dict:
    results = []
    for run in range(runs):
        url = db.fresh(f"import-{name}", env)
        log(f"forum import {path.name} into {db.kind} ({run + 1}/{runs})")
        found = measure(
            [*FORUM, "import", "--json", str(path)],
            {**env, "FORUM_DATABASE_URL": url},
            timeout=1800,
        )
        report = json.loads(found.pop("stdout"))["files"][0]
        found["comments"] = report["comments"]["total"]
        results.append(found)
    return {
        "seconds": statistics.median(r["seconds"] for r in results),
        "runs": [round(r["seconds"], 2) for r in results],
        "max_rss_mb": statistics.median(r["max_rss_mb"] for r in results),
        "pss_mb": statistics.median(r["pss_mb"] for r in results),
        "comments": results[0]["comments"],
        "url": url,
    }


def import_isso(isso: Path, work: Path, name: str, path: Path, env: dict[str, str]) -> dict:
    config = work / f"isso-{name}.cfg"
    database = work / f"isso-{name}.db"
    database.unlink(missing_ok=True)
    config.write_text(
        f"[general]\ndbpath = {database}\nhost = http://127.0.0.1/\n"
        "[guard]\nenabled = false\n[server]\nlisten = http://127.0.0.1:1/\n"
    )
    log(f"isso import {path.name} (one run)")
    found = measure(
        [str(isso / "bin" / "isso"), "-c", str(config), "import", "-t", "wordpress", str(path)],
        env,
        timeout=3600,
    )
    found.pop("stdout", None)
    with sqlite3.connect(database) as connection:
        found["comments"] = connection.execute("SELECT count(*) FROM comments").fetchone()[0]
        found["nested"] = connection.execute(
            "SELECT count(*) FROM comments c JOIN comments p ON c.parent = p.id "
            "WHERE p.parent IS NOT NULL"
        ).fetchone()[0]
        found["statuses"] = dict(
            connection.execute("SELECT mode, count(*) FROM comments GROUP BY mode")
        )
    found["config"] = str(config)
    return found


def read_forum(url: str, post_id: int, query: str, runs: int, env: dict[str, str]) -> dict:
    out = subprocess.run(
        [
            sys.executable,
            str(BENCH / "read_forum.py"),
            url,
            str(post_id),
            query,
            "--runs",
            str(runs),
        ],
        env={**env, "FORUM_DATABASE_URL": url},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def read_isso(isso: Path, config: str, uri: str, runs: int, env: dict[str, str]) -> dict:
    out = subprocess.run(
        [
            str(isso / "bin" / "python"),
            str(BENCH / "read_isso.py"),
            config,
            uri,
            "--runs",
            str(runs),
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(url: str, env: dict[str, str], **settings: str):
    """forum (bench/wsgi.py) under gunicorn on loopback, configured as in production."""
    port = free_port()
    server_env = {**env, "FORUM_DATABASE_URL": url, **settings}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--chdir", str(BENCH), "-w", WORKERS, "-k", "gthread"]
        + ["--threads", THREADS, "--worker-connections", CONNECTIONS]
        + ["-b", f"127.0.0.1:{port}", "--access-logfile", "/dev/null"]
        + ["--log-level", "warning", "wsgi:app"],
        env=server_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        subprocess.run(["curl", "-sf", "-o", "/dev/null", base + "/bench/hello"], check=True)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def wrk(url: str, seconds: int) -> float:
    out = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{seconds}s", url], check=True, capture_output=True, text=True
    ).stdout
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def requests_per_second(base: str, page: str, runs: int, seconds: int) -> dict:
    """The 100-comment page and hello-world, alternately, in the same server."""
    subprocess.run(["curl", "-sf", "-o", "/dev/null", base + page], check=True)  # warm
    hello, thread = [], []
    for run in range(runs):
        log(f"wrk hello-world and the 100-comment page ({run + 1}/{runs})")
        hello.append(wrk(base + "/bench/hello", seconds))
        thread.append(wrk(base + page, seconds))
    return {"hello": statistics.median(hello), "page": statistics.median(thread)}


def replies(db: Database, path: Path, seconds: int, env: dict[str, str], writers: int) -> dict:
    url = db.fresh("writes", env)
    subprocess.run(
        [*FORUM, "import", "--json", str(path)],
        env={**env, "FORUM_DATABASE_URL": url},
        check=True,
        capture_output=True,
    )
    post_id = db.scalar(url, "SELECT min(id) FROM posts")
    parents = db.column(
        url, f"SELECT id FROM comments WHERE post_id = {post_id} AND status = 'approved'"
    )
    parents_file = db.work / "parents.txt"
    parents_file.write_text("\n".join(map(str, parents)))
    before = db.scalar(url, "SELECT count(*) FROM comments")
    with gunicorn(url, env, FORUM_RATELIMIT_ENABLED="false") as base:
        log(f"{writers} writers replying for {seconds} s ({db.kind})")
        out = subprocess.run(
            [sys.executable, str(BENCH / "writers.py"), base, str(post_id), str(parents_file)]
            + ["--writers", str(writers), "--seconds", str(seconds)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    result = json.loads(out)
    stored = db.scalar(url, "SELECT count(*) FROM comments") - before
    result["stored"] = stored
    result["lost"] = result["acknowledged"] - stored
    return result


# The table ---------------------------------------------------------------------------------


def table(results: dict[str, Any], targets: bool = True) -> str:
    rows = [("measure", "forum", "Isso", "ratio", "target")]
    for row in results["rows"]:
        rows.append(tuple(row))
    widths = [max(len(str(row[i])) for row in rows) for i in range(5)]
    lines = []
    for at, row in enumerate(rows):
        lines.append("  ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if at == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def fmt_s(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds >= 10 else f"{seconds:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: about two minutes")
    parser.add_argument("--work", default=os.environ.get("FORUM_BENCH_WORK", "/tmp/forum-bench"))
    parser.add_argument("--pg-url", default=os.environ.get("FORUM_BENCH_PG_URL"))
    parser.add_argument("--isso", default=os.environ.get("FORUM_BENCH_ISSO"))
    parser.add_argument("--runs", type=int, default=None)
    args = parser.parse_args()
    load_at_start = os.getloadavg()
    mode = "quick" if args.quick else "full"
    runs = args.runs or (1 if args.quick else 3)
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    env = base_env(work)
    files = generate(work, SIZES[mode])
    kinds = ["sqlite"] + (["postgresql"] if args.pg_url else [])
    databases = {kind: Database(kind, work, args.pg_url) for kind in kinds}
    isso = Path(args.isso) if args.isso else None
    results: dict[str, Any] = {"mode": mode, "runs": runs, "rows": []}
    rows = results["rows"]
    big, huge = ("100k", "50k") if mode == "full" else ("4k", "5k")

    # Import ---------------------------------------------------------------------------------
    imported: dict[tuple[str, str], dict] = {}
    peer: dict[str, dict] = {}
    for name, path in files.items():
        for kind, db in databases.items():
            imported[(kind, name)] = found = import_forum(db, name, path, runs, env)
            results[f"import_{kind}_{name}"] = found
        if isso and name in ISSO_SIZES[mode]:
            peer[name] = import_isso(isso, work, name, path, env)
            results[f"isso_import_{name}"] = {k: v for k, v in peer[name].items()}
    for name in files:
        for kind in kinds:
            found = imported[(kind, name)]
            rate = found["comments"] / found["seconds"]
            other = peer.get(name) if kind == "sqlite" else None
            ratio = f"{other['seconds'] / found['seconds']:.1f}x" if other else ""
            target = "<= 20 s (goal 10 s)" if name == big and kind == "sqlite" else ""
            rows.append(
                (
                    f"import {name} ({found['comments']:,} comments), {kind}: wall",
                    f"{fmt_s(found['seconds'])} ({rate:,.0f}/s)",
                    f"{fmt_s(other['seconds'])} ({other['comments'] / other['seconds']:,.0f}/s)"
                    if other
                    else "",
                    ratio,
                    target,
                )
            )
            rows.append(
                (
                    f"import {name}, {kind}: peak memory (largest process / all processes)",
                    f"{found['max_rss_mb']:.0f} / {found['pss_mb']:.0f} MB",
                    f"{other['max_rss_mb']:.0f} / {other['pss_mb']:.0f} MB" if other else "",
                    "",
                    "<= 150 MB, flat" if name == big and kind == "sqlite" else "",
                )
            )

    # Read -----------------------------------------------------------------------------------
    url = imported[("sqlite", big)]["url"]
    post_id = databases["sqlite"].scalar(url, "SELECT min(id) FROM posts")
    log("reading the whole threads and a 100-comment page, in-process")
    whole = read_forum(url, post_id, "per_page=100", runs, env)
    page = read_forum(url, post_id, "per_page=1", runs, env)
    url_huge = imported[("sqlite", huge)]["url"]
    whole_huge = read_forum(
        url_huge,
        databases["sqlite"].scalar(url_huge, "SELECT min(id) FROM posts"),
        "per_page=100",
        runs,
        env,
    )
    results.update({"read_whole": whole, "read_page": page, "read_whole_huge": whole_huge})
    isso_read = None
    if isso and big in peer:
        uri = "/2020/01/02/discussion-1/"
        isso_read = read_isso(isso, peer[big]["config"], uri, runs, env)
        results["isso_read_whole"] = isso_read
    for label, found, other, target in (
        (
            f"GET whole thread ({whole['comments']:,} shown of {SIZES[mode][big][1]:,})",
            whole,
            isso_read,
            "<= 150 ms",
        ),
        (
            f"GET whole thread ({whole_huge['comments']:,} shown of {SIZES[mode][huge][1]:,})",
            whole_huge,
            None,
            "<= 1 s",
        ),
        (f"GET 100-comment page ({page['comments']} shown)", page, None, ""),
    ):
        ratio = f"{other['ms'] / found['cold_ms']:.0f}x cold" if other else ""
        rows.append(
            (
                f"{label}: server time, cold / cached / 304",
                f"{found['cold_ms']:.0f} / {found['warm_ms']:.1f} / "
                f"{found['not_modified_ms']:.1f} ms",
                f"{other['ms']:.0f} ms ({other['comments']:,} shown)" if other else "",
                ratio,
                target,
            )
        )

    # Requests per second ---------------------------------------------------------------------
    seconds = 3 if args.quick else 10
    with gunicorn(url, env) as base:
        rps = requests_per_second(base, f"/api/posts/{post_id}/comments?per_page=1", runs, seconds)
    results["rps"] = rps
    rows.append(
        (
            f"100-comment page under wrk (gunicorn {WORKERS}x{THREADS}, 16 connections): "
            "requests/s",
            f"{rps['page']:,.0f} (hello-world {rps['hello']:,.0f})",
            "",
            f"{rps['page'] / rps['hello']:.0%} of hello",
            ">= 50% of hello",
        )
    )

    # Write ----------------------------------------------------------------------------------
    seconds = 5 if args.quick else 15
    for kind, db in databases.items():
        found = replies(db, files["1k"], seconds, env, writers=16)
        results[f"replies_{kind}"] = found
        rows.append(
            (
                f"replies, 16 writers for {seconds} s, {kind}: per second (lost)",
                f"{found['per_second']:,.0f} ({found['lost']} lost)",
                "",
                "",
                ">= 300/s, 0 lost",
            )
        )

    results["load_average"] = {"start": load_at_start, "end": os.getloadavg()}
    (work / "results.json").write_text(json.dumps(results, indent=2, default=str))
    print(table(results))
    print(
        f"\n({mode} run, medians of {runs}; {os.cpu_count()} CPUs; "
        f"Python {sys.version.split()[0]}, "
        f"SQLite {sqlite3.sqlite_version}; load average {load_at_start[0]:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end; details in {work / 'results.json'})"
    )


if __name__ == "__main__":
    main()
