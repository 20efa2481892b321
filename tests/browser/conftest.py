"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

One Chromium for all the tests of this package, a fresh context and page per test, a
screenshot in ``test-artifacts/screenshots/`` when a test fails, and every page checked for
console errors, uncaught exceptions and failed requests.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connections
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Request,
    Response,
    expect,
    sync_playwright,
)

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"

# Debian's package, not Playwright's download (which cannot be fetched here, and CI installs
# the Debian one in .ci/run).
# `make test` installs it (or says what to install); CHROMIUM= points elsewhere.
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# How long a step may wait for the page (a deadline, not a pause: a step goes on the moment
# its condition holds). Generous, so a page that a loaded machine serves slowly is not a failure.
TIMEOUT_MS = 15_000

REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """Keep each phase's report on the item, so the ``page`` fixture knows if the test failed."""
    outcome = yield
    report = outcome.get_result()
    item.stash.setdefault(REPORTS, {})[report.when] = report


@pytest.fixture(scope="package", autouse=True)
def _migrated_data_restored(django_db_setup, django_db_blocker) -> Iterator[None]:
    """Leave the database as the migrations made it, for the tests that run after these.

    Live-server tests are transactional: each one ends with a flush. With serialized
    rollback (see ``page``) the next browser test starts from the migrated contents
    (contenttypes, permissions, the site, the "Marketing admins" group, the default field
    mappings of connector 0003), but Django flushes *without* recreating them afterwards, so
    the last flush would leave an empty database to the transactional tests that follow.
    Restoring is idempotent: rows are saved by primary key.
    """
    yield
    with django_db_blocker.unblock():
        _flush_without_post_migrate()
        for connection in connections.all(initialized_only=True):
            contents = getattr(connection, "_test_serialized_contents", None)
            if contents:
                connection.creation.deserialize_db_from_string(contents)


def _flush_without_post_migrate() -> None:
    """Empty every database, without the post_migrate handlers that recreate rows (the
    "Marketing admins" group under a new id among them)."""
    for connection in connections.all(initialized_only=True):
        call_command(
            "flush",
            database=connection.alias,
            interactive=False,
            verbosity=0,
            inhibit_post_migrate=True,
        )


@pytest.fixture
def _emptied_for_the_restore(django_db_setup, django_db_blocker) -> None:
    """Each browser test restores the migrated contents (serialized rollback) into an empty
    database. A plain transactional test ends with a flush whose post_migrate handlers
    recreate the "Marketing admins" group under a new id, so restoring the migrated one (id
    1, the same name) on top failed, on PostgreSQL, whenever such a test ran just before a
    browser test in the same process (with parallel workers it may)."""
    with django_db_blocker.unblock():
        _flush_without_post_migrate()


@pytest.fixture
def transactional_db(_emptied_for_the_restore, transactional_db):  # noqa: F811 — pytest-django's, after the flush
    return transactional_db


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the package (package scope: see the note on the loop)."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing; the browser tests need Debian's Chromium: "
            "run `make test` (it installs it as root or with sudo) or `apt-get install chromium`.",
            pytrace=False,
        )
    # Playwright's sync API leaves its asyncio loop marked as running in this thread while it
    # is started. Django then (1) refuses ORM calls here, although the loop is idle whenever a
    # test or fixture touches the database, and (2) through asgiref, keys connections by
    # context instead of by thread: the tests would get a second connection in this thread,
    # without pytest-django's bookkeeping (the serialized contents for serialized rollback).
    # So allow the calls and keep this thread's connections. The browser stops when the
    # package ends, so no other test runs under the loop or the variable.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    thread_connections = {alias: connections[alias] for alias in connections}
    try:
        with sync_playwright() as playwright:
            for alias, connection in thread_connections.items():
                connections[alias] = connection
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            expect.set_options(timeout=TIMEOUT_MS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def browser_problems() -> list[str]:
    """Console errors, uncaught exceptions and failed requests of the test's page."""
    return []


@pytest.fixture
def page(
    request: pytest.FixtureRequest,
    browser: Browser,
    live_server,
    django_db_serialized_rollback,
    browser_problems: list[str],
) -> Iterator[Page]:
    """A fresh page on the live server (relative URLs work); a screenshot if the test fails.

    Fails the test at teardown if any page it visited logged a console error, threw, or had
    a request fail (a missing static file, a 500), so no test can pass over a broken page.
    """
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-US"
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()

    def console(message: ConsoleMessage) -> None:
        url = message.location.get("url", "")
        if message.type in ("error", "assert"):
            browser_problems.append(f"console {message.type}: {message.text} ({url})")

    def response(response: Response) -> None:
        if response.status >= 400:
            browser_problems.append(f"HTTP {response.status}: {response.url}")

    def request_failed(request: Request) -> None:
        # ERR_ABORTED: a request cut short because the page navigated on (a form submit).
        if request.failure != "net::ERR_ABORTED":
            browser_problems.append(f"failed: {request.url} {request.failure}")

    page.on("console", console)
    page.on("response", response)
    page.on("requestfailed", request_failed)
    page.on("pageerror", lambda error: browser_problems.append(f"uncaught: {error}"))
    yield page
    reports = request.node.stash.get(REPORTS, {})
    if any(report.failed for report in reports.values()):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name).strip("_")
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    context.close()
    if browser_problems and not any(report.failed for report in reports.values()):
        pytest.fail("The browser reported problems:\n" + "\n".join(browser_problems))


@pytest.fixture(autouse=True)
def enqueued_syncs() -> Iterator[list[str]]:
    """Triggers of the sync jobs the pages enqueued, read from the real broker.

    The queue is emptied before the test, and what the test left is read (and so
    removed) at the end of it: nothing stays on the developer's or CI's broker.
    The list fills when the test asks for it (``enqueued_syncs`` is read lazily).
    """
    from tests.conftest import broker_drain

    broker_drain()
    triggers = _LazyTriggers()
    yield triggers
    broker_drain()


class _LazyTriggers(list):
    """A list that reads the broker's queue each time it is compared or shown."""

    def _refresh(self) -> None:
        from tests.conftest import broker_drain

        self.extend(broker_drain())

    def __eq__(self, other: object) -> bool:
        self._refresh()
        return list(self) == other

    def __repr__(self) -> str:
        return repr(list(self))
