"""OpenTalk rooms: list (own rooms and the rooms of events the user is invited to), create, get, patch,
delete, and the room's event. Routes only: auth, parse, map, the service call, map back."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.responses import JSONResponse, Response

from omnimeet.domain import room_access
from omnimeet.platform.context import AppContext
from omnimeet.vendors.opentalk import room_mapping
from omnimeet.vendors.opentalk.auth import SECURED, SECURED_OR_INVITE, Caller, require_user
from omnimeet.vendors.opentalk.errors import error_responses, not_found
from omnimeet.vendors.opentalk.guest_auth import Access, require_user_or_guest
from omnimeet.vendors.opentalk.pagination import LINK_HEADER, Page, page_params, paged_response
from omnimeet.vendors.opentalk.room_rules import RoomRules
from omnimeet.vendors.opentalk.room_schemas import EventInfo, PatchRoomsBody, PostRoomsBody, Room

RoomId = Path(description="The id of the room.")


def _ok(model: type[Any], description: str, **extra: Any) -> dict[str, Any]:
    return {"model": model, "description": description, **extra}


def build_router(ctx: AppContext) -> APIRouter:
    rules = RoomRules(ctx.clock, ctx.ids)
    signed_in = Depends(require_user(ctx))
    user_or_guest = Depends(require_user_or_guest(ctx))
    router = APIRouter(tags=["rooms"])

    @router.get(
        "/rooms",
        operation_id="get_rooms",
        summary="List the rooms the user may access",
        description="The user's own rooms and the rooms of events they are invited to, oldest first.",
        openapi_extra=SECURED,
        response_model=list[Room],
        responses={
            200: _ok(list[Room], "One page of rooms.", headers=LINK_HEADER),
            **error_responses(400, 401),
        },
    )
    async def get_rooms(
        request: Request, page: Page = Depends(page_params), caller: Caller = signed_in
    ) -> Response:
        user, email = caller.user.public_id, caller.user.email
        with ctx.db.transaction(write=False) as tx:
            found = room_access.page(tx, caller.principal, user, page.offset, page.per_page, email)
            total = room_access.count(tx, caller.principal, user, email)
        return paged_response(request, page, total, [room_mapping.room(room) for room in found])

    @router.post(
        "/rooms",
        operation_id="post_rooms",
        summary="Create a room",
        openapi_extra=SECURED,
        status_code=201,
        response_model=Room,
        responses={201: _ok(Room, "The new room."), **error_responses(400, 401, 422)},
    )
    async def post_rooms(body: PostRoomsBody, caller: Caller = signed_in) -> Response:
        fields = room_mapping.create_fields(body, caller.user.public_id)
        with ctx.db.transaction() as tx:
            room = rules.create(tx, caller, fields, enable_sip=body.enable_sip)
        return JSONResponse(room_mapping.room(room), status_code=201)

    @router.get(
        "/rooms/{room_id}",
        operation_id="get_room",
        summary="Get a room",
        openapi_extra=SECURED,
        response_model=Room,
        responses={
            200: _ok(Room, "The room."),
            **error_responses(
                400, 401, 403, e403="Neither the owner nor invited to its event, or no such room."
            ),
        },
    )
    async def get_room(room_id: UUID = RoomId, caller: Caller = signed_in) -> Response:
        with ctx.db.transaction(write=False) as tx:
            room = rules.readable(tx, caller, str(room_id))
        return JSONResponse(room_mapping.room(room))

    @router.patch(
        "/rooms/{room_id}",
        operation_id="patch_room",
        summary="Change a room's password, waiting room, encryption or guest access",
        openapi_extra=SECURED,
        response_model=Room,
        responses={
            200: _ok(Room, "The changed room."),
            **error_responses(400, 401, 403, 422, e403="Not the room's owner, or no such room."),
        },
    )
    async def patch_room(
        body: PatchRoomsBody, room_id: UUID = RoomId, caller: Caller = signed_in
    ) -> Response:
        with ctx.db.transaction() as tx:
            room = rules.patch(tx, caller, str(room_id), body)
        return JSONResponse(room_mapping.room(room))

    @router.delete(
        "/rooms/{room_id}",
        operation_id="delete_room",
        summary="Delete a room with its event, invites, dial-in and streaming targets",
        openapi_extra=SECURED,
        status_code=204,
        response_class=Response,
        responses={
            204: {"description": "Deleted."},
            **error_responses(400, 401, 403, e403="Not the room's owner, or no such room."),
        },
    )
    async def delete_room(
        room_id: UUID = RoomId,
        force_delete_reference_if_external_services_fail: bool | None = Query(
            None, description="Accepted; there are no external services to fail."
        ),
        suppress_email_notification: bool | None = Query(None, description="Accepted; no e-mail is sent."),
        caller: Caller = signed_in,
    ) -> Response:
        with ctx.db.transaction() as tx:
            rules.delete(tx, caller, str(room_id))
        return Response(status_code=204)

    @router.get(
        "/rooms/{room_id}/event",
        operation_id="get_room_event",
        summary="Get the event held in a room",
        openapi_extra=SECURED_OR_INVITE,
        response_model=EventInfo,
        tags=["events"],
        responses={
            200: _ok(EventInfo, "The room's event."),
            **error_responses(400, 401, 403, 404, e404="The room has no event."),
        },
    )
    async def get_room_event(room_id: UUID = RoomId, access: Access = user_or_guest) -> Response:
        with ctx.db.transaction(write=False) as tx:
            room, event = rules.event(tx, access, str(room_id))
        if event is None:
            raise not_found()
        return JSONResponse(room_mapping.event_info(event, room))

    return router
