"""Server-rendered pages: the reader's archive and threads, and the moderator's desk."""

from __future__ import annotations

from flask import Flask

from forum.web.blueprints import moderator_pages, reader_pages


def register_web(app: Flask) -> None:
    """Register the pages, their security (cookies, CSRF, headers) and their error pages."""
    # The view modules attach their routes to the blueprints when imported.
    from forum.web import auth, moderation, reader, records, writing  # noqa: F401
    from forum.web.errors import register_page_errors
    from forum.web.filters import register_filters
    from forum.web.security import init_security

    init_security(app)
    register_filters(app)
    register_page_errors(app)
    app.register_blueprint(reader_pages)
    app.register_blueprint(moderator_pages)
