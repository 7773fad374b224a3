"""The WXR importer end to end: idempotent, atomic, hardened, and correct about trees."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import select

from forum.errors import ImportFailed
from forum.extensions import db
from forum.models import Comment, CommentStatus, ImportRun, Post, PostStatus
from tests.conftest import count
from tests.wxr_builder import C, P, chain, write_wxr, wxr


def comments_by_key(post_title: str | None = None) -> dict[str, Comment]:
    rows = db.session.execute(select(Comment)).scalars().all()
    return {row.source_key.rsplit("-", 1)[-1]: row for row in rows}


def test_reimport_creates_nothing_new(run_import, tmp_path):
    path = write_wxr(tmp_path / "blog.xml", [P("1", comments=[C("1"), C("2", parent="1")])])
    first = run_import(path)
    assert (first.posts["created"], first.comments["created"]) == (1, 2)
    second = run_import(path)
    assert (second.posts["created"], second.comments["created"]) == (0, 0)
    assert (second.posts["unchanged"], second.comments["unchanged"]) == (1, 2)
    assert (count(Post), count(Comment)) == (1, 2)


def test_reimport_updates_changed_content_and_status(run_import, tmp_path):
    path = tmp_path / "blog.xml"
    write_wxr(path, [P("1", comments=[C("1", content="First version."), C("2", approved="0")])])
    run_import(path)
    write_wxr(path, [P("1", comments=[C("1", content="Second version."), C("2", approved="1")])])
    report = run_import(path)
    assert report.comments["updated"] == 2
    rows = comments_by_key()
    assert rows["1"].body_raw == "Second version."
    assert "Second version." in rows["1"].body_html
    assert rows["2"].status == CommentStatus.APPROVED
    assert count(Comment) == 2


def test_moderated_status_survives_reimport(run_import, tmp_path):
    path = tmp_path / "blog.xml"
    write_wxr(path, [P("1", comments=[C("1", approved="1")])])
    run_import(path)
    row = comments_by_key()["1"]
    from forum.models.base import utcnow

    row.status, row.moderated_at = CommentStatus.HIDDEN, utcnow()
    db.session.commit()
    write_wxr(path, [P("1", comments=[C("1", approved="0")])])
    run_import(path)
    db.session.expire_all()
    assert comments_by_key()["1"].status == CommentStatus.HIDDEN


def test_parents_resolve_whatever_the_order_in_the_file(run_import, tmp_path):
    # Children before parents, ids out of date order.
    comments = [
        C("30", parent="20", date_gmt="2024-01-03 00:00:00"),
        C("20", parent="10", date_gmt="2024-01-02 00:00:00"),
        C("10", date_gmt="2024-01-01 00:00:00"),
    ]
    run_import(write_wxr(tmp_path / "blog.xml", [P("1", comments=comments)]))
    rows = comments_by_key()
    assert rows["30"].parent_id == rows["20"].id
    assert rows["20"].parent_id == rows["10"].id
    assert rows["10"].parent_id is None
    assert [rows[k].depth for k in ("10", "20", "30")] == [0, 1, 2]
    assert rows["30"].root_id == rows["10"].id


def test_missing_parent_becomes_top_level_with_a_warning(run_import, tmp_path):
    report = run_import(write_wxr(tmp_path / "b.xml", [P("1", comments=[C("2", parent="99")])]))
    row = comments_by_key()["2"]
    assert row.parent_id is None and row.depth == 0
    assert row.source_parent_key == "99"  # what the source said is kept
    assert any(
        "99" in w["message"] and "not in the thread" in w["message"] for w in report.warnings
    )


def test_parent_cycle_is_broken_at_its_oldest_member(run_import, tmp_path):
    comments = [
        C("1", parent="3", date_gmt="2024-01-01 00:00:01"),
        C("2", parent="1", date_gmt="2024-01-01 00:00:02"),
        C("3", parent="2", date_gmt="2024-01-01 00:00:03"),
        C("4", parent="4", date_gmt="2024-01-01 00:00:04"),
    ]
    report = run_import(write_wxr(tmp_path / "b.xml", [P("1", comments=comments)]))
    rows = comments_by_key()
    assert rows["1"].parent_id is None
    assert rows["2"].parent_id == rows["1"].id
    assert rows["3"].parent_id == rows["2"].id
    assert rows["4"].parent_id is None
    messages = " ".join(w["message"] for w in report.warnings)
    assert "cycle of 3" in messages and "parent is itself" in messages
    assert count(Comment) == 4


def test_same_comment_id_under_two_posts_and_twice_in_one(run_import, tmp_path):
    report = run_import(
        write_wxr(
            tmp_path / "b.xml",
            [
                P("1", comments=[C("11", content="On post one.")]),
                P(
                    "2",
                    comments=[C("11", content="On post two."), C("11", content="Again on two.")],
                ),
            ],
        )
    )
    assert count(Comment) == 3
    assert any("appears more than once" in w["message"] for w in report.warnings)


def test_status_and_kind_mapping(run_import, tmp_path):
    comments = [
        C("1", approved="1"),
        C("2", approved="0"),
        C("3", approved="spam"),
        C("4", approved="trash"),
        C("5", approved="post-trashed"),
        C("6", approved=None),
        C("7", type="pingback"),
        C("8", type="trackback"),
        C("9", type="note", approved="0"),
    ]
    report = run_import(write_wxr(tmp_path / "b.xml", [P("1", comments=comments)]))
    rows = comments_by_key()
    assert rows["1"].status == CommentStatus.APPROVED
    assert rows["2"].status == CommentStatus.PENDING
    assert rows["3"].status == CommentStatus.SPAM
    assert rows["4"].status == rows["5"].status == CommentStatus.DELETED
    assert (rows["6"].status, rows["6"].source_status) == (CommentStatus.PENDING, None)
    assert (rows["5"].source_status, rows["4"].source_status) == ("post-trashed", "trash")
    assert rows["7"].kind.value == "pingback" and rows["8"].kind.value == "trackback"
    assert "9" not in rows  # an editorial note is never imported
    assert report.skipped["private_comment"] == 1


def test_truncated_file_leaves_database_unchanged(run_import, tmp_path):
    good = write_wxr(tmp_path / "good.xml", [P("1", comments=[C("1")])])
    run_import(good)
    before = (count(Post), count(Comment), count(ImportRun))
    text = wxr([P(str(n), comments=chain(20)) for n in range(2, 12)])
    broken = tmp_path / "broken.xml"
    broken.write_text(text[: len(text) * 2 // 3], encoding="utf-8")
    with pytest.raises(ImportFailed) as failure:
        run_import(broken)
    assert failure.value.file.endswith("broken.xml")
    assert failure.value.line is not None and failure.value.line > 1
    assert "--recover" in str(failure.value)
    assert (count(Post), count(Comment), count(ImportRun)) == before


def test_recover_salvages_a_truncated_file_and_says_so(run_import, tmp_path):
    text = wxr([P(str(n), comments=[C("1")]) for n in range(1, 6)])
    broken = tmp_path / "broken.xml"
    broken.write_text(
        text[: text.index("<item><title>A post</title><link>https://blog.example.org/?p=5")]
        + "<item><title>Cut",
        encoding="utf-8",
    )
    report = run_import(broken, recover=True)
    assert report.repairs  # the report says the file was damaged
    assert report.posts["created"] >= 4


def test_dry_run_writes_nothing(run_import, tmp_path):
    report = run_import(write_wxr(tmp_path / "b.xml", [P("1", comments=[C("1")])]), dry_run=True)
    assert report.posts_by_status["published"] == 1 and report.comments["created"] == 1
    assert (count(Post), count(Comment), count(ImportRun)) == (0, 0, 0)


def test_external_entity_to_a_local_file_is_refused(run_import, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    evil = tmp_path / "xxe.xml"
    evil.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY leak SYSTEM "file://{secret}">]>\n'
        + wxr([P("1", content="&leak;")]).split("\n", 1)[1].replace("<![CDATA[&leak;]]>", "&leak;")
    )
    with pytest.raises(ImportFailed) as failure:
        run_import(evil)
    assert "DTD" in str(failure.value)
    assert "TOP-SECRET-VALUE" not in str(failure.value)
    assert count(Post) == 0
    # Recovering is no way around it either.
    with pytest.raises(ImportFailed):
        run_import(evil, recover=True)
    assert db.session.execute(select(Post.body_raw)).scalars().all() == []


def test_billion_laughs_is_refused_quickly(run_import, tmp_path):
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{n} "{("&lol" + str(n - 1) + ";") * 10}">' for n in range(1, 10)
    )
    bomb = tmp_path / "bomb.xml"
    bomb.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [{entities}]>\n'
        + wxr([P("1")]).split("\n", 1)[1].replace("<title>A post</title>", "<title>&lol9;</title>")
    )
    started = time.monotonic()
    for recover in (False, True):
        with pytest.raises(ImportFailed) as failure:
            run_import(bomb, recover=recover)
        assert "DTD" in str(failure.value)
    assert time.monotonic() - started < 30  # a bound against hanging, not a benchmark
    assert count(Post) == 0


def test_files_that_are_not_exports_get_a_clear_error(run_import, tmp_path):
    cases = {
        "empty.xml": b"",
        "archive.xml": b"PK\x03\x04" + b"\0" * 100,
        "feed.xml": b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        b"</channel></rss>",
        "page.xml": b"<!doctype html><html><body>hello</body></html>",
    }
    for name, content in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(ImportFailed) as failure:
            run_import(path)
        assert str(failure.value).startswith(str(path))
    assert count(ImportRun) == 0


def test_deep_element_nesting_is_refused_not_crashing(run_import, tmp_path):
    deep = tmp_path / "deep.xml"
    body = "<x>" * 50_000 + "</x>" * 50_000
    deep.write_text(wxr([P("1")]).replace("</channel>", body + "</channel>"))
    with pytest.raises(ImportFailed) as failure:
        run_import(deep)
    assert "deep.xml" in str(failure.value)
    assert count(Post) == 0


def test_ten_thousand_deep_chain_imports(run_import, tmp_path):
    path = write_wxr(tmp_path / "deep.xml", [P("1", comments=chain(10_000))])
    report = run_import(path)
    assert report.comments["created"] == 10_000
    deepest = db.session.execute(
        select(Comment).order_by(Comment.depth.desc()).limit(1)
    ).scalar_one()
    assert deepest.depth == 9_999
    top = db.session.execute(select(Comment).where(Comment.depth == 0)).scalar_one()
    assert deepest.root_id == top.id


def test_authors_terms_and_post_fields(run_import, tmp_path):
    text = wxr([P("7", title="Caf&#233; &amp; more", content="One.\n\nTwo", status="draft")])
    text = text.replace(
        "</wp:post_type>",
        '</wp:post_type><category domain="category" nicename="news"><![CDATA[News]]></category>'
        '<category domain="post_tag" nicename="t1"><![CDATA[Tag One]]></category>'
        "<category><![CDATA[News]]></category>",
        1,
    )
    path = tmp_path / "b.xml"
    path.write_text(text)
    run_import(path)
    post = db.session.execute(select(Post)).scalar_one()
    assert post.title == "Café & more"
    assert post.status == PostStatus.DRAFT and post.source_status == "draft"
    assert post.body_html == "<p>One.</p>\n<p>Two</p>"
    assert post.author is not None and post.author.login == "admin"
    assert sorted((t.taxonomy, t.slug) for t in post.terms) == [
        ("category", "news"),
        ("post_tag", "t1"),
    ]
    assert post.source == "wordpress" and post.source_key == "https://blog.example.org?p=7"
    assert post.import_run_id is not None


def test_cli_import_json_and_errors(app, tmp_path):
    runner = app.test_cli_runner()
    good = write_wxr(tmp_path / "good.xml", [P("1", comments=[C("1"), C("2", approved="spam")])])
    bad = tmp_path / "bad.xml"
    bad.write_text(wxr([P("2")])[:-40])
    result = runner.invoke(args=["import", "--json", str(good), str(bad)])
    assert result.exit_code == 1
    summary = json.loads(result.output)
    assert summary["ok"] is False
    ok, failed = summary["files"]
    assert ok["ok"] and ok["comments"]["by_status"] == {"approved": 1, "spam": 1}
    assert ok["posts"]["created"] == 1
    assert not failed["ok"] and failed["line"] and "bad.xml" in failed["message"]
    human = runner.invoke(args=["import", str(good)])
    assert human.exit_code == 0
    assert "unchanged 2" in human.output and "spam 1" in human.output
