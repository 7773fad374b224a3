"""Client addresses are kept only as keyed hashes: enough to match, never to recover."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress


def normalize_address(address: str) -> str:
    """Return an IP address in canonical form (IPv4-mapped IPv6 as plain IPv4)."""
    try:
        parsed = ipaddress.ip_address(address.strip())
    except ValueError:
        return address.strip().lower()
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return str(parsed)


def hash_address(address: str | None, key: bytes) -> str | None:
    """Return the keyed hash of a client address, or None when there is none."""
    if not address or not address.strip():
        return None
    digest = hmac.new(key, normalize_address(address).encode(), hashlib.sha256)
    return digest.hexdigest()[:32]
