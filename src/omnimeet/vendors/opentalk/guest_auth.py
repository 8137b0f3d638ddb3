"""Auth for routes that guests may call too (``GET /rooms/{room_id}/event``, ``/rooms/{room_id}/tariff``):
a signed-in user (``Authorization: Bearer <access token>``), or a guest holding an invite code of the room.

- ``Authorization: InviteCode <code>``: the code must be active and unexpired; otherwise 401 with
  ``WWW-Authenticate: InviteCode error="invalid_token", ...``.
- ``Authorization: Bearer <code>``: when the token is an active invite code of the room in the path, the
  caller is that guest; any other bearer token is an access token (``require_user``'s rules).
- A guest is bound to one room: a route about another room answers 403 ``forbidden``.

Use: ``access = Depends(require_user_or_guest(ctx))``; then ``isinstance(access, Guest)`` or ``Caller``.
Both have ``principal`` (a guest's stands for the room's tenant, with no scopes), so room lookups through
the tenant work the same.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import Request

from omnimeet.domain.errors import DomainError
from omnimeet.domain.invite_codes import InviteCode, InviteCodeService
from omnimeet.domain.rooms import Room
from omnimeet.domain.tenancy import Principal
from omnimeet.domain.users import UserService
from omnimeet.platform.context import AppContext
from omnimeet.platform.gate import note_tenant
from omnimeet.vendors.opentalk.auth import API, Caller, caller_from_token
from omnimeet.vendors.opentalk.errors import INVALID_TOKEN, forbidden, unauthorized

INVALID_INVITE = 'InviteCode error="invalid_token", error_description="The provided invite code is invalid"'
"""``WWW-Authenticate`` of a refused ``Authorization: InviteCode <code>``."""


@dataclass(frozen=True, slots=True)
class Guest:
    """Someone holding an active invite code: allowed into that code's room only."""

    principal: Principal
    room: Room
    invite: InviteCode

    @property
    def room_id(self) -> str:
        return self.room.public_id


Access = Caller | Guest


def guest_principal(room: Room, code: str) -> Principal:
    """A stand-in principal for a guest: the room's tenant, no scopes, no features."""
    return Principal(
        id=f"invite:{code}",
        tenant_id=room.tenant_id,
        api=room.api,
        label="guest",
        scopes=frozenset(),
        is_organization=True,
        plan="guest",
        features=frozenset(),
    )


def canonical_code(value: str) -> str | None:
    """An invite code in its stored form (a lowercase hyphenated UUID), or None when it is not one."""
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        return None


def guest_of(ctx: AppContext, invites: InviteCodeService, code: str) -> Guest | None:
    """The guest an invite code makes, or None when the code is not an active, unexpired one."""
    canonical = canonical_code(code)
    if canonical is None:
        return None
    try:
        with ctx.db.transaction(write=False) as tx:
            invite, room = invites.usable(tx, API, canonical)
    except DomainError:
        return None
    return Guest(guest_principal(room, invite.code), room, invite)


def _bound(guest: Guest, request: Request) -> Guest:
    room_id = request.path_params.get("room_id")
    if room_id is not None and canonical_code(str(room_id)) != guest.room_id:
        raise forbidden()
    return guest


def require_user_or_guest(ctx: AppContext) -> Callable[[Request], Awaitable[Access]]:
    """A dependency giving a ``Caller`` (Bearer access token) or a ``Guest`` (invite code), or a 401."""
    users = UserService(ctx.clock, ctx.ids)
    invites = InviteCodeService(ctx.clock, ctx.ids)

    async def access(request: Request) -> Access:
        scheme, _, credential = request.headers.get("authorization", "").partition(" ")
        credential = credential.strip()
        if scheme.lower() == "invitecode":
            guest = guest_of(ctx, invites, credential) if credential else None
            if guest is None:
                raise unauthorized(INVALID_INVITE)
            note_tenant(request, guest.room.tenant_id)
            return _bound(guest, request)
        if scheme.lower() != "bearer" or not credential:
            raise unauthorized(INVALID_TOKEN)
        room_id = request.path_params.get("room_id")
        if room_id is not None and canonical_code(credential) is not None:
            guest = guest_of(ctx, invites, credential)
            if guest is not None and guest.room_id == canonical_code(str(room_id)):
                note_tenant(request, guest.room.tenant_id)
                return guest
        caller = caller_from_token(ctx, users, credential)
        note_tenant(request, caller.principal.tenant_id)
        return caller

    return access
