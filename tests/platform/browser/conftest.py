"""Fixtures of the dashboard's browser tests: a live ``omnimeet serve`` (``tests.reliability.live``) in
permissive mode, shared by the tests of a module and reset before each; headless Chromium with a fresh
profile per test (``support.launch``); and a directory for screenshots: ``$OMNIMEET_TEST_ARTIFACTS/<test>``
when that is set, else the test's ``tmp_path``. A failed test leaves a screenshot of its page there, and its
report carries the server's log."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.platform.browser.support import CONTROL, launch, missing_browser
from tests.platform.receiver import Receiver
from tests.reliability.live import LiveServer

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page, Playwright

PERMISSIVE = {
    "OMNIMEET_AUTH_MODE": "permissive",
    # A refused webhook is given up at its first attempt: the page shows a failed delivery at once, and a
    # redelivery makes exactly one more attempt.
    "OMNIMEET_WEBHOOK_MAX_AGE_SECONDS": "0.001",
}

REPORT = pytest.StashKey[pytest.TestReport]()
SERVERS = pytest.StashKey[list[LiveServer]]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report: pytest.TestReport = yield
    if report.when == "call":
        item.stash[REPORT] = report
    if report.failed:
        for server in item.stash.get(SERVERS, []):
            report.sections.append((f"live server ({server.base_url})", server.all_logs()))
    return report


def _new_server(database_url: str, directory: Path, env: dict[str, str]) -> LiveServer:
    """A started (healthy) server on ``database_url``, its data and logs in ``directory``."""
    return LiveServer(database_url, directory / "data", env=env, log_dir=directory / "server-logs").start()


@pytest.fixture(scope="module")
def browser_ready() -> None:
    reason = missing_browser()
    if reason is not None:  # test modules call require_browser() first; this is for any other user
        pytest.skip(reason)


@pytest.fixture(scope="module")
def dashboard_server(
    browser_ready: None, empty_database_url: Callable[[], str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """One server (one worker, permissive auth) for the module's tests."""
    server = _new_server(empty_database_url(), tmp_path_factory.mktemp("dashboard"), PERMISSIVE)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def server(request: pytest.FixtureRequest, dashboard_server: LiveServer) -> LiveServer:
    """The module's server, emptied for this test (``POST /_omnimeet/reset``: rooms, journal, faults)."""
    request.node.stash[SERVERS] = [dashboard_server]
    response = httpx.post(dashboard_server.url(f"{CONTROL}/reset"), timeout=20)
    assert response.status_code == 204, response.text
    return dashboard_server


@pytest.fixture
def make_server(
    request: pytest.FixtureRequest, browser_ready: None, empty_database_url: Callable[[], str], tmp_path: Path
) -> Iterator[Callable[[dict[str, str]], LiveServer]]:
    """``make_server(env)``: a server of this test's own (on a fresh database) with ``env`` over
    ``PERMISSIVE``; stopped after the test."""
    servers: list[LiveServer] = []
    request.node.stash[SERVERS] = servers

    def make(env: dict[str, str]) -> LiveServer:
        directory = tmp_path / f"server-{len(servers) + 1}"
        server = LiveServer(
            empty_database_url(),
            directory / "data",
            env={**PERMISSIVE, **env},
            log_dir=directory / "server-logs",
        )
        servers.append(server)
        return server.start()

    try:
        yield make
    finally:
        for server in servers:
            server.stop()


@pytest.fixture
def api(server: LiveServer) -> Iterator[httpx.Client]:
    """An HTTP client of the module's server (vendor routes and the control API)."""
    with httpx.Client(base_url=server.base_url, timeout=20) as client:
        yield client


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on loopback that refuses (503) every delivery."""
    refusing = Receiver(fail_first=1_000_000, fail_status=503)
    refusing.start()
    try:
        yield refusing
    finally:
        refusing.stop()


@pytest.fixture
def artifacts(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """Where this test's screenshots go: ``$OMNIMEET_TEST_ARTIFACTS/<module>-<test>/`` or ``tmp_path``."""
    root = os.environ.get("OMNIMEET_TEST_ARTIFACTS")
    if not root:
        return tmp_path
    name = re.sub(
        r"[^A-Za-z0-9_.-]+", "-", f"{request.node.module.__name__.rsplit('.', 1)[-1]}-{request.node.name}"
    )
    directory = Path(root) / name
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture(scope="module")
def playwright(browser_ready: None) -> Iterator[Playwright]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture
def context(playwright: Playwright, tmp_path: Path) -> Iterator[BrowserContext]:
    """Headless Chromium with a fresh profile of this test's own."""
    browser = launch(playwright, tmp_path / "chromium-profile")
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def page(request: pytest.FixtureRequest, context: BrowserContext, artifacts: Path) -> Iterator[Page]:
    """A tab of ``context``, its default timeout 15 s (a deadline for every wait; the machine may be busy).
    Errors in the page's scripts fail the test; a failed test leaves ``failure.png`` in ``artifacts``."""
    tab = context.pages[0] if context.pages else context.new_page()
    tab.set_default_timeout(15_000)
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    report = request.node.stash.get(REPORT, None)
    if report is not None and report.failed:
        path = artifacts / "failure.png"
        try:
            tab.screenshot(path=str(path), full_page=True)
            print(f"screenshot of the failed test's page: {path}")
        except Exception as exc:  # the page or browser is gone: nothing to show
            print(f"no screenshot of the failed test's page: {exc!r}")
    assert not errors, f"errors in the dashboard's scripts: {errors}"
