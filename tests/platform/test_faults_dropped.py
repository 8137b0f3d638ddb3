"""Fault injection: rules that drop the connection, in process and on a real uvicorn server."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import uvicorn

from omnimeet.platform.faults import ConnectionDropped
from omnimeet.platform.web import PrefixDispatcher
from tests.platform.faults_support import add_fault, journal, room_count, telemost_client
from tests.vendors.telemost.support import TOKEN_A

pytestmark = pytest.mark.anyio

CONFERENCES = "/telemost/v1/telemost-api/conferences"


@pytest.fixture
async def telemost(app: PrefixDispatcher) -> AsyncIterator[httpx.AsyncClient]:
    async with telemost_client(app) as client:
        yield client


# --- dropped connections -----------------------------------------------------------------------------------


async def test_a_dropped_connection_in_process_raises(
    app: PrefixDispatcher, client: httpx.AsyncClient, telemost: httpx.AsyncClient
) -> None:
    await add_fault(client, method="POST", drop_connection=True, times=1)
    with pytest.raises(ConnectionDropped):
        await telemost.post("/conferences", json={})
    assert room_count(app) == 0
    [entry] = await journal(client)
    assert (entry["status"], entry["method"], entry["request"]["body"]) == (None, "POST", "{}")
    assert entry["response"] == {"headers": {}, "body": "", "truncated": False}
    assert (await telemost.post("/conferences", json={})).status_code == 201


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def serving(app: PrefixDispatcher, http: str, loop: str) -> Iterator[str]:
    """``app`` under a real uvicorn server in a background thread; yields its base URL."""
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, http=http, loop=loop, log_config=None)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert thread.is_alive(), "the server stopped"
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.mark.parametrize(
    ("http", "loop"), [("httptools", "uvloop"), ("h11", "asyncio"), ("httptools", "asyncio")]
)
def test_a_dropped_connection_on_a_real_server_gets_no_answer(
    app: PrefixDispatcher, http: str, loop: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="uvicorn")
    headers = {"Authorization": f"OAuth {TOKEN_A}"}
    with serving(app, http, loop) as base:
        with httpx.Client(base_url=base, timeout=10) as control:
            assert (
                control.post(
                    "/_omnimeet/faults", json={"vendor": "telemost", "drop_connection": True, "times": 1}
                ).status_code
                == 201
            )
        with (
            httpx.Client(base_url=base, timeout=10, headers=headers) as telemost,
            pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)),
        ):
            telemost.post(CONFERENCES, json={})
        with httpx.Client(base_url=base, timeout=10, headers=headers) as telemost:
            assert telemost.post(CONFERENCES, json={}).status_code == 201
        with httpx.Client(base_url=base, timeout=10) as control:
            entries = control.get("/_omnimeet/requests").json()["requests"]
    assert [(e["method"], e["status"]) for e in entries] == [("POST", None), ("POST", 201)]
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert errors == []  # uvicorn did not try to answer in the app's place
    assert room_count(app) == 1
