"""The HTML policy: every body a reader is served passes through here, and only here.

bleach receives no more releases; it is imported by this module alone, so a successor
(nh3, or html-sanitizer) replaces one file. The original text is always stored beside
the cleaned HTML (``body_raw``), so a stricter or looser policy can be re-applied later.
"""

from __future__ import annotations

import html
import re
import secrets
import threading
from collections import Counter
from collections.abc import Callable
from functools import lru_cache, partial
from typing import Any, NamedTuple

import bleach
from bleach.html5lib_shim import (
    TAG_TOKEN_TYPE_CHARACTERS,
    TAG_TOKEN_TYPE_END,
    TAG_TOKEN_TYPE_START,
    BleachHTMLParser,
    BleachHTMLTokenizer,
    ReparseException,
    constants,
    getTreeWalker,
    match_entity,
    next_possible_entity,
)
from bleach.linkifier import PROTO_RE, LinkifyFilter, build_url_re

from forum.sanitize_guard import escape_stray_brackets

# Inline markup people write in comments; WordPress's kses allows much the same.
COMMENT_TAGS = frozenset(
    {
        "a",  # links, rel-rewritten below
        "abbr",
        "acronym",  # with a title that explains them
        "b",
        "strong",
        "i",
        "em",
        "u",
        "s",
        "strike",
        "del",
        "ins",
        "sub",
        "sup",
        "small",
        "blockquote",
        "q",
        "cite",  # quoting is the heart of a discussion
        "code",
        "kbd",
        "pre",
        "samp",
        "var",  # people paste code
        "p",
        "br",
        "hr",  # paragraphs, as autop makes them
        "ul",
        "ol",
        "li",
    }
)
# Posts are written by the site's authors and carry structure: headings, figures, tables.
POST_TAGS = COMMENT_TAGS | frozenset(
    {
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "img",
        "figure",
        "figcaption",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "th",
        "td",
        "caption",
        "dl",
        "dt",
        "dd",
        "div",
        "span",
        "section",
        "details",
        "summary",
        "mark",
    }
)
# No class, id or style anywhere: they let content restyle or overlay the page.
COMMENT_ATTRIBUTES: dict[str, list[str]] = {
    "a": ["href", "title"],  # rel is ours to set, below
    "abbr": ["title"],
    "acronym": ["title"],
    "blockquote": ["cite"],
    "q": ["cite"],
    "ol": ["start", "reversed"],
}
POST_ATTRIBUTES: dict[str, list[str]] = COMMENT_ATTRIBUTES | {
    "img": ["src", "alt", "title", "width", "height"],
    "td": ["colspan", "rowspan"],
    "th": ["colspan", "rowspan", "scope"],
}
# Relative URLs (no scheme) stay allowed: quotes cite "#c123".
PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"

_BLOCK_EDITOR = re.compile(r"<!--\s*wp:")
_NEVER = re.compile(r"(?!)")
# Bare URLs become links only for the schemes we allow (bleach's default knows 23, data: too).
_LINKABLE = build_url_re(protocols=sorted(PROTOCOLS - {"mailto"}))
_EMPTY_PARAGRAPH = re.compile(r"<p>\s*</p>")
# A character reference to a control character that bleach replaces with "?" when it is
# written as itself (bleach.sanitizer.INVISIBLE_CHARACTERS: C0 controls but tab, LF, CR).
# bleach keeps the reference; lxml and XML refuse the character it stands for.
_INVISIBLE_REFERENCE = re.compile(
    r"&#(?:0*(?:[0-8]|1[124-9]|2[0-9]|3[01])|[xX]0*(?:[0-8bcefBCEF]|1[0-9a-fA-F]));"
)
# Characters the HTML parser rewrites or reports: controls other than tab and newline,
# carriage returns, surrogates, noncharacters. Text with one of them takes the full path.
_ODD_CHARACTER = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
# The noncharacters past the first plane, apart: a class of scattered astral characters is
# slow to search, and only text that is not ASCII needs it.
_ASTRAL_NONCHARACTER = re.compile(
    "["
    + "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(1, 17))
    + "]"
)
# Every match of _LINKABLE has a dot followed by a word character (a TLD's first letter): a
# cheap test that spares most texts the full pattern, which is slow to search.
_MAYBE_LINKABLE = re.compile(r"\.\w")


def _set_rel(attrs: dict, new: bool = False) -> dict:  # noqa: FBT001 (bleach's signature)
    """Mark every link as user content that search engines must not credit."""
    href_key = (None, "href")
    href = attrs.get(href_key, "")
    if href.startswith("#"):
        return attrs  # links within the page (quote citations) are ours
    attrs[(None, "rel")] = LINK_REL
    return attrs


# html5lib's tree builder searches the open elements for each tag it adds (elementInScope),
# and the active formatting elements for each run of text (reconstructing them): the cost is
# quadratic in how deep a body nests. 25,000 unclosed "<i><u>" took 19 s; a 10,000-character
# reply of "<ul><u>", 1.7 s. Past this many open elements (or active formatting elements),
# start tags are held back and their text is kept, so the cost stays linear in the length.
# Markup people write nests a handful deep; a hundred is only reached on purpose.
MAX_OPEN_ELEMENTS = 100
_VOID_ELEMENTS = constants.voidElements  # <br>, <hr>, <img>: they open nothing
_TAG_TOKEN_TYPES = frozenset({TAG_TOKEN_TYPE_START, TAG_TOKEN_TYPE_END})


class _BoundedTokenizer(BleachHTMLTokenizer):
    """bleach's tokenizer, which holds back start tags while too many elements are open.

    It reads the tree builder's own stacks: when a tag is emitted, the builder has added
    every token before it, so no model of how html5lib builds trees is needed. Text only
    adds open elements (formatting ones, reconstructed) and only tags take them away, so
    looking before every tag sees the most there ever are. An end tag that would close a
    held-back element is held back with it; void elements (<br>, <hr>, <img>) open nothing
    and always pass. Text is never held back.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.held: Counter[str] = Counter()

    def emitCurrentToken(self) -> None:  # noqa: N802 (html5lib's name)
        token = self.currentToken
        if token["type"] in _TAG_TOKEN_TYPES:
            tree = self.parser.tree
            if (
                len(tree.openElements) >= MAX_OPEN_ELEMENTS
                or len(tree.activeFormattingElements) >= MAX_OPEN_ELEMENTS
                or self.held
            ) and self._hold_back(token):
                return
        super().emitCurrentToken()

    def _hold_back(self, token: dict) -> bool:
        """Near the limit: hold back a start tag past it, or the end tag of one held back."""
        self.parser.went_deep = True
        tree = self.parser.tree
        name = token["name"].lower()
        if name not in self.parser.tags or name in _VOID_ELEMENTS:
            return False  # bleach strips it, or it opens nothing
        if token["type"] == TAG_TOKEN_TYPE_START:
            if not (
                len(tree.openElements) > MAX_OPEN_ELEMENTS
                or len(tree.activeFormattingElements) > MAX_OPEN_ELEMENTS
            ):
                return False
            self.held[name] += 1
        elif self.held[name]:
            self.held[name] -= 1
        else:
            return False
        # What bleach emits for a tag it strips: empty text, and back to reading text.
        self.currentToken = self.emitted_last_token = {
            "type": TAG_TOKEN_TYPE_CHARACTERS,
            "data": "",
        }
        self.tokenQueue.append(self.currentToken)
        self.state = self.dataState
        return True


class _BoundedHTMLParser(BleachHTMLParser):
    """bleach's parser with _BoundedTokenizer."""

    # The last parse came near MAX_OPEN_ELEMENTS (and may have held tags back): its output
    # may nest deeper than another parse lets through (reconstructed formatting elements
    # are added without a start tag), so the output is cleaned again.
    went_deep = False

    def _parse(
        self,
        stream: Any,
        innerHTML: bool = False,  # noqa: N803 (html5lib's signature)
        container: str = "div",
        scripting: bool = True,
        **kwargs: Any,
    ) -> None:
        # BleachHTMLParser._parse (bleach 6), with our tokenizer in place of bleach's.
        self.went_deep = False
        self.innerHTMLMode = innerHTML
        self.container = container
        self.scripting = scripting
        self.tokenizer = _BoundedTokenizer(
            stream=stream, consume_entities=self.consume_entities, parser=self, **kwargs
        )
        self.reset()
        try:
            self.mainLoop()
        except ReparseException:
            self.reset()
            self.mainLoop()
        if len(self.tree.openElements) >= MAX_OPEN_ELEMENTS:
            self.went_deep = True


_EtreeWalker = getTreeWalker("etree")


class _LinearTreeWalker(_EtreeWalker):  # type: ignore[misc,valid-type]
    """html5lib's etree walker, which finds an element's parent without a search.

    A node is (element, its index in its parent, the ancestors, text/tail flag), as in
    html5lib; the ancestors here are (element, index) pairs instead of elements. html5lib's
    own walker finds an ancestor's index again with list.index on its parent's children
    each time it climbs out of an element: quadratic in how many children an element has
    (1,666 paragraphs that each hold a link, from 10,000 characters of "<a><p>", took half
    a second, and four times as long at twice the length).
    """

    def getFirstChild(self, node: Any) -> Any:  # noqa: N802 (html5lib's names, below too)
        if isinstance(node, tuple):
            element, key, parents, flag = node
        else:
            element, key, parents, flag = node, None, [], None
        if flag in ("text", "tail"):
            return None
        if element.text:
            return element, key, parents, "text"
        if len(element):
            parents.append((element, key))
            return element[0], 0, parents, None
        return None

    def getNextSibling(self, node: Any) -> Any:  # noqa: N802
        if not isinstance(node, tuple):
            return None
        element, key, parents, flag = node
        if flag == "text":
            if len(element):
                parents.append((element, key))
                return element[0], 0, parents, None
            return None
        if element.tail and flag != "tail":
            return element, key, parents, "tail"
        parent = parents[-1][0]
        if key < len(parent) - 1:
            return parent[key + 1], key + 1, parents, None
        return None

    def getParentNode(self, node: Any) -> Any:  # noqa: N802
        if not isinstance(node, tuple):
            return None
        element, key, parents, flag = node
        if flag == "text":
            return (element, key, parents, None) if parents else element
        parent, parent_key = parents.pop()
        return (parent, parent_key, parents, None) if parents else parent


def _make_cleaner(
    tags: frozenset[str], attributes: dict[str, list[str]], linkify: bool
) -> bleach.Cleaner:
    # The filter also rewrites links that are already there; with linkify off it
    # matches no bare text (a pattern that never matches), so only those are touched.
    link_filter: Callable = partial(
        LinkifyFilter,
        callbacks=[_set_rel],
        skip_tags={"pre", "code"},
        parse_email=False,
        url_re=_LINKABLE if linkify else _NEVER,
    )
    cleaner = bleach.Cleaner(
        tags=tags,
        attributes=attributes,
        protocols=PROTOCOLS,
        strip=True,
        strip_comments=True,
        filters=[link_filter],
    )
    # As bleach.Cleaner makes its parser and walker, with the classes above.
    cleaner.parser = _BoundedHTMLParser(
        tags=tags, strip=True, consume_entities=False, namespaceHTMLElements=False
    )
    cleaner.walker = _LinearTreeWalker
    return cleaner


class _Cleaners(threading.local):
    """A Cleaner keeps its parser's state while it works: app servers run threads, so each
    thread has cleaners of its own (made on its first use)."""

    def __init__(self) -> None:
        # Comments get bare URLs turned into links, as WordPress's make_clickable does.
        self.comment = _make_cleaner(COMMENT_TAGS, COMMENT_ATTRIBUTES, linkify=True)
        self.post = _make_cleaner(POST_TAGS, POST_ATTRIBUTES, linkify=False)


_CLEANERS = _Cleaners()

# wpautop's list of block-level elements (wp-includes/formatting.php).
_ALLBLOCKS = (
    r"(?:table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre"
    r"|form|map|area|blockquote|address|math|style|p|h[1-6]|hr|fieldset|legend|section"
    r"|article|aside|hgroup|header|footer|nav|figure|figcaption|details|menu|summary)"
)
_RE_TAG = re.compile(r"<[a-zA-Z/][^<>]*>")
_RE_PRE = re.compile(r"<pre[\s>].*?</pre>", re.IGNORECASE | re.DOTALL)
_RE_DOUBLE_BR = re.compile(r"<br\s*/?>\s*<br\s*/?>", re.IGNORECASE)
_RE_OPEN_BLOCK = re.compile(r"(<" + _ALLBLOCKS + r"[\s/>])", re.IGNORECASE)
_RE_CLOSE_BLOCK = re.compile(r"(</" + _ALLBLOCKS + r">)", re.IGNORECASE)
_RE_P_AROUND_BLOCK = re.compile(r"<p>\s*(</?" + _ALLBLOCKS + r"[^>]*>)\s*</p>", re.IGNORECASE)
_RE_P_BEFORE_BLOCK = re.compile(r"<p>\s*(</?" + _ALLBLOCKS + r"[^>]*>)", re.IGNORECASE)
_RE_P_AFTER_BLOCK = re.compile(r"(</?" + _ALLBLOCKS + r"[^>]*>)\s*</p>", re.IGNORECASE)
_RE_BLOCK_BR = re.compile(r"(</?" + _ALLBLOCKS + r"[^>]*>)\s*<br />", re.IGNORECASE)
_RE_BR_BLOCK = re.compile(
    r"<br />(\s*</?(?:p|li|div|dl|dd|dt|th|pre|td|ul|ol)[^>]*>)", re.IGNORECASE
)
_RE_BLANK_LINE = re.compile(r"\n\s*\n")
_RE_LINE_END = re.compile(r"(?<!<br />)[ \t]*\n")
_RE_LAST_LINE_END = re.compile(r"\n</p>$")


def autop(text: str) -> str:
    """Turn WordPress's stored paragraphs (blank lines, single newlines) into <p> and <br />.

    A port of the core of wpautop(): block-level elements are not wrapped, <pre> is left
    alone, a blockquote gets paragraphs inside it.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        return ""
    kept: list[str] = []
    # A fresh nonce per call: the text itself can never forge a placeholder.
    nonce = secrets.token_hex(8)

    def keep(match: re.Match[str]) -> str:
        kept.append(match.group(0))
        return f'<pre data-kept="{nonce}-{len(kept) - 1}"></pre>'

    text = _RE_PRE.sub(keep, text + "\n")
    # A newline inside a tag (between attributes) is not a line break of the text.
    text = _RE_TAG.sub(lambda match: match.group(0).replace("\n", " "), text)
    text = _RE_DOUBLE_BR.sub("\n\n", text)
    text = _RE_OPEN_BLOCK.sub(r"\n\n\1", text)
    text = _RE_CLOSE_BLOCK.sub(r"\1\n\n", text)
    chunks = [chunk.strip("\n") for chunk in _RE_BLANK_LINE.split(text)]
    text = "".join(f"<p>{chunk}</p>\n" for chunk in chunks if chunk.strip())
    text = re.sub(r"<p>\s*</p>", "", text)
    text = _RE_P_AROUND_BLOCK.sub(r"\1", text)
    text = re.sub(r"<p>(<li.+?)</p>", r"\1", text)
    text = re.sub(r"<p><blockquote([^>]*)>", r"<blockquote\1><p>", text, flags=re.IGNORECASE)
    text = text.replace("</blockquote></p>", "</p></blockquote>")
    text = _RE_P_BEFORE_BLOCK.sub(r"\1", text)
    text = _RE_P_AFTER_BLOCK.sub(r"\1", text)
    text = _RE_LINE_END.sub("<br />\n", text)
    text = _RE_BLOCK_BR.sub(r"\1", text)
    text = _RE_BR_BLOCK.sub(r"\1", text)
    text = _RE_LAST_LINE_END.sub("</p>", text)
    for index, block in enumerate(kept):
        text = text.replace(f'<pre data-kept="{nonce}-{index}"></pre>', block)
    return text.strip()


def is_block_content(raw: str) -> bool:
    """Tell whether WordPress content was written in the block editor (already HTML)."""
    return bool(_BLOCK_EDITOR.search(raw))


def text_to_html(text: str) -> str:
    """Render plain text (no markup meant) as escaped paragraphs."""
    return autop(html.escape(text, quote=False))


@lru_cache(maxsize=4096)
def clean_comment(raw_html: str) -> str:
    """Return a comment's HTML with everything not on the comment allowlist removed."""
    cleaned = _clean_simple_markup(raw_html)
    if cleaned is None:
        return _clean(_CLEANERS.comment, raw_html)
    return _finish(cleaned)


def _finish(cleaned: str) -> str:
    """Drop empty paragraphs, and put "?" for references to invisible characters."""
    if "&#" in cleaned:
        cleaned = _INVISIBLE_REFERENCE.sub("?", cleaned)
    return _EMPTY_PARAGRAPH.sub("", cleaned).strip()


# A body that came near MAX_OPEN_ELEMENTS may come out nesting deeper than that (formatting
# elements reconstructed inside one another); parsed again, it would lose tags. It is then
# cleaned again, until it does not: once more at most, for every body tried. The limit on
# passes is only a guard.
_MAX_PASSES = 4


def _clean(cleaner: bleach.Cleaner, markup: str) -> str:
    """Clean markup with bleach: text that only looks like a tag is kept as text.

    Cleaning the output again changes nothing, however deep the markup nests.
    """
    for _ in range(_MAX_PASSES):
        cleaned = _finish(cleaner.clean(escape_stray_brackets(markup)))
        if not cleaner.parser.went_deep or cleaned == markup:
            break
        if _nesting(cleaned) <= MAX_OPEN_ELEMENTS:
            break
        markup = cleaned
    return cleaned


# In bleach's output every "<" opens a tag and every element but a void one is closed.
_OUTPUT_TAG = re.compile(r"<(/?)([a-z0-9]+)")


def _nesting(cleaned: str) -> int:
    """How deep the elements of bleach's output nest."""
    depth = deepest = 0
    for closing, name in _OUTPUT_TAG.findall(cleaned):
        if closing:
            depth -= 1
        elif name not in _VOID_ELEMENTS:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


# Simple markup: what the HTML parser would build exactly as written, so that bleach would
# only re-serialize it. Inline elements the comment allowlist has that the parser treats
# plainly (no <code> or <pre>: linkify skips them, and <pre> drops a first newline).
_SIMPLE_INLINE = frozenset(
    {"a", "em", "strong", "b", "i", "u", "s", "strike", "small", "del", "ins", "sub", "sup"}
    | {"cite", "q", "abbr", "acronym", "kbd", "samp", "var"}
)
_SIMPLE_BLOCK = frozenset({"p", "blockquote"})
_SIMPLE_NAMES = _SIMPLE_INLINE | _SIMPLE_BLOCK
_SIMPLE_TAG = re.compile(r'(/?)([a-z]+)((?:[ \t\n]+[a-z]+="[^"\'<>&]*")*)[ \t\n]*(/?)>')
_SIMPLE_ATTRIBUTE = re.compile(r'[ \t\n]+([a-z]+)="([^"]*)"')
# URLs kept as written: http(s) or an anchor, printable ASCII, nothing to escape, and no
# square brackets (urlparse refuses some, and then bleach drops the attribute).
_SIMPLE_URL = re.compile(r"(?:https?://[A-Za-z0-9]|#)[A-Za-z0-9._~:/?#@!$()*+,;=%-]*")


def _clean_simple_markup(markup: str) -> str | None:
    """Clean simple markup as bleach would, without parsing HTML; None when it is not simple.

    Simple: only the allowed tags above, lower case and properly nested (a paragraph holds
    no block, a block opens only among blocks, no link inside a link; past
    MAX_OPEN_ELEMENTS, tags are held back as bleach holds them back), the
    attributes kept as written (href and cite holding a plain URL; rel, which is ours to
    set), no character the parser rewrites, and no text that linkify would turn into a
    link other than a plain one (``_linkified``). For such markup the HTML parser builds
    the tree exactly as written, so cleaning only rewrites <br /> as <br>, escapes text as
    bleach does (keeping its character references), adds rel to links and writes the
    links linkify adds; tests compare this with bleach on generated markup.
    """
    if _ODD_CHARACTER.search(markup):
        return None
    if not markup.isascii() and _ASTRAL_NONCHARACTER.search(markup):
        return None
    pieces = markup.split("<")
    out = [_simple_text(pieces[0], linkable=True)]
    if out[0] is None:
        return None
    # The open elements, and how many of each name: every test below costs the same
    # however deep the nesting.
    stack: list[str] = []
    open_: Counter[str] = Counter()
    # How deep the elements nest, and whether linkify added a link: near MAX_OPEN_ELEMENTS
    # an added link could take bleach's output past it, and bleach then cleans it again.
    deepest = 0
    linked = "<" in out[0]
    # Tags past MAX_OPEN_ELEMENTS, and the end tags that close them: held back (left out)
    # by the same count of names as bleach's tokenizer uses.
    held: Counter[str] = Counter()
    for piece in pieces[1:]:
        tag = _SIMPLE_TAG.match(piece)
        if tag is None:
            return None
        closing, name, attributes, void = tag.groups()
        if name == "br":
            if closing or attributes:
                return None
            out.append("<br>")
        elif void:
            return None
        elif closing and held[name] and not attributes:
            held[name] -= 1
        elif not closing and len(stack) >= MAX_OPEN_ELEMENTS and name in _SIMPLE_NAMES:
            held[name] += 1
        elif closing:
            if attributes or not stack or stack.pop() != name:
                return None
            open_[name] -= 1
            out.append(f"</{name}>")
        else:
            opened = _simple_start_tag(name, attributes, len(stack), open_)
            if opened is None:
                return None
            stack.append(name)
            open_[name] += 1
            deepest = max(deepest, len(stack))
            out.append(opened)
        text = _simple_text(piece[tag.end() :], linkable=not open_["a"])
        if text is None:
            return None
        linked = linked or "<" in text
        out.append(text)
    if stack:
        return None
    cleaned = "".join(out)
    if linked and (
        deepest + _LINK_DEPTH_MARGIN >= MAX_OPEN_ELEMENTS or "=" in _text_outside_links(cleaned)
    ):
        # bleach's serializer takes a lone "=" after an end tag for an attribute's and
        # escapes what follows as a value: added links split text into such tokens.
        return None
    return cleaned


_ADDED_LINK = re.compile(r'<a href="[^"<>]*" rel="' + LINK_REL + r'">[^<>]*</a>|<[^<>]*>')


def _text_outside_links(cleaned: str) -> str:
    """The text of simple output, without tags or links with text only."""
    return _ADDED_LINK.sub("", cleaned)


def _simple_start_tag(name: str, attributes: str, depth: int, open_: Counter[str]) -> str | None:
    """The cleaned start tag, or None when the parser would not take it as written.

    ``depth`` is how many elements are open, ``open_`` how many of each name.
    """
    if name in _SIMPLE_BLOCK:
        # The parser closes an open paragraph before a block: only blocks may be open.
        if open_["blockquote"] != depth:
            return None
    elif name not in _SIMPLE_INLINE or (name == "a" and open_["a"]):
        # A link inside a link: the parser closes the first. Other inline elements may
        # nest in their own kind, closed in order (as the parser then builds them too).
        return None
    found = dict(_SIMPLE_ATTRIBUTE.findall(attributes))
    if len(found) != attributes.count("="):
        return None  # a repeated attribute: the parser keeps the first
    if name == "a":
        href = found.pop("href", None)
        found.pop("rel", None)  # not on the allowlist; _set_rel adds ours
        if found or (href is not None and not _SIMPLE_URL.fullmatch(href)):
            return None
        if href is None:
            return f'<a rel="{LINK_REL}">'
        if href.startswith("#"):
            return f'<a href="{href}">'
        return f'<a href="{href}" rel="{LINK_REL}">'
    if name == "blockquote" and set(found) <= {"cite"}:
        cite = found.get("cite")
        if cite is None:
            return "<blockquote>"
        return f'<blockquote cite="{cite}">' if _SIMPLE_URL.fullmatch(cite) else None
    return None if found else f"<{name}>"


def _simple_text(text: str, *, linkable: bool) -> str | None:
    """Text as bleach writes it, links that linkify adds included; None when unsure.

    Only the links linkify adds contain "<": the text itself does not.
    """
    if "&" not in text:
        if linkable and _is_linkable(text):
            return _linkified(text)
        return text.replace(">", "&gt;")
    # As bleach does: its sanitizer splits out character references (&amp; becomes "&"),
    # linkify reads the text between them, then extracts references again, and the
    # serializer escapes the rest. bleach's own functions decide what a reference is.
    out: list[str] = []
    for piece in _references(text):
        if isinstance(piece, _Reference):
            out.append(f"&{piece.name};")
            continue
        if linkable and _is_linkable(piece):
            with_links = _linkified(piece)
            if with_links is None:
                return None
            out.append(with_links)
            continue
        out.append(_escaped(piece))
    return "".join(out)


def _escaped(text: str) -> str:
    """A run of characters as bleach writes it: references kept, the rest escaped."""
    if "&" not in text:
        return text.replace(">", "&gt;")
    return "".join(
        f"&{part.name};" if isinstance(part, _Reference) else _escape(part)
        for part in _references(text)
    )


# Margin below MAX_OPEN_ELEMENTS for markup that gets a link added (see _clean).
_LINK_DEPTH_MARGIN = 10
# A link linkify adds is written here only when its text needs no escaping in an attribute
# or in text: ASCII letters, digits and URL punctuation, no "&", quotes or "@" (no user
# part: the URL pattern reads those specially), starting with a letter or digit.
_PLAIN_LINK = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~:/?#!$()*+,;=%-]*")
# LinkifyFilter's own method, which uses nothing of the filter.
_strip_non_url_bits = partial(LinkifyFilter.strip_non_url_bits, None)


def _linkified(text: str) -> str | None:
    """A run of characters (&amp; read as "&", no other reference) as bleach writes it
    after linkify: as LinkifyFilter.handle_links splits it, then each token's references
    extracted again and the rest escaped. None if a link is not a plain one."""
    out: list[str] = []
    end = 0
    for match in _LINKABLE.finditer(text):
        url, prefix, suffix = _strip_non_url_bits(match.group(0))
        if not _PLAIN_LINK.fullmatch(url):
            return None
        href = url if PROTO_RE.search(url) else f"http://{url}"
        out.append(_escaped(text[end : match.start()]))
        out.append(_escaped(prefix))
        out.append(f'<a href="{href}" rel="{LINK_REL}">{url}</a>')
        out.append(_escaped(suffix))
        end = match.end()
    out.append(_escaped(text[end:]))
    return "".join(out)


def _is_linkable(text: str) -> bool:
    return _MAYBE_LINKABLE.search(text) is not None and _LINKABLE.search(text) is not None


class _Reference(NamedTuple):
    name: str  # a character reference, as bleach keeps it: "hellip", "#8217"


def _references(text: str) -> list[str | _Reference]:
    """Split text into runs of characters and character references, as bleach does.

    &amp; is a plain "&" (so that URLs with it stay whole); runs of characters are merged.
    """
    pieces: list[str | _Reference] = []
    for part in next_possible_entity(text):
        if not part:
            continue
        if part.startswith("&"):
            name = match_entity(part)
            if name is not None:
                rest = ("&" if name == "amp" else "") + part[len(name) + 2 :]
                if name != "amp":
                    pieces.append(_Reference(name))
                part = rest
                if not part:
                    continue
        if pieces and isinstance(pieces[-1], str):
            pieces[-1] += part
        else:
            pieces.append(part)
    return pieces


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@lru_cache(maxsize=1024)
def clean_post(raw_html: str) -> str:
    """Return a post's HTML with everything not on the post allowlist removed."""
    return _clean(_CLEANERS.post, raw_html)


def render_wordpress_comment(raw: str) -> str:
    """Sanitize a comment as WordPress stores it: light HTML, paragraphs as blank lines."""
    if is_plain_text(raw):
        return render_plain_comment(raw)
    return clean_comment(autop(raw))


def is_plain_text(raw: str) -> bool:
    """Tell whether a comment is text that the sanitizer would only escape and wrap.

    No markup, no entity, nothing bleach would turn into a link, no character the HTML
    parser rewrites: most comments people write.
    """
    if "<" in raw or "&" in raw or _ODD_CHARACTER.search(raw):
        return False
    if not raw.isascii() and _ASTRAL_NONCHARACTER.search(raw):
        return False
    return _MAYBE_LINKABLE.search(raw) is None or _LINKABLE.search(raw) is None


def render_plain_comment(raw: str) -> str:
    """Render plain text (``is_plain_text``) exactly as the full sanitizer would, but faster.

    autop only adds <p> and <br />, escaping covers the rest, and bleach writes void
    elements as <br>; tests check that both paths agree byte for byte on generated text.
    A link-like token can only occur within one line, and autop splits text only at line
    ends, so searching the whole text for one finds exactly what linkify would find.
    """
    rendered = _autop_plain(html.escape(raw, quote=False)).replace("<br />", "<br>")
    return _EMPTY_PARAGRAPH.sub("", rendered).strip()


def _autop_plain(text: str) -> str:
    """autop() for text without "<" (and without CR): only the steps that can act on it.

    With no markup of its own, nothing but autop's own <p> and <br /> is there for the
    block-level rules to match; tests compare this with autop() on generated text.
    """
    if not text.strip():
        return ""
    chunks = [chunk.strip("\n") for chunk in _RE_BLANK_LINE.split(text + "\n")]
    text = "".join(f"<p>{chunk}</p>\n" for chunk in chunks if chunk.strip())
    text = _RE_LINE_END.sub("<br />\n", text)
    text = _RE_BLOCK_BR.sub(r"\1", text)
    text = _RE_BR_BLOCK.sub(r"\1", text)
    return _RE_LAST_LINE_END.sub("</p>", text).strip()


def render_wordpress_post(raw: str) -> str:
    """Sanitize a post as WordPress stores it: autop for the classic editor, not for blocks."""
    return clean_post(raw if is_block_content(raw) else autop(raw))
