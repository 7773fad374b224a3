"""Finding quotes faster finds the same quotes: the fast paths against plain references."""

from __future__ import annotations

import html
import re
from random import Random

import lxml.html
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forum.quotes import (
    _ELLIPSIS,
    _TAG,
    MIN_WORDS,
    Passage,
    _quotable,
    _text_of,
    analyze,
    cite_quotes,
    cite_simple_markup,
    find_thread_quotes,
    forget_analyses,
    normalize,
    passages,
    plain_text,
    remember_analysis,
)
from forum.sanitize import clean_comment, render_wordpress_comment

FAST = settings(
    max_examples=400, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
PIECES = [
    "the quick brown fox",
    "jumps over the lazy dog",
    "and then some more words here",
    "Don’t",
    "it's",
    "ÉCOLE",
    "日本語のテキスト",
    "3.5",
    "...",
    ". . .",
    "…",
    "[…]",
    ".",
    " ",
    "\n",
    "\n\n",
    "\r\n",
    "> ",
    ">",
    "&gt; ",
    "&amp;",
    "\u00a0",
    "<p>",
    "</p>",
    "<br>",
    "<blockquote>",
    "</blockquote>",
    "<em>",
    "</em>",
    "<!-- note -->",
]
bodies = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)


def reference_passages(body: str) -> tuple[list[Passage], list[Passage]]:
    """passages() as first written: every line looked at, every part split at elisions."""
    import lxml.html

    explicit: list[Passage] = []
    if _TAG.search(body):
        root = lxml.html.fragment_fromstring(body, create_parent="div")
        for quote in list(root.iter("blockquote")):
            if any(parent.tag == "blockquote" for parent in quote.iterancestors()):
                continue
            explicit.append(reference_passage(_text_of(quote), explicit=True))
            quote.drop_tree()
        text = _text_of(root)
    else:
        text = html.unescape(body)
    angle = re.compile(r"^(\s*)(?:>|&gt;) ?")
    paragraphs: list[Passage] = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        own: list[str] = []
        quoted: list[str] = []
        for line in block.split("\n"):
            if angle.match(line):
                quoted.append(angle.sub(r"\1", line, count=1))
                continue
            if quoted:
                explicit.append(reference_passage("\n".join(quoted), explicit=True))
                quoted = []
            own.append(line)
        if quoted:
            explicit.append(reference_passage("\n".join(quoted), explicit=True))
        if any(line.strip() for line in own):
            paragraphs.append(reference_passage("\n".join(own), explicit=False))
    return [p for p in explicit if p.size], paragraphs


def reference_passage(text: str, *, explicit: bool) -> Passage:
    parts = tuple(reference_normalize(part) for part in _ELLIPSIS.split(text))
    return Passage(" ".join(text.split()), tuple(part for part in parts if part), explicit)


def reference_normalize(text: str) -> str:
    marks = dict.fromkeys(map(ord, "'\"‘’‚‛“”„‟′″`´ʼ«»‹›"), None)
    return " ".join(re.findall(r"\w+", text.casefold().translate(marks)))


@FAST
@given(st.text(max_size=60) | bodies)
def test_normalize_of_ascii_text_matches_the_regular_expression(text: str) -> None:
    assert normalize(text) == reference_normalize(text)


@FAST
@given(bodies)
def test_passages_match_the_line_by_line_reading(body: str) -> None:
    assert passages(body) == reference_passages(body)


@FAST
@given(bodies)
def test_analysis_reads_a_body_as_the_separate_functions_do(body: str) -> None:
    analysis = analyze(body)
    assert analysis.words == normalize(plain_text(body))
    assert (analysis.explicit, analysis.paragraphs) == passages(body)
    assert analysis.may_quote == (len(re.findall(r"\w+", body)) >= MIN_WORDS)


def test_analyses_made_ahead_change_no_quote() -> None:
    parent = "The committee met on Tuesday and agreed to repaint the old station bridge."
    thread = [
        ("1", None, parent),
        (
            "2",
            "1",
            "<blockquote>met on Tuesday and agreed to repaint the old station bridge</blockquote>"
            "Good news, if they really do it this time.",
        ),
        (
            "3",
            "2",
            "> the committee met on Tuesday and agreed to repaint\n\nI was there, as it happens.",
        ),
        (
            "4",
            None,
            "The committee met on Tuesday and agreed to repaint the old station bridge.\n\n"
            "Said so in the paper, too.",
        ),
    ]
    expected = find_thread_quotes(thread)
    assert expected
    # As made here, and made where str hashes differ.
    made_ahead = [
        analyze,
        lambda body: analyze(body)._replace(seed=analyze(body).seed + 1, shingles=b"", lookups=()),
    ]
    for make in made_ahead:
        for _key, _parent, body in thread:
            remember_analysis(body, make(body))
        try:
            assert find_thread_quotes(thread) == expected
        finally:
            forget_analyses()


MARKUP = [
    "the quick brown fox jumps",
    "over the lazy dog again",
    " ",
    "\n",
    "\n\n",
    "Σίσυφος",
    "😂",
    "\u00a0",
    "&amp;",
    "&hellip;",
    "> ",
    "<em>",
    "</em>",
    "<code>x</code>",
    "<br>",
    "<blockquote>",
    "</blockquote>",
    '<blockquote cite="#c3">',
    '<a href="https://ok.example.com/x">link</a>',
    '<a href="https://例え.jp/">link</a>',
    '<abbr title="a>b">ab</abbr>',
    "https://example.com/q?id=3",
    "<ul>\n<li>one</li>\n</ul>",
    "<pre>p</pre>",
    "<hr>",
    "<li>",
]
sanitized = st.lists(st.sampled_from(MARKUP), max_size=12).map(
    lambda pieces: render_wordpress_comment("".join(pieces))
)


@FAST
@given(sanitized, st.randoms(use_true_random=False))
def test_simple_markup_is_cited_as_parsing_and_sanitizing_again_would(
    body_html: str, random: Random
) -> None:
    root = lxml.html.fragment_fromstring(body_html or "<p></p>", create_parent="div")
    cites = {
        normalize(element.text_content()): f"#c{random.randrange(9)}"
        for element in _quotable(root)
        if random.random() < 0.6
    }
    fast = cite_simple_markup(body_html, cites)
    if fast is not None:
        cited = cite_quotes(body_html, cites)
        assert fast == (body_html if cited == body_html else clean_comment(cited))


def test_simple_markup_takes_the_fast_path_and_the_rest_does_not() -> None:
    body = "<blockquote><p>the committee met on tuesday</p></blockquote>\n<p>Good <em>news</em></p>"
    cites = {"the committee met on tuesday": "#c1", "good news": "#c2"}
    assert cite_simple_markup(body, cites) == (
        '<blockquote cite="#c1"><p>the committee met on tuesday</p></blockquote>\n'
        '<blockquote cite="#c2"><p>Good <em>news</em></p></blockquote>'
    )
    assert cite_simple_markup("<p>R&amp;D</p>", {"r d": "#c1"}) is None
    assert cite_simple_markup("<ul>\n<li>one</li>\n</ul>", {}) is None
