"""Text that only looks like markup: a "<" the writer meant literally is escaped before bleach.

To an HTML parser, ``if x<y and y>z`` holds an element named "y", ``$a<b$`` one named
"b$" and ``<ada@example.org>`` one named "ada@example.org"; the sanitizer would strip all
three and the words with them. A "<" that opens no element a browser knows is text to its
writer, so it is escaped to "&lt;" and read as text. Elements that do exist but are not on
the allowlist (script, iframe, ...) are still stripped as before. Escaping only ever turns
markup into text, and bleach still reads the result: it cannot let anything new through.

The scan reads tags as the HTML tokenizer does in its data state (the only state bleach's
tokenizer is in: no allowed element holds raw text, and the elements that would are
stripped before the tree builder sees them, so it never switches):
https://html.spec.whatwg.org/multipage/parsing.html#tokenization
"""

from __future__ import annotations

import re

# Elements of HTML (with the obsolete ones parsers still know), SVG and MathML, as the
# tokenizer reads a tag's name: ASCII lower case. Nobody writes "<b$" or "<y and y>"
# meaning one of these, and markup that names one of them is treated as markup.
HTML_ELEMENTS = frozenset(
    """
    a abbr acronym address applet area article aside audio b base basefont bdi bdo bgsound
    big blink blockquote body br button canvas caption center cite code col colgroup data
    datalist dd del details dfn dialog dir div dl dt em embed fieldset figcaption figure
    font footer form frame frameset h1 h2 h3 h4 h5 h6 head header hgroup hr html i iframe
    image img input ins isindex kbd keygen label legend li link listing main map mark
    marquee menu menuitem meta meter multicol nav nextid nobr noembed noframes noscript
    object ol optgroup option output p param picture plaintext portal pre progress q rb rp
    rt rtc ruby s samp script search section select selectedcontent slot small source
    spacer span strike strong style sub summary sup table tbody td template textarea tfoot
    th thead time title tr track tt u ul var video wbr xmp
    """.split()
)
SVG_ELEMENTS = frozenset(
    """
    a altglyph altglyphdef altglyphitem animate animatecolor animatemotion animatetransform
    circle clippath color-profile cursor defs desc discard ellipse feblend fecolormatrix
    fecomponenttransfer fecomposite feconvolvematrix fediffuselighting fedisplacementmap
    fedistantlight fedropshadow feflood fefunca fefuncb fefuncg fefuncr fegaussianblur
    feimage femerge femergenode femorphology feoffset fepointlight fespecularlighting
    fespotlight fetile feturbulence filter font font-face font-face-format font-face-name
    font-face-src font-face-uri foreignobject g glyph glyphref hatch hatchpath hkern image
    line lineargradient marker mask mesh meshgradient meshpatch meshrow metadata
    missing-glyph mpath path pattern polygon polyline radialgradient rect script set
    solidcolor stop style svg switch symbol text textpath title tref tspan use view vkern
    """.split()
)
MATHML_ELEMENTS = frozenset(
    """
    annotation annotation-xml maction maligngroup malignmark math menclose merror mfenced
    mfrac mglyph mi mlabeledtr mlongdiv mmultiscripts mn mo mover mpadded mphantom
    mprescripts mroot mrow ms mscarries mscarry msgroup msline mspace msqrt msrow mstack
    mstyle msub msubsup msup mtable mtd mtext mtr munder munderover none semantics
    """.split()
)
KNOWN_ELEMENTS = HTML_ELEMENTS | SVG_ELEMENTS | MATHML_ELEMENTS

# Every "<" that could open a tag, with the name it would have ("<" alone: no name).
_TAG_OPENING = re.compile(r"</?(?:[A-Za-z][^\t\n\f\r />]*)?")
# "<", then an optional "/", then a letter: a tag, whose name runs to white space, "/" or
# ">" (the tokenizer's tag name state; "\r" is white space once the input stream has
# turned it into "\n"). Reading no further than the longest known name keeps the scan
# linear when one "<" after another is escaped ("<a<a<a<a...").
_LONGEST_NAME = max(map(len, KNOWN_ELEMENTS))
_TAG_NAME = re.compile(rf"</?([A-Za-z][^\t\n\f\r />]{{0,{_LONGEST_NAME - 1}}})(?=[\t\n\f\r />]|\Z)")
# The rest of a tag after its name, as the tokenizer's attribute states read it: a quoted
# value may hold ">", an unquoted one may not; a tag (or a quoted value) left open runs to
# the end of the text. Possessive throughout: every character is looked at once.
_TAG_REST = re.compile(
    r"""(?:[\t\n\f\r /]++
          |[^\t\n\f\r />][^\t\n\f\r />=]*+
           (?:[\t\n\f\r ]*+=[\t\n\f\r ]*+
              (?:"[^"]*+(?:"|\Z)|'[^']*+(?:'|\Z)|(?:[^\t\n\f\r >"'][^\t\n\f\r >]*+)?+)
           )?+
        )*+(?:>|\Z)""",
    re.VERBOSE,
)
# A comment ends at the first "-->" or "--!>", or at once as "<!-->" or "<!--->"; a
# doctype, a bogus comment ("<!x", "<?x") or a CDATA section outside SVG and MathML ends
# at the first ">". Either runs to the end of the text when it is not closed.
_COMMENT = re.compile(r"<!--(?:>|->|.*?--!?>|.*\Z)", re.DOTALL)
_DECLARATION = re.compile(r"<[!?][^>]*+(?:>|\Z)")


def escape_stray_brackets(markup: str) -> str:
    """Escape each "<" that opens no element a browser knows, so that it reads as text.

    Tags of known elements, comments, doctypes and "<!"/"<?" constructs are kept as they
    are; what is inside them (attribute values, comment text) is not looked at. A "<" that
    is followed by neither a letter nor "/" is text to the parser already and is kept.
    """
    if "<" not in markup or not _has_stray_bracket(markup):
        return markup
    out: list[str] = []
    position = 0  # everything before it is in out
    scan = markup.find("<")
    while scan != -1:
        end = _markup_end(markup, scan)
        if end is None:
            out.append(markup[position:scan])
            out.append("&lt;")
            position = scan + 1
            scan = markup.find("<", position)
        else:
            scan = markup.find("<", end)
    out.append(markup[position:])
    return "".join(out)


def _has_stray_bracket(markup: str) -> bool:
    """Tell whether some "<" may need escaping: most bodies name known elements only.

    Looks everywhere, attribute values and comments too: a cheap, safe over-estimate.
    """
    for opening in set(_TAG_OPENING.findall(markup)):
        if opening == "<":
            continue  # followed by neither "/" nor a letter: text already
        name = opening[2:] if opening.startswith("</") else opening[1:]
        if not _is_known(name):
            return True
    return False


def _is_known(name: str) -> bool:
    # The tokenizer lower-cases ASCII letters only.
    return name.isascii() and name.lower() in KNOWN_ELEMENTS


def _markup_end(markup: str, start: int) -> int | None:
    """Where the markup construct opened by the "<" at ``start`` ends; None if it is text.

    A "<" the parser reads as text anyway ("<3", "< b", "<<") counts as markup here: it
    needs no escaping.
    """
    following = markup[start + 1 : start + 2]
    if following == "!":
        construct = _COMMENT.match(markup, start) or _DECLARATION.match(markup, start)
        return construct.end()  # type: ignore[union-attr]  (_DECLARATION matches any "<!")
    if following == "?":
        return _DECLARATION.match(markup, start).end()  # type: ignore[union-attr]
    if not (following == "/" or (following.isascii() and following.isalpha())):
        return start + 1
    tag = _TAG_NAME.match(markup, start)
    # No match: "</" then no letter ("</>" is dropped, "</ b>" read as a bogus comment:
    # neither is markup anybody means), or a name too long to be known.
    if tag is None or not _is_known(tag.group(1)):
        return None
    return _TAG_REST.match(markup, tag.end()).end()  # type: ignore[union-attr]
