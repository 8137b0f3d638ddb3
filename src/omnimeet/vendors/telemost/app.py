"""The Telemost sub-app, mounted at ``/telemost``, keeping the vendor's base path ``/v1/telemost-api``."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.responses import Response

from omnimeet.platform.context import AppContext
from omnimeet.platform.middleware import BodySizeLimit, RequestIdHeader, new_request_id
from omnimeet.platform.vendors import VendorPlugin
from omnimeet.platform.web import new_api
from omnimeet.vendors.telemost.auth import API, SECURITY_SCHEMES
from omnimeet.vendors.telemost.errors import (
    REQUEST_ID_HEADER,
    http_error_response,
    install_error_handlers,
    too_large_response,
)
from omnimeet.vendors.telemost.routes import build_router

BASE_PATH = "/v1/telemost-api"
MOUNT = "/telemost"


def build_app(ctx: AppContext) -> FastAPI:
    app = new_api(
        title="Telemost API v1 (omnimeet)",
        version="1.0.1",
        description=(
            "Yandex Telemost API v1 as served by omnimeet: create, read, change and delete video meetings "
            "and their live streams. Requests carry `Authorization: OAuth <token>`; every answer carries "
            "`Yandex-Cloud-Request-ID`; errors are `{error, message, description}`."
        ),
        servers=[{"url": MOUNT, "description": "omnimeet (the vendor's base is /v1/telemost-api)"}],
        root_path_in_servers=False,
        security_schemes=SECURITY_SCHEMES,
        # A JSON body without a Content-Type is still read as JSON. (FastAPI's default refuses it to stop
        # cross-site form posts; every Telemost route needs an Authorization header, which those lack.)
        strict_content_type=False,
    )
    install_error_handlers(app)
    app.include_router(build_router(ctx), prefix=BASE_PATH)
    app.add_middleware(BodySizeLimit, max_bytes=ctx.settings.max_body_bytes, too_large=too_large_response)
    app.add_middleware(RequestIdHeader, header=REQUEST_ID_HEADER)
    return app


def error_for_status(status: int) -> Response:
    """Telemost's own error answer for a bare HTTP status (an injected fault), with its request id."""
    response = http_error_response(status)
    response.headers[REQUEST_ID_HEADER] = new_request_id()
    return response


def plugin() -> VendorPlugin:
    return VendorPlugin(
        name=API, prefix=MOUNT, base_path=BASE_PATH, build=build_app, error_response=error_for_status
    )
