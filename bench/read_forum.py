"""Time forum's thread endpoint in-process (server time, no network): cold, warm and 304.

    python bench/read_forum.py DATABASE_URL POST_ID QUERY [--runs N]

Cold: the thread cache is emptied before each request, so the thread is read from the
database and serialized. Warm: served from the cache, after one check of the thread's
version. 304: the client sends the ETag it holds. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import statistics
import time

import orjson

from forum import create_app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("database_url")
    parser.add_argument("post_id", type=int)
    parser.add_argument("query")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    app = create_app({"DATABASE_URL": args.database_url, "LOG_LEVEL": "ERROR"})
    client = app.test_client()
    url = f"/api/posts/{args.post_id}/comments?{args.query}"

    def timed(**headers: str) -> tuple[float, object]:
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        return time.perf_counter() - started, response

    cold = []
    for _ in range(args.runs):
        app.extensions.pop("forum_thread_cache", None)
        seconds, response = timed()
        cold.append(seconds)
    body = response.get_data()
    warm = [timed()[0] for _ in range(args.runs * 4)]
    etag = response.headers["ETag"]
    not_modified = [timed(**{"If-None-Match": etag})[0] for _ in range(args.runs * 4)]
    thread = orjson.loads(body)
    stack, count = list(thread["comments"]), 0
    while stack:
        node = stack.pop()
        count += 1
        stack.extend(node["replies"])
    print(
        orjson.dumps(
            {
                "comments": count,
                "bytes": len(body),
                "cold_ms": statistics.median(cold) * 1000,
                "warm_ms": statistics.median(warm) * 1000,
                "not_modified_ms": statistics.median(not_modified) * 1000,
            }
        ).decode()
    )


if __name__ == "__main__":
    main()
