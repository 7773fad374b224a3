"""What a browser would build from served HTML, checked for anything that can run script.

Output is parsed again, then every element and attribute of the tree is walked. Two
strictnesses:

- ``fragment``: a sanitized body (``body_html``), parsed with a real HTML5 parser (html5lib,
  the parser bleach uses; bleach vendors it when the package is absent) in the context a
  page puts it in: only the comment allowlist, no URL but http(s), mailto and relative ones.
- ``page``: a whole page of the app, parsed with lxml (libxml2's HTML parser, a hundred
  times faster: a page is the template's escaped text around bodies that are checked as
  fragments already): the app's own forms, inputs and its one script file are fine;
  nothing else that runs script, navigates the page by itself or restyles it is.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element

import lxml.html

try:
    import html5lib
except ImportError:  # bleach 6 ships its own copy of html5lib instead of depending on it
    from bleach._vendor import html5lib

from forum.sanitize import COMMENT_ATTRIBUTES, COMMENT_TAGS, POST_ATTRIBUTES, POST_TAGS

# Elements that run script, load a document or plugin, change the base URL, navigate by
# themselves, or change how the markup after them is parsed.
SCRIPT_CAPABLE = frozenset(
    {
        "script",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "portal",
        "base",
        "style",
        "svg",
        "math",
        "template",
        "noscript",
        "noembed",
        "noframes",
        "xmp",
        "plaintext",
        "listing",
        "isindex",
        "keygen",
        "marquee",
        "video",
        "audio",
        "source",
        "dialog",
    }
)
URL_ATTRIBUTES = frozenset(
    {
        "href",
        "src",
        "action",
        "formaction",
        "cite",
        "data",
        "background",
        "poster",
        "codebase",
        "code",
        "dynsrc",
        "lowsrc",
        "longdesc",
        "ping",
        "manifest",
        "xlink:href",
        "to",
        "values",
        "from",
        "by",
    }
)
ALWAYS_FORBIDDEN_ATTRIBUTES = frozenset({"style", "srcdoc", "formaction", "xmlns", "is"})
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
# A browser drops C0 controls and spaces at a URL's ends, and tab, LF and CR anywhere in it,
# before it reads the scheme (WHATWG URL); dropping every C0 control and DEL anywhere is
# stricter, and never reads a scheme that a browser would not.
_URL_ENDS = "\x00-\x20"
_URL_NOISE = re.compile(r"[\x00-\x1f\x7f]+")
# What the app's own pages contain besides the sanitized bodies.
PAGE_ELEMENTS_ALLOWED = frozenset(
    {"form", "input", "textarea", "button", "label", "select", "option", "fieldset", "legend"}
)


class Unsafe(AssertionError):
    pass


def parse(markup: str, *, fragment: bool) -> Element:
    if not fragment:
        return lxml.html.document_fromstring(markup or "<html></html>")
    return html5lib.HTMLParser(namespaceHTMLElements=False).parseFragment(markup)


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""  # comments and processing instructions
    return tag.rsplit("}", 1)[-1].lower()


def url_scheme(value: str) -> str | None:
    """The scheme a browser would read from an attribute's value, lower-cased, or None."""
    cleaned = _URL_NOISE.sub("", value.strip(_URL_ENDS))
    match = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*):", cleaned)
    return match.group(1).lower() if match else None


def _attribute_name(name: object) -> str:
    text = str(name)
    if text.startswith("{"):  # a namespaced attribute (xlink:href in foreign content)
        namespace, _, local = text[1:].partition("}")
        return ("xlink:" if "xlink" in namespace else "") + local.lower()
    return text.lower()


def problems(markup: str, *, mode: str = "fragment", post: bool = False) -> list[str]:
    """Everything script-capable in ``markup`` (empty when it is safe).

    ``mode`` is "fragment" (a sanitized body: the allowlist only) or "page" (a page of the
    app). ``post`` allows the post allowlist instead of the comment one.
    """
    found: list[str] = []
    tree = parse(markup, fragment=mode == "fragment")
    tags = POST_TAGS if post else COMMENT_TAGS
    allowed_attributes = POST_ATTRIBUTES if post else COMMENT_ATTRIBUTES
    for element in tree.iter():
        name = _local(element.tag)
        if not name:
            continue
        if mode == "fragment" and name != "document_fragment" and name not in tags:
            found.append(f"<{name}> is not on the allowlist")
        if name in SCRIPT_CAPABLE and not _own_script(element, mode):
            found.append(f"<{name}> element")
        if mode == "page":
            found.extend(_page_element_problems(element, name))
        for raw_name, value in element.attrib.items():
            attribute = _attribute_name(raw_name)
            if attribute.startswith("on"):
                found.append(f"<{name} {attribute}> event handler")
            if attribute in ALWAYS_FORBIDDEN_ATTRIBUTES:
                found.append(f"<{name} {attribute}> attribute")
            if mode == "fragment" and name != "document_fragment":
                allowed = {*allowed_attributes.get(name, ()), *(["rel"] if name == "a" else [])}
                if attribute not in allowed:
                    found.append(f"<{name} {attribute}> is not on the allowlist")
            if attribute in URL_ATTRIBUTES or attribute.endswith(":href"):
                scheme = url_scheme(value)
                if scheme is not None and scheme not in SAFE_SCHEMES:
                    found.append(f"<{name} {attribute}={value!r}> has the scheme {scheme}:")
    return found


def _own_script(element: Element, mode: str) -> bool:
    """The app's own script file, loaded from its own assets (no inline code)."""
    if mode != "page" or _local(element.tag) != "script":
        return False
    source = element.get("src") or ""
    return source.startswith("/assets/") and not (element.text or "").strip()


def _page_element_problems(element: Element, name: str) -> list[str]:
    found = []
    if name == "meta" and any(_attribute_name(k) == "http-equiv" for k in element.attrib):
        found.append(f"<meta http-equiv={element.get('http-equiv')!r}>")
    if name == "link":
        href = element.get("href") or ""
        if not href.startswith("/assets/"):
            found.append(f"<link href={href!r}> loads something not of this app")
    if name == "form":
        action = element.get("action") or ""
        parts = urlsplit(action)
        if parts.scheme or parts.netloc or action.startswith("//"):
            found.append(f"<form action={action!r}> posts off-site")
    return found


def assert_safe(markup: str | None, *, mode: str = "fragment", post: bool = False) -> None:
    if markup is None:
        return
    found = problems(markup, mode=mode, post=post)
    if found:
        raise Unsafe(f"{len(found)} unsafe: {found[:5]} in {markup[:400]!r}")


def text_content(markup: str) -> str:
    """The text a reader sees in a fragment, with white space folded."""
    tree = parse(markup, fragment=True)
    return " ".join("".join(tree.itertext()).split())


def safe_url(url: str | None) -> bool:
    """An author's or a post's address that a client may put in a link as it is: none, a
    relative one, or http(s) (never javascript:, data:, vbscript: and the like)."""
    if url is None:
        return True
    scheme = url_scheme(url)
    return scheme is None or scheme in {"http", "https"}
