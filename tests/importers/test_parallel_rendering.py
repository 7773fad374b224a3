"""A big import sanitizes in worker processes: the records are exactly those of one process."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from forum.importers import quoting, rendering, wxr
from forum.importers.records import CommentRecord, PostRecord
from forum.importers.xmlsource import ReadState
from forum.models import CommentKind, CommentStatus
from forum.quotes import _ANALYZED, find_thread_quotes
from forum.sanitize import render_wordpress_comment

DEMO = Path(__file__).resolve().parents[2] / "import" / "demo-blog.wxr.xml"


def records(path: Path) -> list:
    return list(wxr.parse(path, recover=False, state=ReadState()))


@pytest.mark.skipif(not DEMO.exists(), reason="the demo export is not there")
def test_workers_give_the_same_records_as_one_process(ctx, monkeypatch):
    ctx.config["IMPORT_WORKERS"] = 0
    alone = records(DEMO)
    monkeypatch.setattr(rendering, "PARALLEL_FROM_BYTES", 0)
    monkeypatch.setattr(rendering, "BATCH", 3)  # several batches, some half full
    ctx.config["IMPORT_WORKERS"] = 2
    try:
        together = records(DEMO)
    finally:
        del ctx.config["IMPORT_WORKERS"]
    assert together == alone
    comments = [
        comment for record in alone if isinstance(record, PostRecord) for comment in record.comments
    ]
    assert len(comments) > 10 and all(isinstance(c.body_html, str) for c in comments)
    assert not _ANALYZED  # analyses made ahead are dropped when the file is done


def test_renderer_without_workers_renders_at_once():
    with rendering.Renderer(render_wordpress_comment, workers=1) as renderer:
        assert not renderer.parallel
        assert renderer.submit("Hello") == "<p>Hello</p>"


def test_renderer_returns_results_in_the_order_submitted():
    with rendering.Renderer(render_wordpress_comment, workers=2) as renderer:
        pending = [renderer.submit(f"Comment number {n}") for n in range(300)]
        assert [p.result() for p in pending] == [f"<p>Comment number {n}</p>" for n in range(300)]


@pytest.mark.skipif(not DEMO.exists(), reason="the demo export is not there")
def test_quotes_found_ahead_are_those_the_writer_finds(ctx, monkeypatch):
    monkeypatch.setattr(rendering, "PARALLEL_FROM_BYTES", 0)
    monkeypatch.setattr(quoting, "BATCH", 3)  # several batches, some half full
    ctx.config["IMPORT_WORKERS"] = 2
    found = 0
    try:
        for record in wxr.parse(DEMO, recover=False, state=ReadState()):
            if isinstance(record, PostRecord) and record.comments:
                keyed = quoting.unique_keys(record.comments)
                expected = find_thread_quotes(
                    quoting.quote_input(keyed, quoting.thread_tree(keyed))
                )
                assert record.quotes_ahead.result() == expected
                found += len(expected)
    finally:
        del ctx.config["IMPORT_WORKERS"]
    assert found


def test_quotes_are_found_here_when_the_quote_process_is_gone():
    with quoting.QuoteWorker(rendering.process_context()) as worker:
        worker._process.terminate()
        worker._process.join()
        comment = quoting.QuoteComment("1", None, CommentKind.COMMENT, None, "Some words.")
        worker.submit(comment)
        assert worker.thread([comment]).result() is None  # the writer finds them itself


def test_quote_process_reads_the_comments_as_they_are_when_the_post_ends():
    said = "The committee met on Tuesday and agreed to repaint the old station bridge."
    comments = [
        CommentRecord("a", None, CommentStatus.APPROVED, "1", body_raw=said),
        CommentRecord("b", None, CommentStatus.APPROVED, "1", body_raw=f"Indeed.\n\n{said}"),
        CommentRecord("c", None, CommentStatus.APPROVED, "1", body_raw=f"{said}\n\nWho said?"),
    ]

    def found_here(records):
        keyed = quoting.unique_keys(records)
        return find_thread_quotes(quoting.quote_input(keyed, quoting.thread_tree(keyed)))

    with quoting.QuoteWorker(rendering.process_context()) as worker:
        for comment in comments:
            worker.submit(comment)
        # Dated when the post ends (a comment with only a local date): b is the earliest.
        for day, comment in zip((3, 1, 2), comments, strict=True):
            comment.created_at = datetime(2024, 5, day, tzinfo=UTC)
        expected = found_here(comments)
        assert expected["c"][0].source_key == "b"
        assert worker.thread(comments).result() == expected
        # Comments other than those submitted are sent whole.
        for comment in comments:
            worker.submit(comment)
        others = [comments[0], comments[2]]
        assert worker.thread(others).result() == found_here(others)
