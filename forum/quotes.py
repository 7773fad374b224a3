"""Quotes between comments: find what a reply repeats of earlier comments, and cite it.

A reply quotes explicitly (a ``<blockquote>``, or lines that start with ``> ``) or silently
(a paragraph pasted from an earlier comment, often starting mid-sentence). Text is compared
as a sequence of words: case, white space, punctuation, quote marks and apostrophes are
ignored, so “don’t” matches "dont" and a passage cut from the middle of a sentence still
matches. Pure: no Flask, no database.
"""

from __future__ import annotations

import html
import re
from array import array
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from typing import Generic, NamedTuple, TypeVar

import lxml.html
from lxml import etree

K = TypeVar("K", bound=Hashable)

# Shorter passages occur by coincidence ("I don't think that's right"); about eight words
# is where a repeated run of words stops being chance.
MIN_WORDS = 8
# The thread index: 5-word shingles taken every 4th word. Any passage of at least
# SHINGLE + STEP - 1 = MIN_WORDS words covers one indexed shingle of a comment it occurs in.
SHINGLE, STEP = 5, 4
# A shingle found in more comments than this is a stock phrase; it stops gathering more.
MAX_POSTINGS = 64

# Apostrophes and quote marks of every kind vanish before words are compared.
_QUOTE_MARKS = dict.fromkeys(map(ord, "'\"‘’‚‛“”„‟′″`´ʼ«»‹›"), None)
_WORD = re.compile(r"\w+")
# The same for ASCII text, in one translate: quote marks vanish, letters go to lower case,
# everything else that is not a word character becomes a space.
_ASCII_WORDS = str.maketrans(
    {
        code: None
        if chr(code) in "'\"`"
        else chr(code).lower()
        if chr(code).isalnum() or chr(code) == "_"
        else " "
        for code in range(128)
    }
)
# "...", "…" and "[…]" mark an elision inside a quote: the parts must appear in order.
_ELLIPSIS = re.compile(r"\[?(?:\.\s?\.\s?\.|…)\]?")
_DOTS = re.compile(r"\.\s?\.")  # in every "..." elision: a quick test before splitting
_BLANK_LINE = re.compile(r"\n\s*\n")
_ANGLE_LINE = re.compile(r"^(\s*)(?:>|&gt;) ?")
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
# Elements that end a paragraph when an HTML body is read as text.
_BLOCKS = frozenset({"p", "div", "li", "ul", "ol", "pre", "h1", "h2", "h3", "h4", "h5", "h6"})


class Passage(NamedTuple):
    """Text a reply may have taken from another comment."""

    text: str  # as the reply writes it, white space collapsed
    parts: tuple[str, ...]  # normalized words of each run between elisions
    explicit: bool

    @property
    def words(self) -> str:
        return " ".join(part for part in self.parts if part)

    @property
    def size(self) -> int:
        # Parts are normalized: words joined by single spaces, none empty.
        return sum(part.count(" ") + 1 for part in self.parts)


@dataclass(frozen=True)
class Found(Generic[K]):
    """A passage of a reply found in an earlier comment, ``source_key``."""

    source_key: K
    text: str
    words: str  # normalized; places the citation in the reply's HTML
    explicit: bool


def normalize(text: str) -> str:
    """Reduce text to its words: lower case, single spaces, no punctuation or quote marks."""
    if text.isascii():
        return " ".join(text.translate(_ASCII_WORDS).split())
    return " ".join(_WORD.findall(text.casefold().translate(_QUOTE_MARKS)))


def plain_text(body: str) -> str:
    """Read a body (plain text, or light HTML as comments store it) as text with paragraphs."""
    if not _TAG.search(body):
        return html.unescape(body)
    root = lxml.html.fragment_fromstring(body, create_parent="div")
    return _text_of(root)


def _text_of(element: etree._Element) -> str:
    """The text of an element, with blank lines between blocks and newlines for <br>."""
    pieces: list[str] = []
    for event, node in etree.iterwalk(element, events=("start", "end")):
        tag = node.tag if isinstance(node.tag, str) else ""
        if event == "start":
            if tag in _BLOCKS or tag == "blockquote":
                pieces.append("\n\n")
            elif tag == "br":
                pieces.append("\n")
            if node.text and tag and tag != "br":  # not the text of an HTML comment
                pieces.append(node.text)
        else:
            if tag in _BLOCKS or tag == "blockquote":
                pieces.append("\n\n")
            if node is not element and node.tail:
                pieces.append(node.tail)
    return "".join(pieces)


def passages(body: str) -> tuple[list[Passage], list[Passage]]:
    """Split a reply into (explicit quotes, paragraphs of its own text).

    Explicit quotes are the outermost blockquotes and runs of ``> `` lines. Each remaining
    paragraph is a passage that may have been pasted silently.
    """
    if _TAG.search(body):
        return _passages_of_tree(lxml.html.fragment_fromstring(body, create_parent="div"))
    return _passages_of_text(html.unescape(body), [])


def _passages_of_tree(root: etree._Element) -> tuple[list[Passage], list[Passage]]:
    """passages() of a parsed body; its blockquotes are taken out of the tree."""
    explicit: list[Passage] = []
    for quote in list(root.iter("blockquote")):
        if any(parent.tag == "blockquote" for parent in quote.iterancestors()):
            continue
        explicit.append(_passage(_text_of(quote), explicit=True))
        quote.drop_tree()
    return _passages_of_text(_text_of(root), explicit)


def _passages_of_text(text: str, explicit: list[Passage]) -> tuple[list[Passage], list[Passage]]:
    paragraphs: list[Passage] = []
    for block in _BLANK_LINE.split(text.replace("\r\n", "\n")):
        if ">" not in block and "&gt;" not in block:
            # No "> " line: the whole block is one paragraph (the loop below, faster).
            if block.strip():
                paragraphs.append(_passage(block, explicit=False))
            continue
        own: list[str] = []
        quoted: list[str] = []
        for line in block.split("\n"):
            if _ANGLE_LINE.match(line):
                quoted.append(_ANGLE_LINE.sub(r"\1", line, count=1))
                continue
            if quoted:
                explicit.append(_passage("\n".join(quoted), explicit=True))
                quoted = []
            own.append(line)
        if quoted:
            explicit.append(_passage("\n".join(quoted), explicit=True))
        if any(line.strip() for line in own):
            paragraphs.append(_passage("\n".join(own), explicit=False))
    return [p for p in explicit if p.size], paragraphs


def _passage(text: str, *, explicit: bool) -> Passage:
    if "…" in text or _DOTS.search(text):
        parts = tuple(normalize(part) for part in _ELLIPSIS.split(text))
    else:
        parts = (normalize(text),)  # no elision: one part (splitting would find none)
    return Passage(" ".join(text.split()), tuple(part for part in parts if part), explicit)


def contains(haystack: str, passage: Passage) -> bool:
    """Tell whether normalized text holds the passage's parts, in order, on word boundaries."""
    padded, start = f" {haystack} ", 0
    for part in passage.parts:
        found = padded.find(f" {part} ", start)
        if found < 0:
            return False
        start = found + len(part) + 1
    return True


def find_quotes(
    reply: str,
    candidates: Sequence[tuple[K, str]] | Callable[[], Sequence[tuple[K, str]]],
) -> list[Found[K]]:
    """Find the passages of a reply that occur in candidate comments.

    Explicit quotes come first, then silent pastes, each in the reply's order.

    ``candidates`` are (key, body) pairs in order of preference: the reply's ancestors,
    nearest first, then the thread's other earlier comments, earliest first. Each passage
    is credited to the first candidate that contains it. Given as a function, they are
    read only if some passage is looked up (most replies have none worth looking up).
    """
    normalized: list[tuple[K, str]] | None = None

    def source_of(passage: Passage) -> K | None:
        nonlocal normalized
        if normalized is None:
            given = candidates() if callable(candidates) else candidates
            normalized = [(key, _words_of(body)) for key, body in given]
        return next((key for key, words in normalized if contains(words, passage)), None)

    return _resolve(reply, source_of)


@lru_cache(maxsize=8192)
def _words_of(body: str) -> str:
    """normalize(plain_text(body)), remembered: new replies are compared with the same
    latest comments of a thread again and again."""
    return normalize(plain_text(body))


def _resolve(reply: str, source_of: Callable[[Passage], K | None]) -> list[Found[K]]:
    return _resolve_passages(*passages(reply), source_of)


def _can_quote(explicit: Sequence[Passage], paragraphs: Sequence[Passage]) -> bool:
    """Tell whether a reply's passages could be credited as quotes at all: a reply with no
    explicit quote and one paragraph at most is its own words, or a repost of one comment
    (see _resolve_passages), and nothing need be looked up for it."""
    return bool(explicit) or len(paragraphs) > 1


def _resolve_passages(
    explicit: Sequence[Passage],
    paragraphs: Sequence[Passage],
    source_of: Callable[[Passage], K | None],
) -> list[Found[K]]:
    if not _can_quote(explicit, paragraphs):
        return []
    found: list[Found[K]] = []
    for passage in explicit:
        key = source_of(passage) if passage.size >= MIN_WORDS else None
        if key is not None:
            found.append(Found(key, passage.text, passage.words, explicit=True))
    silent = []
    for passage in paragraphs:
        key = source_of(passage) if passage.size >= MIN_WORDS else None
        if key is not None:
            silent.append(Found(key, passage.text, passage.words, explicit=False))
    # A reply that is nothing but pasted text is a repost (or a scraper's duplicate),
    # not a reply that quotes: it says nothing of its own about what it repeats.
    if not explicit and len(silent) == len(paragraphs):
        silent = []
    return found + silent


class Analysis(NamedTuple):
    """What finding a thread's quotes needs of one body, computed once per body."""

    may_quote: bool  # long enough to hold a passage worth looking up
    words: str  # the body's text, normalized: what other replies' passages are found in
    explicit: list[Passage]
    paragraphs: list[Passage]
    # The hashes of the shingles the thread index holds for ``words``, those each passage
    # (explicit, then paragraphs) is looked up by (None: too short to look up), and the
    # hash seed's probe of the process that made them: hashes made in a process with
    # another seed are made again. Packed as 64-bit integers (_packed): a thread's
    # analyses are kept until its quotes are found, in a fifth of a list's memory.
    shingles: bytes | None = None
    lookups: tuple[bytes | None, ...] | None = None
    seed: int = 0

    @property
    def looks_up(self) -> bool:
        """Whether any of its passages is looked up in the thread (see _can_quote)."""
        return self.may_quote and _can_quote(self.explicit, self.paragraphs)


# Differs between processes exactly when their str hashes do (PYTHONHASHSEED).
_SEED = hash("forum.quotes: shingles hashed with this seed")


def analyze(body: str) -> Analysis:
    """Read a body for find_thread_quotes (pure: a big import runs it in its workers).

    The same as normalize(plain_text(body)) and passages(body), parsing HTML once.
    """
    if _TAG.search(body):
        root = lxml.html.fragment_fromstring(body, create_parent="div")
        text = _text_of(root)
        if root.find(".//blockquote") is not None:
            # Taking blockquotes out joins the text around them: words come from before.
            explicit, paragraphs = _passages_of_tree(root)
            return _analysis(body, normalize(text), explicit, paragraphs)
        explicit, paragraphs = _passages_of_text(text, [])  # what _passages_of_tree does
    else:
        text = html.unescape(body)
        explicit, paragraphs = _passages_of_text(text, [])
    if explicit:
        words = normalize(text)
    else:
        # Every word of the text is in one of its paragraphs, in order: paragraphs part at
        # blank lines, parts at elisions, and neither holds a word character.
        words = " ".join([part for paragraph in paragraphs for part in paragraph.parts])
    return _analysis(body, words, explicit, paragraphs)


def _analysis(
    body: str, words: str, explicit: list[Passage], paragraphs: list[Passage]
) -> Analysis:
    may_quote = _may_quote(body)
    return Analysis(
        may_quote,
        words,
        explicit,
        paragraphs,
        _indexed_shingles(words),
        _lookups(explicit, paragraphs) if may_quote and _can_quote(explicit, paragraphs) else None,
        _SEED,
    )


def _lookups(explicit: list[Passage], paragraphs: list[Passage]) -> tuple[bytes | None, ...]:
    """What each passage is looked up by in the index; None if it is too short for that."""
    found: list[bytes | None] = []
    for passage in (*explicit, *paragraphs):
        parts = passage.parts
        # passage.size, without a generator for the common passage of one part.
        size = parts[0].count(" ") + 1 if len(parts) == 1 else passage.size
        found.append(_packed(_first_shingles(passage)) if size >= MIN_WORDS else None)
    return tuple(found)


def _packed(hashes: Iterable[int]) -> bytes:
    return array("q", list(hashes)).tobytes()  # from a list: twice as fast as from map()


def _unpacked(packed: bytes) -> Sequence[int]:
    return memoryview(packed).cast("q")


def _longest(passage: Passage) -> str:
    parts = passage.parts
    return parts[0] if len(parts) == 1 else max(parts, key=len, default="")


def _first_shingles(passage: Passage) -> Iterable[int]:
    """The hashes of the shingles at the first STEP words of the passage's longest part.

    A comment that holds the part holds, indexed, one of them (shingles are indexed every
    STEP words).
    """
    return _shingles(_longest(passage).split(" ", STEP + SHINGLE - 1)[: STEP + SHINGLE - 1])


def _indexed_shingles(words: str) -> bytes:
    """The hashes of the shingles at every STEP-th word (the k-th takes words k*STEP+i)."""
    tokens = words.split()
    return _packed(
        map(hash, zip(*(tokens[offset::STEP] for offset in range(SHINGLE)), strict=False))
    )


# Bodies analyzed ahead of find_thread_quotes (by an import's workers, while the file is
# read), taken once each. A cache of a pure function: it changes no result, only where
# the work is done. Whoever fills it clears it when done (forget_analyses).
_ANALYZED: dict[str, Analysis] = {}


def remember_analysis(body: str, analysis: Analysis) -> None:
    """Keep a body's analysis until find_thread_quotes takes it."""
    _ANALYZED[body] = analysis


def forget_analyses() -> None:
    """Drop the analyses no thread has taken."""
    _ANALYZED.clear()


def find_thread_quotes(
    comments: Sequence[tuple[K, K | None, str]],
) -> dict[K, list[Found[K]]]:
    """Find every quote in a thread: {reply key: its quotes}, for replies that have any.

    ``comments`` are (key, parent key, body) in the order they were written. A passage is
    credited to the nearest ancestor that contains it, else to the earliest comment before
    the reply that does. Cost grows with the thread's words, not with its size squared:
    each comment's text is indexed once, and a passage is compared only with the comments
    that share one of its shingles.
    """
    ahead = [_ANALYZED.pop(body, None) for _key, _parent, body in comments]
    if not any(
        analysis.may_quote if analysis is not None else _may_quote(body)
        for analysis, (_key, _parent, body) in zip(ahead, comments, strict=True)
    ):
        return {}
    analyses = [
        analysis if analysis is not None else analyze(body)
        for analysis, (_key, _parent, body) in zip(ahead, comments, strict=True)
    ]
    thread = _Thread(comments, analyses)
    result: dict[K, list[Found[K]]] = {}
    for at, ((key, _parent, _body), analysis) in enumerate(zip(comments, analyses, strict=True)):
        if not analysis.looks_up:
            continue
        found = thread.quotes_of(at, analysis)
        if found:
            result[key] = found
    return result


class _Thread(Generic[K]):
    """A thread's comments, indexed: who holds which words, and who descends from whom."""

    def __init__(
        self, comments: Sequence[tuple[K, K | None, str]], analyses: Sequence[Analysis]
    ) -> None:
        self.keys = [key for key, _parent, _body in comments]
        self.texts = [analysis.words for analysis in analyses]  # each body's, normalized
        self.spans = _subtree_spans([(key, parent) for key, parent, _body in comments])
        made_here = [analysis.seed != _SEED for analysis in analyses]
        # What each reply's passages are looked up by: the index needs no other shingle.
        self.lookups = [
            (
                _lookups(analysis.explicit, analysis.paragraphs)
                if here or analysis.lookups is None
                else analysis.lookups
            )
            if analysis.looks_up
            else None
            for analysis, here in zip(analyses, made_here, strict=True)
        ]
        wanted: set[int] = set()
        for lookups in self.lookups:
            for first in lookups or ():
                if first is not None:
                    wanted.update(_unpacked(first))
        self.index = _ShingleIndex(
            [
                _unpacked(
                    _indexed_shingles(analysis.words)
                    if here or analysis.shingles is None
                    else analysis.shingles
                )
                for analysis, here in zip(analyses, made_here, strict=True)
            ],
            wanted,
        )
        # A stock phrase's postings are capped: passages that start with one are looked
        # up by all their shingles (_lookup_all), which the index gets now, at once.
        stock: set[int] = set()
        for analysis, lookups in zip(analyses, self.lookups, strict=True):
            passages_ = (*analysis.explicit, *analysis.paragraphs) if lookups else ()
            for passage, first in zip(passages_, lookups or (), strict=True):
                if first is not None and self.index.is_capped(_unpacked(first)):
                    stock.update(_shingles(_longest(passage).split()))
        if stock:
            self.index.index_also(stock)

    def quotes_of(self, reply: int, analysis: Analysis) -> list[Found[K]]:
        """_resolve_passages of a reply (one that may quote), with its lookups."""
        explicit, paragraphs = analysis.explicit, analysis.paragraphs
        lookups = self.lookups[reply]
        assert lookups is not None, "made for every reply that may quote"
        found: list[Found[K]] = []
        silent: list[Found[K]] = []
        passages_ = (*explicit, *paragraphs)
        for at, (passage, first) in enumerate(zip(passages_, lookups, strict=True)):
            if first is None:
                continue
            key = self.source_of(passage, reply=reply, first=_unpacked(first))
            if key is None:
                continue
            if at < len(explicit):
                found.append(Found(key, passage.text, passage.words, explicit=True))
            else:
                silent.append(Found(key, passage.text, passage.words, explicit=False))
        # As in _resolve_passages: a reply that is nothing but pasted text is a repost.
        if not explicit and len(silent) == len(paragraphs):
            silent = []
        return found + silent

    def source_of(
        self, passage: Passage, *, reply: int, first: Sequence[int] | None = None
    ) -> K | None:
        """The comment a reply took a passage from: nearest ancestor, else earliest before.

        ``first`` are the passage's _first_shingles, if they were made ahead.
        """
        texts = self.texts
        hits = [
            at
            for at in self.index.lookup(passage, first)
            if at != reply and contains(texts[at], passage)
        ]
        if not hits:
            return None
        start, end = self.spans[reply]
        ancestors = [at for at in hits if self.spans[at][0] < start and end <= self.spans[at][1]]
        if ancestors:
            return self.keys[max(ancestors, key=lambda at: self.spans[at][0])]
        earlier = [at for at in hits if at < reply]
        return self.keys[min(earlier)] if earlier else None


def _may_quote(body: str) -> bool:
    """Tell whether a body is long enough to hold a passage worth looking up."""
    return next(islice(_WORD.finditer(body), MIN_WORDS - 1, None), None) is not None


def _subtree_spans(nodes: Sequence[tuple[K, K | None]]) -> list[tuple[int, int]]:
    """Number a forest in preorder: node i's subtree is the half-open range span[i]."""
    position = {key: at for at, (key, _parent) in enumerate(nodes)}
    children: dict[int, list[int]] = {}
    roots: list[int] = []
    for at, (_key, parent) in enumerate(nodes):
        if parent is not None and parent in position and position[parent] != at:
            children.setdefault(position[parent], []).append(at)
        else:
            roots.append(at)
    spans = [(0, 0)] * len(nodes)
    counter = 0
    seen = [False] * len(nodes)
    # Iterative preorder; a parent link that loops is treated as a root by the writer's tree
    # logic already, and ``seen`` keeps this walk finite whatever it is given.
    stack: list[tuple[int, bool]] = [(root, False) for root in reversed(roots)]
    starts = [0] * len(nodes)
    while stack:
        node, done = stack.pop()
        if done:
            spans[node] = (starts[node], counter)
            continue
        if seen[node]:
            continue
        seen[node] = True
        starts[node] = counter
        counter += 1
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(children.get(node, [])))
    return spans


class _ShingleIndex:
    """Which comments hold which runs of words: 5-word shingles at every 4th word.

    Built at once from all the thread's texts: the postings of a shingle (by its hash) are
    the comments that hold it, in order, at most MAX_POSTINGS. Most shingles occur once in
    a thread; those map to the comment itself, and only repeated ones get a list.
    """

    def __init__(self, shingles: Sequence[Sequence[int]], wanted: set[int] | None = None) -> None:
        """Index each comment's indexed shingles (_indexed_shingles of its text).

        With ``wanted``, only those shingles (what passages are looked up by): their
        postings are those of the whole index, which is made only if a stock phrase
        needs it (_lookup_all). A thread's index is then a few entries per comment.
        """
        self._shingles = shingles
        self._postings = self._index(wanted)
        # Postings of other shingles, for _lookup_all: of those in _more, or of all.
        self._more: set[int] | None = set() if wanted is not None else None
        self._other = self._postings

    def is_capped(self, first: Iterable[int]) -> bool:
        """Tell whether looking these shingles up reaches a capped (stock) phrase."""
        postings = self._postings
        for shingle in filter(postings.__contains__, first):
            held = postings[shingle]
            if isinstance(held, list) and len(held) >= MAX_POSTINGS:
                return True
        return False

    def index_also(self, shingles: set[int]) -> None:
        """Make the postings of more shingles ready for _lookup_all (one pass for all)."""
        if self._more is not None:
            self._more = shingles
            self._other = self._index(shingles)

    def _index(self, wanted: set[int] | None) -> dict[int, int | list[int]]:
        # One pass, one dict: a 50,000-comment thread has 750,000 shingles, and a list of
        # them with their counts beside the index took three times its memory.
        index: dict[int, int | list[int]] = {}
        for at, hashes in enumerate(self._shingles):
            for shingle in hashes if wanted is None else filter(wanted.__contains__, hashes):
                held = index.get(shingle)
                if held is None:
                    index[shingle] = at
                elif held.__class__ is int:
                    if held != at:
                        index[shingle] = [held, at]  # type: ignore[list-item]
                elif len(held) < MAX_POSTINGS and held[-1] != at:  # type: ignore[arg-type,index]
                    held.append(at)  # type: ignore[union-attr]
        return index

    def lookup(self, passage: Passage, first: Iterable[int] | None = None) -> Iterable[int]:
        """Comments that may hold the passage: those sharing a shingle with its longest part.

        A comment that holds the part holds, indexed, the shingle at one of the part's first
        STEP word offsets (shingles are indexed every STEP words): looking those up finds
        every comment that holds it. A stock phrase's postings stop at MAX_POSTINGS, and
        may lack one; then every shingle of the part is looked up, which finds it elsewhere.
        """
        postings = self._postings
        found: set[int] = set()
        if first is None:  # not one of the shingles the index was made for
            first = list(_first_shingles(passage))
            postings = self._postings_of(first)
        # filter() tests membership in C: most passages share no shingle with anything.
        for shingle in filter(postings.__contains__, first):
            held = postings[shingle]
            if isinstance(held, list):
                if len(held) >= MAX_POSTINGS:
                    return self._lookup_all(_longest(passage).split())
                found.update(held)
            else:
                found.add(held)
        return sorted(found)

    def _postings_of(self, shingles: list[int]) -> dict[int, int | list[int]]:
        """Postings that hold these shingles' (the whole index, if need be)."""
        if self._more is not None and not self._more.issuperset(shingles):
            self._more, self._other = None, self._index(None)
        return self._other

    def _lookup_all(self, tokens: list[str]) -> list[int]:
        shingles = list(_shingles(tokens))
        postings = self._postings_of(shingles)
        found: set[int] = set()
        for shingle in filter(postings.__contains__, shingles):
            held = postings[shingle]
            if isinstance(held, list):
                found.update(held)
            else:
                found.add(held)
        return sorted(found)


def _shingles(tokens: list[str]) -> Iterator[int]:
    """The hash of every run of SHINGLE consecutive words, in order."""
    return map(hash, zip(*(tokens[offset:] for offset in range(SHINGLE)), strict=False))


def cite_quotes(body_html: str, cites: Mapping[str, str]) -> str:
    """Show quotes in a sanitized body: each as ``<blockquote cite="#c12">``.

    ``cites`` maps a quoted passage's normalized words to its citation. Blockquotes that
    match get the cite; paragraphs of ``> `` lines become blockquotes; a paragraph pasted
    silently is wrapped in one. Returns the body unchanged when there is nothing to do.
    """
    if not cites and "&gt;" not in body_html:
        return body_html
    root = lxml.html.fragment_fromstring(body_html, create_parent="div")
    changed = False
    for element in _quotable(root):
        words = normalize(element.text_content())
        cite = cites.get(words)
        if element.tag == "blockquote":
            if cite and element.get("cite") != cite:
                element.set("cite", cite)
                changed = True
        elif _is_angle_paragraph(element):
            _strip_angles(element)
            _wrap(element, cite)
            changed = True
        elif cite:
            _wrap(element, cite)
            changed = True
    if not changed:
        return body_html
    inner = (root.text or "") + "".join(
        lxml.html.tostring(child, encoding="unicode") for child in root
    )
    return inner.strip()


# Simple sanitized markup, cited without parsing it (cite_simple_markup): the elements a
# paragraph may hold, and the tags of the markup (sanitized: "<" and ">" are only tags).
_SIMPLE_INLINE = frozenset(
    {"a", "em", "strong", "b", "i", "u", "s", "strike", "del", "ins", "sub", "sup", "small"}
    | {"q", "cite", "abbr", "acronym", "code", "kbd", "samp", "var"}
)
_MARKUP_TAG = re.compile(r"<(/?)([a-z0-9]+)([^<>]*)>")
_CITE_ATTRIBUTE = re.compile(r' cite="[^"]*"')


def cite_simple_markup(body_html: str, cites: Mapping[str, str]) -> str | None:
    """cite_quotes for simple sanitized markup, as the sanitizer would write the result.

    The markup must be the sanitizer's own output, and simple: paragraphs and blockquotes
    at the top, paragraphs holding only text and inline elements, no character reference
    (no "&" at all, so no ``> `` line either). Such markup is cited by inserting tags and
    attributes, and sanitizing the result again would give it back unchanged; tests
    compare this with cite_quotes followed by the sanitizer. None when it is not simple.
    """
    if "&" in body_html:
        return None
    pieces: list[str] = []  # the output
    top: list[tuple[int, int, str, str]] = []  # top-level elements: span, tag, text
    stack: list[str] = []
    texts: list[str] = []  # the text of the open top-level element
    at = start = 0
    for tag in _MARKUP_TAG.finditer(body_html):
        text = body_html[at : tag.start()]
        if "<" in text or ">" in text:
            return None  # a tag not read as one (the sanitizer escapes both in text)
        if stack:
            texts.append(text)
        elif text.strip():
            return None  # text at the top: not what the sanitizer makes of a comment
        closing, name, attributes = tag.groups()
        at = tag.end()
        if not attributes.isascii():
            return None  # the old path's serializer writes URLs percent-encoded
        if closing:
            if attributes or not stack or stack.pop() != name:
                return None
            if not stack:
                top.append((start, at, name, "".join(texts)))
            continue
        if name == "br":
            if not stack or stack[-1] == "blockquote" or attributes:
                return None
            continue
        parent = stack[-1] if stack else None
        if name == "blockquote":
            if parent not in {None, "blockquote"} or _CITE_ATTRIBUTE.sub("", attributes):
                return None
        elif name == "p":
            if parent not in {None, "blockquote"} or attributes:
                return None
        elif name not in _SIMPLE_INLINE or parent is None:
            return None
        if not stack:
            start, texts = tag.start(), []
        stack.append(name)
    rest = body_html[at:]
    if stack or rest.strip() or "<" in rest or ">" in rest:
        return None
    changed = False
    written = 0
    for begin, end, name, text in top:
        cite = cites.get(normalize(text))
        if cite is None:
            continue
        if name == "blockquote":
            opening = body_html.index(">", begin) + 1
            if body_html[begin:opening] == f'<blockquote cite="{cite}">':
                continue
            pieces.append(body_html[written:begin])
            pieces.append(f'<blockquote cite="{cite}">')
            written = opening
        else:
            pieces.append(body_html[written:begin])
            pieces.append(f'<blockquote cite="{cite}">{body_html[begin:end]}</blockquote>')
            written = end
        changed = True
    if not changed:
        return body_html
    pieces.append(body_html[written:])
    return "".join(pieces)


def _quotable(root: etree._Element) -> list[etree._Element]:
    """Paragraphs and outermost blockquotes, in order; nothing inside a blockquote."""
    found: list[etree._Element] = []
    stack = list(reversed(root))
    while stack:
        element = stack.pop()
        if element.tag in {"blockquote", "p"}:
            found.append(element)
        elif element.tag in {"div", "section", "ul", "ol", "li"}:
            stack.extend(reversed(element))
    return found


def _is_angle_paragraph(element: etree._Element) -> bool:
    lines = _lines_of(element)
    return bool(lines) and all(line.lstrip().startswith(">") for line in lines if line.strip())


def _lines_of(element: etree._Element) -> list[str]:
    return [line for line in element.text_content().split("\n") if line.strip()]


def _strip_angles(element: etree._Element) -> None:
    """Remove the ``> `` that opens each line of a paragraph (its text and after each <br>)."""
    if element.text:
        element.text = _ANGLE_LINE.sub(r"\1", element.text, count=1)
    for child in element:
        if child.tag == "br" and child.tail:
            child.tail = _ANGLE_LINE.sub(r"\1", child.tail, count=1)


def _wrap(element: etree._Element, cite: str | None) -> None:
    quote = etree.Element("blockquote")
    if cite:
        quote.set("cite", cite)
    quote.tail, element.tail = element.tail, None
    element.addprevious(quote)
    quote.append(element)
