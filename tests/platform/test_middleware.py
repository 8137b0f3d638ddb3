"""BodySizeLimit and RequestIdHeader on a tiny Starlette app, and as raw ASGI."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Message

from omnimeet.platform.middleware import BodySizeLimit, RequestIdHeader

pytestmark = pytest.mark.anyio

LIMIT = 10
HEADER = "X-Request-Id"


def too_large() -> Response:
    return PlainTextResponse("too large", status_code=413)


class Echo:
    """The app behind the middlewares: answers with the body it read; counts calls."""

    def __init__(self) -> None:
        self.calls = 0

    async def echo(self, request: Request) -> Response:
        self.calls += 1
        body = await request.body()
        return PlainTextResponse(f"{len(body)}:{body.decode()}")

    async def teapot(self, _: Request) -> Response:
        return PlainTextResponse("no", status_code=418)

    def app(self) -> Starlette:
        return Starlette(
            routes=[Route("/echo", self.echo, methods=["GET", "POST"]), Route("/teapot", self.teapot)],
            middleware=[
                Middleware(RequestIdHeader, header=HEADER),
                Middleware(BodySizeLimit, max_bytes=LIMIT, too_large=too_large),
            ],
        )


@pytest.fixture
def echo() -> Echo:
    return Echo()


@pytest.fixture
async def client(echo: Echo) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=echo.app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def test_body_within_the_limit_reaches_the_app(client: httpx.AsyncClient, echo: Echo) -> None:
    response = await client.post("/echo", content=b"x" * LIMIT)
    assert (response.status_code, response.text) == (200, f"{LIMIT}:{'x' * LIMIT}")
    assert echo.calls == 1


async def test_declared_length_over_the_limit_is_refused_unread(
    client: httpx.AsyncClient, echo: Echo
) -> None:
    response = await client.post("/echo", content=b"x" * (LIMIT + 1))
    assert (response.status_code, response.text) == (413, "too large")
    assert echo.calls == 0


async def test_chunked_body_within_the_limit_is_replayed_whole(client: httpx.AsyncClient, echo: Echo) -> None:
    response = await client.post("/echo", content=chunks(b"abc", b"", b"defg", b"hij"))
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert "content-length" not in response.request.headers
    assert (response.status_code, response.text) == (200, "10:abcdefghij")


async def test_chunked_body_over_the_limit_is_refused(client: httpx.AsyncClient, echo: Echo) -> None:
    response = await client.post("/echo", content=chunks(b"abcdef", b"ghijkl"))
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert (response.status_code, response.text) == (413, "too large")
    assert echo.calls == 0


async def test_requests_without_a_body_pass(client: httpx.AsyncClient, echo: Echo) -> None:
    assert (await client.get("/echo")).text == "0:"
    assert (await client.post("/echo", content=b"")).text == "0:"
    assert echo.calls == 2


async def test_every_response_carries_a_fresh_request_id(client: httpx.AsyncClient) -> None:
    responses = [
        await client.post("/echo", content=b"ok"),
        await client.post("/echo", content=b"x" * 100),  # refused by the inner middleware
        await client.get("/missing"),
        await client.put("/echo"),
        await client.get("/teapot"),
    ]
    assert [r.status_code for r in responses] == [200, 413, 404, 405, 418]
    values = [r.headers.get(HEADER) for r in responses]
    for value in values:
        assert value is not None
        assert re.fullmatch("[0-9a-f]{32}", value)
    assert len(set(values)) == len(values)
    assert all(len(r.headers.get_list(HEADER)) == 1 for r in responses)


# --- raw ASGI: what a real server can send but an HTTP client will not ---------------------------------


class Recorder:
    def __init__(self) -> None:
        self.sent: list[Message] = []
        self.bodies: list[bytes] = []
        self.called = False

    async def app(self, scope: Any, receive: Any, send: Any) -> None:
        self.called = True
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.bodies.append(body)
        await PlainTextResponse("ok")(scope, receive, send)

    async def send(self, message: Message) -> None:
        self.sent.append(message)

    @property
    def status(self) -> int | None:
        starts = [m for m in self.sent if m["type"] == "http.response.start"]
        return starts[0]["status"] if starts else None


def _scope(headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 1),
        "server": ("test", 80),
    }


def _receiver(messages: list[Message]) -> Any:
    queue = list(messages)

    async def receive() -> Message:
        return queue.pop(0) if queue else {"type": "http.disconnect"}

    return receive


async def test_body_longer_than_declared_is_refused() -> None:
    recorder = Recorder()
    middleware = BodySizeLimit(recorder.app, max_bytes=LIMIT, too_large=too_large)
    messages: list[Message] = [
        {"type": "http.request", "body": b"x" * 8, "more_body": True},
        {"type": "http.request", "body": b"x" * 8, "more_body": False},
    ]
    await middleware(_scope([(b"content-length", b"5")]), _receiver(messages), recorder.send)
    assert recorder.status == 413
    assert not recorder.called


async def test_client_gone_mid_body_stops_quietly() -> None:
    recorder = Recorder()
    middleware = BodySizeLimit(recorder.app, max_bytes=LIMIT, too_large=too_large)
    messages: list[Message] = [{"type": "http.request", "body": b"xx", "more_body": True}]
    await middleware(_scope([(b"transfer-encoding", b"chunked")]), _receiver(messages), recorder.send)
    assert recorder.sent == []
    assert not recorder.called


async def test_replayed_body_is_what_was_sent() -> None:
    recorder = Recorder()
    middleware = BodySizeLimit(recorder.app, max_bytes=LIMIT, too_large=too_large)
    messages: list[Message] = [
        {"type": "http.request", "body": b"12345", "more_body": True},
        {"type": "http.request", "body": b"67890", "more_body": False},
    ]
    await middleware(_scope([(b"content-length", b"10")]), _receiver(messages), recorder.send)
    assert recorder.status == 200
    assert recorder.bodies == [b"1234567890"]


async def test_request_id_is_added_to_whatever_the_app_sends() -> None:
    async def failing(scope: Any, receive: Any, send: Any) -> None:
        await PlainTextResponse("boom", status_code=500, headers={"X-Other": "1"})(scope, receive, send)

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    await RequestIdHeader(failing, "X-Request-Id")(_scope([]), _receiver([]), send)
    start = sent[0]
    assert start["status"] == 500
    headers = dict(start["headers"])
    assert re.fullmatch(b"[0-9a-f]{32}", headers[b"x-request-id"])
    assert headers[b"x-other"] == b"1"


async def test_non_http_scopes_pass_through() -> None:
    seen: list[str] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["type"])

    for middleware in (
        RequestIdHeader(inner, "X-Request-Id"),
        BodySizeLimit(inner, max_bytes=1, too_large=too_large),
    ):
        await middleware({"type": "lifespan"}, _receiver([]), _receiver([]))
    assert seen == ["lifespan", "lifespan"]
