"""What a saved page's lines mean: the small, documented rules both page readers share.

Each rule looks at one line (or one paragraph) alone and is deliberately narrow: a whole
line that is only a widget's label, a credit, or a form's prompt. Prose never matches a
rule by accident because every rule matches the whole line, not a part of it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

from forum.quotes import normalize

# Share widgets, navigation and reader chrome: lines that are only one of these labels
# (after any bullet), compared without case and without a trailing colon.
WIDGET_LABELS = frozenset(
    {
        "share",
        "share this",
        "share this article",
        "share this post",
        "read later",
        "save",
        "tweet",
        "email",
        "print",
        "pin it",
        "like this",
        "like",
        "loading...",
        "loading…",
        "facebook",
        "twitter",
        "x",
        "linkedin",
        "reddit",
        "pinterest",
        "tumblr",
        "whatsapp",
        "telegram",
        "pocket",
        "more",
        "related",
        "related posts",
        "related articles",
        "you may also like",
        "skip to content",
        "menu",
        "home",
        "search",
        "search for",
        "previous post",
        "next post",
        "previous",
        "next",
        "« previous",
        "next »",
        "older posts",
        "newer posts",
        "reply",
        "report",
        "cancel reply",
        "log in to reply",
        "advertisement",
        "comments are closed",
        "comments are closed.",
    }
)
# "Share on Facebook", "Click to share on Twitter (Opens in new window)", "Email this".
_SHARE_LINE = re.compile(
    r"^(?:click to )?(?:share|tweet|email|print|pin|post|save)(?: this(?: \w+)?)?"
    r"(?: (?:on|to|via|a link to a friend)(?: [\w.+-]+){0,3})?(?: \(opens in new window\))?$",
    re.IGNORECASE,
)
# A blog's comment form, WordPress's and WordPress.com's (comment-template.php, Highlander).
FORM_START = re.compile(
    r"^(?:leave a (?:reply|comment)|post a comment|add a comment|add comment|"
    r"leave a reply to .{1,80} cancel reply|write a comment)\s*:?$",
    re.IGNORECASE,
)
_FORM_LINES = (
    re.compile(r"^fill in your details below or click an icon to log in:?$", re.IGNORECASE),
    re.compile(r"^you are commenting using your .{1,40} account\..*$", re.IGNORECASE),
    re.compile(r"^connecting to %s$", re.IGNORECASE),
    re.compile(r"^notify me of (?:new|follow-up) (?:comments|posts).*$", re.IGNORECASE),
    re.compile(r"^save my name, email, and website in this browser.*$", re.IGNORECASE),
    re.compile(r"^your email address will not be published\..*$", re.IGNORECASE),
    re.compile(r"^required fields are marked \*?$", re.IGNORECASE),
    re.compile(r"^(?:name|email|website|comment)\s*\*?$", re.IGNORECASE),
    re.compile(r"^post comment$", re.IGNORECASE),
    re.compile(r"^(?:wordpress\.com|twitter|facebook|google\+?) (?:logo|picture|photo)$", re.I),
    re.compile(r"^this site uses akismet to reduce spam\..*$", re.IGNORECASE),
    re.compile(r"^you must be logged in to post a comment\.?$", re.IGNORECASE),
)
_BULLET = re.compile(r"^[•◦▪▫‣∙·*+\-–]\s+")
# Photo credits: "Photo: Jane Doe", "Source: France24", "FRED DUFOUR / AFP / Getty Images".
_CREDIT_LABEL = re.compile(
    r"^(?:photo(?:graph)?|picture|image|credit|photo credit|source|video|illustration)s?"
    r"\s*:\s*\S.{0,80}$",
    re.IGNORECASE,
)
_AGENCIES = re.compile(
    r"\b(?:getty images|afp|reuters|ap|epa|corbis|redux|bloomberg|shutterstock|alamy|sipa|"
    r"polaris|zuma|xinhua|anadolu|associated press|ap photo)\b",
    re.IGNORECASE,
)
# "(MORE: French Officials Warn …)", and the same without brackets: "Read more: …".
_MORE = re.compile(
    r"^\(\s*(?:more|read more|see also|related|also read)\s*:\s*(?P<title>.+?)\s*\)$"
    r"|^(?:read more|see also|also read)\s*:\s*(?P<bare>.+)$",
    re.IGNORECASE,
)
_NUMBER_WORDS = {
    word: number
    for number, word in enumerate(
        "no one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}
# WordPress themes' comments title: "7 thoughts on “Title”", "One Response to …",
# "12 Comments", "Comments (3)". The closing quote is often lost when a page is saved.
COMMENT_HEADER = re.compile(
    r"^(?P<count>\d+|" + "|".join(_NUMBER_WORDS) + r")\s+"
    r"(?:thoughts?|comments?|responses?|replies|reply|reactions?)"
    r"(?:\s+(?:on|to|for)\s+.+)?$"
    r"|^(?:comments|responses|discussion)(?:\s*\((?P<paren>\d+)\))?:?$",
    re.IGNORECASE,
)
# "-MA", "— Alex", "~Jo": a closing signature; the name is at most four capitalised words.
# A hyphen followed by a space is a bullet (a reply), so the hyphen must touch the name.
SIGNATURE = re.compile(r"^(?:-|--|~|—\s*|–\s*)(?P<name>[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3})$")
# "Posted: Thu Jul 10, 2025 10:04 am", "by Jane Doe » Thu Jul 10, 2025", "Posted by Jo on …"
_META_PREFIX = re.compile(
    r"^(?:posted|published|updated|last updated|date|written|by|author)\b", re.IGNORECASE
)
# A name is up to six capitalised words (particles such as "de" or "al" allowed between).
_BYLINE = re.compile(
    r"^(?i:posted by|written by|by|author:)\s+"
    r"(?P<name>[A-Z][\w.'’-]*(?:\s+(?:[A-Z][\w.'’-]*|[a-z]{1,3})){0,5}?)"
    r"(?:\s+(?i:on)\s+.*|\s*[|»,•·]\s*.*)?$"
)
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_TIME = (
    r"(?:,?\s+(?:at\s+|@\s*)?(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?"
    r"\s*(?P<ampm>[ap]\.?m\.?)?)?"
)
_DATES = (
    re.compile(
        r"\b" + _MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>\d{4})" + _TIME, re.I
    ),
    re.compile(
        r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH + r",?\s+(?P<year>\d{4})" + _TIME, re.I
    ),
    re.compile(
        r"\b(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})(?:[T ](?P<hour>\d{2}):(?P<minute>\d{2})"
        r"(?::(?P<second>\d{2})(?:\.\d+)?)?(?P<zone>Z|[+-]\d{2}:?\d{2})?)?"
    ),
)
_TERMINAL = re.compile(r"[.!?:;,]$")
_CLOSERS = "\"'”’)]»"


def clean(text: str) -> str:
    """Collapse a line's white space (saved pages are full of no-break spaces)."""
    return " ".join(text.split())


def without_bullet(text: str) -> str:
    return _BULLET.sub("", text.strip(), count=1)


def is_boilerplate(text: str) -> bool:
    """Tell whether a line is page chrome: a widget label, a share link or a form prompt."""
    line = clean(without_bullet(text))
    label = line.casefold().rstrip(":").strip()
    if label in WIDGET_LABELS or FORM_START.match(line):
        return True
    if len(line.split()) <= 9 and _SHARE_LINE.match(line):
        return True
    return any(rule.match(line) for rule in _FORM_LINES)


def is_credit(text: str) -> bool:
    """Tell whether a line credits a photo or a video rather than saying anything."""
    line = clean(text)
    words = line.split()
    if not words or len(words) > 12:
        return False
    if _CREDIT_LABEL.match(line):
        return True
    # "NAME / AGENCY / Getty Images": parts split by slashes, an agency or capitals in one.
    parts = [part.strip() for part in re.split(r"\s+/\s+", line)]
    if len(parts) < 2 or len(parts) > 4 or _TERMINAL.search(line):
        return False
    return bool(_AGENCIES.search(line)) or any(part.isupper() and len(part) > 1 for part in parts)


def more_link(text: str) -> str | None:
    """The headline of a "(MORE: …)" line, or None."""
    found = _MORE.match(clean(text))
    if not found:
        return None
    return (found.group("title") or found.group("bare")).strip()


def comment_count(text: str) -> tuple[bool, int | None]:
    """Tell whether a line opens a comment thread, and the count it announces if any."""
    found = COMMENT_HEADER.match(clean(text))
    if not found:
        return False, None
    count = found.group("count") or found.group("paren")
    if count is None:
        return True, None
    return True, int(count) if count.isdigit() else _NUMBER_WORDS[count.casefold()]


def ends_sentence(text: str) -> bool:
    return bool(_TERMINAL.search(text.rstrip(_CLOSERS + " ")))


def is_headline(text: str) -> bool:
    """Tell whether a line reads as a headline: short, capitalised, no closing punctuation.

    A question mark is allowed: headlines ask questions ("Has al-Qaeda Been Defeated?").
    """
    line = clean(text)
    words = line.split()
    if not 3 <= len(words) <= 20 or len(line) > 160:
        return False
    if re.search(r"[.,;:]$", line.rstrip(_CLOSERS + " ")):
        return False
    return line[0].isupper() or line[0].isdigit() or line[0] in "“\"‘'"


def is_standfirst(text: str) -> bool:
    """Tell whether the paragraph under a title is a news standfirst (a deck).

    Decks are one long sentence without a full stop; an article's first paragraph has one.
    """
    line = clean(text)
    words = len(line.split())
    return 8 <= words <= 60 and not ends_sentence(line) and "\n" not in text.strip()


def drop_repeats(paragraphs: list[str]) -> tuple[list[int], int]:
    """Indexes of the paragraphs to keep, and how many repeats were dropped.

    Scrapers duplicate paragraphs; a repeat of at least eight words is dropped. Shorter
    repeats ("Yes.", "* * *") are often meant, and are kept.
    """
    seen: set[str] = set()
    kept: list[int] = []
    dropped = 0
    for index, text in enumerate(paragraphs):
        words = normalize(text)
        if len(words.split()) >= 8 and words in seen:
            dropped += 1
            continue
        seen.add(words)
        kept.append(index)
    return kept, dropped


def is_meta_line(text: str) -> bool:
    """Tell whether a line near the title is a byline or a dateline rather than content."""
    line = clean(text)
    if len(line) > 120:
        return False
    if _META_PREFIX.match(line) and (parse_date(line) or _BYLINE.match(line)):
        return True
    found = find_date(line)
    return found is not None and len(found[1]) >= 0.7 * len(line)


def byline(text: str) -> str | None:
    """The author a byline names ("by Jane Doe", "Posted by Jane on …"), or None."""
    found = _BYLINE.match(clean(text))
    if not found:
        return None
    name = found.group("name").strip()
    return None if parse_date(name) else name


def parse_date(text: str) -> datetime | None:
    found = find_date(text)
    return found[0] if found else None


def find_date(text: str) -> tuple[datetime, str] | None:
    """Find the first date in text: (the date in UTC, the matched text), or None.

    Saved pages give local times without a zone; they are taken as UTC, the archive's zone.
    """
    for pattern in _DATES:
        found = pattern.search(text)
        if found is None:
            continue
        parts = found.groupdict()
        month = parts["month"]
        month_number = int(month) if month.isdigit() else _MONTHS[month.casefold()]
        hour = int(parts["hour"] or 0)
        ampm = (parts.get("ampm") or "").replace(".", "").casefold()
        if ampm == "pm" and hour < 12:
            hour += 12
        elif ampm == "am" and hour == 12:
            hour = 0
        try:
            value = datetime(
                int(parts["year"]),
                month_number,
                int(parts["day"]),
                hour,
                int(parts["minute"] or 0),
                int(parts["second"] or 0),
                tzinfo=_zone(parts.get("zone")),
            )
        except ValueError:
            continue
        return value.astimezone(UTC), found.group(0)
    return None


def _zone(text: str | None) -> timezone:
    if not text or text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0)))
