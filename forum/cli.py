"""The `forum` command: import, demo, serve (and Flask-Migrate's `forum db ...`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click
import orjson
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from flask_migrate import upgrade

from forum.errors import ImportFailed
from forum.extensions import db
from forum.importers import PARSERS, import_file
from forum.schema_status import SchemaNotCurrent, check_schema


def main() -> None:
    """Entry point of the `forum` console script."""
    from forum import create_app

    FlaskGroup(
        create_app=create_app,
        add_version_option=False,
        load_dotenv=False,
        help="forum: archive, serve and moderate discussion threads.",
    ).main(prog_name="forum")


def register_commands(app: Flask) -> None:
    from forum.export_cli import export_command
    from forum.moderator_cli import moderator_command

    for command in (import_command, export_command, demo_command, serve_command,
                    worker_command, moderator_command):
        app.cli.add_command(command)


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "format_",
    type=click.Choice(sorted(PARSERS)),
    help="The files' format; detected when not given.",
)
@click.option("--dry-run", is_flag=True, help="Import, report, and write nothing.")
@click.option(
    "--recover", is_flag=True, help="Salvage what a recovering parser can read of a damaged file."
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@with_appcontext
def import_command(
    files: tuple[Path, ...], format_: str | None, dry_run: bool, recover: bool, as_json: bool
) -> None:
    """Import exports (WordPress WXR) and saved pages: each file in one transaction."""
    require_schema()
    results = [
        _import_one(path, format_, dry_run, recover, show_progress=not as_json) for path in files
    ]
    ok = all(result["ok"] for result in results)
    if as_json:
        click.echo(orjson.dumps({"ok": ok, "files": results}).decode())
    else:
        for result in results:
            _print_summary(result)
    if not ok:
        sys.exit(1)


def _import_one(
    path: Path, format_: str | None, dry_run: bool, recover: bool, show_progress: bool
) -> dict[str, Any]:
    from forum import address_key

    key = address_key(current_app._get_current_object())
    size = path.stat().st_size if path.is_file() else 0
    bar = None
    if show_progress and sys.stderr.isatty() and size:
        bar = click.progressbar(length=size, label=path.name, file=sys.stderr, show_pos=False)
        bar.__enter__()
    try:

        def progress(done: int) -> None:
            if bar is not None:
                bar.update(done - bar.pos)

        report = import_file(
            db.session,
            path,
            address_key=key,
            format=format_,
            dry_run=dry_run,
            recover=recover,
            progress=progress,
            moderation_keys=current_app.config.get("MODERATION_KEYS") or (),
            disallowed_keys=current_app.config.get("DISALLOWED_KEYS") or (),
        )
        return {"ok": True, **report.as_dict()}
    except ImportFailed as error:
        return {
            "ok": False,
            "file": error.file,
            "error": error.reason,
            "line": error.line,
            "column": error.column,
            "hint": error.hint,
            "message": str(error),
        }
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


def _print_summary(result: dict[str, Any]) -> None:
    if not result["ok"]:
        click.secho(f"error: {result['message']}", fg="red", err=True)
        click.echo(f"{result['file']}: nothing was imported.", err=True)
        return
    posts, comments = result["posts"], result["comments"]
    prefix = "dry run, nothing written: " if result["dry_run"] else ""
    click.echo(f"{prefix}{result['file']} ({result['format']}, {result['seconds']:.2f} s)")
    if result["damaged"]:
        click.secho(
            f"  the file was damaged; recovered what could be read ({len(result['repairs'])} "
            "repairs):",
            fg="yellow",
        )
        for repair in result["repairs"][:10]:
            click.echo(f"    {repair}")
    click.echo(
        f"  posts:    {posts['total']:>7}  (created {posts['created']}, updated "
        f"{posts['updated']}, unchanged {posts['unchanged']})  {_counts(posts['by_status'])}"
    )
    click.echo(
        f"  comments: {comments['total']:>7}  (created {comments['created']}, updated "
        f"{comments['updated']}, unchanged {comments['unchanged']})"
    )
    click.echo(f"            by status: {_counts(comments['by_status'])}")
    click.echo(f"            by kind:   {_counts(comments['by_kind'])}")
    if result["skipped"]:
        click.echo(f"  skipped:  {_counts(result['skipped'])}")
    _print_findings(result)
    if result["warning_count"]:
        click.secho(f"  warnings: {result['warning_count']}", fg="yellow")
        for warning in result["warnings"][:20]:
            line = f" (line {warning['line']})" if warning["line"] else ""
            click.echo(f"    {warning['message']}{line}")
        if result["warning_count"] > 20:
            click.echo(f"    ... and {result['warning_count'] - 20} more (see --json)")


def _print_findings(result: dict[str, Any]) -> None:
    """Quotes linked, repeated paragraphs dropped, and what the spam phrases decided."""
    quotes = result["quotes"]
    if quotes["total"] or quotes["removed"]:
        click.echo(
            f"  quotes:   {quotes['total']:>7}  (created {quotes['created']}, "
            f"removed {quotes['removed']})"
        )
    if result["paragraphs_dropped"]:
        click.echo(f"  repeated paragraphs dropped: {result['paragraphs_dropped']}")
    if result["held_for_moderation"] or result["marked_spam"]:
        click.secho(
            f"  phrases:  held for moderation {result['held_for_moderation']}, "
            f"marked as spam {result['marked_spam']}",
            fg="yellow",
        )
        for finding in result["findings"][:20]:
            click.echo(f"    {finding['what']} {finding['where']!r}: {finding['reason']}")


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {number}" for name, number in counts.items()) or "none"


def require_schema() -> None:
    try:
        check_schema()
    except SchemaNotCurrent as error:
        raise click.ClickException(str(error)) from None


def sample_directory() -> Path:
    """The demo's sample exports: import/ beside the package, else in the working folder."""
    beside = Path(__file__).resolve().parent.parent / "import"
    return beside if beside.is_dir() else Path.cwd() / "import"


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Prepare the database and stop.")
@with_appcontext
def demo_command(host: str, port: int, no_serve: bool) -> None:
    """Migrate the database, import the samples in import/, and serve them."""
    upgrade()
    samples = sorted(
        path
        for path in sample_directory().glob("*")
        if path.is_file() and not path.name.startswith(".")
    )
    if not samples:
        raise click.ClickException(f"no sample exports in {sample_directory()}")
    for path in samples:
        result = _import_one(path, None, dry_run=False, recover=False, show_progress=True)
        _print_summary(result)
        if not result["ok"]:
            sys.exit(1)
    base = f"http://{host}:{port}"
    click.echo("\nWorth opening:")
    for line in _demo_links(base):
        click.echo(f"  {line}")
    token = _demo_moderator()
    click.echo(f"\nSign in at {base}/moderation with the demo moderator's token:\n  {token}")
    if not no_serve:
        _serve(current_app._get_current_object(), host, port)


def _demo_links(base: str) -> list[str]:
    from sqlalchemy import select

    from forum.models import Comment, CommentStatus, Post, PostStatus

    lines = [
        f"{base}/                              the archive, to read",
        f"{base}/moderation                    the moderators' pages",
        f"{base}/api/posts                     the archive as JSON",
        f"{base}/api/openapi.json              the API, described",
    ]
    posts = db.session.execute(
        select(Post.id, Post.title).where(Post.status == PostStatus.PUBLISHED).order_by(Post.id)
    ).all()
    for post_id, title in posts:
        lines.append(f"{base}/posts/{post_id:<24} {title}")
    deepest = db.session.execute(
        select(Comment.id).where(Comment.status == CommentStatus.APPROVED)
        .order_by(Comment.depth.desc(), Comment.id).limit(1)
    ).scalar()
    if deepest:
        lines.append(f"{base}/comments/{deepest:<21} the deepest reply, with its ancestors")
    return lines


def _demo_moderator() -> str:
    """A moderator for the demo, with a fresh token each run (tokens are stored hashed)."""
    from forum.errors import NotFound
    from forum.services.moderators import add_moderator, reissue_token

    try:
        _moderator, token = reissue_token("demo")
    except NotFound:
        _moderator, token = add_moderator("demo")
    db.session.commit()
    return token


@click.command("serve")
@click.option("--host", default=None, help="Default 127.0.0.1 (production: from FORUM_BIND).")
@click.option("--port", default=None, type=int, help="Default 5000 (production: FORUM_BIND).")
@click.option("--production", is_flag=True,
              help="Serve with gunicorn (FORUM_WORKERS processes of FORUM_THREADS threads).")
@with_appcontext
def serve_command(host: str | None, port: int | None, production: bool) -> None:
    """Serve an existing database: the development server, or gunicorn for production."""
    require_schema()
    if not production:
        _serve(current_app._get_current_object(), host or "127.0.0.1", port or 5000)
        return
    from forum.production import ProductionServer, gunicorn_options

    bind = None
    if host or port:
        default_host, _, default_port = current_app.config["BIND"].rpartition(":")
        bind = f"{host or default_host}:{port or default_port}"
    options = gunicorn_options(current_app.config, bind)
    click.echo(f"Serving on http://{options['bind']} with gunicorn, {options['workers']} workers "
               f"x {options['threads']} threads")
    ProductionServer(options).run()


@click.command("worker")
@click.option("--burst", is_flag=True, help="Run the jobs waiting now, then stop.")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Run import jobs from the Redis queue (needs FORUM_REDIS_URL)."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        raise click.ClickException("forum worker needs FORUM_REDIS_URL (without Redis, the app "
                                   "runs imports in a background thread itself)")
    require_schema()
    from redis import Redis
    from rq import Worker

    from forum.jobs import QUEUE

    Worker([QUEUE], connection=Redis.from_url(url)).work(burst=burst, with_scheduler=False)


def _serve(app: Flask, host: str, port: int) -> None:
    click.echo(f"Serving on http://{host}:{port} (Ctrl+C to stop)")
    os.environ.pop("FLASK_RUN_FROM_CLI", None)
    app.run(host=host, port=port, debug=False, use_reloader=False, threaded=True)
