"""`forum serve --production`: gunicorn, configured from FORUM_* settings."""

from __future__ import annotations

from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication


class ProductionServer(BaseApplication):
    """gunicorn serving create_app(); each worker builds its own app (nothing is shared)."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        from forum import create_app

        return create_app()


def gunicorn_options(settings: dict[str, Any], bind: str | None = None) -> dict[str, Any]:
    """The gunicorn settings forum runs with, from its own configuration."""
    return {
        "bind": bind or settings["BIND"],
        "workers": int(settings["WORKERS"]),
        "threads": int(settings["THREADS"]),
        "worker_connections": int(settings["WORKER_CONNECTIONS"]),
        "worker_class": "gthread",
        "timeout": int(settings["TIMEOUT"]),
        "graceful_timeout": 30,
        "keepalive": 5,
        # forum logs each request itself (forum.requests), without addresses or queries.
        "accesslog": None,
        "errorlog": "-",
        "forwarded_allow_ips": "*" if int(settings["TRUSTED_PROXIES"]) else "127.0.0.1",
    }
