"""Pages saved as HTML from a blog: WordPress themes' standard markup, read with lxml.

The article is the hentry microformat's ``.entry-content`` (every default theme since
Twenty Ten). The thread is wp_list_comments()'s markup: ``li.comment`` (id ``comment-N``)
with ``.comment-author .fn``, ``time[datetime]`` in ``.comment-metadata``, and
``.comment-content``; replies sit in a nested ``.children`` list. Themes that use the
older markup (``.comment-body`` holding the text, the date as a link) are read too.
https://developer.wordpress.org/reference/classes/walker_comment/
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from urllib.parse import urljoin

import lxml.html
from lxml import etree

from forum.importers.page import rules
from forum.importers.page.article import Article
from forum.importers.records import CommentRecord, Notice
from forum.models import CommentKind, CommentStatus
from forum.quotes import normalize
from forum.sanitize import clean_comment, clean_post

# HTML parsers always recover; this one never fetches anything and keeps no comments.
# libxml2 stops building the tree at a depth limit (256, or 2048 with huge_tree) and, as a
# browser-like recovering parser, carries on without what lies deeper: comments would be
# lost without a word. A page nested past 2048 levels is refused instead (PageTooDeep).
_PARSER_OPTIONS = {
    "remove_comments": True,
    "remove_pis": True,
    "no_network": True,
    "huge_tree": True,
}


class PageTooDeep(ValueError):
    """The page nests its elements deeper than the HTML parser builds trees."""


# Never content: code, embeds, forms and navigation.
_DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "object",
    "embed",
    "form",
    "nav",
    "button",
    "input",
    "select",
    "textarea",
    "svg",
    "link",
    "meta",
)
# Page chrome by class (one class token, whole): share and like buttons (Jetpack's
# sharedaddy, AddToAny), related-post boxes, post navigation, the reply form and links,
# widgets and the site's header and footer, and a post's meta lines.
_CHROME_CLASS = re.compile(
    r"^(?:share\w*|sharing\w*|sharedaddy|sd-\w+|social-?\w*|addtoany\w*|a2a_\w+|"
    r"jp-relatedposts\w*|related-posts?|yarpp-related\w*|crp_related|post-navigation|"
    r"nav-links|navigation|comment-navigation|comment-respond|comment-reply-link|reply|"
    r"screen-reader-text|skip-link|widget\w*|sidebar|site-header|site-footer|breadcrumbs?|"
    r"ads?|advert\w*|entry-header|entry-meta|entry-footer|post-meta|byline|comments-area)$"
)
_CHROME_IDS = frozenset(
    {"respond", "comments", "secondary", "masthead", "colophon", "sidebar", "wpadminbar"}
)
_RELATED_CLASS = re.compile(r"^(?:jp-relatedposts\w*|related-posts?|yarpp-related\w*|crp_related)$")
_CONTENT_CLASSES = ("entry-content", "post-content", "post-body", "article-content")
_SUMMARY_CLASSES = ("entry-subtitle", "subtitle", "standfirst", "dek", "deck", "strapline")
_TITLE_SEPARATORS = re.compile(r"\s+[|–—»·-]\s+")
# Browsers mark a saved page with where it came from: Chrome and IE "saved from url=(0041)…",
# SingleFile "Page saved with SingleFile url: …". A comment the parser drops, so read first.
_SAVED_FROM = re.compile(
    r"<!--\s*(?:saved from url=\(\d+\)|Page saved with SingleFile\s+url:\s*)(https?://[^\s>]+)"
)
# li#comment-12 (HTML5 markup), li#li-comment-12 > div#comment-12 (Twenty Ten), div-comment-12.
_COMMENT_ID = re.compile(r"^(?:li-|div-)?comment-(\d+)$")


def read(text: str) -> Article | None:
    """Read an HTML page; None when it has no title."""
    # A parser per page: its error log says whether the depth limit cut the tree.
    parser = lxml.html.HTMLParser(**_PARSER_OPTIONS)
    root = lxml.html.document_fromstring(text, parser=parser)
    for entry in parser.error_log:
        if entry.type_name == "ERR_RESOURCE_LIMIT":
            raise PageTooDeep(f"line {entry.line}: {entry.message.strip()}")
    title, title_line = _title(root)
    if not title:
        return None
    article = Article(title=title, title_line=title_line)
    saved_from = _SAVED_FROM.search(text[:4096])
    article.url = (
        _meta(root, "link[@rel='canonical']", "href")
        or _meta(root, "meta[@property='og:url']", "content")
        or (saved_from.group(1) if saved_from else None)
    )
    _read_byline(root, article)
    article.comments.extend(_comments(root, article))
    for element in root.iter():
        if isinstance(element.tag, str) and any(_RELATED_CLASS.match(c) for c in _classes(element)):
            article.related.extend(_links(element))
    content = _content(root)
    if content is not None:
        article.body_raw = lxml.html.tostring(content, encoding="unicode").strip()
        _strip_chrome(content)
        _read_body(content, article)
    # Links on a saved page are often relative to it ("#comment-12", "/2024/01/…").
    base = article.url or ""
    for comment in article.comments:
        comment.url = urljoin(base, comment.url) if comment.url else None
        comment.author_url = urljoin(base, comment.author_url) if comment.author_url else None
    for link in article.related:
        link["url"] = urljoin(base, link["url"]) if link["url"] else None
    return article


def _classes(element: etree._Element) -> list[str]:
    return (element.get("class") or "").split()


def _with_class(root: etree._Element, name: str) -> list[etree._Element]:
    return root.xpath(f".//*[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]")


def _text(element: etree._Element | None) -> str:
    return rules.clean(element.text_content()) if element is not None else ""


def _meta(root: etree._Element, path: str, attribute: str) -> str | None:
    found = root.xpath(f".//{path}/@{attribute}")
    return found[0].strip() or None if found else None


def _title(root: etree._Element) -> tuple[str, int]:
    """The post's title: its heading, else Open Graph's, else <title> without the site."""
    for element in _with_class(root, "entry-title") + root.xpath(".//h1"):
        if _text(element):
            return _text(element), element.sourceline or 1
    og_title = _meta(root, "meta[@property='og:title']", "content")
    if og_title:
        return rules.clean(og_title), 1
    element = root.find(".//title")
    title = _text(element)
    # "Post title – Site name": WordPress's document title puts the site last.
    separators = list(_TITLE_SEPARATORS.finditer(title))
    if separators:
        title = title[: separators[-1].start()]
    return title.strip(), (element.sourceline or 1) if element is not None else 1


def _read_byline(root: etree._Element, article: Article) -> None:
    published = _meta(root, "meta[@property='article:published_time']", "content")
    if published is None:
        times = [
            element
            for element in root.xpath(".//time[@datetime]")
            if not _in_comment(element) and "updated" not in _classes(element)
        ]
        published = times[0].get("datetime") if times else None
    if published is None:
        # Older themes print the date only as text: <span class="entry-date">June 18, 2023.
        dates = [element for element in _with_class(root, "entry-date") if not _in_comment(element)]
        published = _text(dates[0]) if dates else None
    article.published_at = rules.parse_date(published) if published else None
    author = _meta(root, "meta[@name='author']", "content")
    if author is None:
        found = root.xpath(".//a[@rel='author']") + _with_class(root, "author")
        found = [element for element in found if not _in_comment(element)]
        author = _text(found[0]) if found else None
    if author is None:
        bylines = [element for element in _with_class(root, "byline") if not _in_comment(element)]
        author = rules.byline(_text(bylines[0])) if bylines else None
    article.author = author or None
    for name in _SUMMARY_CLASSES:
        found = _with_class(root, name)
        if found and _text(found[0]):
            article.summary = _text(found[0])
            found[0].drop_tree()
            break


def _in_comment(element: etree._Element) -> bool:
    return any(
        ancestor.get("id") in {"comments", "respond"}
        or {"comment", "comments-area"} & set(_classes(ancestor))
        for ancestor in element.iterancestors()
    )


def _links(element: etree._Element) -> list[dict[str, str | None]]:
    return [
        {"title": _text(link), "url": link.get("href")} for link in element.iter("a") if _text(link)
    ]


# Body -------------------------------------------------------------------------------------


def _content(root: etree._Element) -> etree._Element | None:
    for name in _CONTENT_CLASSES:
        found = _with_class(root, name)
        if found:
            return found[0]
    for path in (".//*[@itemprop='articleBody']", ".//article", ".//main", ".//body"):
        found = root.xpath(path)
        if found:
            return found[0]
    return None


def _strip_chrome(content: etree._Element) -> None:
    """Remove what is not the article: code, forms, navigation, share and related boxes."""
    etree.strip_elements(content, *_DROP_TAGS, with_tail=False)
    doomed = [
        element
        for element in content.iter()
        if isinstance(element.tag, str)
        and element is not content
        and (
            element.get("id") in _CHROME_IDS
            or any(_CHROME_CLASS.match(name) for name in _classes(element))
            or element.tag in {"h1"}
        )
    ]
    for element in doomed:
        if element.getparent() is not None:
            element.drop_tree()


def _read_body(content: etree._Element, article: Article) -> None:
    """Take related links and repeats out of the article, then sanitize it."""
    seen: set[str] = set()
    for element in list(_blocks(content)):
        text = _text(element)
        headline = rules.more_link(text)
        if headline is not None:
            link = element.find(".//a")
            article.related.append(
                {"title": headline, "url": link.get("href") if link is not None else None}
            )
            element.drop_tree()
        elif rules.is_boilerplate(text) or rules.is_credit(text):
            element.drop_tree()
        else:
            words = normalize(text)
            if len(words.split()) >= 8 and words in seen:
                article.paragraphs_dropped += 1
                element.drop_tree()
            seen.add(words)
    article.related.extend(_trailing_links(content))
    article.body_html = clean_post(_inner_html(content, tidy=True))


def _inner_html(element: etree._Element, *, tidy: bool) -> str:
    """An element's content as HTML; tidy, the page's indentation between blocks goes."""
    pieces = [element.text or ""]
    for child in element:
        tail, child.tail = child.tail, None
        pieces.append(lxml.html.tostring(child, encoding="unicode"))
        pieces.append(tail or "")
        child.tail = tail
    if tidy:
        pieces = ["\n" if not piece.strip() else piece for piece in pieces]
    return "".join(pieces).strip()


def _blocks(content: etree._Element) -> Iterator[etree._Element]:
    """Paragraph-like blocks, outside quotes (a quote may repeat a paragraph on purpose)."""
    for element in content.iter("p", "h2", "h3", "h4", "h5", "h6", "li"):
        if any(ancestor.tag == "blockquote" for ancestor in element.iterancestors()):
            continue
        if element.tag == "li" and element.find(".//p") is not None:
            continue
        yield element


def _trailing_links(content: etree._Element) -> list[dict[str, str | None]]:
    """A list of three or more bare links that ends the article is a related-stories box."""
    children = [child for child in content if isinstance(child.tag, str)]
    if not children or children[-1].tag not in {"ul", "ol"}:
        return []
    items = children[-1].findall("li")
    links = [item.find(".//a") for item in items]
    if len(items) < 3 or any(
        link is None or _text(link) != _text(item) or not rules.is_headline(_text(item))
        for item, link in zip(items, links, strict=True)
    ):
        return []
    found = _links(children[-1])
    children[-1].drop_tree()
    return found


# Comments ---------------------------------------------------------------------------------


def _is_comment(element: etree._Element) -> bool:
    return element.tag in {"li", "div", "article"} and bool(
        {"comment", "pingback", "trackback"} & set(_classes(element))
    )


def _comments(root: etree._Element, article: Article) -> list[CommentRecord]:
    """Read the thread: each comment element, its parent the comment element around it."""
    records: list[CommentRecord] = []
    keys: dict[etree._Element, str] = {}
    replies: dict[str | None, int] = {}
    for element in root.iter("li", "div", "article"):
        if not _is_comment(element):
            continue
        parent = next((a for a in element.iterancestors() if a in keys), None)
        parent_key = keys[parent] if parent is not None else None
        replies[parent_key] = replies.get(parent_key, 0) + 1
        keys[element] = _comment_key(element) or (
            f"{parent_key}.{replies[parent_key]}" if parent_key else str(replies[None])
        )
        records.append(_comment(element, keys[element], parent_key))
    _check_count(root, len(records), article)
    return records


def _comment_key(element: etree._Element) -> str | None:
    """WordPress's comment id (li id="comment-12"): stable when the page is saved again."""
    for candidate in [element, *_own(element, lambda e: bool(e.get("id")))]:
        found = _COMMENT_ID.match(candidate.get("id") or "")
        if found:
            return found.group(1)
    return None


def _own(
    comment: etree._Element, name: str | Callable[[etree._Element], bool]
) -> list[etree._Element]:
    """Descendants of a comment with a class or tag (or passing a test), not its replies'."""
    test = (
        name if callable(name) else lambda element: name in _classes(element) or element.tag == name
    )
    found: list[etree._Element] = []
    stack = list(reversed(comment))
    while stack:
        element = stack.pop()
        if not isinstance(element.tag, str) or _is_comment(element):
            continue
        if "children" in _classes(element):
            continue
        if test(element):
            found.append(element)
        stack.extend(reversed(element))
    return found


def _comment(element: etree._Element, key: str, parent_key: str | None) -> CommentRecord:
    author = next(iter(_own(element, "comment-author")), None)
    name_element = next(iter(_own(author, "fn")), None) if author is not None else None
    name = _text(name_element) if name_element is not None else _text(author)
    name = re.sub(r"\s+(?:says|said|wrote)\s*:?$", "", name, flags=re.IGNORECASE)
    link = author.find(".//a[@href]") if author is not None else None
    held = _own(element, "comment-awaiting-moderation")
    for notice in held:
        notice.drop_tree()
    body_raw, body_html = _body(element)
    classes = set(_classes(element))
    if "pingback" in classes or "trackback" in classes:
        # A pingback's author is the site that linked here: the link in its body.
        link = next(iter(_own(element, "a")), None)
        name = name or _text(link)
    return CommentRecord(
        key=key,
        parent_key=parent_key,
        # A saved page shows held comments only to their author, marked as awaiting.
        status=CommentStatus.PENDING if held else CommentStatus.APPROVED,
        source_status=None,
        kind=CommentKind.PINGBACK
        if "pingback" in classes
        else CommentKind.TRACKBACK
        if "trackback" in classes
        else CommentKind.COMMENT,
        author_name=name,
        author_url=link.get("href") if link is not None else None,
        body_raw=body_raw,
        body_html=body_html,
        created_at=_comment_date(element),
        url=_permalink(element),
    )


def _body(element: etree._Element) -> tuple[str, str]:
    """The comment's own HTML, as found and sanitized.

    It is ``.comment-content``; in older themes, ``.comment-body`` less its author, date
    and reply link.
    """
    content = next(iter(_own(element, "comment-content")), None)
    if content is None:
        found = next(iter(_own(element, "comment-body")), None)
        if found is None:
            return "", ""
        content = copy.deepcopy(found)
        for name in ("comment-author", "comment-meta", "commentmetadata", "reply", "children"):
            for part in _with_class(content, name):
                part.drop_tree()
    raw = _inner_html(content, tidy=False)
    # bleach keeps the text of the tags it strips: code must go before it sees the rest.
    etree.strip_elements(content, *_DROP_TAGS, with_tail=False)
    return raw, clean_comment(_inner_html(content, tidy=True))


def _comment_date(element: etree._Element) -> datetime | None:
    stamps = _own(element, "time")
    if stamps and stamps[0].get("datetime"):
        return rules.parse_date(stamps[0].get("datetime") or "")
    meta = _own(element, "comment-metadata") + _own(element, "commentmetadata")
    return rules.parse_date(_text(meta[0])) if meta else None


def _permalink(element: etree._Element) -> str | None:
    meta = _own(element, "comment-metadata") + _own(element, "commentmetadata")
    link = meta[0].find(".//a[@href]") if meta else None
    return link.get("href") if link is not None else None


def _check_count(root: etree._Element, found: int, article: Article) -> None:
    for element in _with_class(root, "comments-title") + root.xpath(".//*[@id='comments-title']"):
        opens, count = rules.comment_count(_text(element))
        if opens and count is not None and count != found:
            article.notices.append(
                Notice(
                    f"the page announces {count} comments but {found} were found; "
                    "some may be missing",
                    element.sourceline,
                )
            )
        if opens:
            return
