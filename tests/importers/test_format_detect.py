"""Telling what a file is: XML that is not the format it claims is refused, with the place."""

from __future__ import annotations

import pytest

from forum.errors import ImportFailed
from forum.importers import wxr
from forum.importers.xmlsource import ReadState, _declares_dtd, iterparse
from forum.models import ImportRun, Post
from tests.conftest import count
from tests.wxr_builder import C, P
from tests.wxr_builder import wxr as build_wxr

XI = "http://www.w3.org/2001/XInclude"
RSS = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>'
    "<item><title>A headline</title><link>https://news.example.org/1</link></item>"
    "</channel></rss>"
)
DISQUS = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">'
    '<thread dsq:id="1"><link>https://blog.example.org/a/</link><title>T</title></thread>'
    '<post dsq:id="2"><message>@@</message><thread dsq:id="1"/>'
    "<author><name>A</name></author></post></disqus>\n"
)


def export(content: str = "A comment.") -> str:
    """A WXR export whose one comment's content is ``content``, as is (no CDATA)."""
    text = build_wxr([P("1", comments=[C("1", content="@@")])])
    return text.replace("<![CDATA[@@]]>", content)


def where(text: str, markup: str) -> tuple[int, int]:
    """The line and column (from 1, in characters) where markup first starts."""
    before = text[: text.index(markup)]
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


@pytest.mark.parametrize(
    "uri",
    [
        "http://wordpress.org/export/1.0/",
        "http://wordpress.org/export/1.1/",
        "http://wordpress.org/export/1.2/",
        "https://wordpress.org/export/1.2/",  # WordPress.com
    ],
)
def test_every_wxr_version_is_confirmed(tmp_path, uri):
    path = tmp_path / "export.xml"
    path.write_text(export().replace("http://wordpress.org/export/1.2/", uri))
    wxr.confirm(path, recover=False)


def test_wp_namespace_declared_on_the_channel_is_enough(tmp_path):
    text = export().replace(' xmlns:wp="http://wordpress.org/export/1.2/"', "")
    text = text.replace("<channel>", '<channel xmlns:wp="http://wordpress.org/export/1.2/">')
    path = tmp_path / "export.xml"
    path.write_text(text)
    wxr.confirm(path, recover=False)


@pytest.mark.parametrize("format", [None, "wxr"])
def test_rss_feed_is_not_an_export(run_import, tmp_path, format):
    path = tmp_path / "feed.xml"
    path.write_text(RSS.replace("<title>News", "<title>News of wordpress.org/export/ and"))
    with pytest.raises(ImportFailed) as failure:
        run_import(path, format=format)
    assert "an RSS feed, not a WordPress export: no wp: namespace" in failure.value.reason
    assert (count(ImportRun), count(Post)) == (0, 0)


def test_plain_rss_detected_is_named_a_feed(run_import, tmp_path):
    path = tmp_path / "feed.xml"
    path.write_text(RSS)
    with pytest.raises(ImportFailed) as failure:
        run_import(path)
    assert failure.value.reason.startswith("an RSS feed, not a WordPress export")


def test_only_the_excerpt_namespace_is_not_an_export(tmp_path):
    path = tmp_path / "export.xml"
    path.write_text(export().replace(' xmlns:wp="http://wordpress.org/export/1.2/"', ""))
    with pytest.raises(ImportFailed) as failure:
        wxr.confirm(path, recover=True)
    assert "no wp: namespace" in failure.value.reason


def test_disqus_export_named_wxr_and_wxr_named_disqus_are_refused(run_import, tmp_path):
    wrong = tmp_path / "disqus.xml"
    wrong.write_text(DISQUS.replace("@@", "Hello"))
    with pytest.raises(ImportFailed) as failure:
        run_import(wrong, format="wxr")
    assert "a <disqus> root, not a WordPress export" in failure.value.reason
    other = tmp_path / "export.xml"
    other.write_text(export())
    with pytest.raises(ImportFailed) as failure:
        run_import(other, format="disqus")
    assert failure.value.reason == "not a Disqus export: the root element is <rss>, not <disqus>"
    assert failure.value.line == 2
    assert count(ImportRun) == 0


def test_malformed_before_the_root_is_left_to_the_parse(run_import, tmp_path):
    path = tmp_path / "export.xml"
    path.write_text("<!-- x -->\n" + export())
    wxr.confirm(path, recover=False)  # no verdict: the parse says where it breaks
    with pytest.raises(ImportFailed) as failure:
        run_import(path, format="wxr")
    assert (failure.value.line, failure.value.column) == (2, 6)


@pytest.mark.parametrize(
    "element",
    [
        f'<xi:include xmlns:xi="{XI}" href="https://example.org/x.xml"/>',
        f'<xi:include xmlns:xi="{XI}" href="file:///etc/passwd" parse="text"/>',
        '<x:include xmlns:x="http://www.w3.org/2003/XInclude" href="/etc/passwd"/>',
        f'<include xmlns="{XI}" href="/etc/passwd"/>',
        f'<b xmlns:xi="{XI}">é€😀 <xi:include href="/etc/passwd"><xi:fallback/></xi:include></b>',
    ],
)
@pytest.mark.parametrize("recover", [False, True])
def test_xinclude_is_refused_with_its_place(run_import, tmp_path, element, recover):
    text = export(element)
    path = tmp_path / "export.xml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ImportFailed) as failure:
        run_import(path, recover=recover)
    assert "XInclude" in failure.value.reason
    qualified = failure.value.reason.split("<", 1)[1].split(">", 1)[0]
    assert (failure.value.line, failure.value.column) == where(text, "<" + qualified)
    assert (count(ImportRun), count(Post)) == (0, 0)


def test_xinclude_far_along_a_long_line_is_placed(tmp_path):
    text = export("x" * 200_000 + f'<xi:include xmlns:xi="{XI}" href="/etc/passwd"/>')
    path = tmp_path / "export.xml"
    path.write_text(text)
    with pytest.raises(ImportFailed) as failure:
        list(iterparse(path, tags=("{*}item",), recover=False, state=ReadState()))
    assert (failure.value.line, failure.value.column) == where(text, "<xi:include")


def test_xinclude_outside_any_record_is_refused(tmp_path):
    text = export().replace("<channel>", f'<channel><xi:include xmlns:xi="{XI}" href="/x"/>')
    path = tmp_path / "export.xml"
    path.write_text(text)
    with pytest.raises(ImportFailed) as failure:
        list(iterparse(path, tags=("{*}item",), recover=False, state=ReadState()))
    assert (failure.value.line, failure.value.column) == where(text, "<xi:include")


def test_an_unused_xinclude_namespace_is_harmless(run_import, tmp_path):
    path = tmp_path / "export.xml"
    path.write_text(export().replace("<rss ", f'<rss xmlns:xi="{XI}" ', 1))
    assert run_import(path).comments["created"] == 1


@pytest.mark.parametrize("recover", [False, True])
def test_xinclude_in_disqus_is_refused(run_import, tmp_path, recover):
    text = DISQUS.replace("@@", f'<xi:include xmlns:xi="{XI}" href="/etc/passwd"/>')
    path = tmp_path / "disqus.xml"
    path.write_text(text)
    with pytest.raises(ImportFailed) as failure:
        run_import(path, recover=recover)
    assert (failure.value.line, failure.value.column) == where(text, "<xi:include")


@pytest.mark.parametrize("build", [export, lambda body: DISQUS.replace("@@", body)])
def test_undefined_entity_is_named_at_its_line(run_import, tmp_path, build):
    text = build("Caf&eacute; &nbsp;")
    path = tmp_path / "export.xml"
    path.write_text(text)
    with pytest.raises(ImportFailed) as failure:
        run_import(path)
    error = failure.value
    assert "Entity 'eacute' not defined" in error.reason
    assert "&#160;" in error.reason  # says what to write instead
    line, column = where(text, "&eacute;")
    # libxml2 reports the column just past the reference, as with its other errors.
    assert (error.line, error.column) == (line, column + len("&eacute;"))
    assert count(ImportRun) == 0


def test_recovering_nothing_from_a_dtd_says_so(run_import, tmp_path):
    path = tmp_path / "export.xml"
    path.write_text(
        '<?xml version="1.0"?>\n<!-- before -->\n<!DOCTYPE rss [<!ENTITY % e "<!ENTITY x">'
        " %e; %s;]>\n" + export().split("\n", 1)[1]
    )
    with pytest.raises(ImportFailed) as failure:
        run_import(path, recover=True)
    assert "declares a DTD" in failure.value.reason
    assert failure.value.line == 3
    assert failure.value.column is not None


@pytest.mark.parametrize(
    "head, declares",
    [
        (b'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY x "y">]>\n<rss/>', True),
        (b"<!-- a -->\n<?pi x?>\n  <!DOCTYPE rss SYSTEM 'x.dtd'><rss/>", True),
        (b'<?xml version="1.0"?>\n<rss><![CDATA[<!DOCTYPE rss>]]></rss>', False),
        (b"<!-- <!DOCTYPE rss> -->\n<rss/>", False),
        (b"<?xml version='1.0'", False),
        (b"", False),
    ],
)
def test_a_doctype_is_seen_only_in_the_prolog(head, declares):
    assert _declares_dtd(head) is declares
