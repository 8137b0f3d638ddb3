"""The gate in front of every vendor sub-app: fault injection, then the request journal.

``vendor_gate`` wraps a vendor's ASGI app in one plain ASGI function (no middleware stack). For each HTTP
request it (1) applies the first matching fault rule (``platform/faults.py``), if any, and (2) records the
request and its answer, injected or real, in the journal (``platform/journal.py``). With no rules and the
journal off it costs two attribute tests; with the journal on, a receive and a send wrapper and one tuple.

A ``drop_connection`` fault aborts the connection's transport, which uvicorn's request cycle exposes through
the ``receive`` callable it hands the app (``receive.__self__.transport``, both for httptools and h11).
Where there is no such transport (an in-process ASGI client), the gate raises ``ConnectionDropped`` so the
caller still sees a failure instead of an answer. The journal files a dropped request with status None.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from omnimeet.platform.context import AppContext
from omnimeet.platform.faults import ConnectionDropped, FaultRule
from omnimeet.platform.vendors import VendorPlugin

TENANT_KEY = "omnimeet.tenant"
"""Where ``note_tenant`` leaves the caller's tenant in ``scope["state"]``."""

RawHeaders = list[tuple[bytes, bytes]]


def vendor_gate(ctx: AppContext, plugin: VendorPlugin, app: ASGIApp) -> ASGIApp:
    """``app`` wrapped so that every request to it is journalled and may meet an injected fault."""
    journal = ctx.journal
    faults = ctx.faults
    clock = ctx.clock
    vendor = plugin.name

    async def gate(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        rule = None
        if faults.rules:
            rule = faults.take(vendor, scope["method"], scope["path"], _mount(scope))
        if not journal.enabled:
            if rule is None:
                await app(scope, receive, send)
            else:
                await _apply(rule, plugin, app, scope, receive, send, receive, drain=False)
            return

        started = time.perf_counter()
        at_ms = clock.now_ms()
        state = scope.get("state")
        if state is None:
            state = scope["state"] = {}
        capture = _Capture(receive, send, journal.body_bytes)
        try:
            if rule is None:
                await app(scope, capture.receive, capture.send)
            else:
                await _apply(rule, plugin, app, scope, capture.receive, capture.send, receive, drain=True)
        finally:
            limit = capture.limit
            path = scope["path"]
            journal.record(
                at_ms,
                vendor,
                state.get(TENANT_KEY),
                scope["method"],
                path,
                _mount(scope),
                scope.get("query_string", b""),
                capture.status,
                ((capture.finished or time.perf_counter()) - started) * 1000,
                tuple(scope["headers"]),
                capture.request_body,
                capture.request_size > limit,
                capture.response_headers,
                capture.response_body,
                capture.response_size > limit,
            )

    return gate


def note_tenant(request: Request, tenant_id: str) -> None:
    """Called by a vendor's auth once it knows the caller: the journal files the request under the tenant."""
    request.scope.setdefault("state", {})[TENANT_KEY] = tenant_id


def _mount(scope: Scope) -> int:
    """Length of the mount prefix at the start of ``scope["path"]`` (the dispatcher extends ``root_path``
    by it and leaves ``path`` whole)."""
    root_path: str = scope.get("root_path", "")
    return len(root_path) if scope["path"].startswith(root_path) else 0


class _Capture:
    """One request's receive and send, passed through while their first ``limit`` body bytes, the status
    and the answer's headers are kept for the journal."""

    __slots__ = (
        "_receive",
        "_send",
        "finished",
        "limit",
        "request_body",
        "request_size",
        "response_body",
        "response_headers",
        "response_size",
        "status",
    )

    def __init__(self, receive: Receive, send: Send, limit: int) -> None:
        self._receive = receive
        self._send = send
        self.limit = limit
        self.request_body = b""
        self.request_size = 0
        self.status: int | None = None
        self.response_headers: tuple[tuple[bytes, bytes], ...] = ()
        self.response_body = b""
        self.response_size = 0
        self.finished: float | None = None

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request":
            chunk: bytes = message.get("body", b"")
            if chunk:
                self.request_size += len(chunk)
                kept = len(self.request_body)
                if kept < self.limit:
                    self.request_body += chunk[: self.limit - kept]
        return message

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            self.status = message["status"]
            self.response_headers = tuple(message.get("headers", ()))
        elif kind == "http.response.body":
            chunk: bytes = message.get("body", b"")
            if chunk:
                self.response_size += len(chunk)
                kept = len(self.response_body)
                if kept < self.limit:
                    self.response_body += chunk[: self.limit - kept]
            if not message.get("more_body", False):
                self.finished = time.perf_counter()
        await self._send(message)


async def _apply(
    rule: FaultRule,
    plugin: VendorPlugin,
    app: ASGIApp,
    scope: Scope,
    receive: Receive,
    send: Send,
    server_receive: Receive,
    *,
    drain: bool,
) -> None:
    """Carries out ``rule`` for one request. ``server_receive`` is the server's own receive (the way to its
    transport); with ``drain``, a request answered or dropped by the rule has its body read first (so the
    journal keeps it)."""
    if rule.delay_ms:
        await asyncio.sleep(rule.delay_ms / 1000)
    if rule.drop_connection or rule.answers:
        if drain:
            await _drain(receive)
        if rule.drop_connection:
            await _drop(server_receive)
        else:
            await rule.response(plugin)(scope, receive, send)
        return
    if rule.raw_headers:
        send = _adding_headers(send, rule.raw_headers)
    await app(scope, receive, send)


async def _drain(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return


async def _drop(server_receive: Receive) -> None:
    cycle: Any = getattr(server_receive, "__self__", None)
    abort = getattr(getattr(cycle, "transport", None), "abort", None)
    if abort is None:
        raise ConnectionDropped("fault injection dropped the connection (no transport to abort)")
    abort()
    # Let the server see the connection go before the app returns, so it does not try to answer in its
    # place (uvicorn would log "ASGI callable returned without starting response" and write a 500).
    for _ in range(10):
        if getattr(cycle, "disconnected", True):
            return
        await asyncio.sleep(0)


def _adding_headers(send: Send, extra: RawHeaders) -> Send:
    """``send`` with ``extra`` headers set on the answer (replacing any of the same names)."""
    names = {name for name, _ in extra}

    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [pair for pair in message.get("headers", ()) if pair[0].lower() not in names]
            message["headers"] = [*headers, *extra]
        await send(message)

    return send_with_headers
