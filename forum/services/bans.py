"""Ban rules: by name, normalised email, email domain, client address or address range."""

from __future__ import annotations

import ipaddress
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam, or_, select

from forum.errors import Conflict, InvalidInput, NotFound
from forum.extensions import db
from forum.models import Ban, BanKind, Moderator, Post
from forum.models.base import utcnow
from forum.privacy import hash_address, normalize_address
from forum.services import audit


def normalize_email(email: str) -> str:
    """Lower-case an address and drop a +tag from its local part (a common evasion)."""
    local, _, domain = email.strip().lower().partition("@")
    return f"{local.split('+', 1)[0]}@{domain}" if domain else local


def normalize_name(name: str) -> str:
    return " ".join(name.casefold().split())


def _stored_value(kind: BanKind, value: str, address_key: bytes) -> str:
    value = value.strip()
    if not value:
        raise InvalidInput("A ban needs a value.")
    if kind is BanKind.NAME:
        return normalize_name(value)
    if kind is BanKind.EMAIL:
        if "@" not in value:
            raise InvalidInput(f"{value!r} is not an email address.")
        return normalize_email(value)
    if kind is BanKind.EMAIL_DOMAIN:
        return value.lower().lstrip("@")
    if kind is BanKind.ADDRESS:
        try:
            ipaddress.ip_address(value)
        except ValueError:
            raise InvalidInput(f"{value!r} is not an IP address.") from None
        return hash_address(value, address_key) or ""
    try:
        return str(ipaddress.ip_network(value, strict=False))
    except ValueError:
        raise InvalidInput(
            f"{value!r} is not an address range (CIDR, like 203.0.113.0/24)."
        ) from None


def add_ban(
    *,
    kind: BanKind,
    value: str,
    moderator: Moderator,
    address_key: bytes,
    reason: str = "",
    post_id: int | None = None,
    expires_at: datetime | None = None,
) -> Ban:
    """Add a ban rule and log it."""
    if post_id is not None and db.session.get(Post, post_id) is None:
        raise InvalidInput(f"There is no post {post_id} to scope the ban to.")
    ban = Ban(
        kind=kind,
        value=_stored_value(kind, value, address_key),
        post_id=post_id,
        reason=reason,
        created_by=moderator.id,
        expires_at=expires_at,
    )
    db.session.add(ban)
    db.session.flush()
    audit.record(
        "ban",
        moderator=moderator,
        post_id=post_id,
        reason=reason,
        details={"ban_id": ban.id, "kind": kind.value},
    )
    return ban


def lift_ban(ban_id: int, moderator: Moderator, reason: str | None = None) -> Ban:
    """Lift a ban; it stays listed as lifted, for the record."""
    ban = db.session.get(Ban, ban_id)
    if ban is None:
        raise NotFound(f"There is no ban {ban_id}.")
    if ban.lifted_at is not None:
        raise Conflict(f"Ban {ban_id} was lifted already.")
    ban.lifted_at, ban.lifted_by = utcnow(), moderator.id
    audit.record(
        "unban",
        moderator=moderator,
        post_id=ban.post_id,
        reason=reason,
        details={"ban_id": ban.id, "kind": ban.kind.value},
    )
    return ban


def active_bans_query(post_id: int | None = None):
    now = utcnow()
    query = select(Ban).where(
        Ban.lifted_at.is_(None), or_(Ban.expires_at.is_(None), Ban.expires_at > now)
    )
    if post_id is not None:
        query = query.where(or_(Ban.post_id.is_(None), Ban.post_id == post_id))
    return query


class BanMatch(NamedTuple):
    id: int
    kind: BanKind


_bans = Ban.__table__.c
# Built once (every new comment runs it): the active rules for a post whose value is one of
# the comment's, and every active address range, oldest rule first.
_CANDIDATE_BANS = (
    select(_bans.id, _bans.kind, _bans.value)
    .where(
        _bans.lifted_at.is_(None),
        or_(_bans.expires_at.is_(None), _bans.expires_at > bindparam("now")),
        or_(_bans.post_id.is_(None), _bans.post_id == bindparam("post_id")),
        or_(
            _bans.value.in_(bindparam("values", expanding=True)),
            _bans.kind == BanKind.ADDRESS_RANGE,
        ),
    )
    .order_by(_bans.id)
)


def matching_ban(
    *, post_id: int, name: str, email: str | None, address: str | None, address_key: bytes
) -> BanMatch | None:
    """Return the first active ban rule that a new comment falls under, if any: a rule on
    its name, email, domain or address before any address range."""
    wanted = {(BanKind.NAME, normalize_name(name))}
    if email:
        wanted.add((BanKind.EMAIL, normalize_email(email)))
        wanted.add((BanKind.EMAIL_DOMAIN, email.strip().lower().rpartition("@")[2]))
    if address:
        wanted.add((BanKind.ADDRESS, hash_address(address, address_key) or ""))
    rows = (
        db.session.connection()
        .execute(
            _CANDIDATE_BANS,
            {"now": utcnow(), "post_id": post_id, "values": [value for _, value in wanted]},
        )
        .all()
    )
    for ban_id, kind, value in rows:
        if (kind, value) in wanted:
            return BanMatch(ban_id, kind)
    if not address:
        return None
    try:
        client = ipaddress.ip_address(normalize_address(address))
    except ValueError:
        return None
    for ban_id, kind, value in rows:
        if kind is BanKind.ADDRESS_RANGE:
            network = ipaddress.ip_network(value)
            if client.version == network.version and client in network:
                return BanMatch(ban_id, kind)
    return None


def list_bans(page: int, per_page: int, include_lifted: bool):
    """A page of ban rules, newest first."""
    from sqlalchemy import func

    from forum.services.posts import Page

    query = select(Ban) if include_lifted else active_bans_query()
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    bans = (
        db.session.execute(
            query.order_by(Ban.id.desc()).limit(per_page).offset((page - 1) * per_page)
        )
        .scalars()
        .all()
    )
    return Page(list(bans), page, per_page, total)
