"""omnimeet's pytest plugin (entry point ``pytest11: omnimeet``): fixtures for testing code that calls a
video-meeting API against omnimeet.

- ``omnimeet_app``: the emulator in-process, for clients that can take an httpx transport; no socket.
- ``omnimeet_server``: a real server on a free port of 127.0.0.1, in a background thread, for any client;
  a ``str`` (its base URL) with ``.url(vendor)``.
- ``omnimeet``: an ``OmnimeetControl`` over the one of the two the test uses (the server when the test
  asks for ``omnimeet_server``).

Each app or server is built once per test session (on a SQLite file in a temporary directory, unless the
``omnimeet_settings`` fixture is overridden) and reset before every test, which takes milliseconds.
Imports are deferred to the fixtures so that merely having omnimeet installed costs pytest nothing.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import httpx

    from omnimeet.platform.config import Settings
    from omnimeet.platform.context import AppContext
    from omnimeet.platform.web import PrefixDispatcher
    from omnimeet.testing.client import OmnimeetControl

IN_PROCESS_BASE_URL = "http://omnimeet.test"


def _vendor_url(base: str, vendor: str) -> str:
    from omnimeet.main import vendor_mounts

    for plugin in vendor_mounts():
        if plugin.name == vendor:
            return f"{base}{plugin.prefix}{plugin.base_path}"
    raise KeyError(f"omnimeet serves no vendor called {vendor!r}")


class OmnimeetApp:
    """The emulator as an in-process ASGI app. ``client()`` gives an ``httpx.AsyncClient`` that calls it
    without a socket; ``transport()`` an ``httpx.ASGITransport`` for clients built elsewhere."""

    base_url = IN_PROCESS_BASE_URL

    def __init__(self, app: PrefixDispatcher) -> None:
        self.asgi = app
        self.ctx: AppContext = app.state.ctx

    def url(self, vendor: str) -> str:
        """The vendor's base URL, e.g. ``http://omnimeet.test/telemost/v1/telemost-api``."""
        return _vendor_url(self.base_url, vendor)

    def transport(self) -> httpx.ASGITransport:
        import httpx

        return httpx.ASGITransport(app=self.asgi)

    def client(self, vendor: str | None = None, **kwargs: Any) -> httpx.AsyncClient:
        """An async client whose base URL is the vendor's (or the root's); ``kwargs`` go to httpx."""
        import httpx

        base = self.url(vendor) if vendor else self.base_url
        return httpx.AsyncClient(transport=self.transport(), base_url=base, **kwargs)


class OmnimeetServer(str):
    """The base URL of a running omnimeet (``http://127.0.0.1:<port>``), with ``url(vendor)``."""

    ctx: AppContext

    def url(self, vendor: str) -> str:
        return _vendor_url(str(self), vendor)


class _InProcessTransport:
    """A synchronous httpx transport calling an ASGI app on a thread of its own (so a sync control client
    also works inside an async test, whose event loop is busy)."""

    def __init__(self, app: PrefixDispatcher) -> None:
        import httpx

        self._inner = httpx.ASGITransport(app=app)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="omnimeet-control")

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        import httpx

        async def call() -> httpx.Response:
            response = await self._inner.handle_async_request(request)
            content = await response.aread()
            return httpx.Response(response.status_code, headers=response.headers, content=content)

        return self._thread.submit(asyncio.run, call()).result()

    def close(self) -> None:
        self._thread.shutdown(wait=True)


def _control_client(transport: Any = None, base_url: str = IN_PROCESS_BASE_URL) -> OmnimeetControl:
    import httpx

    from omnimeet.testing.client import OmnimeetControl

    class _Transport(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            response: httpx.Response = transport.handle_request(request)
            return response

        def close(self) -> None:
            transport.close()

    http = (
        httpx.Client(base_url=base_url, transport=_Transport())
        if transport
        else httpx.Client(base_url=base_url, timeout=30)
    )
    return OmnimeetControl(http)


@pytest.fixture(scope="session")
def omnimeet_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings of the session's emulators: ``OMNIMEET_*`` environment variables, and a temporary data
    directory (so the SQLite database is new for each test session). Override it in a conftest.py to
    configure the emulator (strict auth, a PostgreSQL URL, a random seed...)."""
    from omnimeet.platform.config import Settings

    return Settings(data_dir=tmp_path_factory.mktemp("omnimeet"))


@pytest.fixture(scope="session")
def _omnimeet_session_app(omnimeet_settings: Settings) -> Iterator[OmnimeetApp]:
    from omnimeet.main import create_app

    app = create_app(omnimeet_settings.model_copy(update={"data_dir": omnimeet_settings.data_dir / "app"}))
    try:
        yield OmnimeetApp(app)
    finally:
        app.state.ctx.db.close()


@pytest.fixture
def omnimeet_app(_omnimeet_session_app: OmnimeetApp) -> OmnimeetApp:
    """The emulator in-process, emptied before the test."""
    _omnimeet_session_app.ctx.reset()
    return _omnimeet_session_app


@pytest.fixture(scope="session")
def _omnimeet_session_server(omnimeet_settings: Settings) -> Iterator[OmnimeetServer]:
    import socket

    import uvicorn

    from omnimeet.main import create_app

    app = create_app(omnimeet_settings.model_copy(update={"data_dir": omnimeet_settings.data_dir / "server"}))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on"))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="omnimeet-server", daemon=True
    )
    thread.start()
    for _ in range(1000):
        if server.started or not thread.is_alive():
            break
        threading.Event().wait(0.01)
    if not server.started:
        raise RuntimeError("omnimeet_server did not start")
    base = OmnimeetServer(f"http://127.0.0.1:{port}")
    base.ctx = app.state.ctx
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
def omnimeet_server(_omnimeet_session_server: OmnimeetServer) -> OmnimeetServer:
    """A real omnimeet on a free port, emptied before the test; its value is the base URL."""
    _omnimeet_session_server.ctx.reset()
    return _omnimeet_session_server


@pytest.fixture
def omnimeet(request: pytest.FixtureRequest) -> Iterator[OmnimeetControl]:
    """A control API client of the test's emulator: the server if the test uses ``omnimeet_server``,
    otherwise the in-process app."""
    if "omnimeet_server" in request.fixturenames:
        server: OmnimeetServer = request.getfixturevalue("omnimeet_server")
        control = _control_client(base_url=str(server))
    else:
        app: OmnimeetApp = request.getfixturevalue("omnimeet_app")
        control = _control_client(_InProcessTransport(app.asgi))
    try:
        yield control
    finally:
        control.http.close()
