"""The OpenTalk controller sub-app, mounted at ``/opentalk`` with the controller's base ``/v1`` inside it
(``http://HOST:PORT/opentalk/v1/rooms``), plus ``/.well-known/opentalk/api`` for clients that discover it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from starlette.responses import JSONResponse, Response

from omnimeet.platform.context import AppContext
from omnimeet.platform.middleware import BodySizeLimit
from omnimeet.platform.vendors import VendorPlugin
from omnimeet.platform.web import new_api
from omnimeet.vendors.opentalk import (
    assets,
    event_invites,
    events,
    favorites,
    instances,
    invites,
    rooms,
    shared_folder,
    signaling,
    sip,
    streaming,
    tariffs,
    upload,
    users,
)
from omnimeet.vendors.opentalk.auth import API, OPEN, SECURITY_SCHEMES
from omnimeet.vendors.opentalk.errors import (
    ErrorBody,
    ValidationErrorEntry,
    error_responses,
    http_error_response,
    install_error_handlers,
    too_large_response,
)

BASE_PATH = "/v1"
MOUNT = "/opentalk"
WELL_KNOWN = {"opentalk_api": {"v1": {"base_url": BASE_PATH}}}

AREAS = (
    users,
    tariffs,
    rooms,
    streaming,
    invites,
    sip,
    signaling,
    assets,
    upload,
    events,
    instances,
    event_invites,
    favorites,
    shared_folder,
)
"""Each area module's ``build_router(ctx)``, included below ``/v1`` in this order."""


def build_app(ctx: AppContext) -> FastAPI:
    app = new_api(
        title="OpenTalk Controller Frontend API (omnimeet)",
        version="1",
        description=(
            "The OpenTalk controller's frontend API as served by omnimeet: rooms with passwords, SIP "
            "dial-in and invite codes; signalling tickets and the `/signaling` WebSocket; events with RFC "
            "5545 recurrence, their instances and invitees; users, assets, streaming targets. Requests "
            "carry `Authorization: Bearer <OIDC access token>`; errors are the controller's "
            '`{"code", "message"}` as `text/json`.'
        ),
        servers=[{"url": MOUNT, "description": "omnimeet (the controller's paths start at its root)"}],
        root_path_in_servers=False,
        security_schemes=SECURITY_SCHEMES,
    )
    install_error_handlers(app)
    # The controller knows no path with a trailing slash: a 404 in its envelope, not a redirect.
    app.router.redirect_slashes = False
    base = APIRouter(prefix=BASE_PATH)
    for area in AREAS:
        base.include_router(area.build_router(ctx))
    app.include_router(base)
    app.include_router(_well_known())
    _add_error_schemas(app)
    app.add_middleware(BodySizeLimit, max_bytes=ctx.settings.max_body_bytes, too_large=too_large_response)
    return app


_WELL_KNOWN_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["opentalk_api"],
    "properties": {
        "opentalk_api": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["base_url"],
                "properties": {"base_url": {"type": "string"}},
            },
        }
    },
}


def _well_known() -> APIRouter:
    router = APIRouter(tags=["discovery"])

    @router.get(
        "/.well-known/opentalk/api",
        operation_id="get_well_known_api",
        summary="Where the API's versions are served (for clients that discover the base path)",
        openapi_extra=OPEN,
        responses={
            200: {
                "description": "The base URL of each API version, relative to the server.",
                "content": {"application/json": {"schema": _WELL_KNOWN_SCHEMA}},
            }
        },
    )
    async def well_known() -> Response:
        return JSONResponse(WELL_KNOWN)

    return router


def _add_error_schemas(app: FastAPI) -> None:
    """Puts the error body's schemas into the document's components (routes name them by ``$ref``), and
    replaces FastAPI's default 422 (``HTTPValidationError``, never sent here) by the controller's."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            for model in (ErrorBody, ValidationErrorEntry):
                schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
                schema.pop("$defs", None)
                schemas[model.__name__] = schema
            controllers = error_responses(413, 422)
            for path_item in document.get("paths", {}).values():
                for operation in path_item.values():
                    responses = operation.get("responses", {}) if isinstance(operation, dict) else {}
                    if "HTTPValidationError" in str(responses.get("422", "")):
                        responses["422"] = controllers[422]
                    # The body size limit answers before any route, for every request with a body.
                    responses.setdefault("413", controllers[413])
            for name in ("HTTPValidationError", "ValidationError"):
                schemas.pop(name, None)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def error_for_status(status: int) -> Response:
    """The controller's answer for a bare HTTP status (an injected fault)."""
    return http_error_response(status)


def plugin() -> VendorPlugin:
    return VendorPlugin(
        name=API,
        prefix=MOUNT,
        base_path=BASE_PATH,
        build=build_app,
        error_response=error_for_status,
    )
