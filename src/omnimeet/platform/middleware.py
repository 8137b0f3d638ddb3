"""Small pure-ASGI middlewares shared by the vendor sub-apps (cheap: no per-request objects beyond need)."""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_request_ids = random.Random(secrets.randbits(128))


def new_request_id() -> str:
    """32 random hex digits: unique per request, cheap (no system call per request)."""
    return f"{_request_ids.getrandbits(128):032x}"


class RequestIdHeader:
    """Adds a fresh request id header to every HTTP response (errors included)."""

    def __init__(self, app: ASGIApp, header: str) -> None:
        self.app = app
        self.header = header.lower().encode("latin-1")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        value = new_request_id().encode("latin-1")
        header = self.header

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (header, value)]
            await send(message)

        await self.app(scope, receive, send_with_id)


class BodySizeLimit:
    """Answers ``too_large()`` when a request body exceeds ``max_bytes``, declared or actually sent.

    A body is read ahead in full (it is at most ``max_bytes``) and replayed to the app, so that an
    oversized chunked upload is refused before any handler sees it.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, too_large: Callable[[], Response]) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.too_large = too_large

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        has_body = False
        for name, value in scope["headers"]:
            if name == b"content-length":
                if value.strip() == b"0":
                    break
                has_body = True
                if value.isdigit() and int(value) > self.max_bytes:
                    await self.too_large()(scope, receive, send)
                    return
            elif name == b"transfer-encoding":
                has_body = True
        if not has_body:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self.too_large()(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
