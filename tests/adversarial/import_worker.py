"""A process that imports hostile files one by one, inside a 512 MiB address space.

Started by the XML family (test_xml_attacks.py) as ``python -m
tests.adversarial.import_worker DATABASE_URL``. It reads one JSON request per line on
stdin (``{"path", "format", "recover"}``) and answers one JSON line on stdout: the error (or
the report), the time the import took, the process's peak memory, and the rows of every
table before and after, so the parent can tell that nothing was written. A file that
needed more than 512 MiB fails with MemoryError here instead of taking the machine down.
"""

from __future__ import annotations

import json
import resource
import sys
import time
import traceback

LIMIT = 512 << 20


def main() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))
    from sqlalchemy import func, select

    from forum import address_key, create_app
    from forum.errors import ImportFailed
    from forum.extensions import db
    from forum.importers import import_file
    from forum.models import Base

    app = create_app({"DATABASE_URL": sys.argv[1], "SECRET_KEY": "test secret"})

    def counts() -> dict[str, int]:
        found = {
            table.name: db.session.execute(select(func.count()).select_from(table)).scalar_one()
            for table in Base.metadata.sorted_tables
        }
        db.session.rollback()
        return found

    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        answer: dict = {}
        with app.app_context():
            answer["before"] = counts()
            started, cpu_started = time.perf_counter(), time.process_time()
            try:
                report = import_file(
                    db.session,
                    request["path"],
                    address_key=address_key(app),
                    format=request.get("format"),
                    recover=request.get("recover", False),
                )
                answer["report"] = report.as_dict()
            except ImportFailed as error:
                answer["error"] = {
                    "message": str(error),
                    "reason": error.reason,
                    "line": error.line,
                    "column": error.column,
                }
            except MemoryError:
                answer["crash"] = "MemoryError: more than 512 MiB"
            except BaseException as error:  # noqa: BLE001 - reported to the parent as a crash
                answer["crash"] = "".join(traceback.format_exception_only(error)).strip()
                answer["traceback"] = traceback.format_exc()
            answer["seconds"] = time.perf_counter() - started
            # The work's own cost: what other jobs on a shared machine add is not in it.
            answer["cpu_seconds"] = time.process_time() - cpu_started
            db.session.rollback()
            answer["after"] = counts()
            db.session.remove()
        answer["max_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
