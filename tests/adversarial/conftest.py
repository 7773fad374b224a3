"""The adversarial suite: shared fixtures, and a count of cases per family in every run.

The families (see SECURITY.md) set up their data once per module (hundreds of cases read
one import or one batch of replies), so the database is emptied after each module here,
not after each test as elsewhere in the suite.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from tests.adversarial.support import (
    NOTES,
    Browserish,
    Client,
    InProcess,
    Listener,
    empty_database,
    new_moderator,
)

# Module -> (number, name) of the families; the summary counts cases by these.
FAMILIES: dict[str, tuple[int, str]] = {
    "test_xss": (1, "XSS"),
    "test_xml_attacks": (2, "XML attacks and damaged files"),
    "test_broken_trees": (3, "broken trees"),
    "test_bad_requests": (4, "bad requests"),
    "test_authorization": (5, "authorization"),
    "test_rate_limits": (6, "rate limits"),
    "test_concurrency": (7, "concurrency"),
    "test_crashes": (8, "crashes"),
    "test_cost_bounds": (9, "cost bounds and headers"),
}
HERE = Path(__file__).resolve().parent

_collected: Counter[tuple[int, str]] = Counter()
_outcomes: dict[tuple[int, str], Counter[str]] = defaultdict(Counter)
_by_nodeid: dict[str, tuple[int, str]] = {}


def _family_of(item: pytest.Item) -> tuple[int, str] | None:
    path = Path(str(item.fspath))
    return FAMILIES.get(path.stem) if path.parent == HERE else None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    _collected.clear()
    _by_nodeid.clear()
    for item in items:
        family = _family_of(item)
        if family is not None:
            _collected[family] += 1
            _by_nodeid[item.nodeid] = family


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    family = _by_nodeid.get(report.nodeid)
    if family is None:
        return
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        outcome = report.outcome
        if hasattr(report, "wasxfail"):
            outcome = "xfailed" if report.skipped else "xpassed"
        _outcomes[family][outcome] += 1


def pytest_terminal_summary(terminalreporter) -> None:
    """One line per family: how many cases, and how they went."""
    if not _collected:
        return
    terminalreporter.section("adversarial families")
    for family in sorted(_collected):
        number, name = family
        outcomes = ", ".join(f"{n} {k}" for k, n in sorted(_outcomes[family].items()))
        terminalreporter.write_line(
            f"family {number} ({name}): {_collected[family]} cases"
            + (f": {outcomes}" if outcomes else "")
        )
    terminalreporter.write_line(f"adversarial families in all: {sum(_collected.values())} cases")
    for line in NOTES:
        terminalreporter.write_line(line)


# The database, emptied per module ------------------------------------------------------


@pytest.fixture(autouse=True)
def _empty_database() -> Iterator[None]:
    """Overrides the suite's per-test emptying: here data lives for a module (see below)."""
    yield


@pytest.fixture(scope="module", autouse=True)
def _empty_after_module(app: Flask) -> Iterator[None]:
    yield
    empty_database(app)


# Clients -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def api(server: str) -> Iterator[Client]:
    """A JSON client over real HTTP to the live test server."""
    with Client(server) as client:
        yield client


@pytest.fixture(scope="module")
def reader(server: str) -> Iterator[Browserish]:
    """A browser-like client over real HTTP (cookies, forms, CSRF)."""
    with Browserish(server) as session:
        yield session


@pytest.fixture(scope="module")
def local_api(app: Flask) -> InProcess:
    """The API in process, for the families that read thousands of responses."""
    return InProcess(app)


@pytest.fixture(scope="module")
def local_reader(app: Flask) -> InProcess:
    """The pages in process, as a browser asks for them."""
    return InProcess(app, browser=True)


@pytest.fixture(scope="module")
def local_moderator(app: Flask, moderator_token: str) -> InProcess:
    """The moderation pages in process, signed in."""
    session = InProcess(app, browser=True)
    session.sign_in(moderator_token)
    return session


@pytest.fixture(scope="module")
def moderator_token(app: Flask, request: pytest.FixtureRequest) -> str:
    return new_moderator(app, f"adversary-{request.module.__name__.rsplit('.', 1)[-1]}")


@pytest.fixture(scope="module")
def moderator_web(server: str, moderator_token: str) -> Iterator[Browserish]:
    """A browser session signed in as a moderator."""
    with Browserish(server) as session:
        session.sign_in(moderator_token)
        yield session


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    """A TCP listener on loopback that hostile files point at: it must get no connection."""
    found = Listener()
    yield found
    found.close()
