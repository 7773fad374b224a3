"""Security of the pages: session cookies, CSRF on every form, and the headers of every page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, request
from flask_wtf.csrf import CSRFProtect

from forum.web.blueprints import moderator_pages, reader_pages

# No inline script or style anywhere: the pages' one script and one stylesheet are static
# files of this app. Images in archived posts may come from their original sites (https).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' https: data:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",  # frame-ancestors, for browsers that predate it
}
API_PREFIX = "/api/"

csrf = CSRFProtect()


def init_security(app: Flask) -> None:
    """Set the session cookie's flags, check CSRF tokens, and send the pages' headers."""
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Checked by _protect_forms below, for every path outside the JSON API.
        WTF_CSRF_CHECK_DEFAULT=False,
        # A reader may take a while over a reply: a form stays valid for a day.
        WTF_CSRF_TIME_LIMIT=24 * 3600,
    )
    csrf.init_app(app)
    app.before_request(_protect_forms)
    app.after_request(_page_headers)


def _protect_forms() -> None:
    """Refuse a form without a valid CSRF token anywhere but the JSON API.

    The API authenticates with bearer tokens and never reads a cookie, so a forged
    cross-site request gains nothing there; everything else is protected by default.
    """
    if request.endpoint is not None and not request.path.startswith(API_PREFIX):
        csrf.protect()


# Everything else (the JSON API, its problem documents, health checks) is data, never a
# document: no browser may sniff it into HTML, and one that renders it anyway runs nothing.
DATA_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}


def _page_headers(response: Response) -> Response:
    pages = {reader_pages.name, moderator_pages.name}
    headers = (
        PAGE_HEADERS
        if response.mimetype == "text/html" or request.blueprint in pages
        else DATA_HEADERS
    )
    for name, value in headers.items():
        response.headers.setdefault(name, value)
    return response


def safe_next(target: str | None, fallback: str) -> str:
    """Return ``target`` if it is a path of this site, else ``fallback`` (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(char) < 32 for char in target):
        return fallback
    return target
