"""OpenVidu Meet participant routes: a token for whoever holds one of a room's secrets (they join the room's
live session), and removing a participant."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query
from starlette.responses import JSONResponse, Response

from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.rooms import RoomService
from omnimeet.domain.tenancy import Principal
from omnimeet.platform.context import AppContext
from omnimeet.platform.scheduler import meeting_services
from omnimeet.vendors.openvidu_meet import mapping
from omnimeet.vendors.openvidu_meet.auth import SECURED, requires
from omnimeet.vendors.openvidu_meet.errors import (
    invalid_secret,
    participant_exists,
    participant_not_found,
    room_full,
)
from omnimeet.vendors.openvidu_meet.routes import CRASH, INVALID, OTHER, UNAUTHORIZED, error
from omnimeet.vendors.openvidu_meet.schemas import Token, TokenRequest

TOKEN_COOKIE = "OvMeetParticipantToken"
"""The cookie the token is also set in, as the vendor's web app expects."""
ParticipantName = Path(alias="participantName", description="The participant's name.")
RoomNameQuery = Query(alias="roomName", description="The room the participant is in.")


def build_router(ctx: AppContext) -> APIRouter:
    rooms = RoomService(ctx.clock)
    meetings = meeting_services(ctx).meetings
    router = APIRouter(prefix="/participants", tags=["Internal API - Participant"])
    caller = Depends(requires(ctx))

    @router.post(
        "/token",
        operation_id="generateParticipantToken",
        response_model=Token,
        summary="A token for a participant holding one of the room's secrets; they join the room",
        description=(
            "No API key: the `secret` of one of the room's URLs decides the role (moderator, publisher, "
            "viewer). The participant joins the room's live session at once (a session starts if none is "
            "active). The token is a JWT signed with HS256; its key is the hex HMAC-SHA256, keyed by the "
            "room's tenant id, of `openvidu-meet:<roomName>`. The token is also set as the cookie "
            "`OvMeetParticipantToken`."
        ),
        responses={
            404: error("No such room (unknown, expired or deleted)."),
            406: error("The secret is none of the room's."),
            409: error("A participant of that name is present already, or the room is full."),
            422: INVALID,
            "4XX": OTHER,
            500: CRASH,
        },
    )
    async def generate_token(body: TokenRequest) -> Response:
        with ctx.db.transaction() as tx:
            now = ctx.clock.now_ms()
            room = mapping.live_room_by_name(tx, body.roomName, now)
            role = mapping.RoomSettings.of(room).role_of(body.secret)
            if role is None:
                raise invalid_secret(body.roomName)
            try:
                meetings.join(
                    tx, room, name=body.participantName, role=role, participant_id=body.participantName
                )
            except DomainError as exc:
                if exc.code is ErrorCode.LIMIT_REACHED:
                    raise room_full(body.roomName, int(exc.details.get("limit", 0))) from None
                if exc.code is ErrorCode.CONFLICT and exc.entity == "participant":
                    raise participant_exists(body.participantName, body.roomName) from None
                raise
            token = mapping.participant_token(room, body.participantName, role, now, ctx.ids.uuid4())
        response = JSONResponse({"token": token})
        response.set_cookie(
            TOKEN_COOKIE, token, max_age=mapping.TOKEN_TTL_S, httponly=True, samesite="strict"
        )
        return response

    @router.delete(
        "/{participantName}",
        operation_id="disconnectParticipant",
        openapi_extra=SECURED,
        status_code=204,
        response_class=Response,
        summary="Remove a participant from a room",
        responses={
            204: {"description": "The participant left."},
            401: UNAUTHORIZED,
            404: error("No such room, or nobody of that name is in it."),
            422: INVALID,
            "4XX": OTHER,
            500: CRASH,
        },
    )
    async def disconnect_participant(
        participant_name: str = ParticipantName,
        room_name: str = RoomNameQuery,
        principal: Principal = caller,
    ) -> Response:
        with ctx.db.transaction() as tx:
            room = mapping.live_room(tx, rooms, principal, room_name, ctx.clock.now_ms())
            if not mapping.is_possible_name(participant_name):
                raise participant_not_found(participant_name, room_name)
            try:
                meetings.leave(tx, room, participant_name)
            except DomainError as exc:
                if exc.code in (ErrorCode.NOT_FOUND, ErrorCode.CONFLICT):
                    raise participant_not_found(participant_name, room_name) from None
                raise
        return Response(status_code=204)

    return router
