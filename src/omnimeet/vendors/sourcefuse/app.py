"""The SourceFuse Video Conferencing Service sub-app, mounted at ``/sourcefuse`` with the service's own paths
below it (``/session``, ``/archives``, ``/webhooks/session``): LoopBack 4 answers, Vonage Video sessions."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.responses import Response

from omnimeet.platform.context import AppContext
from omnimeet.platform.middleware import BodySizeLimit
from omnimeet.platform.vendors import VendorPlugin
from omnimeet.platform.web import new_api
from omnimeet.vendors.sourcefuse import archives, attendees, sessions
from omnimeet.vendors.sourcefuse.auth import API, SECURITY_SCHEMES
from omnimeet.vendors.sourcefuse.errors import http_error_response, install_error_handlers, too_large_response
from omnimeet.vendors.sourcefuse.rules import RULES

BASE_PATH = ""
MOUNT = "/sourcefuse"


def build_app(ctx: AppContext) -> FastAPI:
    app = new_api(
        title="SourceFuse Video Conferencing Service (omnimeet)",
        version="1.0.0",
        description=(
            "The SourceFuse Video Conferencing Service (LoopBack 4 microservice, Vonage Video provider) as "
            "served by omnimeet: meetings with their link ids, Vonage Video tokens, attendees kept by "
            "session-monitoring webhooks, archives. Requests carry `Authorization: Bearer <JWT>` with "
            '`permissions`; errors are LoopBack\'s `{"error": {"statusCode", "name", "message"}}`.'
        ),
        servers=[{"url": MOUNT, "description": "omnimeet (the service's paths start at its root)"}],
        root_path_in_servers=False,
        security_schemes=SECURITY_SCHEMES,
    )
    install_error_handlers(app)
    app.include_router(sessions.build_router(ctx))
    app.include_router(attendees.build_router(ctx))
    app.include_router(archives.build_router(ctx))
    app.add_middleware(BodySizeLimit, max_bytes=ctx.settings.max_body_bytes, too_large=too_large_response)
    return app


def error_for_status(status: int) -> Response:
    """The service's answer for a bare HTTP status (an injected fault)."""
    return http_error_response(status)


def plugin() -> VendorPlugin:
    return VendorPlugin(
        name=API,
        prefix=MOUNT,
        base_path=BASE_PATH,
        build=build_app,
        error_response=error_for_status,
        rules=RULES,
    )
