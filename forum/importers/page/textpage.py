"""Pages saved as plain text: a title line, the article, then perhaps its comment thread.

This is what a browser's "save as text" or a scraper leaves: the title on the first line;
a byline or dateline under it; paragraphs separated by blank lines (or one per line, when
the saver wrote no blank lines at all); a comments title ("7 thoughts on “…”"); the
comments as a numbered list, replies as bullets indented under what they answer; then the
blog's comment form and footer. Examples: the seeds in ../shared/seeds.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from forum.importers.page import rules
from forum.importers.page.article import Article
from forum.importers.records import CommentRecord, Notice
from forum.models import CommentStatus
from forum.sanitize import clean_comment, clean_post, text_to_html

_NUMBERED = re.compile(r"^(?P<number>\d{1,4})[.)]\s+(?P<text>.*)$")
# Bullets that browsers write for <ul> items, and the ones people type. A hyphen or a
# dash must be followed by a space: "-MA" is a signature, "- MA" a bullet.
_BULLET = re.compile(r"^[•◦▪▫‣∙·*+\-–]\s+(?P<text>.*)$")
_SAYS = re.compile(r"^(?P<name>.{1,60}?)\s+(?:says|said|wrote)\s*:?$", re.IGNORECASE)
_META_LINES = 4  # how far under the title a byline or dateline may be


@dataclass
class Line:
    number: int  # 1-based, for messages
    indent: int
    text: str  # white space collapsed
    raw: str  # as found


@dataclass
class Paragraph:
    lines: list[Line]
    caption: bool = False

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


@dataclass
class _Item:
    key: str
    parent: _Item | None
    indent: int
    line: int
    lines: list[Line | None] = field(default_factory=list)  # None: a blank line
    replies: int = 0


def read(text: str) -> Article | None:
    """Read a text page; None when it has no title."""
    lines = [
        Line(number, len(raw) - len(raw.lstrip()), rules.clean(raw), raw)
        for number, raw in enumerate(text.expandtabs(4).splitlines(), start=1)
    ]
    first = next((at for at, line in enumerate(lines) if line.text), None)
    if first is None:
        return None
    article = Article(title=lines[first].text, title_line=lines[first].number)
    start = _read_meta(lines, first + 1, article)
    header, count = _find(lines, start, _is_header)
    if header < len(lines):
        end, _ = _find(lines, header + 1, _is_form_start)
        _read_comments(lines[header + 1 : end], article)
        # A bare "Comments" heading with nothing numbered under it was the article's.
        if not article.comments and count is None:
            header = len(lines)
    form, _ = _find(lines, start, _is_form_start)
    body_end = min(header, form)
    article.body_raw = "\n".join(line.raw for line in lines[start:body_end]).strip("\n")
    _read_body(lines[start:body_end], article)
    if header < len(lines):
        if count is not None and count != len(article.comments):
            article.notices.append(
                Notice(
                    f"the page announces {count} comments but {len(article.comments)} were "
                    "found; some may be missing",
                    lines[header].number,
                )
            )
    return article


def _find(
    lines: list[Line], start: int, test: Callable[[Line], tuple[bool, int | None]]
) -> tuple[int, int | None]:
    """The index of the first line from ``start`` that passes, with its count; else the end."""
    for at in range(start, len(lines)):
        found, count = test(lines[at])
        if found:
            return at, count
    return len(lines), None


def _is_header(line: Line) -> tuple[bool, int | None]:
    # A comments title stands alone at the left margin; indented, it is a comment's text.
    return rules.comment_count(line.text) if line.text and line.indent == 0 else (False, None)


def _is_form_start(line: Line) -> tuple[bool, None]:
    return bool(line.text and rules.FORM_START.match(line.text)), None


def _read_meta(lines: list[Line], start: int, article: Article) -> int:
    """Take bylines and datelines from just under the title; return where the body starts."""
    at, seen = start, 0
    while at < len(lines) and seen < _META_LINES:
        line = lines[at]
        if not line.text:
            at += 1
            continue
        if not rules.is_meta_line(line.text):
            break
        article.published_at = article.published_at or rules.parse_date(line.text)
        article.author = article.author or rules.byline(line.text)
        at, seen = at + 1, seen + 1
    return at


# Body -------------------------------------------------------------------------------------


def _read_body(lines: list[Line], article: Article) -> None:
    paragraphs = _paragraphs(lines, article)
    if paragraphs and not paragraphs[0].caption and rules.is_standfirst(paragraphs[0].text):
        article.summary = paragraphs.pop(0).text
    # News pages put the byline under the standfirst: "By Jane Doe", "March 3, 2013".
    while paragraphs and all(rules.is_meta_line(line.text) for line in paragraphs[0].lines):
        for line in paragraphs.pop(0).lines:
            article.published_at = article.published_at or rules.parse_date(line.text)
            article.author = article.author or rules.byline(line.text)
    article.related.extend(_trailing_headlines(paragraphs))
    kept, article.paragraphs_dropped = rules.drop_repeats([p.text for p in paragraphs])
    paragraphs = [paragraphs[at] for at in kept]
    article.body_html = clean_post("\n".join(_render(paragraphs)))


def _paragraphs(lines: list[Line], article: Article) -> list[Paragraph]:
    """Group lines into paragraphs, dropping page chrome and taking out related links.

    Paragraphs are blocks between blank lines; a text with no blank lines at all was saved
    one paragraph per line. A credit line marks a photo whose caption is the block it
    ends, or else the paragraph after it.
    """
    one_per_line = not any(not line.text for line in _trimmed(lines))
    paragraphs: list[Paragraph] = []
    block: list[Line] = []
    caption_next = False

    def close() -> None:
        nonlocal caption_next
        if block:
            paragraphs.append(Paragraph(block.copy(), caption=caption_next))
            caption_next = False
            block.clear()

    for line in lines:
        if not line.text or rules.is_boilerplate(line.text):
            close()
        elif rules.is_credit(line.text):
            if block:
                paragraphs.append(Paragraph(block.copy(), caption=True))
                block.clear()
            else:
                caption_next = True
        elif (headline := rules.more_link(line.text)) is not None:
            close()
            article.related.append({"title": headline, "url": None})
        else:
            block.append(line)
            if one_per_line:
                close()
    close()
    for paragraph in paragraphs:
        # A caption is a line or two; a long paragraph after a credit is the article.
        if paragraph.caption and len(paragraph.text.split()) > 60:
            paragraph.caption = False
    return paragraphs


def _trimmed(lines: list[Line]) -> list[Line]:
    marks = [at for at, line in enumerate(lines) if line.text]
    return lines[marks[0] : marks[-1] + 1] if marks else []


def _trailing_headlines(paragraphs: list[Paragraph]) -> list[dict[str, str | None]]:
    """Take a list of related headlines off the end of the article.

    Three or more headline-like lines at the very end (no full stops; a line that starts in
    lower case continues the headline above it, as a saved page wraps long ones) are the
    "related stories" box, not the article's text.
    """
    headlines: list[str] = []
    cut = len(paragraphs)
    while cut > 1:
        found = _headlines(paragraphs[cut - 1])
        if found is None:
            break
        headlines[:0] = found
        cut -= 1
    if len(headlines) < 3:
        return []
    del paragraphs[cut:]
    return [{"title": title, "url": None} for title in headlines]


def _headlines(paragraph: Paragraph) -> list[str] | None:
    if paragraph.caption:
        return None
    found: list[str] = []
    for line in paragraph.lines:
        if _BULLET.match(line.text):
            return None  # a bulleted list is the article's (ingredients, steps), not a box
        if found and line.text[0].islower() and len(line.text.split()) <= 8:
            found[-1] = f"{found[-1]} {line.text}"
        elif rules.is_headline(line.text):
            found.append(line.text)
        else:
            return None
    return found


def _render(paragraphs: list[Paragraph]) -> list[str]:
    parts: list[str] = []
    for at, paragraph in enumerate(paragraphs):
        inner = "<br>\n".join(html.escape(line.text, quote=False) for line in paragraph.lines)
        if paragraph.caption:
            parts.append(f"<figure><figcaption>{inner}</figcaption></figure>")
        elif _is_subheading(paragraphs, at):
            parts.append(f"<h3>{inner}</h3>")
        else:
            parts.append(f"<p>{inner}</p>")
    return parts


def _is_subheading(paragraphs: list[Paragraph], at: int) -> bool:
    """A short headline-like line between paragraphs, followed by prose, is a subheading."""
    if at == 0 or at + 1 >= len(paragraphs) or len(paragraphs[at].lines) != 1:
        return False
    text, following = paragraphs[at].text, paragraphs[at + 1].text
    return (
        len(text.split()) <= 12
        and rules.is_headline(text)
        and not text.rstrip().endswith("?")
        and len(following.split()) >= 20
    )


# Comments ---------------------------------------------------------------------------------


def _read_comments(lines: list[Line], article: Article) -> None:
    """Read the numbered comments and their bulleted replies into a tree.

    Keys are positions: "2" is the second comment, "2.1" its first reply, "2.1.3" the third
    reply to that. Top-level numbers must run 1, 2, 3…: any other numbered line is a list
    inside a comment. A bullet answers the nearest item above it that is indented less;
    when a page lost its indentation, it answers the current top-level comment.
    """
    items: list[_Item] = []
    open_items: list[_Item] = []
    top = 0
    for line in lines:
        if line.text and rules.is_boilerplate(line.text):
            continue
        numbered = _NUMBERED.match(line.text)
        bullet = _BULLET.match(line.text)
        if numbered and int(numbered.group("number")) == top + 1:
            top += 1
            item = _Item(str(top), None, line.indent, line.number)
            item.lines.append(_content(line, numbered.group("text")))
        elif bullet and open_items:
            while len(open_items) > 1 and open_items[-1].indent >= line.indent:
                open_items.pop()
            parent = open_items[-1]
            parent.replies += 1
            item = _Item(f"{parent.key}.{parent.replies}", parent, line.indent, line.number)
            item.lines.append(_content(line, bullet.group("text")))
        elif open_items:
            _owner(open_items, line).lines.append(line if line.text else None)
            continue
        else:
            continue  # before the first comment: "Comments are closed." and the like
        if item.parent is None:
            open_items.clear()
        items.append(item)
        open_items.append(item)
    article.comments.extend(_record(item) for item in items)


def _content(line: Line, text: str) -> Line:
    return Line(line.number, line.indent, rules.clean(text), text)


def _owner(open_items: list[_Item], line: Line) -> _Item:
    """The item a continuation line belongs to: the deepest one indented less than it."""
    if line.text:
        for item in reversed(open_items):
            if item.indent < line.indent:
                return item
    return open_items[-1]


def _record(item: _Item) -> CommentRecord:
    lines = list(item.lines)
    while lines and lines[-1] is None:
        lines.pop()
    author, created = "", None
    last = lines[-1] if lines else None
    signature = rules.SIGNATURE.match(last.text) if last is not None else None
    if signature and len(lines) > 1:
        author = signature.group("name")
        lines.pop()
    # WordPress's text layout: "Name says:" and a dateline open the comment.
    head = [line for line in lines[:3] if line is not None]
    for line in head[:2]:
        says = _SAYS.match(line.text)
        if says and not author:
            author = says.group("name")
            lines.remove(line)
        elif rules.is_meta_line(line.text) and created is None:
            created = rules.parse_date(line.text)
            lines.remove(line)
    body = _dedent(lines)
    return CommentRecord(
        key=item.key,
        parent_key=item.parent.key if item.parent else None,
        status=CommentStatus.APPROVED,
        source_status=None,
        author_name=author,
        body_raw=_dedent(item.lines),
        body_html=clean_comment(text_to_html(body)),
        created_at=created,
    )


def _dedent(lines: list[Line | None]) -> str:
    """The text of a comment's lines, indentation relative to its own margin."""
    texts = [line for line in lines if line is not None]
    if not texts:
        return ""
    margin = min(line.indent for line in texts[1:]) if len(texts) > 1 else 0
    out: list[str] = []
    for at, line in enumerate(lines):
        if line is None:
            if out and out[-1] != "":
                out.append("")
        elif at == 0:
            out.append(line.raw.strip())
        else:
            out.append(line.raw.rstrip()[min(margin, line.indent) :])
    return "\n".join(out).strip("\n")
