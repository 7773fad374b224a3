"""The sanitizer's fast paths give exactly what the full bleach path gives, byte for byte.

Each test generates many inputs (deterministically: the same ones on every run) and
compares the fast path with the slow one it stands in for.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from forum.sanitize import (
    _CLEANERS,
    MAX_OPEN_ELEMENTS,
    _autop_plain,
    _clean,
    _clean_simple_markup,
    _finish,
    autop,
    clean_comment,
    is_plain_text,
    render_plain_comment,
    render_wordpress_comment,
)
from forum.sanitize_guard import escape_stray_brackets

# Pieces that plain text is made of, and near misses: what autop and linkify react to.
PIECES = [
    "word",
    "Word",
    "ünïcödé",
    "Ελληνικά",
    "日本語",
    "مرحبا",
    "😂",
    "👍🏽",
    " ",
    "  ",
    "\t",
    "\n",
    "\n\n",
    " \n",
    "\n \n",
    "\u00a0",
    "\u2028",
    "\u3000",
    ">",
    "> ",
    '"',
    "'",
    "’",
    ".",
    "...",
    ",",
    "!",
    "?",
    "(",
    ")",
    ":",
    "/",
    "//",
    "@",
    "#",
    "%",
    "*",
    "_",
    "-",
    "=",
    "+",
    "[",
    "]",
    "]]>",
    "{",
    "`",
    "\\",
    "|",
    "~",
    "com",
    "org",
    "it",
    "e.g.",
    "i.e.",
    "3.5",
    "end.It",
    "example.com",
    "www.example",
    "http",
    "https://",
    "mailto:",
    "a@b",
    "br",
    "p",
]
# And what sends text down the full path: markup, entities, characters the parser rewrites.
ODD_PIECES = ["<", "<p>", "</p>", "<br />", "&", "&amp;", "&#38;", "\r\n", "\x0c", "\x00", "\x85"]
plain_texts = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)
any_texts = st.lists(st.sampled_from(PIECES + ODD_PIECES), max_size=40).map("".join) | st.text(
    max_size=80
)
FAST = settings(
    max_examples=600, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def full_path(raw: str) -> str:
    return clean_comment(autop(raw))


@FAST
@given(plain_texts)
@example("Thanks!\n\nSee you > then.\nBye")
@example(" \n leading and trailing \n ")
@example("a\n\n\n\nb\n \n\tc")
def test_plain_text_renders_as_the_full_sanitizer_renders_it(raw: str) -> None:
    if is_plain_text(raw):
        assert render_plain_comment(raw) == full_path(raw)
    assert render_wordpress_comment(raw) == full_path(raw)


@FAST
@given(plain_texts)
def test_autop_of_text_without_markup_takes_only_the_steps_that_can_act(raw: str) -> None:
    escaped = raw.replace("<", "&lt;").replace("\r", "")
    assert _autop_plain(escaped) == autop(escaped)


@FAST
@given(any_texts)
def test_any_comment_renders_as_the_full_sanitizer_renders_it(raw: str) -> None:
    assert render_wordpress_comment(raw) == full_path(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "see example.com for more",
        "https://example.org/page",
        "www.example.net",
        "R&D",
        "&amp;",
        "<b>bold</b>",
        "a\rb",
        "nul\x00here",
        "form\x0cfeed",
    ],
)
def test_text_with_markup_entities_links_or_odd_characters_takes_the_full_path(
    raw: str,
) -> None:
    assert not is_plain_text(raw)
    assert render_wordpress_comment(raw) == full_path(raw)


# Markup: tags the simple path takes, and near misses it must leave to bleach.
TAGS = [
    "<p>",
    "</p>",
    "<br />",
    "<br>",
    "<br/>",
    "</br>",
    "<blockquote>",
    "</blockquote>",
    '<blockquote cite="#c12">',
    '<blockquote cite="https://example.org/x">',
    '<blockquote cite="javascript:alert(1)">',
    "<em>",
    "</em>",
    "<strong>",
    "</strong>",
    "<b>",
    "</b>",
    "<i>",
    "</i>",
    "<q>",
    "</q>",
    "<abbr>",
    "</abbr>",
    '<a href="https://example.org/page?x=1;y=(2)#top">',
    '<a href="http://a.example/">',
    '<a href="#c3">',
    '<a href="https://example.org/" rel="nofollow ugc noopener">',
    '<a rel="x" href="https://example.org/">',
    '<a href="https://[bad/">',
    '<a href="javascript:alert(1)">',
    '<a href="//example.org/">',
    '<a title="t" href="https://example.org/">',
    '<a href="https://a.org/" href="https://b.org/">',
    "<a>",
    "</a>",
    "<A>",
    "<P>",
    "<p/>",
    '<p class="x">',
    "<code>",
    "</code>",
    "<pre>",
    "</pre>",
    "<ul>",
    "<li>",
    "<div>",
    "</div>",
    "<script>",
    "</script>",
    "<span>",
    "<!-- c -->",
    "<",
    "< p>",
    "<p\n>",
    "<em\t>",
]
TEXTS = [
    "word",
    "two words",
    " ",
    "\n",
    "\n\n",
    ">",
    '"',
    "'",
    "ünï",
    "日本",
    "😂",
    "\u00a0",
    "example.com",
    "see www.example.org now",
    "https://example.net/path",
    "e.g.",
    "end.It",
    "a@b.co",
    "&",
    "&amp;",
    "&hellip;",
    "&amp;lt;",
    "&amp;amp;",
    "&#8217;",
    "&#x26;",
    "&#;",
    "&notin;",
    "&noti",
    "&lt",
    "&copy",
    "R&D",
    "AT&amp;T",
    "http://a.example/?x=1&amp;y=2",
    "www.example&hellip;com",
    "\x0c",
    "\r",
]
markup = st.lists(st.sampled_from(TAGS) | st.sampled_from(TEXTS), max_size=30).map("".join)


def bleach_path(markup: str) -> str:
    return _finish(_CLEANERS.comment.clean(escape_stray_brackets(markup)))


@FAST
@given(markup)
@example(
    '<p>Quoting: <a href="https://example.org/">a link</a></p>\n<blockquote><p>x</p></blockquote>'
)
@example('<blockquote cite="#c7"><p>he said &gt; that</p></blockquote><p>ok</p>')
def test_simple_markup_cleans_as_bleach_cleans_it(markup: str) -> None:
    assert clean_comment.__wrapped__(markup) == bleach_path(markup)


def test_simple_markup_path_is_taken_by_well_formed_comments() -> None:
    markup = (
        '<p>Read <a href="https://example.org/a">this</a>, <em>really</em>.<br>\nOK &gt; no</p>'
    )
    assert _clean_simple_markup(markup) == bleach_path(markup)
    linked = markup + "<p>see example.com</p>"  # linkify adds a plain link
    assert _clean_simple_markup(linked) == bleach_path(linked)
    assert _clean_simple_markup(markup + "<p>see x.com/?a&amp;b</p>") is None  # not plain
    assert _clean_simple_markup(markup + "<div>x</div>") is None  # not on the simple list


# Well-formed markup, built as a tree: most of it takes the simple path.
INLINE_TAGS = ["em", "strong", "b", "i", "u", "small", "sub", "cite", "q", "abbr", "a"]
LINKS = ['<a href="https://example.org/x">', '<a href="#c1">', '<a href="http://e.org/" rel="x">']
words = st.sampled_from(
    ["word", "two words", " ", "\n", "x > y", "“quoted”", "日本", "www.a.com", "R&D", "&hellip;"]
)


def _inline(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    element = st.tuples(st.sampled_from(INLINE_TAGS), st.sampled_from(LINKS), children).map(
        lambda t: (t[1] if t[0] == "a" else f"<{t[0]}>") + t[2] + f"</{t[0]}>"
    )
    line_break = st.sampled_from(["<br>", "<br />"])
    return st.lists(element | line_break | words, max_size=4).map("".join)


inline_markup = st.recursive(words, _inline, max_leaves=12)
paragraph = inline_markup.map(lambda text: f"<p>{text}</p>\n")
blocks = st.recursive(
    paragraph,
    lambda inner: st.lists(inner, min_size=1, max_size=3).map(
        lambda parts: '<blockquote cite="#c9">' + "".join(parts) + "</blockquote>\n"
    ),
    max_leaves=6,
)
documents = st.lists(blocks | paragraph, max_size=5).map("".join)


@FAST
@given(documents)
def test_well_formed_markup_cleans_as_bleach_cleans_it(markup: str) -> None:
    assert clean_comment.__wrapped__(markup) == bleach_path(markup)


# Formatting elements nested in their own kind, deeper than the parser's list of active
# formatting elements keeps (three of a kind): closed in order, the tree is as written.
steps = st.lists(st.sampled_from(["<b>", "<i>", "<em>", "<b>", "close", "x", " ", "<br>"]))


def _nested(parts: list[str]) -> str:
    out, open_tags = [], []
    for part in parts:
        if part == "close":
            if open_tags:
                out.append(f"</{open_tags.pop()}>")
        else:
            out.append(part)
            if part in {"<b>", "<i>", "<em>"}:
                open_tags.append(part[1:-1])
    return "<p>" + "".join(out) + "".join(f"</{t}>" for t in reversed(open_tags)) + "</p>"


@FAST
@given(steps.map(_nested))
@example("<p>" + "<b>" * 9 + "x" + "</b>" * 4 + "y" + "</b>" * 5 + "</p>")
def test_formatting_nested_in_its_own_kind_cleans_as_bleach_cleans_it(markup: str) -> None:
    assert _clean_simple_markup(markup) is not None
    assert clean_comment.__wrapped__(markup) == bleach_path(markup)


def test_deep_nesting_is_cleaned_by_the_simple_path() -> None:
    # Each tag costs the same whatever the depth: 10,000 deep is no harder than 500. Past
    # MAX_OPEN_ELEMENTS both paths hold start tags back (and the end tags that close them).
    shallow = "<blockquote>" * 500 + "x" + "</blockquote>" * 500
    deep = "<blockquote>" * 10_000 + "x" + "</blockquote>" * 10_000
    cut = "<blockquote>" * MAX_OPEN_ELEMENTS + "x" + "</blockquote>" * MAX_OPEN_ELEMENTS
    assert _clean_simple_markup(shallow) == bleach_path(shallow) == cut
    assert _clean_simple_markup(deep) == cut


# Markup that nests past MAX_OPEN_ELEMENTS: properly nested (the simple path takes it), or
# not (held-back tags misnested among themselves, kept elements closing among them).
DEEP_STEPS = ["<b>", "<i>", "<q>", "<blockquote>", "close", "</b>", "</i>", "x", " ", "<br>"]
PREFIX = MAX_OPEN_ELEMENTS - 3


def _deep(parts: list[str], *, nested: bool) -> str:
    out, open_tags = ["<blockquote>" * PREFIX], []
    for part in parts:
        if part == "close":
            if open_tags:
                out.append(f"</{open_tags.pop()}>")
        elif not (nested and part.startswith("</")):
            out.append(part)
            if part[1:-1] in {"b", "i", "q", "blockquote"}:
                open_tags.append(part[1:-1])
    if nested:
        out.extend(f"</{name}>" for name in reversed(open_tags))
    return "".join(out) + "</blockquote>" * PREFIX


deep_markup = st.tuples(st.lists(st.sampled_from(DEEP_STEPS), max_size=40), st.booleans()).map(
    lambda t: _deep(t[0], nested=t[1])
)


@FAST
@given(deep_markup)
@example("<b>" * (MAX_OPEN_ELEMENTS + 3) + "x</b>y" + "</b>" * (MAX_OPEN_ELEMENTS + 2))
@example("<i>" * MAX_OPEN_ELEMENTS + "<b><i>x</b></i>y" + "</i>" * MAX_OPEN_ELEMENTS)
def test_markup_past_the_limit_cleans_as_bleach_cleans_it(markup: str) -> None:
    simple = _clean_simple_markup(markup)
    if simple is not None:
        assert _finish(simple) == bleach_path(markup)
    cleaned = clean_comment.__wrapped__(markup)
    assert clean_comment.__wrapped__(cleaned) == cleaned


# Bare URLs and character references in text: linkify's links are written without bleach
# when they are plain, and everything else is left to it. Pieces of URLs, the punctuation
# linkify strips or keeps around them, and references (real, unknown, unterminated).
URL_PIECES = [
    "http://x.org/a",
    "https://example.com/page?id=12",
    "https://x.org/?a=1&b=2",
    "https://x.org/?a=1&amp;b=2",
    "http://x.org/a).",
    "(www.example.com)",
    "www.example.com",
    "WWW.Example.COM",
    "HTTPS://X.ORG",
    "http://www.x.net/a_b-c~d/e.html#top",
    "https://x.org:8080/p",
    "example.com:80",
    "www.x.org/a(b)c",
    "(http://x.org/a(b))",
    "((www.x.org",
    "http://x.org/a,",
    "http://x.org/a.,)",
    "http://x.org/'q'",
    'http://x.org/"q"',
    "http://x.org/[1]",
    "http://user@x.org/",
    "a@www.x.org",
    "me@example.com",
    "http://x.org/%20;a=b",
    "https://exämple.org/ü",
    "http://x.org/&hellip;",
    "http://x.org/&copy",
    "www.x.org&amp;",
    "ftp://x.org/",
    "mailto:me@x.org",
    "javascript:alert(1)//x.org",
    "http://x.org/>",
    "http://1.2.3.4/",
    "x.org.",
    "x.orgy",
    "a.b.c.museum",
    "localhost:8000/a",
    "http://",
    "//x.org/",
    ".org",
    "e.g.x.org",
    "www..x.org",
    "www.x.org?",
    "www.x.org/?",
    "www.x.org/a?b",
    "http://x.org#",
]
REFERENCES = [
    "&amp;",
    "&amp;amp;",
    "&hellip;",
    "&#8217;",
    "&#x2019;",
    "&#X26;",
    "&#38;",
    "&#0;",
    "&#1;",
    "&#;",
    "&#x;",
    "&notanentity;",
    "&notin;",
    "&noti",
    "&copy",
    "&copy;",
    "&lt;",
    "&gt;",
    "&quot;",
    "&",
    "R&D",
    "AT&T",
    "&&",
    "&;",
]
AROUND = [" ", "  ", "\n", "\n\n", ".", ",", ")", "(", "!", "?", ":", ";", "'", '"', "-", "/"]
AROUND += ["word", "see", "x", "日本", ">", "@", "#", ".org", "\t"]
linked_texts = st.lists(
    st.sampled_from(URL_PIECES) | st.sampled_from(REFERENCES) | st.sampled_from(AROUND),
    max_size=25,
).map("".join)
LINKS_FAST = settings(FAST, max_examples=400)


@LINKS_FAST
@given(linked_texts)
@example("see http://x.org/a). and (www.example.com), then https://x.org/?a=1&b=2")
@example("R&D &amp;amp; &notanentity; &#8217; www.x.org&hellip; https://x.org/p&#38;q")
@example("(see http://form.example.net/page) AT&T")
@example("a.org=&hellip; and www.x.org&amp;=&#8217;")
@example("Keep https://example.com/not?id=929 still small.\n\nwww.looked.com once")
def test_text_with_links_and_references_renders_as_the_full_sanitizer_renders_it(
    raw: str,
) -> None:
    assert render_wordpress_comment(raw) == full_path(raw)
    paragraph = autop(raw)
    assert clean_comment.__wrapped__(paragraph) == bleach_path(paragraph)


linked_markup = st.lists(
    st.sampled_from(TAGS) | st.sampled_from(URL_PIECES) | st.sampled_from(REFERENCES + AROUND),
    max_size=25,
).map("".join)


@LINKS_FAST
@given(linked_markup)
@example('<p>a <a href="#c1">www.x.org</a> www.y.org <em>http://z.org/a.</em></p>')
def test_markup_with_links_and_references_cleans_as_bleach_cleans_it(markup: str) -> None:
    assert clean_comment.__wrapped__(markup) == bleach_path(markup)


def test_plain_links_take_the_simple_path() -> None:
    for text in [
        "<p>see http://x.org/a). and (www.example.com), R&amp;D &hellip;</p>",
        "<p>Keep https://example.com/not?id=929 still.<br />\nAT&T</p>",
    ]:
        assert _clean_simple_markup(text) is not None
        assert _finish(_clean_simple_markup(text)) == bleach_path(text)
    # Not plain: a query with "&", a user part, a quote: left to bleach.
    for text in [
        "<p>https://x.org/?a=1&amp;b=2</p>",
        "<p>http://u@x.org/</p>",
        "<p>www.x.org/'</p>",
    ]:
        assert _clean_simple_markup(text) is None


@pytest.mark.parametrize(
    "depth", [MAX_OPEN_ELEMENTS - 12, MAX_OPEN_ELEMENTS - 1, MAX_OPEN_ELEMENTS]
)
def test_links_near_the_nesting_limit_clean_as_bleach_cleans_them(depth: int) -> None:
    markup = "<b>" * depth + "see www.x.org" + "</b>" * depth
    assert clean_comment.__wrapped__(markup) == _clean(_CLEANERS.comment, markup)
