"""Streaming, hardened XML reading shared by the XML importers.

Exports are untrusted. The parser never loads a DTD, never resolves an entity, never
touches the network, and a document that declares a DTD at all is refused: no export
format we read has one, and a DTD is how entity bombs and external entities get in.
Memory stays flat because callers clear each record's element once they have read it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from lxml import etree

from forum.errors import ImportFailed

# XML 1.0 forbids these C0 controls even inside CDATA; WordPress writes them anyway.
_CONTROL_BYTES = bytes(range(0x00, 0x09)) + b"\x0b\x0c" + bytes(range(0x0E, 0x20))
_BOM = b"\xef\xbb\xbf"


@dataclass
class ReadState:
    """What the reader saw: how far it got, and what recovery had to repair."""

    bytes_read: int = 0
    repairs: list[str] = field(default_factory=list)


class _Reader:
    """A file wrapper that counts bytes and, when recovering, removes what XML forbids."""

    def __init__(self, raw: IO[bytes], state: ReadState, recover: bool) -> None:
        self._raw, self._state, self._recover = raw, state, recover
        self._started = False

    def read(self, size: int = -1) -> bytes:
        chunk = self._raw.read(size if size and size > 0 else 1 << 16)
        self._state.bytes_read += len(chunk)
        if not self._started:
            chunk = self._skip_leading(chunk)
        if self._recover and chunk and not chunk.startswith(b"\x00") and b"\x00<" not in chunk[:4]:
            cleaned = chunk.translate(None, _CONTROL_BYTES)
            if len(cleaned) != len(chunk):
                self._state.repairs.append(
                    f"removed {len(chunk) - len(cleaned)} control characters"
                )
            chunk = cleaned
        return chunk

    def _skip_leading(self, chunk: bytes) -> bytes:
        """Drop a BOM and whitespace before the document (and, recovering, any junk)."""
        self._started = True
        if chunk.startswith(_BOM):
            chunk = chunk[len(_BOM) :]
        stripped = chunk.lstrip(b" \t\r\n")
        if self._recover and stripped and not stripped.startswith(b"<"):
            start = stripped.find(b"<")
            if start > 0:
                self._state.repairs.append(f"skipped {start} bytes before the document")
                stripped = stripped[start:]
        return stripped


def iterparse(
    path: str | os.PathLike[str], *, tags: tuple[str, ...] | None, recover: bool, state: ReadState
) -> Iterator[tuple[str, Any]]:
    """Yield lxml ("end", element) pairs of a file, refusing anything dangerous.

    Errors become ImportFailed with the file, line and column, and a hint to try
    ``--recover`` when the file is merely damaged.
    """
    name = os.fspath(path)
    with open(path, "rb") as raw:
        context = etree.iterparse(
            _Reader(raw, state, recover),
            events=("end",),
            tag=tags,
            resolve_entities=False,
            load_dtd=False,
            no_network=True,
            dtd_validation=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
            recover=recover,
        )
        checked = False
        try:
            for event, element in context:
                if not checked:
                    _refuse_dtd(name, element)
                    checked = True
                yield event, element
        except etree.XMLSyntaxError as error:
            line, column = error.position if error.position else (None, None)
            raise ImportFailed(
                name,
                f"not well-formed XML: {_message(error)}",
                line,
                column,
                hint=None if recover else "if the file is damaged, --recover salvages what it can",
            ) from None
        if not checked:
            raise ImportFailed(name, "the file holds no XML document")
        if recover:
            state.repairs.extend(
                f"line {entry.line}, column {entry.column}: {entry.message.strip()}"
                for entry in context.error_log
                if entry.level_name in {"ERROR", "FATAL"}
            )


def _refuse_dtd(name: str, element: Any) -> None:
    docinfo = element.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise ImportFailed(
            name,
            "the document declares a DTD, which exports never do; DTDs are refused because "
            "they can define entity bombs and external entities",
            line=1,
        )


def _message(error: etree.XMLSyntaxError) -> str:
    message = re.sub(r"\s*\(.*?line \d+\)$", "", error.msg or str(error))
    return re.sub(r", line \d+, column \d+$", "", message).strip()


def local_name(tag: Any) -> str:
    """Return an element's tag without its namespace ('' for comments and the like)."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def namespace(tag: Any) -> str:
    if not isinstance(tag, str) or not tag.startswith("{"):
        return ""
    return tag[1:].split("}", 1)[0]


def text_of(element: Any) -> str:
    """All text of an element, adjacent and split CDATA sections joined."""
    if not len(element):
        return element.text or ""  # the parser joined them already; most fields are leaves
    return "".join(element.itertext())


def release(element: Any) -> None:
    """Free an element that has been read, and the siblings before it."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]
