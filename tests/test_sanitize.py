"""The HTML policy, tested by what a browser would build from the output.

Every hostile input goes through both renderers; the output is parsed again with a real
HTML5 parser (html5lib, the parser bleach itself uses) and the resulting tree is checked,
so the tests judge the markup a reader's browser sees, not the sanitizer's string.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from xml.etree.ElementTree import Element

import pytest

from forum.sanitize import (
    MAX_OPEN_ELEMENTS,
    autop,
    clean_comment,
    clean_post,
    render_wordpress_comment,
    render_wordpress_post,
    text_to_html,
)

try:
    import html5lib
except ImportError:  # bleach 6 ships its own copy of html5lib instead of depending on it
    from bleach._vendor import html5lib

LINK_REL = "nofollow ugc noopener"

FORBIDDEN_ELEMENTS = frozenset(
    {
        "script",
        "iframe",
        "object",
        "embed",
        "form",
        "button",
        "meta",
        "base",
        "link",
        "style",
        "svg",
        "math",
        "template",
        "noscript",
        "textarea",
        "input",
        # Also raw-text and legacy elements that change how what follows them is parsed.
        "xmp",
        "noembed",
        "noframes",
        "plaintext",
        "title",
        "select",
        "frame",
        "frameset",
        "applet",
        "isindex",
        "body",
        "html",
        "head",
    }
)
FORBIDDEN_ATTRIBUTES = frozenset({"style", "srcdoc", "formaction"})
URL_ATTRIBUTES = frozenset(
    {"href", "src", "cite", "action", "formaction", "data", "background", "poster"}
)
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:")
# A browser drops ASCII whitespace and control characters from URLs before it reads the
# scheme (tab and newline anywhere, the rest at the ends); dropping them everywhere is stricter.
_URL_NOISE = re.compile(r"[\x00-\x20\x7f]+")

HOSTILE = [
    # Script elements, however they are spelled.
    pytest.param("<script>alert(1)</script>", id="script-plain"),
    pytest.param("<SCRIPT >alert(1)</SCRIPT >", id="script-uppercase-spaced"),
    pytest.param("<ScRiPt SrC=//evil.example/x.js></sCrIpT>", id="script-mixed-case-src"),
    pytest.param("<scr<script>ipt>alert(1)</script>", id="script-split-by-script"),
    pytest.param("<<script>script>alert(1)<</script>/script>", id="script-doubled-brackets"),
    pytest.param("<scri\x00pt>alert(1)</scri\x00pt>", id="script-null-byte-in-name"),
    pytest.param(
        '<a href="http://ok.example">a</a ><script >alert(1)</script >',
        id="script-after-link",
    ),
    # Event handlers.
    pytest.param("<img src=x onerror=alert(1)>", id="img-onerror"),
    pytest.param('<img src="x" alt="x" onerror = "alert(1)" >', id="img-onerror-spaced"),
    pytest.param("<img/src=x/onerror=alert(1)>", id="img-slash-separated"),
    pytest.param("<img src=`x`onerror=alert(1)>", id="img-backtick-quoting"),
    pytest.param('<img src="http://ok.example/x.png" onload="alert(1)">', id="img-onload"),
    pytest.param("<svg onload=alert(1)>", id="svg-onload"),
    pytest.param("<body onload=alert(1)>", id="body-onload"),
    pytest.param(
        '<a href="http://ok.example" onclick="alert(1)" ONMOUSEOVER="alert(2)">x</a>',
        id="a-onclick-uppercase-onmouseover",
    ),
    pytest.param(
        '<a href="http://ok.example"\nonmouseover="alert(1)">x</a>',
        id="a-handler-after-newline",
    ),
    pytest.param('<div/onmouseover="alert(1)">x</div>', id="div-onmouseover"),
    pytest.param(
        "<details open ontoggle=alert(1)><summary>x</summary></details>",
        id="details-ontoggle",
    ),
    pytest.param('<video><source onerror="alert(1)"></video>', id="video-source-onerror"),
    pytest.param('<a href="#c1" onclick="alert(1)">x</a>', id="fragment-link-onclick"),
    # Dangerous URL schemes and their disguises.
    pytest.param('<a href="javascript:alert(1)">x</a>', id="href-javascript"),
    pytest.param('<a href="JaVaScRiPt:alert(1)">x</a>', id="href-javascript-mixed-case"),
    pytest.param("<a href=javascript:alert(1)>x</a>", id="href-javascript-unquoted"),
    pytest.param('<a href="&#106;avascript:alert(1)">x</a>', id="href-decimal-entity"),
    pytest.param('<a href="&#x6A;avascript:alert(1)">x</a>', id="href-hex-entity"),
    pytest.param(
        '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114'
        '&#0000105&#0000112&#0000116&#0000058alert(1)">x</a>',
        id="href-padded-entities-without-semicolons",
    ),
    pytest.param('<a href="javascript&#58;alert(1)">x</a>', id="href-colon-as-entity"),
    pytest.param('<a href="javascript&colon;alert(1)">x</a>', id="href-colon-named-entity"),
    pytest.param('<a href="java\tscript:alert(1)">x</a>', id="href-tab-in-scheme"),
    pytest.param('<a href="jav&#x09;ascript:alert(1)">x</a>', id="href-tab-entity-in-scheme"),
    pytest.param('<a href="javas&Tab;cript:alert(1)">x</a>', id="href-named-tab-in-scheme"),
    pytest.param('<a href="java\nscript:alert(1)">x</a>', id="href-newline-in-scheme"),
    pytest.param('<a href="java&#13;script:alert(1)">x</a>', id="href-carriage-return-entity"),
    pytest.param('<a href="java\x00script:alert(1)">x</a>', id="href-null-byte-in-scheme"),
    pytest.param('<a href="ja&#x00;vascript:alert(1)">x</a>', id="href-null-entity-in-scheme"),
    pytest.param('<a href="   javascript:alert(1)">x</a>', id="href-leading-spaces"),
    pytest.param('<a href="\x01javascript:alert(1)">x</a>', id="href-leading-control-char"),
    pytest.param('<a href="&#x0B;javascript:alert(1)">x</a>', id="href-leading-vtab-entity"),
    pytest.param('<a href="vbscript:msgbox(1)">x</a>', id="href-vbscript"),
    pytest.param('<a href="data:text/html,<script>alert(1)</script>">x</a>', id="href-data-html"),
    pytest.param(
        '<a href="javascript:alert(1)"href="http://ok.example">x</a>',
        id="href-duplicated-bad-first",
    ),
    pytest.param('<a title="x" href= "javascript:alert(1)" >y</a>', id="href-space-before-value"),
    pytest.param('<img src="JaVaScRiPt:alert(1)">', id="img-src-javascript"),
    pytest.param('<img src=" &#14; javascript:alert(1)">', id="img-src-control-entity"),
    pytest.param('<img src="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=">', id="img-src-data-svg"),
    pytest.param(
        '<blockquote cite="javascript:alert(1)">q</blockquote>',
        id="blockquote-cite-javascript",
    ),
    pytest.param('<q cite="vbscript:msgbox(1)">q</q>', id="q-cite-vbscript"),
    pytest.param(
        '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
        id="table-background",
    ),
    # Embedding, forms and document-level elements.
    pytest.param('<iframe src="http://evil.example"></iframe>', id="iframe"),
    pytest.param('<iframe srcdoc="<script>alert(1)</script>"></iframe>', id="iframe-srcdoc"),
    pytest.param(
        '<iframe src="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="></iframe>',
        id="iframe-data-url",
    ),
    pytest.param('<object data="javascript:alert(1)"></object>', id="object-data"),
    pytest.param('<embed src="javascript:alert(1)">', id="embed-src"),
    pytest.param('<form action="javascript:alert(1)"><input type=submit></form>', id="form-action"),
    pytest.param('<button formaction="javascript:alert(1)">x</button>', id="button-formaction"),
    pytest.param('<isindex action="javascript:alert(1)" type=image>', id="isindex-action"),
    pytest.param(
        '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">', id="meta-refresh"
    ),
    pytest.param('<base href="javascript:alert(1)//">', id="base-href"),
    pytest.param('<link rel=stylesheet href="javascript:alert(1)">', id="link-stylesheet"),
    # CSS.
    pytest.param("<style>body{background:url(javascript:alert(1))}</style>", id="style-block"),
    pytest.param("<style><img src=x onerror=alert(1)></style>", id="style-hiding-img"),
    pytest.param('<div style="width:expression(alert(1))">x</div>', id="style-expression"),
    pytest.param('<p style="x:expression(alert(1))">x</p>', id="style-expression-on-p"),
    pytest.param(
        '<a style="background:url(javascript:alert(1))" href="http://ok.example">x</a>',
        id="style-url-javascript",
    ),
    # SVG and MathML.
    pytest.param("<svg><script>alert(1)</script></svg>", id="svg-script"),
    pytest.param(
        '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
        id="svg-xlink-href",
    ),
    pytest.param('<svg><a href="javascript:alert(1)"><text>x</text></a></svg>', id="svg-a-href"),
    pytest.param(
        '<svg><animate attributeName="href" to="javascript:alert(1)"/></svg>', id="svg-animate-href"
    ),
    pytest.param("<svg><style><img src=x onerror=alert(1)></style></svg>", id="svg-style-img"),
    pytest.param('<math href="javascript:alert(1)">x</math>', id="math-href"),
    pytest.param(
        '<math><maction actiontype="statusline" xlink:href="javascript:alert(1)">x</maction>'
        "</math>",
        id="math-maction-xlink",
    ),
    pytest.param("<math><style><img src=x onerror=alert(1)></style></math>", id="math-style-img"),
    # Mutation XSS: markup that re-parses differently once serialised.
    pytest.param(
        '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
        id="mxss-noscript-title",
    ),
    pytest.param(
        "<noscript><style></noscript><img src=x onerror=alert(1)>",
        id="mxss-noscript-style",
    ),
    pytest.param("<textarea></textarea><img src=x onerror=alert(1)>", id="mxss-textarea-closed"),
    pytest.param("<textarea><img src=x onerror=alert(1)></textarea>", id="mxss-textarea-content"),
    pytest.param("<template><script>alert(1)</script></template>", id="mxss-template-script"),
    pytest.param("<template><img src=x onerror=alert(1)></template>", id="mxss-template-img"),
    pytest.param(
        '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">', id="mxss-svg-p-style"
    ),
    pytest.param(
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>", id="mxss-math-mglyph"
    ),
    pytest.param(
        "<math><mi><mglyph><svg><mtext><textarea>"
        '<path id="</textarea><img onerror=alert(1) src=1>">',
        id="mxss-math-svg-textarea",
    ),
    pytest.param(
        "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
        id="mxss-nested-forms",
    ),
    pytest.param(
        "<select><template><style><img src=x onerror=alert(1)></style></template></select>",
        id="mxss-select-template",
    ),
    pytest.param("<xmp><img src=x onerror=alert(1)></xmp>", id="rawtext-xmp"),
    pytest.param("<noembed><img src=x onerror=alert(1)></noembed>", id="rawtext-noembed"),
    pytest.param("<title><img src=x onerror=alert(1)></title>", id="rawtext-title"),
    pytest.param("<plaintext><img src=x onerror=alert(1)>", id="rawtext-plaintext"),
    # Comments and CDATA hiding markup.
    pytest.param("<!--<img src=x onerror=alert(1)>-->", id="comment-hiding-img"),
    pytest.param("<!--><img src=x onerror=alert(1)>-->", id="comment-abruptly-closed"),
    pytest.param("<!-- --!><img src=x onerror=alert(1)>-->", id="comment-bang-close"),
    pytest.param("<![CDATA[><img src=x onerror=alert(1)>]]>", id="cdata-outside-foreign"),
    pytest.param('<a href="http://ok.example">x</a><!--', id="comment-unclosed"),
    # Unclosed tags and broken quoting.
    pytest.param('<a href="javascript:alert(1)">x', id="unclosed-a"),
    pytest.param('<a href="javascript:alert(1)', id="unterminated-attribute"),
    pytest.param("<img src=x onerror=alert(1)//", id="unterminated-img"),
    pytest.param(
        '<a href="http://ok.example" title=\'a"b\' onclick=alert(1)>x</a>', id="mixed-quotes"
    ),
    pytest.param(
        '<a href="http://ok.example" title="a>b" onclick="alert(1)">x</a>',
        id="gt-in-quoted-value",
    ),
    pytest.param('<img src="x" alt="a\nb" onerror="alert(1)">', id="newline-in-attribute"),
    pytest.param('http://example.org/"onmouseover="alert(1)', id="bare-url-with-quote-breakout"),
    pytest.param(
        "see data:text.com/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg== here",
        id="bare-data-url-in-text",
    ),
]

RENDERERS = [
    pytest.param(render_wordpress_comment, id="comment"),
    pytest.param(render_wordpress_post, id="post"),
]


def _elements(output: str) -> Iterator[Element]:
    """Every element a browser builds from the output, with scripting on and off.

    With scripting on, a browser reads <noscript> content as raw text; html5lib defaults to
    scripting off. Parsing both ways catches markup that means different things in each.
    """
    parser = html5lib.HTMLParser(namespaceHTMLElements=False)
    for scripting in (False, True):
        fragment = parser.parseFragment(output, scripting=scripting)
        yield from fragment.iter()


def _local(name: str) -> str:
    """Drop an SVG/MathML/XLink namespace: '{http://www.w3.org/2000/svg}svg' -> 'svg'."""
    return name.rsplit("}", 1)[-1].lower()


def _unsafe_parts(output: str) -> list[str]:
    """Describe everything in the output's parsed tree that could run script."""
    problems: list[str] = []
    for element in _elements(output):
        if not isinstance(element.tag, str):  # a comment node
            problems.append(f"comment node {element.text!r}")
            continue
        tag = _local(element.tag)
        if tag == "document_fragment":
            continue
        if tag in FORBIDDEN_ELEMENTS:
            problems.append(f"element <{tag}>")
        for raw_name, value in element.attrib.items():
            name = _local(raw_name)
            if name.startswith("on"):
                problems.append(f"event handler {name}= on <{tag}>")
            if name in FORBIDDEN_ATTRIBUTES:
                problems.append(f"attribute {name}= on <{tag}>")
            if name in URL_ATTRIBUTES:
                url = _URL_NOISE.sub("", value).lower()
                if url.startswith(DANGEROUS_SCHEMES):
                    problems.append(f"{name}={value!r} on <{tag}>")
    return problems


# Hostile input ----------------------------------------------------------------------------


@pytest.mark.parametrize("raw", HOSTILE)
@pytest.mark.parametrize("render", RENDERERS)
def test_hostile_input_renders_to_markup_that_cannot_run_script(
    render: Callable[[str], str], raw: str
) -> None:
    output = render(raw)
    assert _unsafe_parts(output) == [], output


@pytest.mark.parametrize("raw", HOSTILE)
def test_cleaning_a_rendered_comment_again_changes_nothing(raw: str) -> None:
    output = render_wordpress_comment(raw)
    assert clean_comment(output) == output


@pytest.mark.parametrize("raw", HOSTILE)
def test_cleaning_a_rendered_post_again_changes_nothing(raw: str) -> None:
    output = render_wordpress_post(raw)
    assert clean_post(output) == output


def test_table_has_at_least_forty_hostile_cases() -> None:
    assert len(HOSTILE) >= 40


def test_checker_flags_what_it_must_reject() -> None:
    # The tree check is only worth something if it would fail on unsafe markup.
    assert _unsafe_parts("<script>alert(1)</script>")
    assert _unsafe_parts("<img src=x onerror=alert(1)>")
    assert _unsafe_parts('<a href=" JAVA\tSCRIPT:alert(1)">x</a>')
    assert _unsafe_parts('<a href="&#x6A;avascript:alert(1)">x</a>')
    assert _unsafe_parts('<svg><a xlink:href="data:text/html,x">x</a></svg>')
    assert _unsafe_parts('<p style="color:red">x</p>')
    assert _unsafe_parts('<noscript><p title="</noscript><img src=x onerror=alert(1)>">')
    assert _unsafe_parts("<!-- hidden -->")
    assert _unsafe_parts('<p><a href="https://ok.example">ok</a></p>') == []


# Benign input that looks like markup --------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("I <3 this", "<p>I &lt;3 this</p>", id="heart"),
        pytest.param("a < b > c", "<p>a &lt; b &gt; c</p>", id="spaced-comparisons"),
        pytest.param(
            "if x < y and y > z",
            "<p>if x &lt; y and y &gt; z</p>",
            id="spaced-inequalities",
        ),
        # To an HTML parser "<y and y>" is a tag (of an element "y"); no such element
        # exists, so the writer meant text, and the "<" is kept as text.
        pytest.param(
            "if x<y and y>z",
            "<p>if x&lt;y and y&gt;z</p>",
            id="unspaced-inequalities-kept-as-text",
        ),
        pytest.param("Tom & Jerry", "<p>Tom &amp; Jerry</p>", id="bare-ampersand"),
        pytest.param("<code>a && b</code>", "<p><code>a &amp;&amp; b</code></p>", id="code-kept"),
        pytest.param("party 🎉 time", "<p>party 🎉 time</p>", id="emoji"),
        pytest.param("שלום עולם", "<p>שלום עולם</p>", id="hebrew-rtl"),
        pytest.param("مرحبا بالعالم", "<p>مرحبا بالعالم</p>", id="arabic-rtl"),
        pytest.param("日本語のテキスト、中文。", "<p>日本語のテキスト、中文。</p>", id="cjk"),
        pytest.param(r"C:\Users\bob\file.txt", r"<p>C:\Users\bob\file.txt</p>", id="windows-path"),
        pytest.param("\"quoted\" 'single'", "<p>\"quoted\" 'single'</p>", id="quotes"),
        pytest.param(
            "<em>e</em> and <strong>s</strong>",
            "<p><em>e</em> and <strong>s</strong></p>",
            id="em-strong-kept",
        ),
        pytest.param(
            "<blockquote>quoted</blockquote>\nreply",
            "<blockquote><p>quoted</p></blockquote>\n<p>reply</p>",
            id="blockquote-kept",
        ),
        pytest.param(
            '<blockquote cite="#c12">earlier</blockquote>',
            '<blockquote cite="#c12"><p>earlier</p></blockquote>',
            id="blockquote-fragment-cite-kept",
        ),
        pytest.param(
            '<a href="#c12">earlier</a>',
            '<p><a href="#c12">earlier</a></p>',
            id="fragment-link-kept-without-rel",
        ),
        pytest.param(
            '<a href="https://example.org/s?q=a&b=c">search</a>',
            f'<p><a href="https://example.org/s?q=a&amp;b=c" rel="{LINK_REL}">search</a></p>',
            id="link-with-query-string",
        ),
        pytest.param(
            '<a href="https://example.org" rel="opener" target="_blank">x</a>',
            f'<p><a href="https://example.org" rel="{LINK_REL}">x</a></p>',
            id="link-rel-replaced",
        ),
        pytest.param(
            '<a href="mailto:a@example.org">a</a>',
            f'<p><a href="mailto:a@example.org" rel="{LINK_REL}">a</a></p>',
            id="mailto-link",
        ),
        pytest.param(
            "see https://example.org/page for more",
            f'<p>see <a href="https://example.org/page" rel="{LINK_REL}">'
            "https://example.org/page</a> for more</p>",
            id="bare-url-linkified",
        ),
        pytest.param(
            "see https://example.org/s?q=a&b=c ok",
            f'<p>see <a href="https://example.org/s?q=a&amp;b=c" rel="{LINK_REL}">'
            "https://example.org/s?q=a&amp;b=c</a> ok</p>",
            id="bare-url-with-query-linkified",
        ),
        pytest.param(
            "<pre>http://example.org</pre>",
            "<pre>http://example.org</pre>",
            id="url-in-pre-not-linkified",
        ),
    ],
)
def test_benign_comment_renders_exactly(raw: str, expected: str) -> None:
    assert render_wordpress_comment(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("I <3 this", "<p>I &lt;3 this</p>", id="heart"),
        pytest.param("<code>a && b</code>", "<p><code>a &amp;&amp; b</code></p>", id="code-kept"),
        pytest.param("party 🎉 time", "<p>party 🎉 time</p>", id="emoji"),
        pytest.param(
            '<a href="https://example.org/s?q=a&b=c">search</a>',
            f'<p><a href="https://example.org/s?q=a&amp;b=c" rel="{LINK_REL}">search</a></p>',
            id="link-with-query-string",
        ),
        pytest.param(
            "see https://example.org/page",
            "<p>see https://example.org/page</p>",
            id="bare-url-not-linkified-in-posts",
        ),
        pytest.param("<h1>Title</h1>", "<h1>Title</h1>", id="heading-kept"),
        pytest.param(
            '<img src="https://example.org/a.png" alt="A">',
            '<p><img src="https://example.org/a.png" alt="A"></p>',
            id="image-kept",
        ),
        pytest.param(
            '<table><tr><td colspan="2">x</td></tr></table>',
            '<table>\n<tbody><tr>\n<td colspan="2">x</td>\n</tr>\n</tbody></table>',
            id="table-kept",
        ),
        pytest.param('<div class="x" id="y">z</div>', "<div>z</div>", id="class-and-id-dropped"),
    ],
)
def test_benign_post_renders_exactly(raw: str, expected: str) -> None:
    assert render_wordpress_post(raw) == expected


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        pytest.param("www.example.org", 'href="http://www.example.org"', id="www-gets-scheme"),
        pytest.param("www.example.org", f'rel="{LINK_REL}"', id="www-gets-rel"),
        pytest.param('<q cite="#c3">said</q>', '<q cite="#c3">said</q>', id="q-fragment-cite"),
        pytest.param('<ol start="3"><li>c</li></ol>', '<ol start="3">', id="ol-start"),
        pytest.param(
            '<abbr title="HyperText">HTML</abbr>',
            '<abbr title="HyperText">HTML</abbr>',
            id="abbr-title",
        ),
    ],
)
def test_benign_comment_output_contains(raw: str, fragment: str) -> None:
    assert fragment in render_wordpress_comment(raw)


def test_benign_rtl_and_cjk_text_pass_through_unchanged_in_posts() -> None:
    text = "שלום مرحبا 日本語 🎉"
    assert render_wordpress_post(text) == f"<p>{text}</p>"


# autop ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("a\n\nb", "<p>a</p>\n<p>b</p>", id="blank-line-makes-two-paragraphs"),
        pytest.param("a\r\n\r\nb", "<p>a</p>\n<p>b</p>", id="windows-line-endings"),
        pytest.param("a\n\n\n\nb", "<p>a</p>\n<p>b</p>", id="several-blank-lines"),
        pytest.param("a\nb", "<p>a<br />\nb</p>", id="single-newline-makes-br"),
        pytest.param("<pre>x\n\ny</pre>", "<pre>x\n\ny</pre>", id="pre-alone-untouched"),
        pytest.param(
            "before\n\n<pre>x\n\n\ny</pre>\n\nafter",
            "<p>before</p>\n<pre>x\n\n\ny</pre>\n<p>after</p>",
            id="pre-keeps-blank-lines",
        ),
        pytest.param(
            "intro\n\n<blockquote>q</blockquote>\n\nout",
            "<p>intro</p>\n<blockquote><p>q</p></blockquote>\n<p>out</p>",
            id="blockquote-gets-paragraph-inside",
        ),
        pytest.param(
            "<blockquote>q\n\nr</blockquote>",
            "<blockquote><p>q</p>\n<p>r</p></blockquote>",
            id="blockquote-with-two-paragraphs",
        ),
        pytest.param(
            "<ul>\n<li>a</li>\n<li>b</li>\n</ul>",
            "<ul>\n<li>a</li>\n<li>b</li>\n</ul>",
            id="list-not-wrapped",
        ),
        pytest.param("", "", id="empty"),
        pytest.param("   \n\t\n ", "", id="whitespace-only"),
    ],
)
def test_autop(raw: str, expected: str) -> None:
    assert autop(raw) == expected


def test_autop_never_wraps_a_blockquote_in_a_paragraph() -> None:
    output = autop("Some text\n<blockquote>quoted\nlines</blockquote>\nmore text")
    assert "<p><blockquote" not in output
    assert "</blockquote></p>" not in output
    assert "<blockquote>" in output


def test_autop_leaves_pre_content_byte_for_byte() -> None:
    code = "<pre>def f():\n\n    return 1\n\n\n# end</pre>"
    output = autop(f"Look:\n\n{code}\n\nDone.")
    assert code in output
    assert "<br" not in output.split("<pre>")[1].split("</pre>")[0]


# Block-editor posts -------------------------------------------------------------------------

BLOCK_POST = (
    "<!-- wp:paragraph -->\n<p>One</p>\n<!-- /wp:paragraph -->\n\n"
    "<!-- wp:paragraph -->\n<p>Two\nlines</p>\n<!-- /wp:paragraph -->"
)


def test_block_editor_post_is_not_autopd() -> None:
    output = render_wordpress_post(BLOCK_POST)
    assert "<p><p>" not in output
    assert "</p></p>" not in output
    assert output.count("<p>") == 2
    assert "<br" not in output  # the newline inside the second paragraph stays a newline


def test_block_editor_markers_are_removed_from_output() -> None:
    output = render_wordpress_post(BLOCK_POST)
    assert "wp:" not in output
    assert "<!--" not in output
    assert output == "<p>One</p>\n\n\n\n<p>Two\nlines</p>"


def test_classic_post_is_autopd() -> None:
    assert render_wordpress_post("One\n\nTwo") == "<p>One</p>\n<p>Two</p>"


# text_to_html -----------------------------------------------------------------------------


def test_text_to_html_escapes_markup() -> None:
    output = text_to_html("<b>hi</b>")
    assert "&lt;b&gt;" in output
    assert "<b>" not in output


def test_text_to_html_makes_paragraphs_and_escapes_ampersands() -> None:
    assert text_to_html("<b>hi</b>\n\nx & y") == "<p>&lt;b&gt;hi&lt;/b&gt;</p>\n<p>x &amp; y</p>"


def test_text_to_html_of_a_script_builds_no_element() -> None:
    output = text_to_html('<script>alert(1)</script>\n<img src=x onerror="alert(1)">')
    assert _unsafe_parts(output) == []
    assert {_local(e.tag) for e in _elements(output) if isinstance(e.tag, str)} <= {
        "document_fragment",
        "p",
        "br",
    }


# Deep nesting -----------------------------------------------------------------------------

_TAG = re.compile(r"<(/?)([a-z0-9]+)")
_VOID = frozenset({"br", "hr", "img"})


def _nesting(html: str) -> int:
    depth = deepest = 0
    for closing, name in _TAG.findall(html):
        if closing:
            depth -= 1
        elif name not in _VOID:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


DEEP_BODIES = [
    pytest.param("<i><u>" * 5_000 + "deep words", id="unclosed-formatting"),
    pytest.param("<ul><u>" * 3_000 + "deep words", id="lists-in-underline"),
    pytest.param("<b><ul>" * 3_000 + "deep words", id="lists-in-bold"),
    pytest.param("<blockquote>" * 3_000 + "deep words" + "</blockquote>" * 3_000, id="quotes"),
    pytest.param(
        "<p>" + "".join(f'<b title="{n}">' for n in range(150)) + "</p><p>deep words",
        id="formatting-reconstructed-past-the-limit",
    ),
    pytest.param("<table><td>" * 2_000 + "deep words", id="tables"),
    pytest.param("<li><q>x" * 3_000 + "deep words", id="items-in-quotes"),
]


@pytest.mark.parametrize("raw", DEEP_BODIES)
@pytest.mark.parametrize("render", RENDERERS)
def test_deep_markup_is_cut_at_the_limit_and_keeps_its_words(
    render: Callable[[str], str], raw: str
) -> None:
    output = render(raw)
    assert "deep words" in output
    assert _nesting(output) <= MAX_OPEN_ELEMENTS
    clean = clean_comment if render is render_wordpress_comment else clean_post
    assert clean(output) == output


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("<i><u>" * 50_000, id="unclosed-formatting"),
        pytest.param("<ul><u>" * 20_000, id="lists-in-underline"),
        pytest.param("<a><p>" * 10_000, id="links-and-paragraphs"),
        pytest.param("<li><b>x</b></li>" * 20_000, id="many-items"),
    ],
)
def test_large_bodies_cost_time_in_proportion_to_their_length(raw: str) -> None:
    """Imported bodies have no length limit: nothing may be quadratic in nesting or in how
    many children an element has (before, each took from ten seconds to minutes)."""
    clean_comment.cache_clear()
    started = time.process_time()
    output = render_wordpress_comment(raw)
    assert time.process_time() - started < 10
    assert _nesting(output) <= MAX_OPEN_ELEMENTS


def test_threads_sanitizing_at_once_get_what_one_thread_gets():
    """App servers run threads: a cleaner shared between them would mix their parses."""
    bodies = [
        f"<p>Reply {n}: <b>bold <i>and</i></b> http://example.org/{n} "
        f"<a href='https://x.example/{n}' onclick='x()'>link</a><ul><li>{n}</ul></p>" * (1 + n % 7)
        for n in range(300)
    ]
    uncached = clean_comment.__wrapped__
    expected = [uncached(body) for body in bodies]
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(3):
            assert list(pool.map(uncached, bodies)) == expected
