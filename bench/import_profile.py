"""Where an import's time and memory go: one file into a fresh database, in-process.

    python bench/import_profile.py FILE [--workers N] [--database URL] [--profile]

Prints the wall time of import_file (no interpreter start), the CPU time of the
importing process and of its worker processes, the importing process's peak RSS, and
how long it waited for the workers' rendering and quotes; --profile adds the importing
process's 25 costliest functions (cProfile, which slows it down). Without --database
the import goes into a new SQLite file in a temporary folder; a PostgreSQL URL's public
schema is dropped first. bench/run.sh measures the command a user runs; this is for
finding out why.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--workers", type=int, help="IMPORT_WORKERS (default: one per CPU)")
    parser.add_argument("--database", help="a SQLAlchemy URL (default: a new SQLite file)")
    parser.add_argument("--profile", action="store_true", help="cProfile the import")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="forum-import-") as folder:
        url = options.database or f"sqlite:///{folder}/forum.db"
        run(options.file, url, options.workers, options.profile)


def run(path: Path, url: str, workers: int | None, profile: bool) -> None:
    from flask_migrate import upgrade

    from forum import create_app
    from forum.extensions import db
    from forum.importers import import_file, quoting, rendering

    waited = {"rendering": 0.0, "quotes": 0.0}
    _time_waits(rendering.Pending, "result", waited, "rendering")
    _time_waits(quoting.QuotesAhead, "result", waited, "quotes")
    config = {"DATABASE_URL": url}
    if workers is not None:
        config["IMPORT_WORKERS"] = workers
    app = create_app(config)
    with app.app_context():
        if url.startswith("postgresql"):
            db.session.execute(db.text("DROP SCHEMA public CASCADE"))
            db.session.execute(db.text("CREATE SCHEMA public"))
            db.session.commit()
        upgrade()
        profiler = cProfile.Profile() if profile else None
        started, cpu = time.perf_counter(), time.process_time()
        if profiler is not None:
            profiler.enable()
        report = import_file(db.session, path, address_key=os.urandom(32))
        if profiler is not None:
            profiler.disable()
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    workers_cpu = usage.ru_utime + usage.ru_stime
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{path.name}: {report.comments['created']} comments created, "
        f"{report.quotes['total']} quotes, in {wall:.2f} s\n"
        f"CPU: importing process {cpu:.2f} s, workers {workers_cpu:.2f} s\n"
        f"peak RSS of the importing process: {peak:.0f} MB\n"
        f"waited for rendering {waited['rendering']:.2f} s, for quotes {waited['quotes']:.2f} s"
    )
    if profiler is not None:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def _time_waits(owner: type, name: str, waited: dict[str, float], label: str) -> None:
    """Count the time spent in owner.name (a wait for a worker) under waited[label]."""
    original = getattr(owner, name)

    def timed(self, *args, **kwargs):  # noqa: ANN001, ANN202
        started = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            waited[label] += time.perf_counter() - started

    setattr(owner, name, timed)


if __name__ == "__main__":
    main()
