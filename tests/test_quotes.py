"""quotes.py: finding what replies repeat of earlier comments, and citing it. No database."""

from __future__ import annotations

import time

import pytest

from forum.quotes import cite_quotes, find_quotes, find_thread_quotes, normalize

SOURCE = (
    "If this is the pattern across the region, perhaps the best way to respond is not to "
    "chase a very small band of hard-core operatives, but rather to defuse the tensions "
    "that give them their leverage."
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Don’t  PANIC,\n now", "dont panic now"),
        ("“Quoted” and 'quoted'", "quoted and quoted"),
        ("it's — well — it’s", "its well its"),
        ("<not a tag>", "not a tag"),
    ],
)
def test_normalize_ignores_case_space_punctuation_and_quote_marks(text, expected):
    assert normalize(text) == expected


@pytest.mark.parametrize(
    ("reply", "found"),
    [
        pytest.param(
            "<blockquote>perhaps the best way to respond is not to chase a very small band"
            "</blockquote>\n\nI agree.",
            "perhaps the best way to respond is not to chase a very small band",
            id="blockquote",
        ),
        pytest.param(
            "> the best way to respond is not to chase\n> a very small band of hard-core "
            "operatives\n\nYes.",
            "the best way to respond is not to chase a very small band of hard-core operatives",
            id="angle-lines",
        ),
        pytest.param(
            "As you say:\n\nthe best way to respond is not to chase a very small band of "
            "hard-core operatives\n\nQuite.",
            "the best way to respond is not to chase a very small band of hard-core operatives",
            id="silent-paste-mid-sentence",
        ),
        pytest.param(
            "“Perhaps the best  way to respond is not to chase a very small band”\n\nHm.",
            "“Perhaps the best way to respond is not to chase a very small band”",
            id="quote-marks-and-spacing",
        ),
        pytest.param(
            "<blockquote>the best way to respond … rather to defuse the tensions</blockquote>"
            "\n\nThat is a long elision.",
            "the best way to respond … rather to defuse the tensions",
            id="elision",
        ),
    ],
)
def test_a_reply_quotes_a_passage(reply, found):
    [quote] = find_quotes(reply, [("parent", SOURCE)])
    assert (quote.source_key, quote.text) == ("parent", found)


@pytest.mark.parametrize(
    "reply",
    [
        pytest.param("<blockquote>the best way to respond</blockquote>\n\nNo.", id="too-short"),
        pytest.param(
            "the best way to respond is not to chase a very small band of hard-core operatives",
            id="only-a-paste-is-a-repost",
        ),
        pytest.param(
            "the best way to respond is to chase every small band there is\n\nHm.",
            id="not-in-the-source",
        ),
        pytest.param(
            "<blockquote>A passage from a book, not from the thread at all, quoted "
            "here.</blockquote>\n\nNice.",
            id="quoting-elsewhere",
        ),
    ],
)
def test_no_quote_is_found(reply):
    assert find_quotes(reply, [("parent", SOURCE)]) == []


def test_candidates_are_read_only_when_a_passage_is_looked_up():
    """A reply of one paragraph and no quote cannot be credited with a quote (one pasted
    paragraph is a repost): the thread's comments need not be read for it."""
    reads = []

    def candidates():
        reads.append(1)
        return [("parent", SOURCE)]

    repost = "the best way to respond is not to chase a very small band of hard-core operatives"
    assert find_quotes(repost, candidates) == []
    assert reads == []
    [quote] = find_quotes(f"<blockquote>{repost}</blockquote>\n\nAgreed.", candidates)
    assert quote.source_key == "parent"
    assert reads == [1]


def test_a_passage_is_credited_to_the_nearest_ancestor_else_the_earliest_comment():
    passage = "the best way to respond is not to chase a very small band of hard-core operatives"
    comments = [
        ("a", None, SOURCE),
        ("b", None, f"Seconded:\n\n{passage}\n\nindeed."),
        ("b.1", "b", f"Replying to b.\n\n{passage}"),
        ("c", None, f"Late to this.\n\n{passage}"),
        ("d", None, "A comment written later, which " + SOURCE),
    ]
    found = find_thread_quotes(comments)
    assert [quote.source_key for quote in found["b"]] == ["a"]
    assert [quote.source_key for quote in found["b.1"]] == ["b"]  # an ancestor wins
    assert [quote.source_key for quote in found["c"]] == ["a"]  # else the earliest
    assert "a" not in found and "d" not in found  # nobody quotes what was written later


def test_thread_quotes_cost_grows_with_words_not_with_the_square_of_the_thread():
    words = [f"w{n}" for n in range(200_000)]
    comments: list[tuple[int, int | None, str]] = []
    for n in range(5_000):
        own = " ".join(words[n * 30 : n * 30 + 30])
        parent = n - 1 if n else None
        pasted = " ".join(words[(n - 1) * 30 + 5 : (n - 1) * 30 + 20]) if n else ""
        comments.append((n, parent, f"{pasted}\n\n{own}" if pasted else own))
    started = time.perf_counter()
    found = find_thread_quotes(comments)
    assert time.perf_counter() - started < 10  # a bound against quadratic work
    assert len(found) == 4_999
    assert all(quote.source_key == key - 1 for key, quotes in found.items() for quote in quotes)


@pytest.mark.parametrize(
    ("body", "cites", "expected"),
    [
        pytest.param(
            "<blockquote><p>a b c</p></blockquote>\n<p>mine</p>",
            {"a b c": "#c7"},
            '<blockquote cite="#c7"><p>a b c</p></blockquote>\n<p>mine</p>',
            id="blockquote-gets-cite",
        ),
        pytest.param(
            "<p>&gt; a b<br>\n&gt; c</p>\n<p>mine</p>",
            {"a b c": "#c7"},
            '<blockquote cite="#c7"><p>a b<br>\nc</p></blockquote>\n<p>mine</p>',
            id="angle-lines-become-a-blockquote",
        ),
        pytest.param(
            "<p>&gt; from somewhere else</p>",
            {},
            "<blockquote><p>from somewhere else</p></blockquote>",
            id="angle-lines-without-source",
        ),
        pytest.param(
            "<p>mine</p>\n<p>a “b” c</p>",
            {"a b c": "#c7"},
            '<p>mine</p>\n<blockquote cite="#c7"><p>a “b” c</p></blockquote>',
            id="silent-paste-wrapped",
        ),
        pytest.param("<p>a &gt; b</p>", {}, "<p>a &gt; b</p>", id="untouched"),
    ],
)
def test_cite_quotes(body, cites, expected):
    assert cite_quotes(body, cites) == expected
