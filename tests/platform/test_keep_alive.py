"""A crash after the answer was sent costs the client neither the answer nor its connection.

A vendor app answers an unexpected exception with its own 500, then Starlette raises the exception again;
``KeepAliveAfterCrash`` (around every mounted app) logs it and returns, so uvicorn keeps the connection."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from starlette.types import Message, Receive, Scope, Send

from omnimeet.domain.rooms import RoomService
from omnimeet.platform.web import KeepAliveAfterCrash, PrefixDispatcher

TELEMOST = "/telemost/v1/telemost-api"
AUTH = {"Authorization": "OAuth keep-alive-token"}
INTERNAL_ERROR = {
    "error": "InternalServerError",
    "message": "Внутренняя ошибка сервера.",
    "description": "Internal server error.",
}
HTTP: Scope = {"type": "http", "method": "GET", "path": "/x", "headers": []}


def _crash(*_: object, **__: object) -> None:
    raise RuntimeError("boom")


async def _receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _call(app: KeepAliveAfterCrash, scope: Scope = HTTP) -> list[Message]:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, _receive, send)
    return sent


def _answering(*bodies: tuple[bytes, bool]) -> KeepAliveAfterCrash:
    """An app that starts a 500, sends these (body, more_body) chunks, then raises."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 500, "headers": []})
        for body, more in bodies:
            await send({"type": "http.response.body", "body": body, "more_body": more})
        raise RuntimeError("boom")

    return KeepAliveAfterCrash(app)


@pytest.mark.anyio
async def test_a_crash_after_a_complete_answer_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="omnimeet"):
        sent = await _call(_answering((b"half", True), (b"done", False)))
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body", "http.response.body"]
    [record] = caplog.records
    assert (record.name, record.levelno) == ("omnimeet", logging.ERROR)
    assert record.getMessage() == "GET /x raised after its answer was sent: RuntimeError('boom')"
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], RuntimeError)


@pytest.mark.anyio
@pytest.mark.parametrize("bodies", [(), ((b"half", True),)], ids=["not-started-body", "partly-sent"])
async def test_a_crash_before_the_answer_is_complete_still_reaches_the_server(
    caplog: pytest.LogCaptureFixture, bodies: tuple[tuple[bytes, bool], ...]
) -> None:
    with caplog.at_level(logging.ERROR, logger="omnimeet"), pytest.raises(RuntimeError, match="boom"):
        await _call(_answering(*bodies))
    assert caplog.records == []


@pytest.mark.anyio
async def test_a_crash_before_any_answer_still_reaches_the_server() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await _call(KeepAliveAfterCrash(app))


@pytest.mark.anyio
async def test_other_scopes_pass_through_untouched() -> None:
    seen: list[Scope] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope)
        await send({"type": "websocket.close"})
        raise RuntimeError("boom")

    scope: Scope = {"type": "websocket", "path": "/ws", "headers": []}
    with pytest.raises(RuntimeError, match="boom"):  # not an HTTP answer: nothing to keep
        await _call(KeepAliveAfterCrash(app), scope)
    assert seen == [scope]


@pytest.mark.anyio
async def test_a_vendor_crash_gives_its_500_envelope_and_the_app_returns(
    app: PrefixDispatcher, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(RoomService, "get_view", _crash)
    # raise_app_exceptions=True (the default): the app itself must not raise.
    transport = httpx.ASGITransport(app=app)
    with caplog.at_level(logging.ERROR, logger="omnimeet"):
        async with httpx.AsyncClient(transport=transport, base_url="http://omnimeet.test") as client:
            response = await client.get(f"{TELEMOST}/conferences/12345678901234", headers=AUTH)
    assert (response.status_code, response.json()) == (500, INTERNAL_ERROR)
    assert [r.getMessage() for r in caplog.records if r.name == "omnimeet"] == [
        f"GET {TELEMOST}/conferences/12345678901234 raised after its answer was sent: RuntimeError('boom')"
    ]


# --- through uvicorn: the connection survives ------------------------------------------------------------


@pytest.fixture
def served(app: PrefixDispatcher) -> Iterator[int]:
    """``app`` served by uvicorn (httptools, as ``omnimeet serve``) on a free loopback port, in a thread."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port: int = sock.getsockname()[1]
    config = uvicorn.Config(app, http="httptools", log_level="critical", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            assert thread.is_alive(), "uvicorn stopped"
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.01)
        yield port
    finally:
        server.should_exit = True
        thread.join(20)
        sock.close()


def _exchange(conn: socket.socket, path: str) -> tuple[int, bytes]:
    """One HTTP/1.1 request on the open connection; the status and body of its answer."""
    request = f"GET {path} HTTP/1.1\r\nHost: omnimeet.test\r\nAuthorization: {AUTH['Authorization']}\r\n\r\n"
    conn.sendall(request.encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        assert chunk, f"connection closed; got {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = next(int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:"))
    while len(body) < length:
        chunk = conn.recv(65536)
        assert chunk, f"connection closed in the body; got {body!r}"
        body += chunk
    return int(lines[0].split()[1]), body


def test_the_next_request_on_the_connection_of_a_500_is_answered(
    served: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(RoomService, "get_view", _crash)
    with socket.create_connection(("127.0.0.1", served), timeout=20) as conn:
        status, _ = _exchange(conn, f"{TELEMOST}/conferences/12345678901234")
        assert status == 500
        assert _exchange(conn, "/_omnimeet/health") == (200, b'{"status":"ok"}')
