"""Vonage Meetings room routes: list (keyset pages with absolute links), create, read, PATCH, and the rooms
of a theme. Auth, parse, map, one service call, map back.

- Room ids are uuid4; an id that is not a uuid is simply not found (404, as for any unknown id).
- ``start_id`` / ``end_id`` are the rooms' internal sequence numbers, both inclusive: a page holds the
  rooms from ``start_id`` on, or with ``end_id`` alone the ``page_size`` rooms up to it. A page's links
  are ``first``, ``self`` (``start_id`` = its first room), ``prev`` (``end_id`` = first - 1) and ``next``
  (``start_id`` = last + 1); a page past the end is empty and has neither ``prev`` nor ``next``.
- A theme named on create or PATCH that the application does not have is a 400 (``Failed to create room
  because theme id <id> not found``), like the recorded PATCH /applications answer; without one, a new
  room gets the application's default theme.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.datastructures import URL
from starlette.responses import JSONResponse, Response

from omnimeet.domain.meeting_records import lock_room
from omnimeet.domain.rooms import Room as StoredRoom
from omnimeet.domain.rooms import RoomService
from omnimeet.domain.store import Tx
from omnimeet.domain.tenancy import Principal
from omnimeet.domain.themes import ThemeService
from omnimeet.platform.context import AppContext
from omnimeet.platform.web import mount_url
from omnimeet.vendors.vonage import mapping
from omnimeet.vendors.vonage.auth import SECURED, Caller, requires
from omnimeet.vendors.vonage.errors import (
    empty_update,
    instant_room_not_updatable,
    rooms_of_unknown_theme,
)
from omnimeet.vendors.vonage.schemas import (
    CRASH,
    DEFAULT_PAGE_SIZE,
    INVALID,
    MAX_PAGE_SIZE,
    MAX_SAFE_INTEGER,
    OTHER,
    UNAUTHORIZED,
    CreateRoom,
    Room,
    RoomPage,
    UpdateRoom,
    chosen_update,
    error,
)

TAG = "Rooms"
ROOM_NOT_FOUND = error(
    "No such room (`Room <id> was not found`): unknown, another application's, or not a uuid."
)
THEME_NOT_FOUND = error("No such theme (`Failed to get rooms because theme id <id> not found`).")
BAD_CREATE = error(
    "Invalid input (`InputValidationError`, Joi's wording) or a theme the application does not have "
    "(`BadRequestError`)."
)
BAD_UPDATE = error(
    "Invalid input (`InputValidationError`, Joi's wording), a theme the application does not have, or an "
    "instant room, which cannot be changed (`BadRequestError`)."
)
ROOM_LINKS = {
    name: {"operationId": operation, "parameters": {"room_id": "$response.body#/id"}}
    for name, operation in (("GetRoom", "getRoom"), ("UpdateRoom", "updateRoom"))
}
"""What a created room's id leads to (OpenAPI links: clients and fuzzers follow them)."""

RoomId = Path(description="The room's id (a uuid).")
ThemeId = Path(description="The theme's id (a uuid).")
PageSize = Query(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="How many rooms a page holds.")
StartId = Query(None, ge=0, le=MAX_SAFE_INTEGER, description="The first room's internal id (inclusive).")
EndId = Query(
    None,
    ge=0,
    le=MAX_SAFE_INTEGER,
    description="The last room's internal id (inclusive); alone, the page ends there.",
)


def build_router(ctx: AppContext) -> APIRouter:
    rooms = RoomService(ctx.clock)
    themes = ThemeService(ctx.clock)
    meetings_url = ctx.settings.vonage_meetings_url
    router = APIRouter(tags=[TAG])
    auth = Depends(requires(ctx))

    def answer(tx: Tx, principal: Principal, room: StoredRoom, now: int) -> dict[str, Any]:
        return mapping.room_bodies(tx, themes, principal, [room], now, meetings_url)[0]

    def page(
        tx: Tx,
        principal: Principal,
        url: URL,
        size: int,
        start: int | None,
        end: int | None,
        theme: int | None,
    ) -> dict[str, Any]:
        found = rooms.page(tx, principal, size, start, end, theme)
        return {
            "page_size": size,
            "_embedded": mapping.room_bodies(tx, themes, principal, found, ctx.clock.now_ms(), meetings_url),
            "_links": mapping.page_links(url, size, found, {"start_id": start, "end_id": end}),
            "total_items": rooms.count(tx, principal, theme),
        }

    @router.get(
        "/rooms",
        operation_id="getRooms",
        openapi_extra=SECURED,
        response_model=RoomPage,
        summary="List the application's rooms, a page at a time (oldest first)",
        responses={400: INVALID, 401: UNAUTHORIZED, "4XX": OTHER, 500: CRASH},
    )
    async def get_rooms(
        request: Request,
        page_size: int = PageSize,
        start_id: int | None = StartId,
        end_id: int | None = EndId,
        caller: Caller = auth,
    ) -> Response:
        with ctx.db.transaction(write=False) as tx:
            body = page(tx, caller.principal, request.url, page_size, start_id, end_id, None)
        return JSONResponse(body)

    @router.post(
        "/rooms",
        operation_id="createRoom",
        openapi_extra=SECURED,
        status_code=201,
        response_model=Room,
        summary="Create a room (instant by default)",
        responses={
            201: {"description": "The new room.", "links": ROOM_LINKS},
            400: BAD_CREATE,
            401: UNAUTHORIZED,
            "4XX": OTHER,
            500: CRASH,
        },
    )
    async def create_room(body: CreateRoom, request: Request, caller: Caller = auth) -> Response:
        now = ctx.clock.now_ms()
        if body.type == "instant" and body.expires_at is not None:
            raise mapping.expires_at_not_allowed()
        if body.type == "long_term":
            if body.expires_at is None:
                raise mapping.expires_at_required()
            mapping.long_term_expiry(body.expires_at, now)
        principal = caller.principal
        with ctx.db.transaction() as tx:
            if body.theme_id is not None:
                theme = mapping.find_theme(tx, themes, principal, body.theme_id)
                if theme is None:
                    raise mapping.unknown_theme_on_create(body.theme_id)
            else:
                theme = themes.default_theme(tx, principal)
            room_id = ctx.ids.uuid4()
            fields = mapping.create_fields(
                body, caller, ctx.ids, now, mount_url(request), theme.seq if theme else None
            )
            view = rooms.create(tx, principal, room_id, fields)
            created = mapping.room_body(view.room, theme, now, meetings_url)
        return JSONResponse(created, status_code=201)

    @router.get(
        "/rooms/{room_id}",
        operation_id="getRoom",
        openapi_extra=SECURED,
        response_model=Room,
        summary="Read a room",
        responses={401: UNAUTHORIZED, 404: ROOM_NOT_FOUND, "4XX": OTHER, 500: CRASH},
    )
    async def get_room(room_id: str = RoomId, caller: Caller = auth) -> Response:
        with ctx.db.transaction(write=False) as tx:
            room = mapping.owned_room(tx, rooms, caller.principal, room_id)
            body = answer(tx, caller.principal, room, ctx.clock.now_ms())
        return JSONResponse(body)

    @router.patch(
        "/rooms/{room_id}",
        operation_id="updateRoom",
        openapi_extra=SECURED,
        response_model=Room,
        summary="Change a long_term room (`update_details`, or `update_options` as the Node SDK sends it)",
        responses={400: BAD_UPDATE, 401: UNAUTHORIZED, 404: ROOM_NOT_FOUND, "4XX": OTHER, 500: CRASH},
    )
    async def update_room(
        body: UpdateRoom | None = None, room_id: str = RoomId, caller: Caller = auth
    ) -> Response:
        # No body (or not JSON): Express hands Joi an empty object.
        body = body or UpdateRoom()
        key, details = chosen_update(body.update_details, body.update_options)
        if not details.sent():
            raise empty_update(key)
        now = ctx.clock.now_ms()
        expires = None
        if details.expires_at is not None:
            expires = mapping.long_term_expiry(details.expires_at, now, f"{key}.expires_at")
        principal = caller.principal
        with ctx.db.transaction() as tx:
            # Locked: the settings document is read, changed and written back whole.
            room = lock_room(tx, mapping.owned_room(tx, rooms, principal, room_id))
            if mapping.settings_of(room).get("type", "instant") != "long_term":
                raise instant_room_not_updatable(room_id)
            theme_seq = room.theme_seq
            if "theme_id" in details.sent():
                theme_seq = None
                if details.theme_id is not None:
                    theme = mapping.find_theme(tx, themes, principal, details.theme_id)
                    if theme is None:
                        raise mapping.unknown_theme_on_update(details.theme_id)
                    theme_seq = theme.seq
            changes = mapping.update_fields(room, details, expires, theme_seq)
            view = rooms.update(tx, principal, room_id, changes)
            updated = answer(tx, principal, view.room, now)
        return JSONResponse(updated)

    @router.get(
        "/themes/{theme_id}/rooms",
        operation_id="getRoomsByThemeId",
        openapi_extra=SECURED,
        response_model=RoomPage,
        summary="List the rooms of a theme, a page at a time (oldest first)",
        responses={400: INVALID, 401: UNAUTHORIZED, 404: THEME_NOT_FOUND, "4XX": OTHER, 500: CRASH},
    )
    async def get_theme_rooms(
        request: Request,
        theme_id: str = ThemeId,
        page_size: int = PageSize,
        start_id: int | None = StartId,
        end_id: int | None = EndId,
        caller: Caller = auth,
    ) -> Response:
        with ctx.db.transaction(write=False) as tx:
            theme = mapping.find_theme(tx, themes, caller.principal, theme_id)
            if theme is None:
                raise rooms_of_unknown_theme(theme_id)
            body = page(tx, caller.principal, request.url, page_size, start_id, end_id, theme.seq)
        return JSONResponse(body)

    return router
