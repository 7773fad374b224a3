"""Canonical URLs: one key for the same page however a source spelled its address."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

# Query parameters that track a visit and never choose the page.
TRACKING_PARAMETERS = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|_ga|yclid|igshid|ref|ref_src|"
    r"share|from|spm|replytocom)$",
    re.IGNORECASE,
)
# Hosts that are not where a page lives: a writer's machine, or a search engine's copy.
LOCAL_HOSTS = {"localhost", "127.0.0.1", "0.0.0.0", "::1", "[::1]"}  # noqa: S104 (names, not binds)
_CACHE_HOSTS = ("webcache.googleusercontent.com", "translate.googleusercontent.com")


def unwrap(url: str) -> str:
    """The page a cache or translation URL stands for, else the URL itself."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if host in _CACHE_HOSTS:
        query = dict(parse_qsl(parts.query))
        inner = query.get("q", "")
        if inner.startswith("cache:"):
            inner = re.sub(r"^cache:[^:]*:", "", inner)
        inner = query.get("u") or inner
        if inner:
            return inner if "://" in inner else "http://" + inner
    return url.strip()


# The only schemes an address from outside may be served with as a link.
LINK_SCHEMES = frozenset({"http", "https"})


def safe_link(url: object) -> str | None:
    """An address to serve as a link (an author's site, a post's source), or None.

    Imports keep what the source said (a WXR comment_author_url can be ``javascript:…``);
    what is served is only an http(s) address, in the pages and the JSON alike, so no
    client that puts it in an ``href`` can be made to run script.
    """
    if not url or not isinstance(url, str):
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in LINK_SCHEMES else None


def is_local(url: str) -> bool:
    return (urlsplit(url.strip()).hostname or "").lower() in LOCAL_HOSTS


def canonical_url(url: str | None) -> str | None:
    """Reduce a URL to what identifies its page: host without www., path without trailing
    slash, query without tracking parameters; the scheme, port and fragment are dropped.

    ``https://www.Example.org/a/?utm_source=x`` and ``http://example.org/a`` are one page.
    """
    if not url or not url.strip():
        return None
    parts = urlsplit(unwrap(url))
    host = (parts.hostname or "").lower().removeprefix("www.")
    if not host:
        return None
    path = re.sub(r"/{2,}", "/", unquote(parts.path)).rstrip("/")
    query = sorted(
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not TRACKING_PARAMETERS.match(key)
    )
    return host + path + ("?" + urlencode(query) if query else "")
