"""Quotes through the importers: stored, cited in bodies, served, and kept when sources go."""

from __future__ import annotations

from sqlalchemy import select

from forum.extensions import db
from forum.models import Comment, CommentStatus, Quote
from tests.conftest import ROOT, count
from tests.wxr_builder import C, P, write_wxr

DEMO = ROOT / "import" / "demo-blog.wxr.xml"
PARENT = (
    "We walked it in early July and there was still old snow on the pass, so it was "
    "genuinely dangerous without microspikes. Conditions change a lot from year to year."
)
PASTE = "there was still old snow on the pass, so it was genuinely dangerous without microspikes"


def by_key() -> dict[str, Comment]:
    rows = db.session.execute(select(Comment)).scalars().all()
    return {row.source_key.rsplit("-", 1)[-1]: row for row in rows}


def quotes_of(comment: Comment) -> list[tuple[int | None, str]]:
    rows = db.session.execute(
        select(Quote.source_comment_id, Quote.text)
        .where(Quote.comment_id == comment.id)
        .order_by(Quote.id)
    )
    return [tuple(row) for row in rows]


def test_demo_wxr_blockquotes_and_angle_quotes_are_linked(run_import):
    report = run_import(DEMO)
    assert report.quotes["total"] == 5
    rows = by_key()
    # <blockquote> in comment 6 repeats comment 4 word for word.
    [(source, text)] = quotes_of(rows["6"])
    assert source == rows["4"].id and text.startswith("Surface rust under old paint")
    assert f'<blockquote cite="#c{rows["4"].id}">' in rows["6"].body_html
    # "> " lines in comment 12 repeat comment 11; they become a cited blockquote.
    [(source, text)] = quotes_of(rows["12"])
    assert source == rows["11"].id and text.startswith("A two-pack clear is better")
    assert rows["12"].body_html.startswith(f'<blockquote cite="#c{rows["11"].id}"><p>A two-pack')
    assert rows["12"].body_raw.startswith("> A two-pack")  # the original never changes
    again = run_import(DEMO)
    assert dict(again.quotes) == {"total": 5, "created": 0, "removed": 0}
    assert again.comments["updated"] == 0


def test_silent_paste_is_a_quote_and_both_sides_say_so(run_import, tmp_path, http):
    comments = [
        C("1", content=PARENT, date_gmt="2024-01-01 10:00:00"),
        C(
            "2",
            parent="1",
            content=f"Good point:\n\n{PASTE}\n\nWe carried ours.",
            author="Bo",
            date_gmt="2024-01-01 11:00:00",
        ),
        C(
            "3",
            content="An unrelated comment that happens to be long enough to be checked.",
            date_gmt="2024-01-01 12:00:00",
        ),
    ]
    run_import(write_wxr(tmp_path / "b.xml", [P("1", title="Hut to hut", comments=comments)]))
    rows = by_key()
    assert quotes_of(rows["2"]) == [(rows["1"].id, PASTE)]
    post_id = rows["1"].post_id
    thread = http.get(f"/api/posts/{post_id}/comments").json()["comments"]
    first = thread[0]
    assert first["quoted_by"] == [rows["2"].id]
    reply = first["replies"][0]
    assert reply["quotes"] == [
        {"comment_id": rows["2"].id, "source_comment_id": rows["1"].id, "text": PASTE}
    ]
    assert f'<blockquote cite="#c{rows["1"].id}"><p>{PASTE}</p></blockquote>' in reply["body_html"]
    view = http.get(f"/api/comments/{rows['2'].id}").json()
    assert view["ancestors"][0]["quoted_by"] == [rows["2"].id]
    assert view["comment"]["quotes"][0]["source_comment_id"] == rows["1"].id


def test_quote_stays_readable_when_its_source_is_deleted(run_import, tmp_path, http):
    comments = [
        C("1", content=PARENT, date_gmt="2024-01-01 10:00:00"),
        C(
            "2",
            content=f"<blockquote>{PASTE}</blockquote>\n\nNoted.",
            date_gmt="2024-01-02 10:00:00",
        ),
    ]
    run_import(write_wxr(tmp_path / "b.xml", [P("1", comments=comments)]))
    rows = by_key()
    rows["1"].status = CommentStatus.DELETED
    db.session.commit()
    thread = http.get(f"/api/posts/{rows['1'].post_id}/comments").json()["comments"]
    [reply] = [node for node in thread if node["id"] == rows["2"].id]
    assert reply["quotes"] == [
        {"comment_id": rows["2"].id, "source_comment_id": rows["1"].id, "text": PASTE}
    ]
    # Even gone from the database, the quote keeps its text.
    db.session.delete(db.session.get(Comment, rows["1"].id))
    db.session.commit()
    reply = http.get(f"/api/comments/{rows['2'].id}").json()["comment"]
    assert reply["quotes"] == [
        {"comment_id": rows["2"].id, "source_comment_id": None, "text": PASTE}
    ]


def test_reimport_replaces_quotes_only_when_they_changed(run_import, tmp_path):
    path = tmp_path / "b.xml"

    def write(reply: str) -> None:
        comments = [
            C("1", content=PARENT, date_gmt="2024-01-01 10:00:00"),
            C("2", parent="1", content=reply, date_gmt="2024-01-01 11:00:00"),
            C("3", parent="1", content=f"Me too.\n\n{PASTE}", date_gmt="2024-01-01 12:00:00"),
        ]
        write_wxr(path, [P("1", comments=comments)])

    write(f"> {PASTE}\n\nAgreed.")
    run_import(path)
    untouched = db.session.execute(select(Quote.id).order_by(Quote.id)).scalars().all()
    write("Changed my mind about quoting anything at all here, so this says only itself.")
    report = run_import(path)
    assert dict(report.quotes) == {"total": 1, "created": 0, "removed": 1}
    assert db.session.execute(select(Quote.id)).scalars().all() == untouched[1:]
    assert count(Quote) == 1
