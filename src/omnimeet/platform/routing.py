"""Routing facts the error handlers of every mounted app need."""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Match

_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def allowed_methods(request: Request) -> str:
    """Every method some route of the request's app serves at the request's path, for a 405's ``Allow``.

    Starlette's own ``Allow`` names only the methods of the first route whose path matches, so a path served
    by two routes (``GET`` and ``POST /clock``) would advertise one of them."""
    routes = request.app.router.routes
    return ", ".join(
        method
        for method in _METHODS
        if any(route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes)
    )
