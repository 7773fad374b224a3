"""Importers: detect a file's format, parse it into records, write them in one transaction."""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Callable, Sequence
from types import ModuleType

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from forum.errors import ImportFailed
from forum.importers import archive, disqus, page, wxr
from forum.importers.report import Report
from forum.importers.writer import Writer
from forum.importers.xmlsource import ReadState
from forum.models import ImportRun
from forum.models.base import utcnow

# Each parser module has SOURCE, detect(head) and parse(path, recover=, state=). Detection
# tries them in this order: "page" takes any HTML or plain text, so it comes last. An XML
# format also has confirm(path, recover=): detect() guesses from the first bytes, confirm()
# reads the root element and refuses what is not that format, also when --format named it.
PARSERS: dict[str, ModuleType] = {
    "wxr": wxr,
    "json": archive,
    "disqus": disqus,
    "page": page,
}
HEAD_BYTES = 4096


def detect_format(path: str | os.PathLike[str]) -> str:
    """Name the format of a file from its first bytes, or raise ImportFailed."""
    with open(path, "rb") as file:
        head = file.read(HEAD_BYTES)
    if not head.strip():
        raise ImportFailed(os.fspath(path), "the file is empty")
    for name, parser in PARSERS.items():
        if parser.detect(head):
            return name
    if head.startswith(b"PK\x03\x04"):
        reason = "this is a ZIP archive; unpack it and import the export inside"
    elif re.search(rb"<rss[\s>/]", head):
        # A feed of the posts, not their export: the comments are not in it.
        raise ImportFailed(
            os.fspath(path),
            "an RSS feed, not a WordPress export: no wp: namespace "
            "(http://wordpress.org/export/1.x/)",
        )
    else:
        reason = (
            "not a format forum can import (expected a WordPress WXR or Disqus export, "
            "forum's own JSON export, or a page saved as HTML or text)"
        )
    raise ImportFailed(os.fspath(path), reason, hint="--format names the format if it is known")


def file_sha256(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def import_file(
    session: Session,
    path: str | os.PathLike[str],
    *,
    address_key: bytes,
    format: str | None = None,
    dry_run: bool = False,
    recover: bool = False,
    progress: Callable[[int], None] | None = None,
    moderation_keys: Sequence[str] = (),
    disallowed_keys: Sequence[str] = (),
) -> Report:
    """Import one file in one transaction: all of it is written, or none of it.

    ``progress`` is called with the number of bytes read so far. A dry run does the
    whole import and rolls it back, so its report is exactly what a real run would do.
    A post or comment containing one of ``moderation_keys`` is held for moderation, one
    containing one of ``disallowed_keys`` is marked as spam (a post is held), as
    WordPress's discussion settings do for new comments.
    """
    name = os.fspath(path)
    if not os.path.isfile(path):
        raise ImportFailed(name, "no such file")
    format = format or detect_format(path)
    if format not in PARSERS:
        raise ImportFailed(name, f"unknown format {format!r}; known: {', '.join(PARSERS)}")
    parser = PARSERS[format]
    confirm = getattr(parser, "confirm", None)
    if confirm is not None:
        confirm(path, recover=recover)
    started = time.perf_counter()
    report = Report(file=name, format=format, dry_run=dry_run)
    state = ReadState()
    try:
        # The run row is the transaction's first write: on SQLite it takes the write lock.
        run = ImportRun(
            format=format, file_name=os.path.basename(name), file_sha256=file_sha256(path)
        )
        session.add(run)
        session.flush()
        report.run_id = None if dry_run else run.id
        writer = Writer(
            session,
            source=parser.SOURCE,
            run_id=run.id,
            report=report,
            address_key=address_key,
            moderation_keys=moderation_keys,
            disallowed_keys=disallowed_keys,
        )
        for record in parser.parse(path, recover=recover, state=state):
            writer.write(record)
            if progress is not None:
                progress(state.bytes_read)
        report.repairs = state.repairs
        report.seconds = time.perf_counter() - started
        run.finished_at = utcnow()
        run.report = report.as_dict()
        session.flush()
    except ImportFailed:
        session.rollback()
        raise
    except SQLAlchemyError as error:
        session.rollback()
        raise ImportFailed(
            name,
            f"the database refused the import: {error.__class__.__name__}: "
            f"{str(error.orig if hasattr(error, 'orig') else error).splitlines()[0]}",
        ) from error
    except BaseException:
        session.rollback()
        raise
    if dry_run:
        session.rollback()
    else:
        session.commit()
    return report
