"""The HTML policy: every body a reader is served passes through here, and only here.

bleach receives no more releases; it is imported by this module alone, so a successor
(nh3, or html-sanitizer) replaces one file. The original text is always stored beside
the cleaned HTML (``body_raw``), so a stricter or looser policy can be re-applied later.
"""

from __future__ import annotations

import html
import re
import secrets
from collections.abc import Callable
from functools import lru_cache, partial

import bleach
from bleach.linkifier import LinkifyFilter, build_url_re

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


def _set_rel(attrs: dict, new: bool = False) -> dict:  # noqa: FBT001 (bleach's signature)
    """Mark every link as user content that search engines must not credit."""
    href_key = (None, "href")
    href = attrs.get(href_key, "")
    if href.startswith("#"):
        return attrs  # links within the page (quote citations) are ours
    attrs[(None, "rel")] = LINK_REL
    return attrs


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
    return bleach.Cleaner(
        tags=tags,
        attributes=attributes,
        protocols=PROTOCOLS,
        strip=True,
        strip_comments=True,
        filters=[link_filter],
    )


# Comments get bare URLs turned into links, as WordPress's make_clickable does for them.
_COMMENT_CLEANER = _make_cleaner(COMMENT_TAGS, COMMENT_ATTRIBUTES, linkify=True)
_POST_CLEANER = _make_cleaner(POST_TAGS, POST_ATTRIBUTES, linkify=False)

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
    chunks = [chunk.strip("\n") for chunk in re.split(r"\n\s*\n", text)]
    text = "".join(f"<p>{chunk}</p>\n" for chunk in chunks if chunk.strip())
    text = re.sub(r"<p>\s*</p>", "", text)
    text = _RE_P_AROUND_BLOCK.sub(r"\1", text)
    text = re.sub(r"<p>(<li.+?)</p>", r"\1", text)
    text = re.sub(r"<p><blockquote([^>]*)>", r"<blockquote\1><p>", text, flags=re.IGNORECASE)
    text = text.replace("</blockquote></p>", "</p></blockquote>")
    text = _RE_P_BEFORE_BLOCK.sub(r"\1", text)
    text = _RE_P_AFTER_BLOCK.sub(r"\1", text)
    text = re.sub(r"(?<!<br />)[ \t]*\n", "<br />\n", text)
    text = _RE_BLOCK_BR.sub(r"\1", text)
    text = _RE_BR_BLOCK.sub(r"\1", text)
    text = re.sub(r"\n</p>$", "</p>", text)
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
    return _EMPTY_PARAGRAPH.sub("", _COMMENT_CLEANER.clean(raw_html)).strip()


@lru_cache(maxsize=1024)
def clean_post(raw_html: str) -> str:
    """Return a post's HTML with everything not on the post allowlist removed."""
    return _EMPTY_PARAGRAPH.sub("", _POST_CLEANER.clean(raw_html)).strip()


def render_wordpress_comment(raw: str) -> str:
    """Sanitize a comment as WordPress stores it: light HTML, paragraphs as blank lines."""
    return clean_comment(autop(raw))


def render_wordpress_post(raw: str) -> str:
    """Sanitize a post as WordPress stores it: autop for the classic editor, not for blocks."""
    return clean_post(raw if is_block_content(raw) else autop(raw))
