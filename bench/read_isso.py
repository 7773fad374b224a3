"""Time Isso's thread endpoint in-process (server time, no network), as read_forum.py does.

Run with Isso's own Python (its virtual environment):

    ISSO_VENV/bin/python bench/read_isso.py CONFIG URI [--runs N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from isso import config, make_app
from werkzeug.test import Client


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("config")
    parser.add_argument("uri")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    conf = config.load(config.default_file(), args.config)
    client = Client(make_app(conf))
    times, response = [], None
    for _ in range(args.runs):
        started = time.perf_counter()
        response = client.get("/", query_string={"uri": args.uri})
        times.append(time.perf_counter() - started)
    body = response.get_data()
    thread = json.loads(body)
    count = len(thread["replies"]) + sum(len(r.get("replies", [])) for r in thread["replies"])
    print(
        json.dumps({"comments": count, "bytes": len(body), "ms": statistics.median(times) * 1000})
    )


if __name__ == "__main__":
    main()
