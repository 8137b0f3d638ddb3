"""Fixtures of the reliability tests: live ``omnimeet serve`` processes (``tests.reliability.live``), each
on a new, empty database of the backend under test (SQLite by default, PostgreSQL when
``OMNIMEET_TEST_DATABASE_URL`` is set) and a fresh data directory. The server migrates on start."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.live import LiveServer

PERMISSIVE = {"OMNIMEET_AUTH_MODE": "permissive"}

MakeLiveServer = Callable[..., LiveServer]


@pytest.fixture
def fresh_database_url(empty_database_url: Callable[[], str]) -> str:
    """A new, empty (unmigrated) database of the backend under test, for this test alone."""
    return empty_database_url()


@pytest.fixture
def live_data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


LIVE_SERVERS = pytest.StashKey[list[LiveServer]]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed test's report shows every log of the live servers it made (each start of each)."""
    report: pytest.TestReport = yield
    if report.failed:
        servers = item.stash.get(LIVE_SERVERS, [])
        for number, server in enumerate(servers, 1):
            report.sections.append((f"live server {number} ({server.base_url})", server.all_logs()))
    return report


@pytest.fixture
def make_live_server(
    request: pytest.FixtureRequest, fresh_database_url: str, live_data_dir: Path, tmp_path: Path
) -> Iterator[MakeLiveServer]:
    """``make_live_server(workers=2, env={...}, start=True)``: a ``LiveServer`` on this test's database and
    data directory, in permissive auth mode unless ``env`` says otherwise, started (and healthy) unless
    ``start=False``. Every server made is stopped (and its process group killed) after the test; its logs
    are in ``tmp_path/server-logs``, and in the report of a test that fails."""
    servers: list[LiveServer] = []
    request.node.stash[LIVE_SERVERS] = servers

    def make(
        *, workers: int = 1, env: dict[str, str] | None = None, start: bool = True, **options: Any
    ) -> LiveServer:
        options.setdefault("log_dir", tmp_path / "server-logs")
        server = LiveServer(
            fresh_database_url, live_data_dir, workers=workers, env={**PERMISSIVE, **(env or {})}, **options
        )
        servers.append(server)
        if start:
            server.start()
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def live_server(make_live_server: MakeLiveServer) -> LiveServer:
    """One started server with one worker, permissive auth, on this test's fresh database."""
    return make_live_server()
