"""OpenVidu Meet auth: the ``X-API-KEY`` header on every secured operation.

Missing or empty: ``401 {"message": "Unauthorized"}``. A key that is not accepted (strict mode, a key not
in the credentials file): ``401 {"message": "Invalid API key"}``. In permissive mode any non-empty key is
accepted and each distinct key is its own tenant. ``requires(ctx)`` is the dependency every secured route
(rooms, participants, recordings) uses; ``SECURED`` documents it on an operation.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request

from omnimeet.domain.tenancy import Principal
from omnimeet.platform.context import AppContext
from omnimeet.platform.gate import note_tenant
from omnimeet.vendors.openvidu_meet.errors import invalid_api_key, unauthorized

API = "openvidu-meet"
"""The vendor's name: the ``api`` of its rows and principals, ``{vendor}`` in control URLs."""
HEADER = "x-api-key"

SECURITY_SCHEMES: dict[str, Any] = {
    "apiKeyInHeader": {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-KEY",
        "description": "The API key. Permissive mode: any non-empty key, each its own tenant.",
    }
}
SECURED: dict[str, Any] = {"security": [{"apiKeyInHeader": []}]}
"""``openapi_extra`` of an operation that needs the API key."""


def requires(ctx: AppContext) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency giving the caller's principal (its tenant noted for the journal), or a 401."""

    async def principal(request: Request) -> Principal:
        key = request.headers.get(HEADER)
        if not key:
            raise unauthorized()
        found = ctx.authenticate(API, key)
        if found is None:
            raise invalid_api_key()
        note_tenant(request, found.tenant_id)
        return found

    return principal
