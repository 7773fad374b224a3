"""Default settings; every one can be overridden by a FORUM_* environment variable."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

DEFAULTS: dict[str, Any] = {
    # None means "a SQLite file in the instance folder", decided in create_app.
    "DATABASE_URL": None,
    "SECRET_KEY": None,
    # Threads nest this deep in JSON before deeper replies are listed flat.
    "THREAD_MAX_DEPTH": 50,
    "PER_PAGE": 20,
    "MAX_PER_PAGE": 100,
    "LOG_LEVEL": "WARNING",
    # The archive's own address: the site URL of WXR exports, and of their generated links.
    "SITE_URL": "http://localhost",
    # Policy for new comments (WordPress's discussion settings, by other names).
    "MODERATION_KEYS": [],  # a phrase here holds a comment for moderation
    "DISALLOWED_KEYS": [],  # a phrase here marks a comment as spam
    "MODERATION_MAX_LINKS": 2,  # more links than this hold a comment
    "MODERATION_FIRST_COMMENT": False,  # hold authors who have no approved comment yet
    # Readers' flags: a comment is hidden for review once its flags weigh this much.
    "FLAG_THRESHOLD": 3,
    "FLAG_WEIGHTS": {"spam": 1, "abuse": 1, "off_topic": 1, "other": 1},
    # Rate limits per client address (Flask-Limiter notation), and where counts are kept.
    "REPLY_RATE_LIMIT": "5 per minute",
    "FLAG_RATE_LIMIT": "20 per hour",
    "RATELIMIT_STORAGE_URL": "memory://",
    "RATELIMIT_ENABLED": True,
    # How many reverse proxies in front of forum to trust for X-Forwarded-For (0: none).
    "TRUSTED_PROXIES": 0,
    # Request bodies larger than this are refused (413) before they are read.
    "MAX_CONTENT_LENGTH": 1_000_000,
    # Running in production -------------------------------------------------------------
    # Redis shared by every app server: rate-limit counters, import progress, the job
    # queue for `forum worker`. Without it, imports run in a thread of the app.
    "REDIS_URL": None,
    # Uploaded exports wait here for a worker (shared storage when workers run elsewhere).
    "UPLOAD_DIR": None,
    "MAX_UPLOAD_BYTES": 500_000_000,
    # gunicorn (`forum serve --production`): where, how many processes and threads each.
    "BIND": "127.0.0.1:8000",
    "WORKERS": 2,
    "THREADS": 4,
    # Connections one process holds at most, kept-alive ones included. Behind a proxy
    # that keeps connections open, a few times THREADS spreads them over the processes
    # (one process cannot take them all and leave the others idle).
    "WORKER_CONNECTIONS": 1000,
    "TIMEOUT": 120,
    # One log line per request: "text" or "json"; REQUEST_LOG=false turns it off.
    "LOG_FORMAT": "text",
    "REQUEST_LOG": True,
    # The moderators' session cookie is Secure (browsers accept it on http://127.0.0.1 and
    # http://localhost too); turn off only to serve plain http on another address.
    "SESSION_COOKIE_SECURE": True,
}

PREFIX = "FORUM_"


def _coerce(raw: str, default: Any) -> Any:
    """Turn an environment string into the type of its default."""
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, list) and not raw.lstrip().startswith("["):
        # A list may also be written one item per line, as WordPress's settings are.
        return [line.strip() for line in raw.splitlines() if line.strip()]
    if isinstance(default, list | dict):
        return json.loads(raw)
    return raw


def from_environment(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Return the defaults overridden by FORUM_* variables of the environment."""
    environ = os.environ if environ is None else environ
    settings = dict(DEFAULTS)
    for key, default in DEFAULTS.items():
        raw = environ.get(PREFIX + key)
        if raw is not None and raw != "":
            settings[key] = _coerce(raw, default)
    return settings
