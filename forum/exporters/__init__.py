"""Exporters: the archive goes out as well as in, as WordPress WXR or as our own JSON.

Each format is a generator of byte chunks, one post at a time, so a file, a terminal or an
HTTP response can take it as it comes and memory stays flat however large the archive.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

DEFAULT_SITE_URL = "http://localhost"


@dataclass
class ExportStats:
    """What an export wrote, counted as it goes."""

    posts: int = 0
    comments: int = 0
    log_entries: int = 0
    # Characters XML 1.0 forbids (C0 controls but tab, newline and carriage return; lone
    # surrogates; U+FFFE, U+FFFF), left out of WXR output so that it stays well-formed.
    removed_characters: int = 0


@dataclass(frozen=True)
class ExportFormat:
    """How a format is served and saved."""

    name: str
    mimetype: str
    extension: str


FORMATS = {
    "wxr": ExportFormat("wxr", "application/rss+xml", "xml"),
    "json": ExportFormat("json", "application/json", "json"),
}


def export(
    format: str,
    session: Session,
    *,
    post_ids: Sequence[int] | None = None,
    site_url: str = DEFAULT_SITE_URL,
    stats: ExportStats | None = None,
) -> Iterator[bytes]:
    """Yield the archive (or the posts ``post_ids``) in ``format``, chunk by chunk."""
    from forum.exporters.json import export_json
    from forum.exporters.wxr import export_wxr

    if format == "wxr":
        return export_wxr(session, post_ids=post_ids, site_url=site_url, stats=stats)
    if format == "json":
        return export_json(session, post_ids=post_ids, stats=stats)
    raise ValueError(f"unknown export format {format!r}; known: {', '.join(FORMATS)}")
