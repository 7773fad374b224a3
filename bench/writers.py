"""Post replies from many concurrent writers for a while; count what was acknowledged.

    python bench/writers.py BASE_URL POST_ID PARENT_IDS_FILE [--writers 16] [--seconds 15]

Each writer keeps one HTTP connection and posts replies to random comments of the thread,
each with its own text (the duplicate check must not refuse them). Prints one JSON object:
replies acknowledged (201 published or 202 held), refused or failed, and replies per
second over the run. Comparing the acknowledged count with the rows stored afterwards
tells whether any reply was lost.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import threading
import time
from collections import Counter
from urllib.parse import urlsplit

WORDS = (
    "the archive keeps every thread whole and every reply where it was written so that "
    "readers years later can follow the argument from the first comment to the last one"
).split()


def writer(
    base: str, post_id: int, parents: list[int], until: float, seed: int, out: Counter
) -> None:
    rng = random.Random(seed)
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    counts: Counter = Counter()
    number = 0
    while time.monotonic() < until:
        number += 1
        body = f"Reply {seed}-{number}: " + " ".join(rng.choice(WORDS) for _ in range(24)) + "."
        payload = json.dumps(
            {"author_name": f"Writer {seed}", "body": body, "parent_id": rng.choice(parents)}
        )
        try:
            connection.request(
                "POST",
                f"/api/posts/{post_id}/comments",
                body=payload,
                headers={"Content-Type": "application/json"},
            )
            response = connection.getresponse()
            response.read()
            counts[str(response.status)] += 1
        except (OSError, http.client.HTTPException):
            counts["error"] += 1
            connection.close()
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    connection.close()
    out.update(counts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("post_id", type=int)
    parser.add_argument("parents", help="a file of comment ids to reply to, one per line")
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=15)
    args = parser.parse_args()
    with open(args.parents) as file:
        parents = [int(line) for line in file if line.strip()]
    counts: Counter = Counter()
    started = time.monotonic()
    until = started + args.seconds
    threads = [
        threading.Thread(target=writer, args=(args.base, args.post_id, parents, until, n, counts))
        for n in range(args.writers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    acknowledged = counts["201"] + counts["202"]
    print(
        json.dumps(
            {
                "acknowledged": acknowledged,
                "statuses": dict(counts),
                "seconds": elapsed,
                "per_second": acknowledged / elapsed,
            }
        )
    )


if __name__ == "__main__":
    main()
