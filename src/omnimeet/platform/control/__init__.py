"""The emulator's back door, mounted at ``/_omnimeet``: a FastAPI app of its own, documented by its own
OpenAPI (``openapi/omnimeet.yaml``), acting on the shared domain. Each feature is a router module here."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from omnimeet.platform.context import AppContext
from omnimeet.platform.control import (
    assets,
    clock,
    faults,
    journal,
    overview,
    principals,
    simulate,
    state,
    ui,
    webhooks,
)
from omnimeet.platform.control.errors import ControlError, ControlErrorBody, install_error_handlers
from omnimeet.platform.migrate import SCHEMA_HEAD, current_revision
from omnimeet.platform.web import new_api

CONTROL_SECURITY = {
    "ControlToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "Needed only when the server runs with OMNIMEET_CONTROL_TOKEN set.",
    }
}


class Health(BaseModel):
    status: str


def control_auth(ctx: AppContext) -> Callable[[Request], Awaitable[None]]:
    """With ``OMNIMEET_CONTROL_TOKEN`` set, every control route but health needs ``Authorization: Bearer
    <token>`` (a self-hosted instance's back door must not be open to anyone who reaches the port)."""
    expected = ctx.settings.control_token

    async def check(request: Request) -> None:
        if not expected:
            return
        scheme, _, given = (request.headers.get("authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected.encode()):
            raise ControlError(401, "unauthorized", "The control API needs 'Authorization: Bearer <token>'.")

    return check


def _declare_optional_token(app: FastAPI) -> None:
    """Documents the control token as optional for every operation (it is needed only when configured)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            generate().setdefault("security", [{}, {"ControlToken": []}])
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]


def build_control_app(ctx: AppContext) -> FastAPI:
    app = new_api(
        title="omnimeet control API",
        version="1",
        description=(
            "Drives the emulator itself: health, reset, the virtual clock, live-meeting simulation, the "
            "request journal, fault injection, webhook deliveries, state export and import, principals. "
            "Not part of any vendor's API. Errors are `{error, message[, details]}`."
        ),
        servers=[{"url": "/_omnimeet"}],
        root_path_in_servers=False,
        security_schemes=CONTROL_SECURITY,
        # Every client error is in the control envelope (also keeps FastAPI's 422 out of the document:
        # invalid requests are answered with 400).
        responses={
            "4XX": {"model": ControlErrorBody, "description": "Invalid request, unknown object, conflict."}
        },
    )
    _declare_optional_token(app)
    install_error_handlers(app)
    guarded = [Depends(control_auth(ctx))]

    @app.get("/health", response_model=Health, responses={503: {"model": Health}}, tags=["System"])
    async def health() -> Response:
        """200 when the database answers and its schema is at the newest migration; 503 otherwise."""
        try:
            at = current_revision(ctx.db)
        except Exception:
            at = None
        if at == SCHEMA_HEAD:
            return JSONResponse({"status": "ok"})
        return JSONResponse({"status": "unavailable"}, status_code=503)

    for module in (state, clock, simulate, assets, journal, faults, webhooks, principals, overview):
        app.include_router(module.build_router(ctx), dependencies=guarded)
    # The dashboard page and its assets hold no data: no token (the page asks for it in strict mode).
    app.include_router(ui.build_router())
    return app
