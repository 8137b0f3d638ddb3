"""The OpenVidu Meet sub-app, mounted at ``/openvidu``, keeping the vendor's base path ``/meet/api/v1``.

Rooms, participants and recordings (with the stream) are served from ``routes``, ``participants`` and
``recordings``; ``webhooks.FORMAT`` and ``rules.RULES`` are the vendor's webhook format and meeting rules.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.responses import Response

from omnimeet.platform.context import AppContext
from omnimeet.platform.middleware import BodySizeLimit
from omnimeet.platform.vendors import VendorPlugin
from omnimeet.platform.web import new_api
from omnimeet.vendors.openvidu_meet import participants, recordings, routes, rules, webhooks
from omnimeet.vendors.openvidu_meet.auth import API, SECURITY_SCHEMES
from omnimeet.vendors.openvidu_meet.errors import (
    http_error_response,
    install_error_handlers,
    too_large_response,
)

BASE_PATH = "/meet/api/v1"
MOUNT = "/openvidu"


def build_app(ctx: AppContext) -> FastAPI:
    app = new_api(
        title="OpenVidu Meet API (omnimeet)",
        version="v1",
        description=(
            "The OpenVidu Meet API (March 2025 generation) as served by omnimeet: rooms with their "
            "moderator, publisher and viewer URLs, participant tokens, recordings. Requests carry "
            "`X-API-KEY`; errors are `{name, message}` (services), `{message}` (auth), `{error}` (unknown "
            "route) and `422 {error, message, details: [{field, message}]}` for an invalid body."
        ),
        servers=[{"url": MOUNT, "description": "omnimeet (the vendor's base is /meet/api/v1)"}],
        root_path_in_servers=False,
        security_schemes=SECURITY_SCHEMES,
    )
    install_error_handlers(app)
    app.include_router(routes.build_router(ctx), prefix=BASE_PATH)
    app.include_router(participants.build_router(ctx), prefix=BASE_PATH)
    app.include_router(recordings.build_router(ctx), prefix=BASE_PATH)
    app.add_middleware(BodySizeLimit, max_bytes=ctx.settings.max_body_bytes, too_large=too_large_response)
    return app


def error_for_status(status: int) -> Response:
    """OpenVidu Meet's answer for a bare HTTP status (an injected fault)."""
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
    )
