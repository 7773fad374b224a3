"""Is the database's schema the one this code expects? (Migrations own the schema.)"""

from __future__ import annotations

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app

from forum.errors import ForumError
from forum.extensions import db


class SchemaNotCurrent(ForumError):
    """The database has not been migrated to the code's latest revision."""


def check_schema() -> None:
    """Raise SchemaNotCurrent unless the database is at the latest migration."""
    config = current_app.extensions["migrate"].migrate.get_config()
    heads = set(ScriptDirectory.from_config(config).get_heads())
    with db.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    if current != heads:
        at = ", ".join(sorted(current)) or "no schema"
        raise SchemaNotCurrent(
            f"the database is not migrated (it is at {at}; the code needs "
            f"{', '.join(sorted(heads))}): run `forum db upgrade`"
        )
