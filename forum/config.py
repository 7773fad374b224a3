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
}

PREFIX = "FORUM_"


def _coerce(raw: str, default: Any) -> Any:
    """Turn an environment string into the type of its default."""
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
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
