"""Streaming, hardened XML reading shared by the XML importers.

Exports are untrusted. The parser never loads a DTD, never resolves an entity, never
touches the network, and a document that declares a DTD at all is refused: no export
format we read has one, and a DTD is how entity bombs and external entities get in.
A document holding XInclude elements is refused too (see XINCLUDE_NAMESPACES).
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
# XInclude (https://www.w3.org/TR/xinclude/) pulls other files or addresses into a document.
# We never process it (lxml only does when asked), but a file that holds it is not what it
# claims to be: refused, rather than imported with the includes silently left out. These are
# the two namespaces libxml2 treats as XInclude.
XINCLUDE_NAMESPACES = frozenset(
    {"http://www.w3.org/2001/XInclude", "http://www.w3.org/2003/XInclude"}
)
_XINCLUDE_TAGS = tuple(f"{{{uri}}}*" for uri in sorted(XINCLUDE_NAMESPACES))
# Every parse of an untrusted file: no DTD, no entity resolved, no network.
_HARDENED: dict[str, Any] = {
    "resolve_entities": False,
    "load_dtd": False,
    "no_network": True,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}
# An HTML entity (&nbsp;, &rsquo;) outside CDATA makes a file malformed: say why.
_UNDEFINED_ENTITY = {
    etree.ErrorTypes.ERR_UNDECLARED_ENTITY,
    etree.ErrorTypes.WAR_UNDECLARED_ENTITY,
}
_ENTITY_NOTE = (
    "outside CDATA, XML knows only &amp; &lt; &gt; &quot; &apos; and numeric references, "
    "so an HTML entity such as &nbsp; must be written as one, &#160;"
)


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
        self.declares_dtd = False  # a DOCTYPE in the prolog, for errors when nothing is read

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
        self.declares_dtd = _declares_dtd(stripped)
        return stripped


def _declares_dtd(head: bytes) -> bool:
    """Tell whether a document's prolog (declaration, comments, PIs) holds a DOCTYPE."""
    rest = head
    while True:
        rest = rest.lstrip()
        if rest.startswith(b"<?"):
            end, size = rest.find(b"?>"), 2
        elif rest.startswith(b"<!--"):
            end, size = rest.find(b"-->"), 3
        else:
            return rest.startswith(b"<!DOCTYPE")
        if end < 0:
            return False
        rest = rest[end + size :]


def iterparse(
    path: str | os.PathLike[str], *, tags: tuple[str, ...] | None, recover: bool, state: ReadState
) -> Iterator[tuple[str, Any]]:
    """Yield lxml ("end", element) pairs of a file, refusing anything dangerous.

    Errors become ImportFailed with the file, line and column, and a hint to try
    ``--recover`` when the file is merely damaged.
    """
    name = os.fspath(path)
    with open(path, "rb") as raw:
        reader = _Reader(raw, state, recover)
        context = etree.iterparse(
            reader,
            # XInclude elements are matched too (in C, with the callers' tags); "start-ns"
            # reports namespace declarations, a handful per file, so that only a file that
            # declares XInclude pays for a test of each element's tag below.
            events=("end", "start-ns"),
            tag=None if tags is None else (*tags, *_XINCLUDE_TAGS),
            recover=recover,
            **_HARDENED,
        )
        checked = False
        xinclude = False  # an XInclude namespace is declared: elements in it are refused
        try:
            for event, element in context:
                if event == "start-ns":  # element is (prefix, uri)
                    xinclude = xinclude or element[1] in XINCLUDE_NAMESPACES
                    continue
                if xinclude and namespace(element.tag) in XINCLUDE_NAMESPACES:
                    raise _xinclude_refused(name, element, recover)
                if not checked:
                    _refuse_dtd(name, element)
                    checked = True
                yield event, element
        except etree.XMLSyntaxError as error:
            raise _not_well_formed(name, error, context.error_log, recover) from None
        if not checked:
            raise _nothing_read(name, context.error_log, reader.declares_dtd)
        if recover:
            state.repairs.extend(
                f"line {entry.line}, column {entry.column}: {entry.message.strip()}"
                for entry in context.error_log
                if entry.level_name in {"ERROR", "FATAL"}
            )


@dataclass(frozen=True)
class Root:
    """A document's root element, as far as read_root reads."""

    tag: str
    line: int | None
    namespaces: frozenset[str]  # the URIs declared before the first element closed


def read_root(path: str | os.PathLike[str], *, recover: bool) -> Root | None:
    """Read a file only until its first element closes, to tell what document it is.

    None when the file is not well-formed that far: parsing it says where and why.
    """
    with open(path, "rb") as raw:
        context = etree.iterparse(
            _Reader(raw, ReadState(), recover),
            events=("start", "start-ns", "end"),
            recover=recover,
            **_HARDENED,
        )
        root: Any = None
        uris: set[str] = set()
        try:
            for event, item in context:
                if event == "start-ns":
                    uris.add(item[1])
                elif event == "start" and root is None:
                    root = item
                elif event == "end":
                    break
        except etree.XMLSyntaxError:
            return None
    if root is None or not isinstance(root.tag, str):
        return None
    return Root(root.tag, root.sourceline, frozenset(uris))


_DTD_REFUSED = (
    "the document declares a DTD, which exports never do; DTDs are refused because "
    "they can define entity bombs and external entities"
)


def _refuse_dtd(name: str, element: Any) -> None:
    docinfo = element.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise ImportFailed(name, _DTD_REFUSED, line=1)


def _not_well_formed(
    name: str, error: etree.XMLSyntaxError, log: Any, recover: bool
) -> ImportFailed:
    """The error for a file the parser gave up on, where and why it did."""
    line, column = error.position if error.position else (0, 0)
    message, code = _message(error), error.code
    # lxml sometimes raises a generic "no element found" at line 0 (an undefined entity
    # stops libxml2 before it reports): the parser's own log has the real error.
    first = _first_error(log) if line < 1 else None
    if first is not None:
        message, line, column, code = first.message.strip(), first.line, first.column, first.type
    reason = f"not well-formed XML: {message}"
    if code in _UNDEFINED_ENTITY:
        reason += f"; {_ENTITY_NOTE}"
    return ImportFailed(
        name,
        reason,
        line if line >= 1 else None,
        column if line >= 1 else None,
        hint=None if recover else "if the file is damaged, --recover salvages what it can",
    )


def _nothing_read(name: str, log: Any, declares_dtd: bool) -> ImportFailed:
    """The error for a file of which no element was read (recovering, or no element)."""
    first = _first_error(log)
    line, column = (first.line, first.column) if first is not None else (None, None)
    if declares_dtd:
        reason = _DTD_REFUSED
        if first is not None:
            reason += f" (the parser stopped at: {first.message.strip()})"
        return ImportFailed(name, reason, line or 1, column)
    if first is not None:
        return ImportFailed(
            name,
            f"not well-formed XML, and no element could be read: {first.message.strip()}",
            line,
            column,
        )
    return ImportFailed(name, "the file holds no XML document")


def _first_error(log: Any) -> Any | None:
    """The parser's first fatal error, else its first error, with a line; or None."""
    errors = [entry for entry in log if entry.line >= 1]
    for level in ("FATAL", "ERROR"):
        for entry in errors:
            if entry.level_name == level:
                return entry
    return None


def _xinclude_refused(name: str, element: Any, recover: bool) -> ImportFailed:
    tag = local_name(element.tag)
    qualified = f"{element.prefix}:{tag}" if element.prefix else tag
    line = element.sourceline
    column = _column_of(name, recover, line, b"<" + qualified.encode()) if line else None
    return ImportFailed(
        name,
        f"an XInclude element <{qualified}>: XInclude pulls in other files or addresses, "
        "which an export never does; refused (nothing was fetched or included)",
        line,
        column,
    )


# UTF-8 continuation bytes: removing them from a run of bytes leaves one byte per character.
_CONTINUATION = bytes(range(0x80, 0xC0))


def _column_of(path: str, recover: bool, line: int, markup: bytes) -> int | None:
    """Find where markup first starts on a line, as the parser counts (characters, from 1).

    lxml's elements know their line only; this reads the file again, for an error message.
    """
    number, before, pending = 1, 0, b""  # before: characters of the line already passed
    with open(path, "rb") as raw:
        reader = _Reader(raw, ReadState(), recover)
        for chunk in iter(lambda: reader.read(1 << 16), b""):
            start = 0
            if number < line:
                if number + chunk.count(b"\n") < line:
                    number += chunk.count(b"\n")
                    continue
                while number < line:
                    start, number = chunk.index(b"\n", start) + 1, number + 1
            pending += chunk[start:]
            end = pending.find(b"\n")
            found = pending.find(markup, 0, len(pending) if end < 0 else end)
            if found >= 0:
                return before + len(pending[:found].translate(None, _CONTINUATION)) + 1
            if end >= 0:
                return None
            keep = max(0, len(pending) - len(markup) + 1)  # it may straddle two chunks
            before += len(pending[:keep].translate(None, _CONTINUATION))
            pending = pending[keep:]
    return None


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
