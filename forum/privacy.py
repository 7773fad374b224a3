"""Client addresses are kept only as keyed hashes: enough to match, never to recover."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re

# A dotted IPv4 address already in canonical form: four decimal octets of 0-255, ASCII
# digits, no leading zero (ipaddress refuses "01.2.3.4"). ipaddress would return it as it is.
_CANONICAL_IPV4 = re.compile(
    r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
    r"(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}"
)


def normalize_address(address: str) -> str:
    """Return an IP address in canonical form (IPv4-mapped IPv6 as plain IPv4)."""
    address = address.strip()
    if isinstance(address, str) and _CANONICAL_IPV4.fullmatch(address):
        return address  # most addresses: parsing would give the same string back
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address.lower()
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return str(parsed)


def hash_address(address: str | None, key: bytes) -> str | None:
    """Return the keyed hash of a client address, or None when there is none."""
    if not address or not address.strip():
        return None
    digest = hmac.new(key, normalize_address(address).encode(), hashlib.sha256)
    return digest.hexdigest()[:32]
