"""import(export(archive)) into an empty database gives the same archive, in both formats:
posts, comments, the tree, statuses, dates, authors, terms and quotes."""

from __future__ import annotations

import pytest

from forum.extensions import db
from tests.conftest import ROOT, SHARED
from tests.exporters.conftest import import_into, write_export
from tests.exporters.snapshot import JSON_POST_FIELDS, WXR_POST_FIELDS, snapshot
from tests.wxr_builder import C, P, chain, write_wxr

SEEDS = SHARED / "seeds"
CORPUS = SHARED / "corpora" / "wxr"
# Not well-formed on purpose: they import only with --recover.
DAMAGED = {
    "TryGhost-migrate__sample.xml",
    "wordpress-importer__crazy-cdata.xml",
    "wordpress-importer__namespace-edge-cases.xml",
}
FORMATS = ["wxr", "json"]


def round_trip(format: str, other_app, tmp_path) -> tuple[list, list]:
    """Snapshot the archive, export it, import the export elsewhere, snapshot that."""
    fields = WXR_POST_FIELDS if format == "wxr" else JSON_POST_FIELDS
    # WXR dates have whole seconds; replies posted here have microseconds.
    before = snapshot(db.session, fields, seconds=format == "wxr")
    path = tmp_path / f"export.{format}"
    write_export(path, format)
    report = import_into(other_app, path)
    assert report.warning_count == 0, report.warnings
    with other_app.app_context():
        after = snapshot(db.session, fields, seconds=format == "wxr")
        db.session.remove()
    return before, after


@pytest.mark.parametrize("format", FORMATS)
def test_samples_round_trip(run_import, other_app, tmp_path, format):
    run_import(ROOT / "import" / "demo-blog.wxr.xml")
    run_import(ROOT / "import" / "saved-blog-page.html")
    before, after = round_trip(format, other_app, tmp_path)
    assert sum(len(post[3]) for post in before) > 20  # comments
    assert sum(len(post[4]) for post in before) >= 5  # quotes
    assert after == before


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not present")
@pytest.mark.parametrize("format", FORMATS)
def test_seeds_round_trip(run_import, other_app, tmp_path, format):
    for seed in sorted(SEEDS.glob("*.txt")):
        run_import(seed)
    before, after = round_trip(format, other_app, tmp_path)
    assert len(before) == len(list(SEEDS.glob("*.txt")))
    assert sum(len(post[4]) for post in before) >= 2
    assert after == before


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpora is not present")
@pytest.mark.parametrize("format", FORMATS)
def test_corpora_round_trip(run_import, other_app, tmp_path, format):
    for path in sorted(CORPUS.glob("*.xml")):
        run_import(path, recover=path.name in DAMAGED)
    before, after = round_trip(format, other_app, tmp_path)
    assert len(before) > 100
    assert after == before


DISQUS = SHARED / "corpora" / "disqus"


@pytest.mark.skipif(not DISQUS.is_dir(), reason="../shared/corpora is not present")
@pytest.mark.parametrize("format", FORMATS)
def test_disqus_corpora_and_a_merged_blog_round_trip(run_import, other_app, tmp_path, format):
    for path in sorted(DISQUS.glob("*.xml")):
        run_import(path, recover=path.name.startswith("remark42__"))
    before, after = round_trip(format, other_app, tmp_path)
    assert sum(len(post[3]) for post in before) > 190  # comments
    assert after == before


@pytest.mark.parametrize("format", FORMATS)
def test_awkward_threads_round_trip(run_import, other_app, tmp_path, format):
    comments = [
        # Out of order, a missing parent, the same moment twice: the tree as stored returns.
        C("20", content="Written first, listed late.", date_gmt="2024-01-01 09:00:00"),
        C("3", parent="20", content="A reply to twenty.", date_gmt="2024-01-01 09:30:00"),
        C("4", parent="20", content="Same moment, other reply.", date_gmt="2024-01-01 09:30:00"),
        C("5", parent="99", content="My parent is gone.", date_gmt="2024-01-01 10:00:00"),
        C("6", content="No date at all.", date_gmt=None),
        C("7", parent="6", content="Spam <a href='x'>link</a>", approved="spam"),
        C("8", approved="trash", content="Deleted ]]> with a CDATA end."),
        C("9", approved="0", content="Held, with \\backslashes\\ & <b>bold</b>."),
        C("10", type="pingback", author="Other blog &raquo; a post", content="[…] cites […]"),
    ]
    write_wxr(
        tmp_path / "awkward.xml",
        [
            P("1", title="Tom & Jerry <3", comments=comments),
            P("2", title="A long chain", comments=chain(80)),
            P("3", title="Draft", status="draft"),
            P("4", title="A page", type="page", status="private"),
        ],
    )
    run_import(tmp_path / "awkward.xml")
    before, after = round_trip(format, other_app, tmp_path)
    assert max(len(comment[7]) for post in before for comment in post[3]) == 79
    assert after == before


@pytest.mark.parametrize("format", FORMATS)
def test_reimporting_an_export_changes_nothing(run_import, other_app, tmp_path, format):
    run_import(ROOT / "import" / "demo-blog.wxr.xml")
    path = tmp_path / f"export.{format}"
    write_export(path, format)
    first = import_into(other_app, path)
    again = import_into(other_app, path)
    assert first.posts["created"] > 0 and first.comments["created"] > 0
    assert again.posts["created"] == again.posts["updated"] == 0
    assert again.comments["created"] == again.comments["updated"] == 0
    assert again.quotes["created"] == again.quotes["removed"] == 0
