"""The WXR exporter: well-formed WXR 1.2 as WordPress writes it, statuses mapped back,
CDATA split, characters XML forbids left out, and every value read back as stored."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from lxml import etree
from sqlalchemy import select

from forum.exporters import ExportStats
from forum.exporters.wxr import COMMENT_APPROVED, POST_STATUSES, export_wxr
from forum.extensions import db
from forum.models import (
    Author,
    Comment,
    CommentKind,
    CommentStatus,
    Post,
    PostStatus,
    PostType,
    Term,
)
from tests.exporters.conftest import import_into, write_export

WP = "http://wordpress.org/export/1.2/"
NS = {
    "wp": WP,
    "content": "http://purl.org/rss/1.0/modules/content/",
    "excerpt": "http://wordpress.org/export/1.2/excerpt/",
    "dc": "http://purl.org/dc/elements/1.1/",
}
WHEN = datetime(2024, 3, 1, 12, 30, 15, tzinfo=UTC)


def make_post(title: str = "A post", **fields) -> Post:
    values = {
        "type": PostType.POST,
        "status": PostStatus.PUBLISHED,
        "body_raw": "Body.",
        "published_at": WHEN,
        "source": "test",
        "source_key": title,
        **fields,
    }
    post = Post(title=title, **values)
    db.session.add(post)
    db.session.flush()
    return post


def make_comment(post: Post, key: str, **fields) -> Comment:
    values = {
        "status": CommentStatus.APPROVED,
        "author_name": "Reader",
        "body_raw": f"Comment {key}.",
        "created_at": WHEN,
        "source": "test",
        "source_key": f"{post.id}-{key}",
        **fields,
    }
    comment = Comment(post_id=post.id, **values)
    db.session.add(comment)
    db.session.flush()
    return comment


def exported(**options) -> tuple[etree._Element, ExportStats]:
    db.session.commit()
    stats = ExportStats()
    data = b"".join(export_wxr(db.session, stats=stats, **options))
    # Strict: no recovery, as WordPress's SimpleXML parser reads it.
    return etree.fromstring(data, etree.XMLParser(recover=False, resolve_entities=False)), stats


def by_post_id(root: etree._Element) -> dict[int, etree._Element]:
    return {int(item.findtext("wp:post_id", namespaces=NS)): item for item in root.iter("item")}


def test_channel_is_wxr_1_2_with_the_site_authors_and_terms(ctx):
    author = Author(
        login="ada",
        display_name="Ada & Co",
        email="ada@example.org",
        source="test",
        source_key="ada",
    )
    parent = Term(taxonomy="category", slug="travel", name="Travel")
    child = Term(taxonomy="category", slug="alps", name="Alps", parent_slug="travel")
    tag = Term(taxonomy="post_tag", slug="snow", name="Snow")
    other = Term(taxonomy="post_format", slug="post-format-aside", name="Aside")
    db.session.add_all([author, parent, child, tag, other])
    db.session.flush()
    make_post(author_id=author.id, terms=[child, parent, tag, other])
    root, _stats = exported(site_url="https://archive.example.org/")
    assert root.tag == "rss" and root.get("version") == "2.0"
    assert root.nsmap == {**NS, "wfw": "http://wellformedweb.org/CommentAPI/"}
    channel = root.find("channel")
    assert channel.findtext("wp:wxr_version", namespaces=NS) == "1.2"
    for name in ("base_site_url", "base_blog_url"):
        assert channel.findtext(f"wp:{name}", namespaces=NS) == "https://archive.example.org"
    assert channel.findtext("link") == "https://archive.example.org"
    for name in ("title", "description", "pubDate", "language"):
        assert channel.findtext(name)
    [wp_author] = channel.findall("wp:author", NS)
    assert wp_author.findtext("wp:author_login", namespaces=NS) == "ada"
    assert wp_author.findtext("wp:author_display_name", namespaces=NS) == "Ada &amp; Co"
    categories = [
        c.findtext("wp:category_nicename", namespaces=NS)
        for c in channel.findall("wp:category", NS)
    ]
    assert categories == ["travel", "alps"]  # parents first
    assert channel.find("wp:tag/wp:tag_name", NS).text == "Snow"
    assert channel.find("wp:term/wp:term_taxonomy", NS).text == "post_format"
    [item] = root.iter("item")
    domains = sorted((c.get("domain"), c.get("nicename")) for c in item.findall("category"))
    assert domains == [
        ("category", "alps"),
        ("category", "travel"),
        ("post_format", "post-format-aside"),
        ("post_tag", "snow"),
    ]


def test_item_has_the_elements_wordpress_reads(ctx):
    post = make_post(
        "Tom & Jerry",
        slug="tom-jerry-été",
        url="https://blog.example.org/tj/",
        excerpt="<p>Short.</p>",
        is_sticky=True,
        comments_open=False,
        type=PostType.PAGE,
        modified_at=WHEN,
    )
    root, _stats = exported()
    item = by_post_id(root)[post.id]
    text = {child.tag: child.text for child in item}
    assert text["title"] == "Tom &amp; Jerry"  # titles are HTML in WordPress
    assert text["link"] == "https://blog.example.org/tj/"
    assert text["pubDate"] == "Fri, 01 Mar 2024 12:30:15 +0000"
    assert text[f"{{{NS['content']}}}encoded"] == "Body."
    assert text[f"{{{NS['excerpt']}}}encoded"] == "<p>Short.</p>"
    assert item.find("guid").get("isPermaLink") == "false"
    expected = {
        "post_id": str(post.id),
        "post_date": "2024-03-01 12:30:15",
        "post_date_gmt": "2024-03-01 12:30:15",
        "post_modified_gmt": "2024-03-01 12:30:15",
        "comment_status": "closed",
        "ping_status": "closed",
        "post_name": "tom-jerry-%C3%A9t%C3%A9",  # percent-encoded, as WordPress stores it
        "status": "publish",
        "post_parent": "0",
        "menu_order": "0",
        "post_type": "page",
        "post_password": "",
        "is_sticky": "1",
    }
    assert {name: text[f"{{{WP}}}{name}"] for name in expected} == expected


def test_unknown_dates_are_zero_and_no_link_is_invented(ctx):
    post = make_post("Draft", status=PostStatus.DRAFT, published_at=None)
    make_comment(post, "1", created_at=None)
    root, _stats = exported()
    item = by_post_id(root)[post.id]
    assert item.find("link") is None and item.find("pubDate") is None
    assert item.findtext("wp:post_date_gmt", namespaces=NS) == "0000-00-00 00:00:00"
    assert item.findtext("wp:comment/wp:comment_date_gmt", namespaces=NS) == "0000-00-00 00:00:00"


@pytest.mark.parametrize(
    ("status", "expected"),
    sorted(((status.value, value) for status, value in POST_STATUSES.items())),
)
def test_post_status_mapping(ctx, status, expected):
    post = make_post(status=PostStatus(status))
    root, _stats = exported()
    assert by_post_id(root)[post.id].findtext("wp:status", namespaces=NS) == expected


def test_comment_statuses_kinds_and_parents_map_back(ctx):
    post = make_post()
    statuses = {status: make_comment(post, status.value, status=status) for status in CommentStatus}
    reply = make_comment(post, "reply", parent_id=statuses[CommentStatus.APPROVED].id, depth=1)
    ping = make_comment(post, "ping", kind=CommentKind.PINGBACK)
    root, _stats = exported()
    found = {}
    for comment in by_post_id(root)[post.id].findall("wp:comment", NS):
        meta = comment.find("wp:commentmeta", NS)
        assert meta.findtext("wp:meta_key", namespaces=NS) == "_forum_status"
        found[int(comment.findtext("wp:comment_id", namespaces=NS))] = (
            comment.findtext("wp:comment_approved", namespaces=NS),
            meta.findtext("wp:meta_value", namespaces=NS),
            comment.findtext("wp:comment_type", namespaces=NS),
            comment.findtext("wp:comment_parent", namespaces=NS),
            comment.findtext("wp:comment_author_IP", namespaces=NS),
        )
    assert {status: found[comment.id][:2] for status, comment in statuses.items()} == {
        CommentStatus.APPROVED: ("1", "approved"),
        CommentStatus.PENDING: ("0", "pending"),
        CommentStatus.HIDDEN: ("0", "hidden"),
        CommentStatus.SPAM: ("spam", "spam"),
        CommentStatus.DELETED: ("trash", "deleted"),
    }
    assert set(COMMENT_APPROVED) == set(CommentStatus)
    assert found[reply.id][3] == str(statuses[CommentStatus.APPROVED].id)
    assert found[ping.id][2:4] == ("pingback", "0")
    assert found[reply.id][4] == ""  # addresses are kept as hashes only: never exported


def test_cdata_end_is_split_and_forbidden_characters_are_left_out(ctx):
    body = "Nested <![CDATA[ tags ]]> and ]]]]> :) with a \x0b tab and \x1f unit"
    post = make_post("Bell\x07 title", body_raw=body)
    make_comment(post, "1", body_raw="]]>", author_name="A\x01B")
    db.session.commit()
    data = b"".join(export_wxr(db.session))
    assert b"]]]]><![CDATA[>" in data
    root, stats = exported()
    item = by_post_id(root)[post.id]
    content = item.findtext("content:encoded", namespaces=NS)
    assert content == "Nested <![CDATA[ tags ]]> and ]]]]> :) with a  tab and  unit"
    assert item.findtext("title") == "Bell title"
    assert item.findtext("wp:comment/wp:comment_content", namespaces=NS) == "]]>"
    assert item.findtext("wp:comment/wp:comment_author", namespaces=NS) == "AB"
    assert stats.removed_characters == 4


def test_protected_posts_stay_protected(ctx):
    post = make_post(is_protected=True)
    root, _stats = exported()
    password = by_post_id(root)[post.id].findtext("wp:post_password", namespaces=NS)
    assert password and len(password) >= 12


def test_only_the_posts_asked_for(ctx):
    kept, dropped = make_post("Kept"), make_post("Dropped")
    root, stats = exported(post_ids=[kept.id])
    assert list(by_post_id(root)) == [kept.id] and stats.posts == 1
    assert dropped.id not in by_post_id(root)


def test_hidden_comments_stay_hidden_through_our_importer(ctx, other_app, tmp_path):
    post = make_post()
    make_comment(post, "1", status=CommentStatus.HIDDEN)
    make_comment(post, "2", status=CommentStatus.PENDING)
    db.session.commit()
    write_export(tmp_path / "export.xml", "wxr")
    import_into(other_app, tmp_path / "export.xml")
    with other_app.app_context():
        rows = db.session.execute(
            select(Comment.body_raw, Comment.status, Comment.source_status)
        ).all()
        db.session.remove()
    assert sorted(rows) == [
        ("Comment 1.", CommentStatus.HIDDEN, "0"),
        ("Comment 2.", CommentStatus.PENDING, "0"),
    ]
