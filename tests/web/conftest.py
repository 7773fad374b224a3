"""Fixtures for the pages: a discussion to read, a browser-like HTTP client, moderators,
and (for the browser tests) Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import lxml.html
import pytest
import requests
from sqlalchemy import select

from forum.extensions import db
from forum.models import Comment, Post
from forum.services.moderators import add_moderator
from tests.wxr_builder import C, P, write_wxr

# Deep enough that the thread page cuts it ("continue this thread") at level 8.
CHAIN = 12
QUOTED = "The first comment of this thread has enough words to be quoted by a later reply"
BROWSER_HEADERS = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def _discussion() -> list[C]:
    chain = [
        C(
            f"d{n}",
            parent=f"d{n - 1}" if n > 1 else "0",
            content=f"Deep reply number {n}.",
            author=f"Chain {n}",
            date_gmt=f"2024-01-03 10:{n:02d}:00",
        )
        for n in range(1, CHAIN + 1)
    ]
    return [
        C("1", content=QUOTED + ".", author="Ada", date_gmt="2024-01-01 10:00:00"),
        C(
            "2",
            parent="1",
            content=f"<blockquote>{QUOTED}</blockquote>I am not so sure about that.",
            author="Ben",
            date_gmt="2024-01-01 11:00:00",
        ),
        C("3", parent="2", content="Agreed with Ben.", author="Cy", date_gmt="2024-01-01 12:00:00"),
        C("4", approved="spam", content="Buy cheap watches.", author="Spammer"),
        C("5", approved="0", content="Awaiting a moderator.", author="Dee"),
        C(
            "6",
            approved="trash",
            content="Removed text.",
            author="Eve",
            date_gmt="2024-01-02 09:00:00",
        ),
        C(
            "7",
            parent="6",
            content="Answer to a removed one.",
            author="Fay",
            date_gmt="2024-01-02 10:00:00",
        ),
        C(
            "8",
            content="Look: <script>alert('xss')</script><b>bold</b>",
            author="<i>Mallory</i>",
            date_gmt="2024-01-02 15:00:00",
        ),
        *chain,
    ]


@pytest.fixture
def discussion(run_import, tmp_path) -> dict:
    """A published post with a nested thread, a quote, hidden comments, a tombstone and a
    reply chain 12 deep; plus a second post. Ids by source key, and the posts' ids."""
    run_import(
        write_wxr(
            tmp_path / "discussion.xml",
            [
                P("1", title="A nested discussion", comments=_discussion()),
                P("2", title="Sourdough notes", content="Rye flour and patience."),
            ],
        )
    )
    rows = db.session.execute(select(Comment.id, Comment.source_key)).all()
    ids = {key.rsplit("-", 1)[-1]: comment_id for comment_id, key in rows}
    posts = dict(db.session.execute(select(Post.title, Post.id)).all())
    db.session.rollback()  # no snapshot left open: the server's writes must be visible
    return {"post": posts["A nested discussion"], "other": posts["Sourdough notes"], **ids}


@pytest.fixture
def moderator_token(ctx) -> str:
    _moderator, token = add_moderator("mia")
    db.session.commit()
    return token


class Browserish(requests.Session):
    """A requests session that speaks to the test server like a browser without JavaScript."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base
        self.headers.update(BROWSER_HEADERS)

    def request(self, method: str, url: str, *args, **kwargs):  # type: ignore[override]
        kwargs.setdefault("timeout", 60)
        kwargs.setdefault("allow_redirects", False)
        response = super().request(
            method, url if url.startswith("http") else self.base + url, *args, **kwargs
        )
        # Browsers send Secure cookies to http://127.0.0.1 (a loopback address is a
        # potentially trustworthy origin); Python's cookie jar does not, unless told.
        for cookie in self.cookies:
            cookie.secure = False
        return response

    def get(self, url: str, **kwargs):  # type: ignore[override]
        kwargs.setdefault("allow_redirects", False)  # Session.get would follow them
        return self.request("GET", url, **kwargs)

    def form(self, page: requests.Response, action: str) -> dict[str, str]:
        """The fields of the page's form that posts to ``action``, as a browser would send
        them untouched (hidden fields, CSRF token included)."""
        document = lxml.html.fromstring(page.text)
        for form in document.forms:
            if form.get("action") == action:
                return {
                    name: value for name, value in form.form_values() if name and value is not None
                }
        raise AssertionError(f"no form posts to {action}")

    def sign_in(self, token: str) -> requests.Response:
        page = self.get("/moderation/sign-in")
        return self.post(
            "/moderation/sign-in", data={**self.form(page, "/moderation/sign-in"), "token": token}
        )


@pytest.fixture
def web(server: str) -> Iterator[Browserish]:
    with Browserish(server) as session:
        yield session


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def assert_accessible_forms(document) -> None:
    """Every control has a label (or a name of its own), and no id is used twice."""
    ids = document.xpath("//@id")
    assert len(ids) == len(set(ids)), "an id is used twice"
    labelled = set(document.xpath("//label/@for"))
    for control in document.xpath("//input | //textarea | //select"):
        if control.get("type") in {"hidden", "submit"}:
            continue
        inside_label = control.xpath("ancestor::label")
        assert control.get("id") in labelled or inside_label or control.get("aria-label"), (
            lxml.html.tostring(control)
        )
    for button in document.xpath("//button"):
        assert button.text_content().strip() or button.get("aria-label")
    assert document.xpath("//header") and document.xpath("//main") and document.xpath("//footer")
    assert len(document.xpath("//h1")) == 1


# Browser tests ------------------------------------------------------------------------------

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def artifacts_folder() -> Path:
    folder = Path(os.environ.get("FORUM_TEST_ARTIFACTS") or "/tmp/forum-test-artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can tell a failure."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _missing_browser() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[test]')"
    if not shutil.which("chromium"):
        return "Debian's chromium is not installed (apt-get install chromium)"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium, headless; the test is skipped only when it or Playwright is missing
    (and fails instead when FORUM_REQUIRE_BROWSER is set, as in CI)."""
    missing = _missing_browser()
    if missing:
        if os.environ.get("FORUM_REQUIRE_BROWSER"):
            pytest.fail(missing)
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser, server, request):
    """Open pages in fresh browser contexts (separate cookies: a reader, a moderator...);
    on failure, save a screenshot of each to the artifacts folder."""
    contexts = []

    def open_page(**options):
        context = browser.new_context(base_url=server, **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    failed = any(
        getattr(getattr(request.node, f"report_{when}", None), "failed", False)
        for when in ("setup", "call")
    )
    for number, context in enumerate(contexts):
        if failed:
            for page in context.pages:
                name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
                page.screenshot(path=artifacts_folder() / f"{name}-{number}.png", full_page=True)
        context.close()


@pytest.fixture
def page(new_page):
    """A reader's page in a fresh browser context."""
    return new_page()
