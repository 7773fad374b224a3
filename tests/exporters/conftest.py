"""Fixtures for exports: a second, empty database to import an export into, and helpers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade

from forum import address_key, create_app
from forum.exporters import ExportStats, export
from forum.extensions import db
from forum.importers import import_file
from forum.importers.report import Report
from forum.services.moderators import add_moderator


@pytest.fixture
def other_app(tmp_path: Path) -> Iterator[Flask]:
    """A second app on its own empty, migrated SQLite file: where an export is imported."""
    app = create_app(
        {
            "DATABASE_URL": "sqlite:///" + str(tmp_path / "other.db"),
            "SECRET_KEY": "another secret",
            "TESTING": True,
        }
    )
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def write_export(path: Path, format: str, **options) -> ExportStats:
    """Export the current app's archive into a file; return what was written."""
    stats = ExportStats()
    with open(path, "wb") as file:
        for chunk in export(format, db.session, stats=stats, **options):
            file.write(chunk)
    return stats


def import_into(app: Flask, path: Path, **options) -> Report:
    """Import a file into another app's database, in that app's context."""
    with app.app_context():
        try:
            return import_file(db.session, path, address_key=address_key(app), **options)
        finally:
            db.session.remove()


@pytest.fixture
def moderator(ctx) -> dict:
    """A moderator's name, token and ready Authorization header."""
    _moderator, token = add_moderator("mia")
    db.session.commit()
    return {"name": "mia", "token": token, "headers": {"Authorization": f"Bearer {token}"}}
