"""The Vonage Meetings sub-app, mounted at ``/vonage``: every route under ``/v1/meetings`` (what the SDKs
call) and again under ``/beta/meetings`` (the spec's server; left out of the OpenAPI document).

Each area is a module of this package with ``build_router(ctx) -> APIRouter`` (routes relative to the
meetings base), picked up when present: ``rooms``, ``themes``, ``applications``, ``recordings``,
``dial_in``. A module may also have ``build_public_router(ctx)``: routes at the root of the mount, outside
the API (the logo upload endpoint, recording downloads). ``webhooks.FORMAT`` and ``rules.RULES`` are the
vendor's webhook format and meeting rules.
"""

from __future__ import annotations

import importlib
from typing import Any

from fastapi import FastAPI
from starlette.responses import Response

from omnimeet.platform.context import AppContext
from omnimeet.platform.middleware import BodySizeLimit
from omnimeet.platform.vendors import VendorPlugin
from omnimeet.platform.web import new_api
from omnimeet.vendors.vonage.auth import API, SECURITY_SCHEMES
from omnimeet.vendors.vonage.errors import http_error_response, install_error_handlers, too_large_response

MOUNT = "/vonage"
BASE_PATH = "/v1/meetings"
BETA_BASE_PATH = "/beta/meetings"
AREAS = ("rooms", "themes", "logos", "applications", "recordings", "dial_in")


def optional(module: str, attribute: str) -> Any:
    """``attribute`` of this package's ``module``, or None when the module does not exist."""
    name = f"{__package__}.{module}"
    try:
        found = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None
        raise
    return getattr(found, attribute, None)


def build_app(ctx: AppContext) -> FastAPI:
    app = new_api(
        title="Vonage Meetings API (omnimeet)",
        version="0.1.5",
        description=(
            "The Vonage Meetings API as served by omnimeet, with the response shapes the official SDKs "
            "recorded from the real service (`_embedded` a bare list, `ui_settings`, absolute paging links). "
            "Every route is also served under `/beta/meetings`. Requests carry an application JWT; errors "
            "are `{message, name, status[, errors]}`, a 401 is `{title, detail}`."
        ),
        servers=[{"url": MOUNT, "description": "omnimeet (the SDKs' base is /v1/meetings)"}],
        root_path_in_servers=False,
        security_schemes=SECURITY_SCHEMES,
    )
    install_error_handlers(app)
    for area in AREAS:
        build_public = optional(area, "build_public_router")
        if build_public is not None:
            app.include_router(build_public(ctx))
        build = optional(area, "build_router")
        if build is not None:
            router = build(ctx)
            app.include_router(router, prefix=BASE_PATH)
            app.include_router(router, prefix=BETA_BASE_PATH, include_in_schema=False)
    app.add_middleware(BodySizeLimit, max_bytes=ctx.settings.max_body_bytes, too_large=too_large_response)
    return app


def error_for_status(status: int) -> Response:
    """Vonage's answer for a bare HTTP status (an injected fault)."""
    return http_error_response(status)


def plugin() -> VendorPlugin:
    return VendorPlugin(
        name=API,
        prefix=MOUNT,
        base_path=BASE_PATH,
        build=build_app,
        error_response=error_for_status,
        webhooks=optional("webhooks", "FORMAT"),
        rules=optional("rules", "RULES"),
        bind=optional("webhooks", "bind"),
    )
