"""OpenTalk tariffs and TURN: ``GET /users/me/tariff``, ``GET /rooms/{room_id}/tariff``, ``GET /turn``.

- A tariff is the plan of the user's deployment (``tariff_rules``). A room's tariff is its creator's: the
  room's owner, or a user invited to its event, may read it, and so may a guest with an invite code of the
  room (``Authorization: InviteCode <code>``, or the code as the Bearer token); others get 403, for an
  unknown room too (``room_rules``: the controller's access control answers first); a malformed id is 400.
- ``GET /turn`` (signed-in users and invite-code guests) hands out credentials for the configured TURN
  servers (``OMNIMEET_OPENTALK_TURN_SERVERS``) and lists the STUN servers; with none of either it answers
  500, as the controller of the seed's time documented.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Depends, Request
from starlette.responses import JSONResponse, Response

from omnimeet.domain import tenancy
from omnimeet.domain.invite_codes import InviteCodeService
from omnimeet.platform.context import AppContext
from omnimeet.platform.gate import note_tenant
from omnimeet.vendors.opentalk.auth import SECURED, SECURED_OR_INVITE, Caller, bearer_token, require_user
from omnimeet.vendors.opentalk.errors import OpenTalkError, error_responses
from omnimeet.vendors.opentalk.guest_auth import Access, Guest, guest_of, require_user_or_guest
from omnimeet.vendors.opentalk.room_rules import RoomRules
from omnimeet.vendors.opentalk.tariff_rules import Plan, ice_servers, tariff
from omnimeet.vendors.opentalk.user_schemas import StunServers, Tariff, TurnCredentials


def turn_access(ctx: AppContext) -> Callable[[Request], Awaitable[Access]]:
    """``GET /turn``'s auth: a user, or a guest whose invite code is the Bearer token (no room in the path
    to bind it to) or comes as ``InviteCode <code>``."""
    either = require_user_or_guest(ctx)
    invites = InviteCodeService(ctx.clock, ctx.ids)

    async def access(request: Request) -> Access:
        try:
            return await either(request)
        except OpenTalkError as refused:
            token = bearer_token(request)
            guest = guest_of(ctx, invites, token) if refused.status == 401 and token else None
            if guest is None:
                raise
            note_tenant(request, guest.room.tenant_id)
            return guest

    return access


def build_router(ctx: AppContext) -> APIRouter:
    router = APIRouter(tags=["tariff"])
    rooms = RoomRules(ctx.clock, ctx.ids)
    settings = ctx.settings
    user_auth = Depends(require_user(ctx))
    room_auth = Depends(require_user_or_guest(ctx))
    ice_auth = Depends(turn_access(ctx))

    @router.get(
        "/users/me/tariff",
        operation_id="get_me_tariff",
        summary="Get the current user's tariff information",
        openapi_extra=SECURED,
        response_model=Tariff,
        responses=error_responses(401),
    )
    async def get_my_tariff(caller: Caller = user_auth) -> Response:
        return JSONResponse(tariff(Plan.of(caller.principal), settings.opentalk_tariff_quotas))

    @router.get(
        "/rooms/{room_id}/tariff",
        operation_id="get_room_tariff",
        summary="Get a room's tariff information",
        description="The tariff of the room's creator.",
        openapi_extra=SECURED_OR_INVITE,
        response_model=Tariff,
        responses=error_responses(400, 401, 403, e403="The caller may not read the room, or there is none."),
    )
    async def get_room_tariff(room_id: uuid.UUID, access: Access = room_auth) -> Response:
        if isinstance(access, Guest):
            with ctx.db.transaction(write=False) as tx:
                found = tenancy.tenant_plan(tx, access.room.tenant_id)
            name, features = found if found is not None else ("default", frozenset[str]())
            plan = Plan(access.room.tenant_id, name, features)
        else:
            with ctx.db.transaction(write=False) as tx:
                rooms.readable(tx, access, str(room_id))
            plan = Plan.of(access.principal)
        return JSONResponse(tariff(plan, settings.opentalk_tariff_quotas))

    @router.get(
        "/turn",
        operation_id="get_turn",
        tags=["turn", "stun"],
        summary="Get a TURN server and corresponding credentials",
        description="Credentials for the configured TURN servers, then the STUN servers; none: 500.",
        openapi_extra=SECURED_OR_INVITE,
        response_model=list[TurnCredentials | StunServers],
        responses=error_responses(401, 500, e500="No TURN or STUN server is configured."),
    )
    async def get_turn(access: Access = ice_auth) -> Response:
        servers, stun = settings.opentalk_turn_servers, settings.opentalk_stun_uris
        if not servers and not stun:
            raise OpenTalkError(500)
        expires = ctx.clock.now_ms() // 1000 + settings.opentalk_turn_lifetime_seconds
        return JSONResponse(ice_servers(ctx.ids, servers, stun, expires))

    return router
