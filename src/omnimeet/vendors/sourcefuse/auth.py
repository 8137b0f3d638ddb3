"""SourceFuse auth: ``Authorization: Bearer <JWT>`` whose payload lists the caller's ``permissions``.

- No bearer header: ``401 Bearer realm="Users"`` (the passport challenge). A token that does not decode or
  verify, or has expired: ``401 TokenExpired``. A ``passwordExpiryTime`` in the past: ``401
  PasswordExpiryError``. A permission the route needs missing from ``permissions``: ``403 NotAllowedAccess``.
- Strict mode: HS256 with ``sourcefuse_jwt_secret``, ``iss`` must be ``sourcefuse_jwt_issuer``, ``exp``
  enforced; the tenant (``tenantId``, else the issuer) must be a credential of the credentials file.
- Permissive mode: the signature is not checked (``exp`` still is); ``permissions``, when present, is
  enforced, and a token without it holds every permission. The tenant is ``tenantId``, else ``iss``, else
  ``sourcefuse``; each distinct tenant is its own organisation.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from fastapi import Request

from omnimeet.domain.tenancy import Principal
from omnimeet.platform.context import AppContext
from omnimeet.platform.gate import note_tenant
from omnimeet.vendors.sourcefuse.errors import forbidden, unauthorized

API = "sourcefuse"
"""The vendor's name: the ``api`` of its rows and principals, ``{vendor}`` in control URLs."""
DEFAULT_TENANT = "sourcefuse"

CREATE = "CreateMeetingSession"
TOKEN = "GenerateMeetingToken"
EDIT = "EditMeeting"
STOP = "StopMeeting"
ATTENDEES = "GetMeetingAttendees"
ARCHIVES = "GetMeetingArchives"
DELETE_ARCHIVE = "DeleteMeetingArchive"
UPLOAD_TARGET = "SetMeetingUploadTarget"

NO_TOKEN = 'Bearer realm="Users"'
BAD_TOKEN = "TokenExpired"
PASSWORD_EXPIRED = "PasswordExpiryError"

SECURITY_SCHEMES: dict[str, Any] = {
    "HTTPBearer": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": (
            "A JWT whose payload carries `permissions: [...]`. Strict mode: HS256 with the configured "
            "secret and issuer. Permissive mode: the signature is not checked; without `permissions` "
            "every permission is granted."
        ),
    }
}
SECURED: dict[str, Any] = {"security": [{"HTTPBearer": []}]}


def _claims(ctx: AppContext, token: str) -> dict[str, Any]:
    import jwt  # here, not at import: it loads cryptography (~9 MB, ~35 ms) that start-up does not need

    settings = ctx.settings
    try:
        if ctx.credentials is None:
            claims = jwt.decode(
                token, options={"verify_signature": False, "verify_exp": False, "verify_aud": False}
            )
        else:
            claims = jwt.decode(
                token,
                settings.sourcefuse_jwt_secret,
                algorithms=["HS256"],
                issuer=settings.sourcefuse_jwt_issuer,
                options={"verify_aud": False, "verify_exp": False, "require": ["iss"]},
            )
    except jwt.PyJWTError:
        raise unauthorized(BAD_TOKEN) from None
    expiry = claims.get("exp")
    # On the virtual clock, not the wall clock.
    if expiry is not None and (
        not isinstance(expiry, int | float) or isinstance(expiry, bool) or expiry * 1000 <= ctx.clock.now_ms()
    ):
        raise unauthorized(BAD_TOKEN)
    return claims


def _password_expired(claims: dict[str, Any], now_ms: int) -> bool:
    value = claims.get("passwordExpiryTime")
    if value is None:
        return False
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value < now_ms
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return False
    return moment.timestamp() * 1000 < now_ms


def tenant_of(claims: dict[str, Any]) -> str:
    for key in ("tenantId", "iss"):
        value = claims.get(key)
        if isinstance(value, str) and value:
            return value
    return DEFAULT_TENANT


def granted(claims: dict[str, Any], permission: str) -> bool:
    permissions = claims.get("permissions")
    if permissions is None:
        return True
    return isinstance(permissions, list) and permission in permissions


def requires(ctx: AppContext, permission: str) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency giving the caller's principal (its tenant noted for the journal), or a 401/403."""

    async def principal(request: Request) -> Principal:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise unauthorized(NO_TOKEN)
        claims = _claims(ctx, token.strip())
        if _password_expired(claims, ctx.clock.now_ms()):
            raise unauthorized(PASSWORD_EXPIRED)
        found = ctx.authenticate(API, tenant_of(claims))
        if found is None:
            raise unauthorized(BAD_TOKEN)
        note_tenant(request, found.tenant_id)
        if not granted(claims, permission):
            raise forbidden()
        return found

    return principal
