"""Template filters and globals: dates, counts, links that are safe to follow, page links."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Flask, request, session, url_for
from markupsafe import Markup

from forum.urls import safe_link


def as_datetime(value: Any) -> datetime | None:
    """A datetime from a datetime or an ISO 8601 string (the services give both)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _utc(value: Any) -> datetime | None:
    moment = as_datetime(value)
    return moment.astimezone(UTC) if moment else None


def long_date(value: Any) -> str:
    """'3 March 2024, 14:05 UTC'."""
    moment = _utc(value)
    return f"{moment.day} {moment:%B %Y, %H:%M} UTC" if moment else "undated"


def short_datetime(value: Any) -> str:
    """'3 Mar 2024, 14:05' (UTC)."""
    moment = _utc(value)
    return f"{moment.day} {moment:%b %Y, %H:%M}" if moment else "undated"


def short_date(value: Any) -> str:
    """'3 Mar 2024'."""
    moment = _utc(value)
    return f"{moment.day} {moment:%b %Y}" if moment else "undated"


def iso_date(value: Any) -> str:
    """The machine-readable date of a <time> element."""
    moment = _utc(value)
    return moment.isoformat() if moment else ""


def plural(number: int, one: str, many: str | None = None) -> str:
    """'1 comment', '2 comments'."""
    return f"{number} {one if number == 1 else (many or one + 's')}"


def link_url(url: Any) -> str | None:
    """An http(s) address to link to, or None: never a javascript: or data: URL."""
    return safe_link(url)


def text_of(markup: str | None) -> str:
    """The plain text of sanitized HTML, for teasers and excerpts.

    Markup here only strips the tags: the result is a plain str, escaped when rendered.
    """
    return Markup(markup or "").striptags()  # noqa: S704


def here(**changes: Any) -> str:
    """This page's address with some query arguments changed (None removes one)."""
    args = {key: value for key, value in request.args.items() if key not in changes}
    args.update({key: value for key, value in changes.items() if value is not None})
    return url_for(request.endpoint or "web.archive", **(request.view_args or {}), **args)


def is_moderator() -> bool:
    """Whether the session says a moderator is signed in (the moderation pages re-check)."""
    return "moderator" in session


def register_filters(app: Flask) -> None:
    """Make the filters and helpers available to every template."""
    app.jinja_env.filters.update(
        long_date=long_date,
        short_date=short_date,
        short_datetime=short_datetime,
        iso_date=iso_date,
        plural=plural,
        link_url=link_url,
        text_of=text_of,
    )
    app.jinja_env.globals.update(here=here, is_moderator=is_moderator)
