"""OpenVidu Meet room routes: auth, parse, map, one service call, map back."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query
from starlette.responses import JSONResponse, Response

from omnimeet.domain.meeting_records import active_session
from omnimeet.domain.rooms import Room as StoredRoom
from omnimeet.domain.rooms import RoomService
from omnimeet.domain.tenancy import Principal
from omnimeet.platform.context import AppContext
from omnimeet.platform.scheduler import meeting_services
from omnimeet.vendors.openvidu_meet import mapping
from omnimeet.vendors.openvidu_meet.auth import SECURED, requires
from omnimeet.vendors.openvidu_meet.errors import field_error
from omnimeet.vendors.openvidu_meet.schemas import (
    Error,
    PreferencesUpdate,
    Room,
    RoomOptions,
    ValidationError,
)


def error(description: str) -> dict[str, Any]:
    return {"model": Error, "description": description}


UNAUTHORIZED = error("The API key is missing (`Unauthorized`) or not accepted (`Invalid API key`).")
INVALID = {"model": ValidationError, "description": "The request body is invalid (zod-style details)."}
OTHER = error(
    "Other client errors: `415` a body that is not JSON, `400` JSON that does not parse, `413` too large."
)
CRASH = error("Internal server error.")
ROOM_LINKS = {
    name: {"operationId": operation, "parameters": {"roomName": "$response.body#/roomName"}}
    for name, operation in (
        ("GetRoom", "getRoom"),
        ("UpdateRoom", "updateRoom"),
        ("DeleteRoom", "deleteRoom"),
    )
}
"""What a created room's name leads to (OpenAPI links: clients and fuzzers follow them)."""
ROOM_NOT_FOUND = error("No such room (`The room '<name>' does not exist`): unknown, expired or deleted.")

RoomName = Path(alias="roomName", description="The room's name.")
Fields = Query(
    default=None,
    description="Comma-separated room properties to include (e.g. `roomName,preferences`).",
)


def build_router(ctx: AppContext) -> APIRouter:
    rooms = RoomService(ctx.clock)
    meetings = meeting_services(ctx).meetings
    public_url = ctx.settings.openvidu_meet_public_url.rstrip("/")
    router = APIRouter(prefix="/rooms", tags=["OpenVidu Meet - Room"])
    caller = Depends(requires(ctx))

    def answer(room: StoredRoom, fields: str | None = None) -> dict[str, Any]:
        return mapping.select_fields(mapping.room_body(room, public_url), fields)

    @router.post(
        "",
        operation_id="createRoom",
        openapi_extra=SECURED,
        response_model=Room,
        summary="Create a room",
        responses={
            200: {"description": "The new room.", "links": ROOM_LINKS},
            401: UNAUTHORIZED,
            422: INVALID,
            "4XX": OTHER,
            500: CRASH,
        },
    )
    async def create_room(body: RoomOptions, principal: Principal = caller) -> Response:
        now = ctx.clock.now_ms()
        if body.expirationDate <= now:
            raise field_error("expirationDate", "Expiration date must be in the future")
        fields = mapping.create_fields(body, ctx.ids)
        name = mapping.new_room_name(body.roomNamePrefix, ctx.ids)
        with ctx.db.transaction() as tx:
            view = rooms.create(tx, principal, name, fields)
        return JSONResponse(answer(view.room))

    @router.get(
        "",
        operation_id="getRooms",
        openapi_extra=SECURED,
        response_model=list[Room],
        summary="List the rooms (oldest first)",
        responses={401: UNAUTHORIZED, "4XX": OTHER, 500: CRASH},
    )
    async def get_rooms(fields: str | None = Fields, principal: Principal = caller) -> Response:
        now = ctx.clock.now_ms()
        with ctx.db.transaction(write=False) as tx:
            found = rooms.list_rooms(tx, principal)
        return JSONResponse([answer(room, fields) for room in found if mapping.is_live(room, now)])

    @router.get(
        "/{roomName}",
        operation_id="getRoom",
        openapi_extra=SECURED,
        response_model=Room,
        summary="Read a room",
        responses={401: UNAUTHORIZED, 404: ROOM_NOT_FOUND, "4XX": OTHER, 500: CRASH},
    )
    async def get_room(
        room_name: str = RoomName, fields: str | None = Fields, principal: Principal = caller
    ) -> Response:
        with ctx.db.transaction(write=False) as tx:
            room = mapping.live_room(tx, rooms, principal, room_name, ctx.clock.now_ms())
        return JSONResponse(answer(room, fields))

    @router.put(
        "/{roomName}",
        operation_id="updateRoom",
        openapi_extra=SECURED,
        response_model=Room,
        summary="Change a room's preferences (features left out keep their setting)",
        responses={401: UNAUTHORIZED, 404: ROOM_NOT_FOUND, 422: INVALID, "4XX": OTHER, 500: CRASH},
    )
    async def update_room(
        body: PreferencesUpdate, room_name: str = RoomName, principal: Principal = caller
    ) -> Response:
        with ctx.db.transaction() as tx:
            room = mapping.live_room(tx, rooms, principal, room_name, ctx.clock.now_ms())
            settings = mapping.RoomSettings.of(room)
            settings.preferences.update(body.effective())
            view = rooms.update(tx, principal, room_name, {"settings": settings.to_json()})
        return JSONResponse(answer(view.room))

    @router.delete(
        "/{roomName}",
        operation_id="deleteRoom",
        openapi_extra=SECURED,
        status_code=204,
        response_class=Response,
        summary="Delete a room (its participants leave; its recordings stay)",
        responses={
            204: {"description": "Deleted."},
            401: UNAUTHORIZED,
            404: ROOM_NOT_FOUND,
            "4XX": OTHER,
            500: CRASH,
        },
    )
    async def delete_room(room_name: str = RoomName, principal: Principal = caller) -> Response:
        with ctx.db.transaction() as tx:
            now = ctx.clock.now_ms()
            room = mapping.live_room(tx, rooms, principal, room_name, now)
            if active_session(tx, room) is not None:
                meetings.end_session(tx, room)
            settings = mapping.RoomSettings.of(room)
            settings.deleted_at_ms = now
            rooms.update(tx, principal, room_name, {"settings": settings.to_json(), "expires_at_ms": None})
        return Response(status_code=204)

    return router
