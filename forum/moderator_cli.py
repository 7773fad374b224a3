"""`forum moderator add|revoke NAME`: manage who may moderate."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from forum.cli import require_schema
from forum.errors import ForumError
from forum.extensions import db
from forum.services.moderators import add_moderator, revoke_moderator


@click.group("moderator")
def moderator_command() -> None:
    """Add or revoke moderators (their tokens are shown once, stored only as hashes)."""


@moderator_command.command("add")
@click.argument("name")
@with_appcontext
def add_command(name: str) -> None:
    """Add a moderator and print their bearer token, once."""
    require_schema()
    try:
        moderator, token = add_moderator(name)
    except ForumError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Moderator {moderator.name!r} added. Their token (shown only now):", err=True)
    click.echo(token)


@moderator_command.command("revoke")
@click.argument("name")
@with_appcontext
def revoke_command(name: str) -> None:
    """Revoke a moderator's token; their past actions stay in the log."""
    require_schema()
    try:
        moderator = revoke_moderator(name)
    except ForumError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Moderator {moderator.name!r} revoked.")
