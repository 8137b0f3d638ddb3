"""Vonage auth: ``Authorization: Bearer <application JWT>`` on every operation, as the SDKs sign it.

The JWT is the application's: RS256, signed with its private key, claims ``application_id``, ``iat``,
``jti``, ``exp``. The application is the tenant: its id is the credential ``ctx.authenticate`` is given.

- Permissive mode (default): any well-formed JWT that names an ``application_id``; the signature and the
  expiry are not checked, and each application id is its own tenant.
- Strict mode: the application must be in the credentials file (``api: vonage``, ``credential: <application
  id>``) with its ``public_key``; the signature is verified with it (RS256) and ``exp`` is enforced.

Anything else is ``401 {"title": "Unauthorized", "detail": ...}``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from omnimeet.domain.tenancy import Principal
from omnimeet.platform.context import AppContext
from omnimeet.platform.gate import note_tenant
from omnimeet.vendors.vonage.errors import unauthorized

API = "vonage"
"""The vendor's name: the ``api`` of its rows and principals, ``{vendor}`` in control URLs."""

SECURITY_SCHEMES: dict[str, Any] = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": (
            "An application JWT (RS256, claims application_id, iat, jti, exp). Permissive mode: any "
            "well-formed JWT naming an application_id, each application its own tenant."
        ),
    }
}
SECURED: dict[str, Any] = {"security": [{"bearerAuth": []}]}
"""``openapi_extra`` of an operation that needs the JWT."""


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling: the application (its principal and tenant) and the account it belongs to."""

    principal: Principal
    application_id: str

    @property
    def account_id(self) -> str:
        return account_id_of(self.application_id)


def account_id_of(application_id: str) -> str:
    """The application's account id: 8 digits derived from the application id (stable across runs)."""
    return str(int(hashlib.sha256(application_id.encode()).hexdigest()[:12], 16) % 90_000_000 + 10_000_000)


def _application_id(token: str, public_key: str | None, verify: bool) -> str | None:
    import jwt

    try:
        if verify:
            if public_key is None:
                return None
            claims = jwt.decode(
                token, public_key, algorithms=["RS256"], options={"require": ["exp"], "verify_aud": False}
            )
        else:
            claims = jwt.decode(token, options={"verify_signature": False, "verify_exp": False})
    except jwt.PyJWTError:
        return None
    application_id = claims.get("application_id")
    if not isinstance(application_id, str) or not application_id or len(application_id) > 128:
        return None
    return application_id


def requires(ctx: AppContext) -> Callable[[Request], Awaitable[Caller]]:
    """A dependency giving the calling application (its tenant noted for the journal), or a 401."""
    strict = ctx.credentials is not None

    async def caller(request: Request) -> Caller:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise unauthorized()
        token = token.strip()
        if strict:
            assert ctx.credentials is not None
            import jwt

            try:
                named = jwt.decode(token, options={"verify_signature": False}).get("application_id")
            except jwt.PyJWTError:
                raise unauthorized() from None
            key = ctx.credentials.public_key(API, named) if isinstance(named, str) else None
            application_id = _application_id(token, key, verify=True)
        else:
            application_id = _application_id(token, None, verify=False)
        if application_id is None:
            raise unauthorized()
        found = ctx.authenticate(API, application_id)
        if found is None:
            raise unauthorized()
        note_tenant(request, found.tenant_id)
        return Caller(found, application_id)

    return caller
