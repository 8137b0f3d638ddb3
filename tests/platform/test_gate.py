"""The vendor gate as raw ASGI, around a tiny app: chunked bodies, scope state, pass-through, drops."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from omnimeet.platform.clock import VirtualClock
from omnimeet.platform.context import AppContext
from omnimeet.platform.faults import ConnectionDropped, FaultRules
from omnimeet.platform.gate import note_tenant, vendor_gate
from omnimeet.platform.journal import Entry, Journal
from omnimeet.platform.vendors import VendorPlugin

pytestmark = pytest.mark.anyio

NOW_MS = 1_800_000_000_000


def error_response(status: int) -> Response:
    return JSONResponse({"fake_error": status}, status_code=status, headers={"X-Fake-Id": "rid"})


PLUGIN = VendorPlugin(
    name="fake", prefix="/fake", base_path="/api", build=lambda _: echo, error_response=error_response
)


async def echo(scope: Scope, receive: Receive, send: Send) -> None:
    """Reads the body in whatever chunks arrive, notes a tenant, answers it back in three chunks."""
    if scope["type"] != "http":
        await send({"type": "websocket.close"})
        return
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    note = Request(scope).headers.get("x-tenant")
    if note:
        note_tenant(Request(scope), note)
    if body == b"boom":
        raise RuntimeError("boom")
    await send({"type": "http.response.start", "status": 200, "headers": [(b"x-echo", b"1")]})
    for start in range(0, len(body), 4):
        await send({"type": "http.response.body", "body": body[start : start + 4], "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


class Harness:
    def __init__(self, size: int = 10, body_bytes: int = 6) -> None:
        clock = VirtualClock()
        clock.freeze()
        clock.set(NOW_MS)
        self.ctx = SimpleNamespace(journal=Journal(size, body_bytes), faults=FaultRules(), clock=clock)
        self.gate: ASGIApp = vendor_gate(cast(AppContext, self.ctx), PLUGIN, echo)
        self.sent: list[Message] = []

    @property
    def entries(self) -> list[Entry]:
        return list(self.ctx.journal)

    async def call(
        self,
        chunks: list[bytes],
        *,
        path: str = "/fake/api/things",
        root_path: str = "/fake",
        headers: list[tuple[bytes, bytes]] | None = None,
        state: dict[str, Any] | None = None,
        receive_owner: Any = None,
    ) -> Scope:
        scope: dict[str, Any] = {
            "type": "http",
            "method": "POST",
            "path": path,
            "root_path": root_path,
            "query_string": b"a=1",
            "headers": headers or [],
        }
        if state is not None:
            scope["state"] = state
        pending = list(chunks)

        async def receive() -> Message:
            chunk = pending.pop(0) if pending else b""
            return {"type": "http.request", "body": chunk, "more_body": bool(pending)}

        async def send(message: Message) -> None:
            self.sent.append(message)

        given: Receive = receive if receive_owner is None else receive_owner.receive
        if receive_owner is not None:
            receive_owner.inner = receive
        await self.gate(scope, given, send)
        return scope


async def test_bodies_arriving_in_chunks_are_kept_up_to_the_limit() -> None:
    harness = Harness(body_bytes=6)
    await harness.call([b"abcd", b"efgh", b"ij"])
    [entry] = harness.entries
    assert (entry.request_body, entry.request_truncated) == (b"abcdef", True)
    assert (entry.response_body, entry.response_truncated) == (b"abcdef", True)
    assert (entry.status, entry.response_headers) == (200, ((b"x-echo", b"1"),))
    assert (entry.method, entry.path, entry.inner_path, entry.query) == (
        "POST",
        "/fake/api/things",
        "/api/things",
        b"a=1",
    )
    assert (entry.vendor, entry.at_ms, entry.id) == ("fake", NOW_MS, 1)
    assert b"".join(m.get("body", b"") for m in harness.sent) == b"abcdefghij"  # passed on whole


async def test_a_body_of_exactly_the_limit_is_not_truncated() -> None:
    harness = Harness(body_bytes=6)
    await harness.call([b"abc", b"def"])
    [entry] = harness.entries
    assert (entry.request_body, entry.request_truncated) == (b"abcdef", False)
    assert (entry.response_body, entry.response_truncated) == (b"abcdef", False)


async def test_the_gate_gives_the_app_a_state_dict_and_reads_the_tenant_from_it() -> None:
    harness = Harness()
    scope = await harness.call([b"x"], headers=[(b"x-tenant", b"t-1")])
    assert scope["state"] == {"omnimeet.tenant": "t-1"}
    server_state: dict[str, Any] = {"from": "server"}
    await harness.call([b"x"], headers=[(b"x-tenant", b"t-2")], state=server_state)
    assert server_state == {"from": "server", "omnimeet.tenant": "t-2"}
    await harness.call([b"x"])
    assert [entry.tenant for entry in harness.entries] == ["t-1", "t-2", None]


async def test_at_the_root_of_its_own_port_the_inner_path_is_the_whole_path() -> None:
    harness = Harness()
    harness.ctx.faults.add("fake", path="/api/*", status=503)
    await harness.call([b""], path="/api/things", root_path="")
    [entry] = harness.entries
    assert (entry.path, entry.inner_path, entry.status) == ("/api/things", "/api/things", 503)
    assert entry.response_body == b'{"fake'


async def test_other_scopes_pass_untouched_and_unjournalled() -> None:
    harness = Harness()
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        return {"type": "websocket.connect"}

    harness.ctx.faults.add("fake", status=500)
    await harness.gate({"type": "websocket", "path": "/fake/ws", "headers": []}, receive, send)
    assert sent == [{"type": "websocket.close"}]
    assert harness.entries == []
    assert harness.ctx.faults.rules[0].hits == 0


async def test_a_crashing_app_is_still_journalled() -> None:
    harness = Harness()
    with pytest.raises(RuntimeError, match="boom"):
        await harness.call([b"boom"])
    [entry] = harness.entries
    assert (entry.status, entry.request_body) == (None, b"boom")


async def test_an_injected_answer_uses_the_vendors_error_response_and_extra_headers() -> None:
    harness = Harness(body_bytes=100)
    harness.ctx.faults.add("fake", status=409, headers={"X-Fake-Id": "mine", "Retry-After": "2"})
    await harness.call([b"ignored"])
    [entry] = harness.entries
    assert entry.status == 409
    assert entry.response_body == b'{"fake_error":409}'
    assert dict(entry.response_headers)[b"x-fake-id"] == b"mine"
    assert [name for name, _ in entry.response_headers].count(b"x-fake-id") == 1
    assert dict(entry.response_headers)[b"retry-after"] == b"2"
    assert entry.request_body == b"ignored"  # read before answering, for the journal


class FakeCycle:
    """Stands in for uvicorn's RequestResponseCycle: ``receive`` is its bound method, it has a transport."""

    def __init__(self) -> None:
        self.disconnected = False
        self.inner: Receive | None = None
        self.transport = SimpleNamespace(abort=self.abort)
        self.aborted = 0

    def abort(self) -> None:
        self.aborted += 1

    async def receive(self) -> Message:
        assert self.inner is not None
        return await self.inner()


async def test_a_drop_aborts_the_servers_transport_and_sends_nothing() -> None:
    harness = Harness()
    harness.ctx.faults.add("fake", drop_connection=True)
    cycle = FakeCycle()
    await harness.call([b"data"], receive_owner=cycle)
    assert cycle.aborted == 1
    assert harness.sent == []
    [entry] = harness.entries
    assert (entry.status, entry.response_headers, entry.request_body) == (None, (), b"data")


async def test_a_drop_without_a_transport_raises() -> None:
    harness = Harness(size=0)
    harness.ctx.faults.add("fake", drop_connection=True)
    with pytest.raises(ConnectionDropped):
        await harness.call([b"data"])
    assert harness.sent == []
