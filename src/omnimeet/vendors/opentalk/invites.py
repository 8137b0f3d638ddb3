"""Room invite codes: ``/rooms/{room_id}/invites`` (the room's creator lists, creates, reads, changes and
withdraws them) and ``POST /invite/verify`` (anyone: which room a code opens).

- A code is a UUID; creating one answers 200 (not 201), as the controller does.
- Only the room's creator; anyone else, and unknown rooms, 403 (``room_rules``).
- ``DELETE`` withdraws the code: it answers 204 and the code stays listed with ``active: false``.
- ``PUT`` replaces the expiry (absent or null: the code never expires).
- ``verify``: unknown, withdrawn and expired codes are all 404; a code that is not a UUID is 422.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Request
from starlette.responses import JSONResponse, Response

from omnimeet.domain.errors import DomainError
from omnimeet.domain.invite_codes import InviteCodeService
from omnimeet.domain.rooms import RoomService
from omnimeet.domain.users import UserService
from omnimeet.platform.context import AppContext
from omnimeet.vendors.opentalk import access_mapping as mapping
from omnimeet.vendors.opentalk.access_schemas import (
    InviteCodeOut,
    InviteCodeVerified,
    InviteVerifyBody,
    NewInviteCode,
    UpdateInviteCode,
)
from omnimeet.vendors.opentalk.auth import API, OPEN, SECURED, Caller, require_user
from omnimeet.vendors.opentalk.errors import error_responses, not_found
from omnimeet.vendors.opentalk.guest_auth import canonical_code
from omnimeet.vendors.opentalk.pagination import LINK_HEADER, Page, page_params, paged_response
from omnimeet.vendors.opentalk.room_rules import owned_room

RoomIdPath = Path(description="The room's id.")
CodePath = Path(description="The invite code.")
_MANAGE = error_responses(
    400, 401, 403, 404, 422, e403="The user did not create the room, or it does not exist."
)


def _ms(value: Any) -> int | None:
    return None if value is None else round(value.timestamp() * 1000)


def build_router(ctx: AppContext) -> APIRouter:
    router = APIRouter(tags=["invites"])
    rooms = RoomService(ctx.clock)
    users = UserService(ctx.clock, ctx.ids)
    invites = InviteCodeService(ctx.clock, ctx.ids)
    caller_of = Depends(require_user(ctx))

    @router.get(
        "/rooms/{room_id}/invites",
        operation_id="get_all_invites",
        summary="Get all invites",
        description="The room's invite codes, withdrawn ones too, oldest first; paged (`Link` header).",
        openapi_extra=SECURED,
        response_model=list[InviteCodeOut],
        responses={200: {"headers": LINK_HEADER}, **_MANAGE},
    )
    async def list_invites(
        request: Request,
        room_id: UUID = RoomIdPath,
        page: Page = Depends(page_params),
        caller: Caller = caller_of,
    ) -> Response:
        with ctx.db.transaction(write=False) as tx:
            room = owned_room(tx, rooms, caller, str(room_id))
            total = invites.count(tx, room)
            found = invites.page(tx, room, page.per_page, page.offset)
            people = mapping.profiles_of(tx, users, caller, found)
        return paged_response(request, page, total, [mapping.invite_json(invite, people) for invite in found])

    @router.post(
        "/rooms/{room_id}/invites",
        operation_id="create_invite",
        summary="Create a new invite",
        description="A new, active invite code for the room, expiring at `expiration` if given. Answers 200.",
        openapi_extra=SECURED,
        response_model=InviteCodeOut,
        responses=_MANAGE,
    )
    async def create_invite(
        body: NewInviteCode, room_id: UUID = RoomIdPath, caller: Caller = caller_of
    ) -> Response:
        with ctx.db.transaction() as tx:
            room = owned_room(tx, rooms, caller, str(room_id))
            invite = invites.create(tx, room, caller.user.public_id, _ms(body.expiration))
        return JSONResponse(mapping.invite_json(invite, {caller.user.public_id: caller.user}))

    @router.get(
        "/rooms/{room_id}/invites/{invite_code}",
        operation_id="get_invite",
        summary="Get an invite",
        description="One invite code of the room (active or withdrawn).",
        openapi_extra=SECURED,
        response_model=InviteCodeOut,
        responses=_MANAGE,
    )
    async def get_invite(
        room_id: UUID = RoomIdPath, invite_code: UUID = CodePath, caller: Caller = caller_of
    ) -> Response:
        with ctx.db.transaction(write=False) as tx:
            room = owned_room(tx, rooms, caller, str(room_id))
            invite = invites.get(tx, room, str(invite_code))
            people = mapping.profiles_of(tx, users, caller, [invite])
        return JSONResponse(mapping.invite_json(invite, people))

    @router.put(
        "/rooms/{room_id}/invites/{invite_code}",
        operation_id="put_invite",
        summary="Update an invite code",
        description="Sets the code's expiry (`expiration` absent or null: it never expires).",
        openapi_extra=SECURED,
        response_model=InviteCodeOut,
        responses=_MANAGE,
    )
    async def put_invite(
        body: UpdateInviteCode,
        room_id: UUID = RoomIdPath,
        invite_code: UUID = CodePath,
        caller: Caller = caller_of,
    ) -> Response:
        with ctx.db.transaction() as tx:
            room = owned_room(tx, rooms, caller, str(room_id))
            invite = invites.set_expiry(
                tx, room, str(invite_code), caller.user.public_id, _ms(body.expiration)
            )
            people = mapping.profiles_of(tx, users, caller, [invite])
        return JSONResponse(mapping.invite_json(invite, people))

    @router.delete(
        "/rooms/{room_id}/invites/{invite_code}",
        operation_id="delete_invite",
        summary="Delete an invite code",
        description="Withdraws the code: it stops working and stays listed with `active: false`.",
        openapi_extra=SECURED,
        status_code=204,
        response_class=Response,
        responses=error_responses(
            400, 401, 403, 404, e403="The user did not create the room, or it does not exist."
        ),
    )
    async def delete_invite(
        room_id: UUID = RoomIdPath, invite_code: UUID = CodePath, caller: Caller = caller_of
    ) -> Response:
        with ctx.db.transaction() as tx:
            room = owned_room(tx, rooms, caller, str(room_id))
            invites.withdraw(tx, room, str(invite_code), caller.user.public_id)
        return Response(status_code=204)

    @router.post(
        "/invite/verify",
        operation_id="verify_invite",
        summary="Verify an invite code",
        description=(
            "No auth. The room an active, unexpired invite code opens and whether it asks for a password; "
            "unknown, withdrawn and expired codes are 404, a code that is not a UUID 422."
        ),
        openapi_extra=OPEN,
        response_model=InviteCodeVerified,
        responses=error_responses(400, 404, 422),
    )
    async def verify_invite(body: InviteVerifyBody) -> Response:
        code = canonical_code(body.invite_code)
        if code is None:
            raise mapping.bad_invite_code()
        try:
            with ctx.db.transaction(write=False) as tx:
                invite, room = invites.usable(tx, API, code)
        except DomainError:
            raise not_found() from None
        return JSONResponse({"room_id": invite.room_id, "password_required": room.password is not None})

    return router
