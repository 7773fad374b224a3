"""`forum export --format wxr|json [--post ID ...] [-o FILE]`: let the archive's data go."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import click
from flask import current_app
from flask.cli import with_appcontext

from forum.cli import require_schema
from forum.exporters import DEFAULT_SITE_URL, FORMATS, ExportStats, export
from forum.exporters.queries import count_posts, missing_posts
from forum.extensions import db


@click.command("export")
@click.option(
    "--format",
    "format_",
    type=click.Choice(sorted(FORMATS)),
    required=True,
    help="wxr: WordPress eXtended RSS 1.2; json: forum's own archive document.",
)
@click.option(
    "--post",
    "post_ids",
    type=click.IntRange(min=1),
    multiple=True,
    help="Export only this post (repeat for more); all posts when not given.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path, allow_dash=True),
    help="Write to this file (written whole or not at all); standard output by default.",
)
@with_appcontext
def export_command(format_: str, post_ids: tuple[int, ...], output: Path | None) -> None:
    """Export the archive, or some posts, as WordPress WXR or as forum's JSON."""
    require_schema()
    wanted = sorted(set(post_ids)) or None
    if wanted is not None:
        missing = missing_posts(db.session, wanted)
        if missing:
            raise click.ClickException(f"no post with id {', '.join(map(str, missing))}")
    stats = ExportStats()
    site_url = current_app.config.get("SITE_URL") or DEFAULT_SITE_URL
    chunks = export(format_, db.session, post_ids=wanted, site_url=site_url, stats=stats)
    if output is None or str(output) == "-":
        _write(chunks, sys.stdout.buffer, stats, total=None)
    else:
        total = count_posts(db.session, wanted) if sys.stderr.isatty() else None
        _write_file(chunks, output, stats, total)
        click.echo(
            f"{output}: {stats.posts} posts, {stats.comments} comments"
            + (f", {stats.log_entries} moderation log entries" if format_ == "json" else ""),
            err=True,
        )
    db.session.rollback()
    if stats.removed_characters:
        click.secho(
            f"warning: left out {stats.removed_characters} characters that XML 1.0 cannot carry "
            "(control characters)",
            fg="yellow",
            err=True,
        )


def _write_file(
    chunks: Iterator[bytes], output: Path, stats: ExportStats, total: int | None
) -> None:
    """Write beside the target, then move it into place: no half-written export is left."""
    partial = output.with_name(output.name + ".part")
    try:
        with open(partial, "wb") as file:
            _write(chunks, file, stats, total)
        os.replace(partial, output)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _write(chunks: Iterator[bytes], file: BinaryIO, stats: ExportStats, total: int | None) -> None:
    """Copy the chunks out, with a progress bar on a terminal's stderr when ``total`` is known."""
    if total is None:
        for chunk in chunks:
            file.write(chunk)
        file.flush()
        return
    with click.progressbar(length=total, label="exporting", file=sys.stderr) as bar:
        for chunk in chunks:
            file.write(chunk)
            bar.update(stats.posts - bar.pos)
    file.flush()
