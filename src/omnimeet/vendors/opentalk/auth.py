"""OpenTalk auth: ``Authorization: Bearer <OIDC access token>``; the token's subject is the user.

- The tenant is the token's issuer (``iss``): everyone logging in through one identity provider shares one
  OpenTalk deployment (they see each other in ``/users``, invite each other to events). Tokens without an
  issuer, and opaque tokens, belong to the default tenant ``opentalk``.
- Permissive mode: any JWT-shaped token is accepted without checking its signature (its ``exp`` is checked
  on the virtual clock); an opaque token is a stable user of its own. The user is created on first use.
- Strict mode: RS256 tokens only, and the issuer must be an ``opentalk`` principal (credentials file or
  control plane). The signature is checked with, in this order: the ``public_key`` the credentials file
  gives that principal; the key of the JWKS file (``OMNIMEET_OPENTALK_JWKS_FILE``) the token's ``kid``
  names; the ``public_key`` registered for the issuer through the control plane (``POST
  /_omnimeet/principals``). Opaque tokens are refused.
- A login with an id token starts a session that ends at the id token's ``exp``: afterwards the user's
  access tokens are refused ("The user session expired") until they log in again, as the controller did.
- Every refusal is a 401 ``{"code": "unauthorized", ...}`` with ``WWW-Authenticate: Bearer error=...``:
  an invalid or missing access token, an expired one (``exp`` on the virtual clock), an expired session; for
  ``POST /auth/login``, an invalid id token, or an expired one ("The user session expired").
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from fastapi import Request

from omnimeet.domain import tenancy
from omnimeet.domain.event_invites import EventInviteService
from omnimeet.domain.tenancy import Principal
from omnimeet.domain.users import Identity, User, UserService, session_expiry
from omnimeet.platform.context import AppContext
from omnimeet.platform.gate import note_tenant
from omnimeet.vendors.opentalk.errors import (
    EXPIRED_TOKEN,
    INVALID_ID_TOKEN,
    INVALID_TOKEN,
    SESSION_EXPIRED,
    bad_request,
    unauthorized,
)

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


def verified_claims(
    ctx: AppContext, token: str, *, refusal: str = INVALID_TOKEN, expired: str = EXPIRED_TOKEN
) -> dict[str, Any]:
    """The claims of a JWT, checked as the auth mode says; a 401 with ``refusal`` otherwise (``expired``
    when its ``exp`` has passed on the virtual clock)."""
    import jwt  # here, not at import: it loads cryptography (~9 MB, ~35 ms) that start-up does not need

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
            raise unauthorized(expired)
    return claims


def _strict_claims(ctx: AppContext, token: str) -> dict[str, Any]:
    import jwt  # here, not at import: it loads cryptography (~9 MB, ~35 ms) that start-up does not need

    header = jwt.get_unverified_header(token)
    unverified = jwt.decode(token, options={"verify_signature": False})
    issuer = unverified.get("iss") if isinstance(unverified, dict) else None
    if not isinstance(issuer, str) or not issuer or header.get("alg") != "RS256":
        raise jwt.InvalidTokenError("no issuer or not RS256")
    kid = header.get("kid")
    for key in _issuer_keys(ctx, issuer, kid if isinstance(kid, str) else None):
        try:
            claims: dict[str, Any] = jwt.decode(
                token, key, algorithms=["RS256"], options={"verify_exp": False, "verify_aud": False}
            )
        except jwt.InvalidSignatureError:
            continue
        return claims
    raise jwt.InvalidTokenError("no key of the issuer verifies the token")


def _issuer_keys(ctx: AppContext, issuer: str, kid: str | None) -> Iterator[Any]:
    """Keys that may have signed a token of ``issuer``, cheapest first (the database is asked last)."""
    if ctx.credentials is not None:
        configured = ctx.credentials.public_key(API, issuer)
        if configured:
            yield configured
    path = ctx.settings.opentalk_jwks_file
    if path is not None and kid is not None:
        key = jwks_keys(path).get(kid)
        if key is not None:
            yield key
    with ctx.db.transaction(write=False) as tx:
        registered = tenancy.principal_public_key(tx, API, issuer)
    if registered:
        yield registered


_JWKS_CACHE: dict[Path, tuple[int, dict[str, Any]]] = {}


def jwks_keys(path: Path) -> dict[str, Any]:
    """The RSA keys of a JWKS file by ``kid`` (read again when the file changes; unreadable: none)."""
    import jwt  # here, not at import: it loads cryptography (~9 MB, ~35 ms) that start-up does not need

    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return {}
    cached = _JWKS_CACHE.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    keys: dict[str, Any] = {}
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        entries = document.get("keys", []) if isinstance(document, dict) else []
    except (OSError, ValueError):
        entries = []
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("kty") != "RSA" or not isinstance(entry.get("kid"), str):
            continue
        try:
            keys[entry["kid"]] = jwt.PyJWK.from_dict(entry, algorithm="RS256").key
        except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError, KeyError):
            continue
    _JWKS_CACHE[path] = (stamp, keys)
    return keys


def tenant_credential(claims: dict[str, Any]) -> str:
    issuer = claims.get("iss")
    return issuer if isinstance(issuer, str) and issuer else DEFAULT_TENANT


CLAIM_LIMITS = {
    "sub": 255,
    "email": 320,
    "given_name": 255,
    "family_name": 255,
    "name": 255,
    "preferred_username": 255,
}
"""The longest value of each claim a user's profile keeps."""


def identity_of(claims: dict[str, Any]) -> Identity | None:
    """Who the claims name (``sub``, e-mail, names), or None without a subject."""

    def text(key: str) -> str | None:
        value = claims.get(key)
        # What cannot be stored (NUL characters, more than the column holds) counts as absent.
        if not isinstance(value, str) or not value or "\x00" in value:
            return None
        return value if len(value) <= CLAIM_LIMITS.get(key, len(value)) else None

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
    found = None
    if not refresh:
        # Known users are only read: no write lock for a request that changes nothing.
        with ctx.db.transaction(write=False) as tx:
            found = users.by_subject(tx, principal, identity.subject)
    if found is None:
        with ctx.db.transaction() as tx:
            found = users.login(tx, principal, identity, refresh=refresh)
    user = found
    ends = session_expiry(user)
    if ends is not None and ends <= ctx.clock.now_ms():
        raise unauthorized(SESSION_EXPIRED, "The session for this user has expired")
    return Caller(principal, user)


_EMAIL = re.compile(r"^[^@\s\x00]+@[^@\s\x00]+$")
INVALID_CLAIMS = ("invalid_claims", "some required attributes are missing or malformed")


def login_with_id_token(ctx: AppContext, users: UserService, id_token: str) -> Caller:
    """``POST /auth/login``: the user an OIDC id token names, created on first login, their profile brought
    up to date with the token's claims otherwise; invitations to events sent to their e-mail address become
    invitations of the user.

    Refusals: not a JWT, a bad signature (strict mode), an unknown issuer -> 401 "The provided id token is
    invalid"; an ``exp`` that has passed -> 401 "The user session expired"; a token without ``sub``,
    ``email`` (an address), ``given_name`` or ``family_name`` -> 400 ``invalid_claims``.
    """
    if not looks_like_jwt(id_token):
        raise unauthorized(INVALID_ID_TOKEN)
    claims = verified_claims(ctx, id_token, refusal=INVALID_ID_TOKEN, expired=SESSION_EXPIRED)
    identity = identity_of(claims)
    if identity is None or not _complete(claims):
        raise bad_request(*INVALID_CLAIMS)
    principal = ctx.authenticate(API, tenant_credential(claims))
    if principal is None:
        raise unauthorized(INVALID_ID_TOKEN)
    expiry = claims.get("exp")
    if isinstance(expiry, int | float) and not isinstance(expiry, bool):
        identity = replace(identity, session_expires_at_ms=int(expiry * 1000))
    with ctx.db.transaction() as tx:
        user = users.login(tx, principal, identity, refresh=True)
        # As the controller does at login: invitations to the user's e-mail address become theirs.
        EventInviteService(ctx.clock).claim_email(tx, user)
    return Caller(principal, user)


def _complete(claims: dict[str, Any]) -> bool:
    """Whether an id token carries what the controller needs to know of a person."""
    email = claims.get("email")
    names = (claims.get("given_name"), claims.get("family_name"))
    named = all(isinstance(name, str) and "\x00" not in name and len(name) <= 255 for name in names)
    return isinstance(email, str) and len(email) <= 320 and bool(_EMAIL.match(email)) and named


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
