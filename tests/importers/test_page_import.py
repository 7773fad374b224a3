"""Saved pages end to end: the seeds and a WordPress theme's HTML, through the CLI and the API."""

from __future__ import annotations

import json
import re
import shlex
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from forum.config import from_environment
from forum.extensions import db
from forum.importers import detect_format
from forum.importers.page import textpage
from forum.models import Comment, CommentStatus, Post, PostStatus
from forum.models.base import utcnow
from forum.spam import find_phrase
from tests.conftest import FIXTURES, ROOT, SHARED, count

SEEDS = SHARED / "seeds"
FORM_TEXT = ("Leave a Reply", "Fill in your details", "You are commenting using", "Connecting to")


def seed(prefix: str) -> Path:
    """A seed page from the shared folder; the test skips when the folder is absent."""
    found = sorted(SEEDS.glob(f"{prefix}_*.txt")) if SEEDS.is_dir() else []
    if not found:
        pytest.skip(f"no seed {prefix} in {SEEDS}")
    return found[0]


def cli_import(app, *paths: Path, **config) -> dict:
    """Run `forum import --json`, with settings overridden for the run."""
    saved = {key: app.config[key] for key in config}
    app.config.update(config)
    try:
        result = app.test_cli_runner().invoke(args=["import", "--json", *map(str, paths)])
    finally:
        app.config.update(saved)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    return summary["files"][0] if len(paths) == 1 else summary


def api_post(http, title: str) -> dict:
    items = http.get("/api/posts?per_page=100").json()["items"]
    [item] = [item for item in items if item["title"] == title]
    return http.get(f"/api/posts/{item['id']}").json()


def api_thread(http, post_id: int) -> list[dict]:
    response = http.get(f"/api/posts/{post_id}/comments?per_page=100")
    assert response.status_code == 200
    return response.json()["comments"]


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def paragraphs(html: str) -> list[str]:
    return [text_of(part) for part in re.findall(r"<p>(.*?)</p>", html, re.DOTALL)]


# The seeds ----------------------------------------------------------------------------------


def test_blog_seed_thread_authors_and_quotes(app, ctx, http):
    report = cli_import(app, seed("001"))
    assert report["format"] == "page"
    assert report["warning_count"] == 0, report["warnings"]
    post = api_post(http, "France and AQIM, Continued")
    thread = api_thread(http, post["id"])
    assert len(thread) == 4
    assert [len(node["replies"]) for node in thread] == [1, 1, 1, 0]
    assert report["comments"]["total"] == 7
    first, reply = thread[0], thread[0]["replies"][0]
    assert first["author"]["name"] == "MA"
    assert not text_of(first["body_html"]).endswith("-MA")
    [quote] = reply["quotes"]
    assert quote["source_comment_id"] == first["id"]
    assert quote["text"].startswith("the best way to combat is not to hunt down")
    assert f'<blockquote cite="#c{first["id"]}">' in reply["body_html"]
    assert reply["id"] in first["quoted_by"]
    third, third_reply = thread[2], thread[2]["replies"][0]
    [quote] = third_reply["quotes"]
    assert quote["source_comment_id"] == third["id"]
    assert quote["text"].startswith("Regarding hardline approach")
    assert quote["text"].endswith("you have to do both.")
    bodies = [post["body_html"], *db.session.execute(select(Comment.body_html)).scalars()]
    assert not any(phrase in body for body in bodies for phrase in FORM_TEXT)


def test_forum_seed_date_and_repeated_paragraphs(app, ctx, http):
    report = cli_import(app, seed("000"))
    assert report["paragraphs_dropped"] == 3
    post = api_post(http, "Red Alert: Al-Qaeda in North Africa Targets French Facilities")
    assert post["published_at"].startswith("2025-07-10T10:04")
    found = paragraphs(post["body_html"])
    assert len(found) == 4 and len(set(found)) == 4
    assert api_thread(http, post["id"]) == []


def test_forum_seed_is_held_for_its_spam_phrase(app, ctx, http):
    report = cli_import(app, seed("000"), MODERATION_KEYS=["phone number list"])
    assert report["held_for_moderation"] == 1 and report["posts"]["by_status"] == {"pending": 1}
    assert "phone number list" in report["findings"][0]["reason"]
    post = db.session.execute(select(Post)).scalar_one()
    assert post.status == PostStatus.PENDING
    assert post.status_reason == 'contains the moderation phrase "phone number list"'
    assert http.get(f"/api/posts/{post.id}").status_code == 404
    human = app.test_cli_runner()
    app.config["MODERATION_KEYS"] = ["phone number list"]
    try:
        output = human.invoke(args=["import", str(seed("000"))]).output
    finally:
        app.config["MODERATION_KEYS"] = []
    assert "held for moderation 1" in output and "repeated paragraphs dropped: 3" in output


@pytest.mark.parametrize(
    ("prefix", "more", "credits"),
    [
        ("002", ["French Officials Warn", "The War in Mali"], ["FRED DUFOUR", "Getty Images"]),
        ("004", ["The War in Mali", "Has al-Qaeda Already Been Defeated?"], ["Joe Penney"]),
    ],
)
def test_news_seeds_lose_widgets_and_credits(app, ctx, http, prefix, more, credits):
    report = cli_import(app, seed(prefix))
    post = db.session.execute(select(Post)).scalar_one()
    data = api_post(http, post.title)
    body = text_of(data["body_html"])
    for chrome in ["Share", "Read Later", "(MORE:", *credits]:
        assert chrome not in body
    titles = [link["title"] for link in data["related_links"]]
    for headline in more:
        assert any(headline in title for title in titles), titles
    assert data["summary"] and not data["summary"].endswith(".")
    assert data["summary"] not in body
    assert report["comments"]["total"] == 0 and api_thread(http, data["id"]) == []


def test_policy_seed_related_headlines_and_source_line(app, ctx, http):
    cli_import(app, seed("003"))
    post = db.session.execute(select(Post)).scalar_one()
    data = api_post(http, post.title)
    titles = [link["title"] for link in data["related_links"]]
    assert "Foreign jihadists continue to pour into Mali" in titles
    # A headline the saved page wrapped onto two lines is one headline again.
    assert "White House secret meetings examine al-Qaeda threat in North Africa" in titles
    body = text_of(data["body_html"])
    assert not any(title in body for title in titles)
    assert "Source: France24" not in paragraphs(data["body_html"])
    assert body.endswith("surrendered to authorities in Niger.")


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_each_seed_imported_twice_leaves_one_post(app, ctx, prefix):
    first = cli_import(app, seed(prefix))
    again = cli_import(app, seed(prefix))
    assert first["posts"]["created"] == 1
    assert again["posts"] == {**again["posts"], "created": 0, "updated": 0, "unchanged": 1}
    comments = again["comments"]
    assert (comments["created"], comments["updated"]) == (0, 0)
    assert comments["unchanged"] == first["comments"]["created"]
    assert again["quotes"]["created"] == again["quotes"]["removed"] == 0
    assert count(Post) == 1


# HTML saved from a WordPress theme ----------------------------------------------------------

WORDPRESS_PAGE = FIXTURES / "wordpress-theme-page.html"
CHROME = (
    "Skip to content",
    "About the workshop",
    "Share this",
    "Twitter",
    "Leave a Reply",
    "Post Comment",
    "Save my name",
    "Proudly powered",
    "Previous post",
    "TRACKING SCRIPT",
    "comment script",
    "Posted in",
)


def test_wordpress_html_page_imports_its_nested_thread(app, ctx, http):
    assert detect_format(WORDPRESS_PAGE) == "page"
    report = cli_import(app, WORDPRESS_PAGE)
    assert report["warning_count"] == 0, report["warnings"]
    assert report["paragraphs_dropped"] == 1
    post = api_post(http, "Fixing a Singer 201K that will not feed")
    assert post["url"] == "https://workshop.example.org/2024/02/singer-201k-feed-dogs/"
    assert post["author"] == {"name": "Ruth Okafor"}
    assert post["published_at"].startswith("2024-02-10T08:30")
    assert {link["url"] for link in post["related_links"]} == {
        "https://workshop.example.org/2023/09/featherweight-bobbin-case/",
        "https://workshop.example.org/2023/11/singer-motor-brushes/",
    }
    thread = api_thread(http, post["id"])
    # The pingback has no date on the page; undated comments are listed first.
    assert [node["kind"] for node in thread] == ["pingback", "comment", "comment"]
    assert thread[0]["author"]["name"] == "Weekly links: machines and mending"
    chain = [thread[1]]
    while chain[-1]["replies"]:
        chain.append(chain[-1]["replies"][0])
    assert [node["author"]["name"] for node in chain] == [
        "Dorothy Pym",
        "Ruth Okafor",
        "Dorothy Pym",
        "Ruth Okafor",
    ]
    assert [node["depth"] for node in chain] == [0, 1, 2, 3]
    assert chain[0]["created_at"].startswith("2024-02-10T11:02")
    assert chain[3]["created_at"].startswith("2024-02-10T14:30")  # +01:00 read as UTC
    rows = db.session.execute(select(Comment)).scalars().all()
    assert len(rows) == 7 and all(row.status == CommentStatus.APPROVED for row in rows)
    assert {row.source_url for row in rows if row.kind.value == "comment"} >= {
        "https://workshop.example.org/2024/02/singer-201k-feed-dogs/#comment-31"
    }
    for body in [post["body_html"], *(row.body_html for row in rows)]:
        assert "<script" not in body
        assert not any(chrome in body for chrome in CHROME), body
    again = cli_import(app, WORDPRESS_PAGE)
    assert again["posts"]["unchanged"] == 1 and again["comments"]["unchanged"] == 7


def test_wordpress_html_quotes_are_linked(app, ctx, http):
    cli_import(app, WORDPRESS_PAGE)
    keyed = {
        row.source_key.rsplit("-", 1)[-1]: row
        for row in db.session.execute(select(Comment)).scalars()
    }
    view = http.get(f"/api/comments/{keyed['32'].id}").json()["comment"]
    assert [quote["source_comment_id"] for quote in view["quotes"]] == [keyed["31"].id]
    view = http.get(f"/api/comments/{keyed['36'].id}").json()["comment"]
    assert [quote["text"] for quote in view["quotes"]] == [
        "Mine has small pits all along the front edge where the fabric runs."
    ]
    assert f'<blockquote cite="#c{keyed["35"].id}">' in view["body_html"]


# Text pages: the thread's shape ------------------------------------------------------------


def write_page(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "page.txt"
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


NESTED = """
    Mending a fence, properly

    The old fence came down in the storm, and this is how the new one went up over a long weekend.

    {count} comments on “Mending a fence, properly”

      1. Concrete or gravel for the posts? I have read both and the arguments never end.

        • Gravel, every time: it drains, and a rotten post comes out in minutes.

          • I agree with gravel, but only with a proper hardcore base under it.

            • Hardcore base noted. Ours is clay, which may change things.

              • Clay holds water, so gravel matters even more.
      2. Lovely job.
      3. Three.
      4. Four.
      5. Five.
      6. Six.
      7. Seven.
      8. Eight.
      9. Nine.
      10. Ten, and a second paragraph below.

        It continues here.

        — Jo Bloggs
"""


def test_text_page_nests_replies_by_indentation_to_any_depth(run_import, tmp_path):
    report = run_import(write_page(tmp_path, NESTED.format(count=14)))
    assert report.warning_count == 0
    rows = {
        row.source_key.rsplit("#comment-", 1)[-1]: row
        for row in db.session.execute(select(Comment)).scalars()
    }
    assert set(rows) == {"1", "1.1", "1.1.1", "1.1.1.1", "1.1.1.1.1", *map(str, range(2, 11))}
    assert rows["1.1.1.1.1"].depth == 4 and rows["1.1.1.1.1"].root_id == rows["1"].id
    assert rows["1.1.1.1"].parent_id == rows["1.1.1"].id
    # Positional keys sort as numbers: the tenth comment comes after the ninth.
    assert rows["10"].id > rows["9"].id
    assert rows["10"].author_name == "Jo Bloggs"
    assert "It continues here." in rows["10"].body_html and "Jo Bloggs" not in rows["10"].body_html


def test_header_count_mismatch_is_a_warning(run_import, tmp_path):
    report = run_import(write_page(tmp_path, NESTED.format(count=12)))
    [warning] = report.warnings
    assert "announces 12 comments but 14 were found" in warning["message"]
    assert warning["line"] == 5


def test_page_without_a_url_is_keyed_by_its_words(run_import, tmp_path):
    path = write_page(tmp_path, NESTED.format(count=14))
    run_import(path)
    # Saved again with other spacing and quote marks: still the same page.
    path.write_text(path.read_text().replace("“", '"').replace("  1.", "  1. "), "utf-8")
    report = run_import(path)
    assert report.posts["created"] == 0 and count(Post) == 1


def test_format_page_forces_the_page_reader_and_saved_from_gives_the_url(app, ctx, tmp_path):
    path = tmp_path / "saved.htm"
    path.write_text(
        "<!-- saved from url=(0046)https://news.example.com/2013/04/a-strike/ -->\n"
        + WORDPRESS_PAGE.read_text().replace('<link rel="canonical"', '<link rel="x"'),
        encoding="utf-8",
    )
    result = app.test_cli_runner().invoke(args=["import", "--format", "page", str(path)])
    assert result.exit_code == 0, result.output
    assert "(page," in result.output and "quotes:" in result.output
    post = db.session.execute(select(Post)).scalar_one()
    assert post.source_key == post.url == "https://news.example.com/2013/04/a-strike/"
    assert post.slug == "a-strike"


def test_detection_tells_pages_from_other_files(tmp_path):
    cases = {
        "page.txt": (b"A title\n\nSome text of the page.\n", "page"),
        "page.html": (b"\xef\xbb\xbf<!DOCTYPE html><html><title>t</title></html>", "page"),
        "blog.xml": (b'<rss><channel xmlns:wp="http://wordpress.org/export/1.2/">', "wxr"),
    }
    for name, (content, expected) in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        assert detect_format(path) == expected


# Spam phrases ------------------------------------------------------------------------------


def test_phrases_hold_or_mark_comments_and_keep_moderators_decisions(app, ctx, tmp_path):
    page = NESTED.format(count=14).replace("Lovely job.", "Lovely job. Cheap pills here.")
    page = page.replace("Three.", "Three, call our phone number list.")
    path = write_page(tmp_path, page)
    settings = {"MODERATION_KEYS": ["Phone  Number list"], "DISALLOWED_KEYS": ["cheap pills"]}
    report = cli_import(app, path, **settings)
    assert (report["held_for_moderation"], report["marked_spam"]) == (1, 1)
    assert report["comments"]["by_status"] == {"approved": 12, "pending": 1, "spam": 1}
    rows = {
        row.source_key.rsplit("#comment-", 1)[-1]: row
        for row in db.session.execute(select(Comment)).scalars()
    }
    assert rows["2"].status == CommentStatus.SPAM
    assert rows["2"].status_reason == 'contains the disallowed phrase "cheap pills"'
    assert rows["3"].status == CommentStatus.PENDING
    # A moderator approves the held comment; importing again must not hold it again.
    rows["3"].status, rows["3"].moderated_at = CommentStatus.APPROVED, utcnow()
    rows["3"].status_reason = "approved by a moderator"
    db.session.commit()
    cli_import(app, path, **settings)
    db.session.expire_all()
    assert db.session.get(Comment, rows["3"].id).status == CommentStatus.APPROVED
    # Without the phrase lists, the spam finding ends and the comment follows its source.
    cli_import(app, path, MODERATION_KEYS=[], DISALLOWED_KEYS=[])
    db.session.expire_all()
    assert db.session.get(Comment, rows["2"].id).status == CommentStatus.APPROVED
    assert db.session.get(Comment, rows["2"].id).status_reason is None


@pytest.mark.parametrize(
    ("text", "phrases", "expected"),
    [
        ("Call our PHONE\n number   list now", ["phone number list"], "phone number list"),
        ("nothing here", ["phone number list"], None),
        ("WordPress", ["press"], "press"),  # like WordPress: inside words too
        ("anything", ["", "  "], None),
    ],
)
def test_find_phrase(text, phrases, expected):
    assert find_phrase(text, phrases) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('["phone number list", "cheap pills"]', ["phone number list", "cheap pills"]),
        ("phone number list\n\n  cheap pills  \n", ["phone number list", "cheap pills"]),
    ],
)
def test_phrase_lists_come_from_the_environment(raw, expected):
    settings = from_environment({"FORUM_MODERATION_KEYS": raw, "FORUM_DISALLOWED_KEYS": raw})
    assert settings["MODERATION_KEYS"] == settings["DISALLOWED_KEYS"] == expected


# The text reader alone ---------------------------------------------------------------------


def read_text(text: str):
    article = textpage.read(textwrap.dedent(text).lstrip("\n"))
    assert article is not None
    return article


def test_byline_and_dateline_under_a_standfirst_are_not_body_text():
    article = read_text(
        """
        A bridge too far for the council

        The footbridge over the canal will not reopen this year, a letter to residents says

        By Jane Doe
        March 3, 2013

        The letter, sent on Friday, blames a shortage of steel and of engineers.
        """
    )
    assert article.summary.startswith("The footbridge over the canal")
    assert article.author == "Jane Doe"
    assert article.published_at == datetime(2013, 3, 3, tzinfo=UTC)
    assert paragraphs(article.body_html) == [
        "The letter, sent on Friday, blames a shortage of steel and of engineers."
    ]


def test_a_comments_heading_with_no_comments_under_it_is_body_text():
    article = read_text(
        """
        Notes on the meeting

        The first item was the budget, which passed without much discussion at all.

        Comments

        Several members asked for the minutes to be posted earlier next time around.
        """
    )
    assert article.comments == []
    assert "Several members asked" in article.body_html


def test_a_bulleted_list_at_the_end_is_the_articles_not_related_links():
    article = read_text(
        """
        Bread for beginners

        You need very little to start, and all of it is in any supermarket nearby.

        • Strong white flour
        • Dried yeast sachets
        • Fine sea salt
        """
    )
    assert article.related == []
    assert "Dried yeast sachets" in article.body_html


def test_sample_configuration_sets_the_phrase_lists():
    environ = {}
    for line in (ROOT / "forum.sample.env").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            [environ[key]] = shlex.split(value) or [""]
    settings = from_environment(environ)
    assert settings["MODERATION_KEYS"] == ["phone number list"]
    assert settings["DISALLOWED_KEYS"] == []
    # Every setting is shown; those without a sensible sample value are commented out.
    commented = {"FORUM_DATABASE_URL", "FORUM_SECRET_KEY", "FORUM_REDIS_URL", "FORUM_UPLOAD_DIR"}
    assert set(environ) == {f"FORUM_{key}" for key in settings} - commented
    text = (ROOT / "forum.sample.env").read_text()
    assert all(f"#{name}=" in text for name in commented)
