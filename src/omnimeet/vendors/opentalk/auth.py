"""OpenTalk auth: ``Authorization: Bearer <OIDC access token>``; the token's subject is the user.

- The tenant is the token's issuer (``iss``): everyone logging in through one identity provider shares one
  OpenTalk deployment (they see each other in ``/users``, invite each other to events). Tokens without an
  issuer, and opaque tokens, belong to the default tenant ``opentalk``.
- Permissive mode: any JWT-shaped token is accepted without checking its signature (its ``exp`` is checked
  on the virtual clock); an opaque token is a stable user of its own. The user is created on first use.
- Strict mode: RS256 tokens only, verified with the issuer's key, which must be registered
  (``public_key`` of an ``opentalk`` principal whose credential is the issuer).
- Every refusal is a 401 ``{"code": "unauthorized", ...}`` with ``WWW-Authenticate: Bearer error=...``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import jwt
from fastapi import Request

from omnimeet.domain.tenancy import Principal
from omnimeet.domain.users import Identity, User, UserService
from omnimeet.platform.context import AppContext
from omnimeet.platform.gate import note_tenant
from omnimeet.vendors.opentalk.errors import EXPIRED_TOKEN, INVALID_TOKEN, unauthorized

API = "opentalk"
"""The vendor's name: the ``api`` of its rows and principals, ``{vendor}`` in control URLs."""
DEFAULT_TENANT = "opentalk"
"""The credential (issuer) of tokens that name none."""

SECURITY_SCHEMES: dict[str, Any] = {
    "BearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": (
            "An OIDC access token. Permissive mode: any JWT (signature unchecked, `exp` checked) or opaque "
            "token; strict mode: RS256 tokens of a registered issuer."
        ),
    },
    "InviteCode": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "InviteCode",
        "description": "A room's invite code, for guests (`Authorization: InviteCode <code>` also works).",
    },
}
SECURED: dict[str, Any] = {"security": [{"BearerAuth": []}]}
SECURED_OR_INVITE: dict[str, Any] = {"security": [{"BearerAuth": []}, {"InviteCode": []}]}
OPEN: dict[str, Any] = {"security": []}


@dataclass(frozen=True, slots=True)
class Caller:
    """A signed-in user and the tenant (principal) they act in."""

    principal: Principal
    user: User


def bearer_token(request: Request) -> str | None:
    """The token of ``Authorization: Bearer <token>``, or None when the header is missing or another kind."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2


def verified_claims(ctx: AppContext, token: str, *, refusal: str = INVALID_TOKEN) -> dict[str, Any]:
    """The claims of a JWT, checked as the auth mode says; a 401 with ``refusal`` otherwise."""
    try:
        if ctx.credentials is None:
            claims: dict[str, Any] = jwt.decode(
                token, options={"verify_signature": False, "verify_exp": False, "verify_aud": False}
            )
        else:
            claims = _strict_claims(ctx, token)
    except jwt.PyJWTError:
        raise unauthorized(refusal) from None
    if not isinstance(claims, dict):
        raise unauthorized(refusal)
    expiry = claims.get("exp")
    # On the virtual clock, not the wall clock.
    if expiry is not None:
        if not isinstance(expiry, int | float) or isinstance(expiry, bool):
            raise unauthorized(refusal)
        if expiry * 1000 <= ctx.clock.now_ms():
            raise unauthorized(EXPIRED_TOKEN)
    return claims


def _strict_claims(ctx: AppContext, token: str) -> dict[str, Any]:
    unverified = jwt.decode(token, options={"verify_signature": False})
    issuer = unverified.get("iss") if isinstance(unverified, dict) else None
    if not isinstance(issuer, str) or ctx.credentials is None:
        raise jwt.InvalidTokenError("no issuer")
    key = ctx.credentials.public_key(API, issuer)
    if key is None:
        raise jwt.InvalidTokenError("unknown issuer")
    claims: dict[str, Any] = jwt.decode(
        token, key, algorithms=["RS256"], options={"verify_exp": False, "verify_aud": False}
    )
    return claims


def tenant_credential(claims: dict[str, Any]) -> str:
    issuer = claims.get("iss")
    return issuer if isinstance(issuer, str) and issuer else DEFAULT_TENANT


def identity_of(claims: dict[str, Any]) -> Identity | None:
    """Who the claims name (``sub``, e-mail, names), or None without a subject."""

    def text(key: str) -> str | None:
        value = claims.get(key)
        return value if isinstance(value, str) and value else None

    subject = text("sub")
    if subject is None:
        return None
    return Identity(
        subject=subject,
        email=text("email"),
        firstname=text("given_name"),
        lastname=text("family_name"),
        display_name=text("name") or text("preferred_username"),
        avatar_url=text("picture"),
    )


def opaque_identity(token: str) -> Identity:
    """A stable user for an opaque token (permissive mode): the token's hash is the subject."""
    return Identity(subject="token:" + hashlib.sha256(token.encode()).hexdigest()[:40])


def caller_from_token(
    ctx: AppContext, users: UserService, token: str, *, refresh: bool = False, refusal: str = INVALID_TOKEN
) -> Caller:
    """The user a token stands for, created on first use; a 401 (with ``refusal``) when it is refused."""
    if looks_like_jwt(token):
        claims = verified_claims(ctx, token, refusal=refusal)
        identity = identity_of(claims)
        credential = tenant_credential(claims)
    elif ctx.credentials is None:
        identity, credential = opaque_identity(token), DEFAULT_TENANT
    else:
        raise unauthorized(refusal)
    if identity is None:
        raise unauthorized(refusal)
    principal = ctx.authenticate(API, credential)
    if principal is None:
        raise unauthorized(refusal)
    with ctx.db.transaction() as tx:
        user = users.login(tx, principal, identity, refresh=refresh)
    return Caller(principal, user)


def require_user(ctx: AppContext) -> Callable[[Request], Awaitable[Caller]]:
    """A dependency giving the signed-in caller (their tenant noted for the journal), or a 401."""
    users = UserService(ctx.clock, ctx.ids)

    async def caller(request: Request) -> Caller:
        token = bearer_token(request)
        if token is None:
            raise unauthorized(INVALID_TOKEN)
        found = caller_from_token(ctx, users, token)
        note_tenant(request, found.principal.tenant_id)
        return found

    return caller
