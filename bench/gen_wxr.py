"""Write a deterministic WordPress export (WXR 1.2) for benchmarks: posts x comments x depth.

The same arguments always give the same bytes. Content looks like what WordPress stores:
paragraphs as blank lines, single newlines as line breaks, light HTML, links and bare URLs,
entities, `<blockquote>` quotes of the parent, non-Latin scripts and emoji, a little hostile
markup, and `]]>` in code split across CDATA sections as WordPress's exporter does. Statuses
are mixed as on real blogs (about 80 % approved, 10 % pending, 7 % spam, 3 % trash), and
5 % of top-level comments are pingbacks. FEATURES says how often each kind of content occurs.

Each post's thread has ``--roots`` top-level comments (100 by default, so one page of
``per_page=100`` is the whole thread) and the other comments spread evenly over their
subtrees, nested at most ``--depth`` levels: each reply answers the comment just before it in
its subtree (a conversation) or an earlier one, and no comment is deeper than the limit.

    python bench/gen_wxr.py --posts 10 --comments 10000 --depth 10 --seed 1 -o big.xml
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import UTC, datetime, timedelta
from typing import TextIO

SITE = "https://bench.example.org"
WORDS = (
    "the of and to in is that it was for on are as with his they at be this from have or by "
    "one had not but what all were when we there can an your which their said if do will each "
    "about how up out them then she many some so these would other into has more her two like "
    "him see time could no make than first been its who now people my made over did down only "
    "way find use may water long little very after words called just where most know get "
    "through back much before go good new write our used me man too any day same right look "
    "think also around another came come work three word must because does part even place "
    "well such here take why things help put years different away again off went old number "
    "great tell men say small every found still between name should home big give air line set "
    "own under read last never us left end along while might next sound below saw something "
    "thought both few those always looked show large often together asked house world going "
    "want school important until form food keep children feet land side without boy once "
    "animals life enough took sometimes four head above kind began almost live page got earth "
    "need far hand high year mother light parts country father let night following picture "
    "being study second eyes soon times story boys since white days ever paper hard near "
    "sentence better best across during today others however sure means knew try told young "
    "miles sun ways thing whole hear example heard several change answer room sea against top "
    "turned learn point city play toward five using himself usually bicycle bread oven flour "
    "gears chain saddle frame recipe starter dough crust mountain trail weather archive blog"
).split()
NAMES = (
    "Alice Bob Carol Dave Erin Frank Grace Heidi Ivan Judy Mallory Niaj Olivia Peggy Rupert "
    "Sybil Trent Victor Walter Zoë Renée José Łukasz Søren Ngozi Aiko Mehmet Priya Chen Olga"
).split()
SURNAMES = (
    "Smith Jones Müller García Rossi Novak Kowalski Tanaka Kim Nguyen Okafor Hansen Dubois "
    "Silva Ivanova Cohen Haddad Patel O'Brien van der Berg"
).split()
# Non-Latin scripts and emoji, as real discussions have them.
FOREIGN = (
    "Αυτό είναι πολύ ενδιαφέρον",
    "Спасибо за подробный разбор",
    "これはとても参考になりました",
    "这个方法我试过了，效果很好",
    "شكرا جزيلا على هذا المقال",
    "תודה רבה על הפוסט",
    "정말 유용한 정보네요",
    "बहुत बढ़िया लेख है",
    "Great post 👍🎉",
    "I laughed so hard 😂😂",
    "Merci beaucoup, très utile ✨",
)
# A little hostile markup: the sanitizer must remove all of it.
HOSTILE = (
    "<script>alert('x')</script>",
    '<img src="x" onerror="alert(1)">',
    '<a href="javascript:alert(1)">click me</a>',
    '<iframe src="https://evil.example.net/"></iframe>',
    '<p style="position:fixed;top:0">overlay</p>',
    '<a href="https://ok.example.com/" onclick="steal()">a link</a>',
    "<svg><script>alert(2)</script></svg>",
    "<!-- a comment --> <style>body{display:none}</style>",
)
ENTITIES = ("&amp;", "&hellip;", "&#8217;", "&lt;3", "&quot;", "R&D", "AT&T", "&nbsp;", "&copy;")
STATUSES = (("1", 80), ("0", 10), ("spam", 7), ("trash", 3))


def _weighted(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    pick = rng.randrange(sum(weight for _value, weight in table))
    for value, weight in table:
        if pick < weight:
            return value
        pick -= weight
    raise AssertionError("unreachable")


# What a comment contains besides words, and how often (per comment; independent draws).
# About 60 % of comments end up as plain text: no markup, no entity, no link.
FEATURES = {
    "link": 0.08,  # <a href="...">...</a>
    "bare_url": 0.06,  # https://... or www.... in the text
    "entity": 0.08,  # &amp; &hellip; &#8217; ... or a bare R&D
    "emphasis": 0.05,  # <em>, <strong>
    "foreign": 0.08,  # a non-Latin phrase or emoji
    "quote": 0.15,  # of replies: a passage of the parent in a <blockquote>
    "code": 0.01,  # <pre><code> holding "]]>", split across CDATA sections
    "list": 0.01,  # <ul><li>
    "hostile": 0.01,  # script, event handlers, javascript: links, iframes, styles
}


def _sentence(rng: random.Random) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 18)))
    return text[0].upper() + text[1:] + rng.choice(".....!?")


def _paragraph(rng: random.Random) -> list[str]:
    return [_sentence(rng) for _ in range(rng.randint(1, 4))]


def _insert(rng: random.Random, paragraphs: list[list[str]], fragment: str) -> None:
    """Put a fragment between two words of a random sentence."""
    sentences = rng.choice(paragraphs)
    at = rng.randrange(len(sentences))
    words = sentences[at].split(" ")
    words.insert(rng.randrange(1, len(words) + 1), fragment)
    sentences[at] = " ".join(words)


def _body(rng: random.Random, parent_body: str | None) -> str:
    paragraphs = [_paragraph(rng) for _ in range(rng.choice((1, 1, 1, 2, 2, 3, 4)))]
    draw = {name: rng.random() < rate for name, rate in FEATURES.items()}
    if draw["link"]:
        word = rng.choice(WORDS)
        _insert(
            rng, paragraphs, f'<a href="https://{word}.example.org/{rng.randrange(99)}">{word}</a>'
        )
    if draw["bare_url"]:
        url = rng.choice(
            (
                f"https://example.com/{rng.choice(WORDS)}?id={rng.randrange(1000)}",
                f"www.{rng.choice(WORDS)}.com",
                f"(see http://{rng.choice(WORDS)}.example.net/page)",
            )
        )
        _insert(rng, paragraphs, url)
    if draw["entity"]:
        _insert(rng, paragraphs, rng.choice(ENTITIES))
    if draw["emphasis"]:
        tag = rng.choice(("em", "strong"))
        _insert(rng, paragraphs, f"<{tag}>{rng.choice(WORDS)}</{tag}>")
    if draw["foreign"]:
        _insert(rng, paragraphs, rng.choice(FOREIGN))
    # A single newline inside a paragraph, as WordPress stores a line break.
    text = [("\n" if rng.random() < 0.1 else " ").join(sentences) for sentences in paragraphs]
    if parent_body is not None and draw["quote"]:
        # Quote the parent: a run of its words, in a blockquote, as readers paste them.
        words = parent_body.replace("\n", " ").split()
        start = rng.randrange(max(1, len(words) - 12))
        passage = " ".join(words[start : start + rng.randint(9, 20)])
        if "<" not in passage and ">" not in passage:
            text.insert(0, f"<blockquote>{passage}</blockquote>")
    if draw["code"]:
        text.append("<pre><code>if (a[b[0]]>1) { x = y &amp;&amp; z; }</code></pre>")
    if draw["list"]:
        text.append(f"<ul>\n<li>{rng.choice(WORDS)}</li>\n<li>{rng.choice(WORDS)}</li>\n</ul>")
    if draw["hostile"]:
        text.append(rng.choice(HOSTILE))
    return "\n\n".join(text)


def cdata(value: str) -> str:
    """Wrap text in CDATA, splitting ``]]>`` across two sections as WordPress does."""
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _comment(out: TextIO, c: dict) -> None:
    out.write(
        "\t\t<wp:comment>\n"
        f"\t\t\t<wp:comment_id>{c['id']}</wp:comment_id>\n"
        f"\t\t\t<wp:comment_author>{cdata(c['author'])}</wp:comment_author>\n"
        f"\t\t\t<wp:comment_author_email>{cdata(c['email'])}</wp:comment_author_email>\n"
        f"\t\t\t<wp:comment_author_url>{c['url']}</wp:comment_author_url>\n"
        f"\t\t\t<wp:comment_author_IP>{cdata(c['ip'])}</wp:comment_author_IP>\n"
        f"\t\t\t<wp:comment_date>{cdata(c['date'])}</wp:comment_date>\n"
        f"\t\t\t<wp:comment_date_gmt>{cdata(c['date'])}</wp:comment_date_gmt>\n"
        f"\t\t\t<wp:comment_content>{cdata(c['body'])}</wp:comment_content>\n"
        f"\t\t\t<wp:comment_approved>{cdata(c['approved'])}</wp:comment_approved>\n"
        f"\t\t\t<wp:comment_type>{cdata(c['type'])}</wp:comment_type>\n"
        f"\t\t\t<wp:comment_parent>{c['parent']}</wp:comment_parent>\n"
        f"\t\t\t<wp:comment_user_id>0</wp:comment_user_id>\n"
        "\t\t\t<wp:commentmeta>\n"
        "\t\t\t\t<wp:meta_key>" + cdata("akismet_result") + "</wp:meta_key>\n"
        "\t\t\t\t<wp:meta_value>"
        + cdata("true" if c["approved"] == "spam" else "false")
        + "</wp:meta_value>\n"
        "\t\t\t</wp:commentmeta>\n"
        "\t\t</wp:comment>\n"
    )


def _comments(
    rng: random.Random,
    post_id: int,
    count: int,
    roots: int,
    depth: int,
    next_id: int,
    start: datetime,
):
    """Yield one post's comments in the order they were written (ids and dates ascending)."""
    roots = max(1, min(roots, count))
    pingbacks = {r for r in range(roots) if r % 20 == 7}  # 5 % of the top level
    talkers = [r for r in range(roots) if r not in pingbacks] or [0]
    subtrees: list[list[tuple[int, int, str]]] = [[] for _ in range(roots)]  # (id, depth, body)
    when = start
    for at in range(count):
        when += timedelta(seconds=rng.randint(5, 600))
        comment_id = next_id + at
        name = f"{rng.choice(NAMES)} {rng.choice(SURNAMES)}"
        c = {
            "id": comment_id,
            "author": name,
            "email": name.lower().replace(" ", ".").replace("'", "") + "@example.net",
            "url": f"https://{rng.choice(WORDS)}.example.net/" if rng.random() < 0.3 else "",
            "ip": f"198.51.{rng.randrange(256)}.{rng.randrange(256)}",
            "date": when.strftime("%Y-%m-%d %H:%M:%S"),
            "approved": _weighted(rng, STATUSES),
            "type": "comment",
        }
        if at < roots:
            tree, parent, level, parent_body = at, 0, 0, None
            if at in pingbacks:
                c["type"] = "pingback"
                c["author"] = f"A {rng.choice(WORDS)} blog &raquo; {rng.choice(WORDS)}"
                c["url"] = f"https://{rng.choice(WORDS)}.example.com/{post_id}/"
                c["approved"] = "1"
        else:
            tree = talkers[at % len(talkers)]
            nodes = subtrees[tree]
            # A conversation: mostly the latest comment of the subtree, else an earlier one.
            candidate = nodes[-1] if rng.random() < 0.6 else rng.choice(nodes)
            while candidate[1] >= depth:  # the root is at depth 0, so this ends
                candidate = rng.choice(nodes)
            parent, level, parent_body = candidate[0], candidate[1] + 1, candidate[2]
        body = (
            f"[&#8230;] {_sentence(rng)} [&#8230;]"
            if c["type"] == "pingback"
            else _body(rng, parent_body)
        )
        c["body"], c["parent"] = body, parent
        subtrees[tree].append((comment_id, level, body))
        yield c


def write(out: TextIO, *, posts: int, comments: int, depth: int, seed: int, roots: int) -> int:
    """Write the export; return how many comments it holds."""
    rng = random.Random(seed)
    out.write(
        '<?xml version="1.0" encoding="UTF-8" ?>\n'
        "<!-- This is a WordPress eXtended RSS file generated by WordPress as an export. -->\n"
        '<!-- generator="WordPress/6.7.1" created="2025-01-13 09:12" -->\n'
        '<rss version="2.0"\n'
        '\txmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"\n'
        '\txmlns:content="http://purl.org/rss/1.0/modules/content/"\n'
        '\txmlns:wfw="http://wellformedweb.org/CommentAPI/"\n'
        '\txmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        '\txmlns:wp="http://wordpress.org/export/1.2/"\n>\n\n<channel>\n'
        "\t<title>Benchmark Blog</title>\n"
        f"\t<link>{SITE}</link>\n"
        "\t<description>Generated for forum's benchmarks</description>\n"
        "\t<language>en-GB</language>\n"
        "\t<wp:wxr_version>1.2</wp:wxr_version>\n"
        f"\t<wp:base_site_url>{SITE}</wp:base_site_url>\n"
        f"\t<wp:base_blog_url>{SITE}</wp:base_blog_url>\n"
        "\t<wp:author><wp:author_id>1</wp:author_id><wp:author_login><![CDATA[admin]]></wp:author_login>"
        "<wp:author_email><![CDATA[admin@bench.example.org]]></wp:author_email>"
        "<wp:author_display_name><![CDATA[The Admin]]></wp:author_display_name></wp:author>\n"
        "\t<wp:category><wp:term_id>1</wp:term_id><wp:category_nicename><![CDATA[talk]]></wp:category_nicename>"
        "<wp:category_parent><![CDATA[]]></wp:category_parent><wp:cat_name><![CDATA[Talk]]></wp:cat_name></wp:category>\n"
    )
    total, next_id = 0, 1
    start = datetime(2020, 1, 1, tzinfo=UTC)
    for post in range(1, posts + 1):
        post_id = 100000 + post
        published = start + timedelta(days=post)
        title = f"Discussion {post}: {' '.join(rng.choice(WORDS) for _ in range(5))}"
        content = "\n\n".join(" ".join(_paragraph(rng)) for _ in range(5))
        out.write(
            "\n\t<item>\n"
            f"\t\t<title><![CDATA[{title}]]></title>\n"
            f"\t\t<link>{SITE}/{published:%Y/%m/%d}/discussion-{post}/</link>\n"
            f"\t\t<pubDate>{published:%a, %d %b %Y %H:%M:%S} +0000</pubDate>\n"
            "\t\t<dc:creator><![CDATA[admin]]></dc:creator>\n"
            f'\t\t<guid isPermaLink="false">{SITE}/?p={post_id}</guid>\n'
            "\t\t<description></description>\n"
            f"\t\t<content:encoded>{cdata(content)}</content:encoded>\n"
            "\t\t<excerpt:encoded><![CDATA[]]></excerpt:encoded>\n"
            f"\t\t<wp:post_id>{post_id}</wp:post_id>\n"
            f"\t\t<wp:post_date><![CDATA[{published:%Y-%m-%d %H:%M:%S}]]></wp:post_date>\n"
            f"\t\t<wp:post_date_gmt><![CDATA[{published:%Y-%m-%d %H:%M:%S}]]></wp:post_date_gmt>\n"
            "\t\t<wp:comment_status><![CDATA[open]]></wp:comment_status>\n"
            f"\t\t<wp:post_name><![CDATA[discussion-{post}]]></wp:post_name>\n"
            "\t\t<wp:status><![CDATA[publish]]></wp:status>\n"
            "\t\t<wp:post_parent>0</wp:post_parent>\n"
            "\t\t<wp:post_type><![CDATA[post]]></wp:post_type>\n"
            '\t\t<category domain="category" nicename="talk"><![CDATA[Talk]]></category>\n'
        )
        for c in _comments(rng, post_id, comments, roots, depth, next_id, published):
            _comment(out, c)
        out.write("\t</item>\n")
        total += comments
        next_id += comments
    out.write("</channel>\n</rss>\n")
    return total


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1)
    parser.add_argument("--comments", type=int, default=1000, help="comments per post")
    parser.add_argument("--depth", type=int, default=10, help="maximum nesting depth")
    parser.add_argument("--roots", type=int, default=100, help="top-level comments per post")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-o", "--output", default="-")
    args = parser.parse_args(argv)
    if args.depth < 1:
        parser.error("--depth must be at least 1")
    if args.output == "-":
        write(
            sys.stdout,
            posts=args.posts,
            comments=args.comments,
            depth=args.depth,
            seed=args.seed,
            roots=args.roots,
        )
        return
    with open(args.output, "w", encoding="utf-8", newline="\n") as out:
        write(
            out,
            posts=args.posts,
            comments=args.comments,
            depth=args.depth,
            seed=args.seed,
            roots=args.roots,
        )


if __name__ == "__main__":
    main()
