"""The dashboard: ``GET /ui`` (one HTML page) and ``GET /ui/assets/{name}`` (its script and style sheet),
shipped in the package (``ui_static/``), no build step, no CDN. The page holds no data (its script reads
the control API's JSON routes, with the control token in strict mode), so these two routes need no token."""

from __future__ import annotations

from importlib.resources import files

from fastapi import APIRouter
from starlette.responses import Response

from omnimeet.platform.control.errors import ControlError

ASSETS: dict[str, str] = {
    "app.js": "text/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
}
"""The files the page may load, by name, with their content types (nothing else is served)."""

_NO_CACHE = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
_PAGE_HEADERS = {
    **_NO_CACHE,
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
}


def _read(name: str) -> bytes:
    return (files("omnimeet.platform.control") / "ui_static" / name).read_bytes()


def build_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/ui")
    async def page() -> Response:
        return Response(_read("index.html"), media_type="text/html; charset=utf-8", headers=_PAGE_HEADERS)

    @router.get("/ui/assets/{name}")
    async def asset(name: str) -> Response:
        media_type = ASSETS.get(name)
        if media_type is None:
            raise ControlError(404, "not_found", f"No dashboard asset {name!r}.")
        return Response(_read(name), media_type=media_type, headers=_NO_CACHE)

    return router
