"""The app the load benchmarks serve: forum, plus a hello-world endpoint as the yardstick.

    gunicorn --chdir bench wsgi:app     (settings from FORUM_* variables, as in production)

The hello-world route goes through the same app (its request log, its before- and
after-request hooks), so the ratio of the two measures what forum itself costs.
"""

from __future__ import annotations

from forum import create_app

app = create_app()


@app.get("/bench/hello")
def hello() -> str:
    return "Hello, World!"
