"""Telemost auth: ``Authorization: OAuth <token>``, one scope per operation, organisations only."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request

from omnimeet.domain.tenancy import Principal
from omnimeet.platform.context import AppContext
from omnimeet.platform.gate import note_tenant
from omnimeet.vendors.telemost.errors import TelemostError

API = "telemost"

SCOPE_CREATE = "telemost-api:conferences.create"
SCOPE_READ = "telemost-api:conferences.read"
SCOPE_UPDATE = "telemost-api:conferences.update"
SCOPE_DELETE = "telemost-api:conferences.delete"

SECURITY_SCHEMES: dict[str, Any] = {
    "YandexOAuth": {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "`OAuth <token>`: a Yandex OAuth token with the operation's `telemost-api:` scope.",
    }
}


def security(scope: str) -> dict[str, Any]:
    """The OpenAPI security requirement of an operation needing ``scope`` (for ``openapi_extra``)."""
    return {"security": [{"YandexOAuth": [scope]}]}


def _unauthorized(description: str) -> TelemostError:
    return TelemostError(401, "UnauthorizedError", "Не авторизован.", description)


def parse_oauth(header: str | None) -> str:
    """The token of an ``OAuth <token>`` header; 401 when missing or malformed."""
    if not header:
        raise _unauthorized("Authorization header is missing.")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "oauth" or not token or " " in token:
        raise _unauthorized("Authorization header must be 'OAuth <token>'.")
    return token


def requires(ctx: AppContext, scope: str) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency giving the caller's principal, once it holds ``scope`` and belongs to an organisation.

    It reads the header from the request itself rather than through FastAPI's security classes: one level
    of dependency resolution less on every request. ``security(scope)`` documents it in the OpenAPI.
    """

    async def principal(request: Request) -> Principal:
        token = parse_oauth(request.headers.get("authorization"))
        found = ctx.authenticate(API, token)
        if found is None:
            raise _unauthorized("OAuth token is not valid.")
        note_tenant(request, found.tenant_id)
        if not found.has_scope(scope):
            raise TelemostError(
                403, "ForbiddenError", "Доступ запрещён.", f"OAuth token lacks the scope {scope}."
            )
        found.require_organization()
        return found

    return principal
