"""Moderators and their bearer tokens: only a hash of a token is ever stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select

from forum.errors import Conflict, NotAllowed, NotAuthenticated, NotFound
from forum.extensions import db
from forum.models import Moderator
from forum.models.base import utcnow

TOKEN_BYTES = 32  # 256 random bits


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def add_moderator(name: str) -> tuple[Moderator, str]:
    """Create a moderator; return it with its token, which is shown this once."""
    name = name.strip()
    if not name or len(name) > 100:
        raise Conflict("A moderator's name has 1 to 100 characters.")
    if db.session.execute(select(Moderator.id).where(Moderator.name == name)).first():
        raise Conflict(f"There is a moderator called {name!r} already.")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    moderator = Moderator(name=name, token_hash=_hash(token))
    db.session.add(moderator)
    db.session.flush()
    return moderator, token


def reissue_token(name: str) -> tuple[Moderator, str]:
    """Give a moderator a new token (the old one stops working); shown this once."""
    moderator = db.session.execute(select(Moderator).where(Moderator.name == name)).scalar()
    if moderator is None:
        raise NotFound(f"There is no moderator called {name!r}.")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    moderator.token_hash, moderator.revoked_at = _hash(token), None
    return moderator, token


def revoke_moderator(name: str) -> Moderator:
    """Revoke a moderator's token; the moderator stays, for the log."""
    moderator = db.session.execute(select(Moderator).where(Moderator.name == name)).scalar()
    if moderator is None:
        raise NotFound(f"There is no moderator called {name!r}.")
    if moderator.revoked_at is None:
        moderator.revoked_at = utcnow()
    return moderator


def authenticate(authorization: str | None) -> Moderator:
    """Return the moderator an Authorization header names, or raise.

    Only ``Authorization: Bearer <token>`` counts (never a query string). The stored hash
    is found by index, then compared in constant time.
    """
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 200:
        raise NotAuthenticated("Moderation needs an Authorization: Bearer <token> header.")
    digest = _hash(token)
    moderator = db.session.execute(select(Moderator).where(Moderator.token_hash == digest)).scalar()
    if moderator is None or not hmac.compare_digest(moderator.token_hash, digest):
        raise NotAuthenticated("That token belongs to no moderator.")
    if moderator.revoked_at is not None:
        raise NotAllowed("That moderator's token has been revoked.")
    return moderator
