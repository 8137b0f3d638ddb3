"""The Vonage Meetings sub-app, mounted at ``/vonage``: every route under ``/v1/meetings`` (what the SDKs
call) and again under ``/beta/meetings`` (the spec's server; left out of the OpenAPI document).

Each API area is a module of this package with ``build_router(ctx)`` (routes relative to the meetings base);
``logo_bucket`` and ``recordings`` also serve routes at the root of the mount, outside the API (the logo
upload endpoint, recording downloads). ``webhooks`` has the vendor's webhook format and its per-app
binding, ``rules`` its meeting rules.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from starlette.responses import Response

from omnimeet.platform.context import AppContext
from omnimeet.platform.middleware import BodySizeLimit
from omnimeet.platform.vendors import VendorPlugin
from omnimeet.platform.web import new_api
from omnimeet.vendors.vonage import (
    applications,
    dial_in,
    logo_bucket,
    recordings,
    rooms,
    rules,
    themes,
    webhooks,
)
from omnimeet.vendors.vonage.auth import API, SECURITY_SCHEMES
from omnimeet.vendors.vonage.errors import http_error_response, install_error_handlers, too_large_response

MOUNT = "/vonage"
BASE_PATH = "/v1/meetings"
BETA_BASE_PATH = "/beta/meetings"


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

    def api(router: APIRouter) -> None:
        app.include_router(router, prefix=BASE_PATH)
        app.include_router(router, prefix=BETA_BASE_PATH, include_in_schema=False)

    api(rooms.build_router(ctx))
    api(themes.build_router(ctx))
    app.include_router(logo_bucket.build_public_router(ctx))
    api(applications.build_router(ctx))
    app.include_router(recordings.build_public_router(ctx))
    api(recordings.build_router(ctx))
    api(dial_in.build_router(ctx))
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
        webhooks=webhooks.FORMAT,
        rules=rules.RULES,
        bind=webhooks.bind,
    )
