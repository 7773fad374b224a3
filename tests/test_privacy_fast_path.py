"""normalize_address's shortcut for dotted IPv4 gives what parsing every address gave."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from forum.privacy import normalize_address


def parsed_normalization(address: str) -> str:
    """normalize_address as it was: every address parsed by ipaddress."""
    try:
        parsed = ipaddress.ip_address(address.strip())
    except ValueError:
        return address.strip().lower()
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return str(parsed)


def outcome(function, address):  # noqa: ANN001, ANN202
    try:
        return "value", function(address)
    except Exception as error:  # noqa: BLE001 (the same exception is what is compared)
        return "error", type(error)


# Octets as written: in range, past it, with leading zeros, signs, other digits, empty.
octets = st.integers(0, 300).map(str) | st.sampled_from(
    ["0", "00", "01", "007", "255", "256", "999", "1000", "", "+1", "-1", "٣", "１", "0x1", " 1"]
)
quads = st.lists(octets, min_size=3, max_size=5).map(".".join)
padding = st.sampled_from(["", " ", "\t", "\n", "\u00a0", "\u2003", "x", "."])
addresses = (
    st.tuples(padding, quads, padding).map("".join)
    | st.ip_addresses().map(str)
    | st.ip_addresses(v=6).map(lambda a: str(a).upper())
    | st.text(alphabet="0123456789.:abcdefABCDEF% \n", max_size=25)
    | st.text(max_size=20)
)


@settings(
    max_examples=800, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(addresses)
@example("1.2.3.4")
@example(" 10.0.0.255\n")
@example("01.2.3.4")
@example("1.2.3.04")
@example("256.1.1.1")
@example("1.2.3.4\n")
@example("1.2.3")
@example("::ffff:1.2.3.4")
@example("٣.1.1.1")
def test_normalize_address_matches_parsing_every_address(address: str) -> None:
    assert outcome(normalize_address, address) == outcome(parsed_normalization, address)


@pytest.mark.parametrize("address", [b"\x01\x02\x03\x04", b"1.2.3.4", b" x ", None, 7])
def test_other_types_behave_as_before(address: object) -> None:
    assert outcome(normalize_address, address) == outcome(parsed_normalization, address)
