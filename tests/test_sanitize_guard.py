"""Text that only looks like markup is kept as text, read as the HTML tokenizer reads tags."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from forum.sanitize import clean_comment, clean_post, render_wordpress_comment
from forum.sanitize_guard import KNOWN_ELEMENTS, escape_stray_brackets

try:
    from html5lib._tokenizer import HTMLTokenizer
    from html5lib.constants import tokenTypes
except ImportError:  # bleach 6 ships its own copy of html5lib instead of depending on it
    from bleach._vendor.html5lib._tokenizer import HTMLTokenizer
    from bleach._vendor.html5lib.constants import tokenTypes

TAG_TOKENS = {tokenTypes["StartTag"], tokenTypes["EndTag"]}


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        pytest.param("if x<y and y>z then x<z", "if x&lt;y and y>z then x&lt;z", id="comparisons"),
        pytest.param("$a<b$", "$a&lt;b$", id="tex-name-is-b-dollar"),
        pytest.param("<ada@example.org>", "&lt;ada@example.org>", id="address"),
        pytest.param("x</y> and x</ y>", "x&lt;/y> and x&lt;/ y>", id="end-tags-of-no-element"),
        pytest.param("a</>b", "a&lt;/>b", id="empty-end-tag"),
        pytest.param("<y/>", "&lt;y/>", id="self-closing-unknown"),
        pytest.param("<a<b>x</b>", "&lt;a<b>x</b>", id="tag-inside-an-unknown-one"),
        pytest.param("<b>x</b> <B TITLE=y>", "<b>x</b> <B TITLE=y>", id="known-any-case"),
        pytest.param("<script>x</script>", "<script>x</script>", id="known-not-allowed"),
        pytest.param("<foreignObject><mglyph>", "<foreignObject><mglyph>", id="svg-and-mathml"),
        pytest.param('<a title="<y>" href=x>', '<a title="<y>" href=x>', id="attribute-values"),
        pytest.param("<a title='x>'<y>", "<a title='x>'<y>", id="quoted-gt-then-attribute"),
        pytest.param('<a title="<y>', '<a title="<y>', id="unterminated-value"),
        pytest.param("<!-- <y> --> <y>", "<!-- <y> --> &lt;y>", id="comment"),
        pytest.param("<!--> <y>", "<!--> &lt;y>", id="abrupt-comment"),
        pytest.param("<!-- a --!> <y>", "<!-- a --!> &lt;y>", id="comment-bang-close"),
        pytest.param("<!-- <y>", "<!-- <y>", id="unterminated-comment"),
        pytest.param("<!DOCTYPE y> <?y ?> <y>", "<!DOCTYPE y> <?y ?> &lt;y>", id="declarations"),
        pytest.param(
            "<![CDATA[<y>]]> <y>", "<![CDATA[<y>]]> &lt;y>", id="cdata-is-a-bogus-comment"
        ),
        pytest.param("I <3 you, a < b, <<", "I <3 you, a < b, <<", id="text-already"),
        pytest.param("<fecomponenttransferx>", "&lt;fecomponenttransferx>", id="too-long-a-name"),
        pytest.param("<di\u0307v>", "&lt;di\u0307v>", id="not-ascii"),
        pytest.param("no markup", "no markup", id="no-bracket"),
    ],
)
def test_escape_stray_brackets(raw: str, escaped: str) -> None:
    assert escape_stray_brackets(raw) == escaped
    assert escape_stray_brackets(escaped) == escaped


def _tag_names(markup: str) -> list[str]:
    return [token["name"] for token in HTMLTokenizer(markup) if token["type"] in TAG_TOKENS]


PIECES = [
    *["<", "</", "<!--", "-->", "--!>", "<!", "<?", ">", "/>", '"', "'", "=", " ", "\n", "\t"],
    *["\r", "\x0c", "/", "-", "!", "b", "y", "a", "x", "$", "@", "B", "svg", "title", "é"],
    *["<b", "<y", "</y", "</b", "<a href=", "<script", "<3", "ada@example.org", "&lt;"],
]
FAST = settings(
    max_examples=800, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@FAST
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
@example('<y title="<b>">')
@example("<y a='>'<b>")
@example("<b title='x'<y>")
@example('<y title="<!--"><b>-->')
def test_the_tokenizer_reads_only_known_elements_after_escaping(markup: str) -> None:
    """The scan reads tags, comments and declarations as the tokenizer does: after it, the
    tokenizer finds no tag of an unknown element, and only some "<" have become "&lt;"."""
    escaped = escape_stray_brackets(markup)
    assert {name for name in _tag_names(escaped)} <= KNOWN_ELEMENTS
    assert escaped.replace("&lt;", "<") == markup.replace("&lt;", "<")
    assert escape_stray_brackets(escaped) == escaped
    if all(name in KNOWN_ELEMENTS for name in _tag_names(markup)) and "</" not in markup:
        # Nothing to escape where the tokenizer sees tags; elsewhere a "<" is text already.
        assert _tag_names(escaped) == _tag_names(markup)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("<a" * 100_000, id="names-running-into-each-other"),
        pytest.param("<y " * 70_000, id="unknown-tags"),
        pytest.param('<a title="' * 40_000, id="open-attribute-values"),
        pytest.param("<!--" * 50_000, id="comment-openings"),
        pytest.param("</" * 100_000, id="end-tag-openings"),
        pytest.param("<fecomponenttransfe" * 10_000, id="long-names"),
    ],
)
def test_escaping_costs_little_on_hostile_text(body: str) -> None:
    started = time.process_time()
    escape_stray_brackets(body)
    assert time.process_time() - started < 1.0


# Through the sanitizer -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("$a<b$ and $c>d$", "<p>$a&lt;b$ and $c&gt;d$</p>", id="tex"),
        pytest.param(
            "Write to <ada@example.org> please",
            "<p>Write to &lt;ada@example.org&gt; please</p>",
            id="address",
        ),
        pytest.param("if x<y and <b>y</b>", "<p>if x&lt;y and <b>y</b></p>", id="text-then-tag"),
        pytest.param("<script>alert(1)</script>", "<p>alert(1)</p>", id="script-still-stripped"),
        pytest.param("a <iframe src=x> b", "<p>a  b</p>", id="iframe-still-stripped"),
        pytest.param("x</ b>y", "<p>x&lt;/ b&gt;y</p>", id="bogus-end-tag"),
    ],
)
def test_text_that_looks_like_a_tag_is_served_as_text(raw: str, expected: str) -> None:
    output = render_wordpress_comment(raw)
    assert output == expected
    assert clean_comment(output) == output


def test_posts_keep_text_that_looks_like_a_tag_too() -> None:
    assert clean_post("<p>x<y and y>z</p>") == "<p>x&lt;y and y&gt;z</p>"


def test_a_reference_to_an_invisible_character_is_served_as_the_character_is() -> None:
    # bleach puts "?" for a control character; for a reference to one it kept the reference,
    # which XML tools (lxml, in the quote finder) refuse.
    assert clean_comment("a\x0cb &#12; &#x1F; &#9; &#10; &#13;") == "a?b ? ? &#9; &#10; &#13;"
