"""Building blocks for the ASGI apps: a FastAPI factory with omnimeet's defaults, and the root dispatcher."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import inspect
import logging
from collections.abc import Callable, Coroutine, Mapping, Sequence
from types import SimpleNamespace
from typing import Any

from fastapi import FastAPI, Request
from pydantic import BaseModel
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# FastAPI's native OpenTelemetry hooks cost a few microseconds a request even with no provider configured.
_TELEMETRY_OFF: dict[str, Any] = (
    {"telemetry": {"tracing": False, "metrics": False, "logs": False}}
    if "telemetry" in inspect.signature(FastAPI.__init__).parameters
    else {}
)


def new_api(*, security_schemes: dict[str, Any] | None = None, **kwargs: Any) -> FastAPI:
    """A FastAPI app for one vendor or the control API, with telemetry hooks off.

    ``security_schemes`` go into the OpenAPI document's components, for routes that check credentials in
    a plain dependency and declare their requirement with ``openapi_extra={"security": ...}``.
    """
    app = FastAPI(**_TELEMETRY_OFF, **kwargs)
    if security_schemes:
        generate = app.openapi

        def openapi() -> dict[str, Any]:
            if app.openapi_schema is None:
                document = generate()
                document.setdefault("components", {})["securitySchemes"] = security_schemes
            return app.openapi_schema or {}

        app.openapi = openapi  # type: ignore[method-assign]
    return app


def mount_url(request: Request) -> str:
    """The absolute URL of the app's mount as the client reached it (``http://host:port/vonage``): the base
    of links a vendor builds from the request, and keeps for links made without one (webhooks)."""
    root = str(request.scope.get("root_path", ""))
    return str(request.url.replace(path=root or "/", query="", fragment="")).rstrip("/")


def body_model(request: Request) -> type[BaseModel] | None:
    """The pydantic model the matched route reads its JSON body into, if any (for validation handlers that
    answer a missing body as the vendor's framework would: by validating an empty object)."""
    route = request.scope.get("route")
    field = getattr(route, "body_field", None)
    annotation = getattr(getattr(field, "field_info", None), "annotation", None)
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


logger = logging.getLogger("omnimeet")


class KeepAliveAfterCrash:
    """Keeps the connection of a request whose answer was sent in full before the app raised.

    A vendor app answers an unexpected exception with its own 500 (its ``Exception`` handler), and then
    Starlette's ``ServerErrorMiddleware`` raises the exception again, for the server to log. uvicorn, seeing
    an exception after the response started, closes the connection: the client's next request on it failed
    with a reset, a transport error outside any vendor's envelope. This wrapper logs such an exception
    itself (logger ``omnimeet``, with its traceback) and returns normally, so the server keeps the
    connection. An exception before the answer is complete still reaches the server as before (no answer:
    uvicorn's bare 500; a partly sent one: the connection is closed, the only honest ending).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        complete = False

        async def tracking_send(message: Message) -> None:
            nonlocal complete
            await send(message)
            kind = message["type"]
            if (kind == "http.response.body" and not message.get("more_body", False)) or (
                kind == "http.response.pathsend"
            ):
                complete = True

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if not complete:
                raise
            logger.error(
                "%s %s raised after its answer was sent: %r",
                scope["method"],
                scope["path"],
                exc,
                exc_info=exc,
            )


_NO_API = JSONResponse({"error": "not_found", "message": "No omnimeet API is served at this path."}, 404)


class PrefixDispatcher:
    """The root ASGI app: hands each request to the app mounted at the longest matching path prefix.

    It replaces a root FastAPI app with ``mount()``s: the root has no routes of its own, so a second
    middleware stack and router only cost time, and Starlette's mount pattern does not match paths with an
    encoded newline, which then never reached the vendor's error handling. Like a Starlette mount, it
    leaves ``path`` whole and extends ``root_path`` by the prefix.

    A request that arrived on one of the ``ports`` (``omnimeet serve --vendor-port``) goes whole, without
    any prefix, to that port's app: the vendor served at the root of its own port.
    """

    def __init__(
        self,
        mounts: Sequence[tuple[str, ASGIApp]],
        state: SimpleNamespace,
        on_shutdown: Sequence[Any] = (),
        background: Sequence[Callable[[], Coroutine[Any, Any, None]]] = (),
        *,
        ports: Mapping[int, ASGIApp] | None = None,
    ) -> None:
        """``background``: loops run as tasks from start-up to shutdown (webhook delivery, due work).
        ``ports``: local port -> the app that gets every request arriving on it."""
        self.ports = dict(ports or {})
        self.mounts = sorted(mounts, key=lambda m: len(m[0]), reverse=True)
        self.state = state
        self.on_shutdown = list(on_shutdown)
        self.background = background
        self._tasks: list[asyncio.Task[None]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if self.ports:
            server = scope.get("server")
            own = self.ports.get(server[1]) if server else None
            if own is not None:
                await own(scope, receive, send)
                return
        path: str = scope["path"]
        for prefix, app in self.mounts:
            if path.startswith(prefix) and (len(path) == len(prefix) or path[len(prefix)] == "/"):
                root_path = scope.get("root_path", "")
                child = dict(scope)
                child["root_path"] = root_path + prefix
                child["app_root_path"] = scope.get("app_root_path", root_path)
                await app(child, receive, send)
                return
        await _NO_API(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                # What exists now lives as long as the process: keep the collector from rescanning it.
                gc.collect()
                gc.freeze()
                self._tasks = [asyncio.create_task(loop()) for loop in self.background]
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                for task in self._tasks:
                    task.cancel()
                for task in self._tasks:
                    with contextlib.suppress(BaseException):
                        await task
                self._tasks = []
                for callback in self.on_shutdown:
                    callback()
                await send({"type": "lifespan.shutdown.complete"})
                return
