"""SourceFuse session routes: create, edit and end a meeting, and a Vonage Video token to join it."""

from __future__ import annotations

from enum import Enum
from typing import Any

from fastapi import APIRouter, Depends, Path
from starlette.responses import JSONResponse, Response

from omnimeet.domain.rooms import RoomService
from omnimeet.domain.tenancy import Principal
from omnimeet.platform.context import AppContext
from omnimeet.platform.scheduler import meeting_services
from omnimeet.vendors.sourcefuse import auth, mapping
from omnimeet.vendors.sourcefuse import meetings as rules
from omnimeet.vendors.sourcefuse.auth import SECURED, requires
from omnimeet.vendors.sourcefuse.schemas import (
    Error,
    SessionCode,
    SessionCreate,
    SessionEdit,
    TokenOut,
    TokenRequest,
)

TAGS: list[str | Enum] = ["VideoChatSessionController"]


def error(description: str) -> dict[str, Any]:
    return {"model": Error, "description": description}


UNAUTHORIZED = error(
    'No bearer token (`Bearer realm="Users"`), or one that does not verify (`TokenExpired`).'
)
FORBIDDEN = error("The token lacks the route's permission (`NotAllowedAccess`).")
INVALID = error("The body does not match the schema (`VALIDATION_FAILED`, with `details`).")
OTHER = error("Other client errors: `400` JSON that does not parse, `415` not JSON, `413` too large.")
CRASH = error("Internal server error.")
NO_CONTENT = {"description": "Done (no body, as LoopBack answers a handler returning nothing)."}
MeetingLinkId = Path(alias="meetingLinkId", description="The meeting link id (`code` of POST /session).")
SESSION_LINKS = {
    name: {"operationId": operation, "parameters": {"meetingLinkId": "$response.body#/code"}}
    for name, operation in (
        ("GetToken", "VideoChatSessionController.getMeetingToken"),
        ("EditMeeting", "VideoChatSessionController.editMeeting"),
        ("EndMeeting", "VideoChatSessionController.endSession"),
        ("GetAttendees", "VideoChatSessionController.getAttendeesList"),
    )
}


def secured(*codes: int, **more: Any) -> dict[int | str, dict[str, Any]]:
    """The error responses of a secured operation, ``codes`` (400, 404) described by ``more``."""
    responses: dict[int | str, dict[str, Any]] = {
        401: UNAUTHORIZED,
        403: FORBIDDEN,
        422: INVALID,
        "4XX": OTHER,
        500: CRASH,
    }
    for code in codes:
        responses[code] = error(more.get(f"e{code}", "See the message."))
    return responses


def build_router(ctx: AppContext) -> APIRouter:
    rooms = RoomService(ctx.clock)
    meetings = meeting_services(ctx).meetings
    settings = ctx.settings
    router = APIRouter(prefix="/session", tags=TAGS)
    may_create = Depends(requires(ctx, auth.CREATE))
    may_edit = Depends(requires(ctx, auth.EDIT))
    may_stop = Depends(requires(ctx, auth.STOP))
    may_token = Depends(requires(ctx, auth.TOKEN))

    @router.post(
        "",
        operation_id="VideoChatSessionController.getMeetingLink",
        openapi_extra=SECURED,
        response_model=SessionCode,
        summary="Create a meeting (a Vonage Video session); answers its link id",
        responses={
            200: {"description": "The meeting's link id.", "links": SESSION_LINKS},
            **secured(400, e400="Schedule time missing, malformed or past; encryption with archiving."),
        },
    )
    async def create_session(body: SessionCreate, principal: Principal = may_create) -> Response:
        now = ctx.clock.now_ms()
        schedule = rules.schedule_of_new(body, now)
        link = mapping.new_link(ctx.ids)
        details = mapping.SessionDetails(
            sessionId=mapping.vonage_session_id(settings.sourcefuse_vonage_api_key, link, now, ctx.ids),
            isScheduled=body.isScheduled,
            scheduleTime=schedule,
            isArchived=bool(body.enableArchiving),
            endToEndEncryption=bool(body.endToEndEncryption),
        )
        with ctx.db.transaction() as tx:
            rooms.create(tx, principal, link, {"settings": details.to_json()})
        return JSONResponse({"code": link})

    @router.patch(
        "/{meetingLinkId}",
        operation_id="VideoChatSessionController.editMeeting",
        openapi_extra=SECURED,
        status_code=204,
        response_class=Response,
        summary="Reschedule a meeting (without isScheduled: its schedule time becomes now)",
        responses={
            204: NO_CONTENT,
            **secured(
                400, 404, e400="Schedule time missing, malformed or past.", e404="No such meeting link."
            ),
        },
    )
    async def edit_meeting(
        body: SessionEdit,
        link: str = MeetingLinkId,
        principal: Principal = may_edit,
    ) -> Response:
        with ctx.db.transaction() as tx:
            room = rules.find(tx, rooms, principal, link, f"Meeting link {link} not found", 404)
            schedule = rules.schedule_of_edit(body, ctx.clock.now_ms())
            details = mapping.SessionDetails.of(room)
            details.scheduleTime = schedule
            rooms.update(tx, principal, link, {"settings": details.to_json()})
        return Response(status_code=204)

    @router.patch(
        "/{meetingLinkId}/end",
        operation_id="VideoChatSessionController.endSession",
        openapi_extra=SECURED,
        status_code=204,
        response_class=Response,
        summary="End a meeting (its live session and archive end; no token after this)",
        responses={
            204: NO_CONTENT,
            **secured(400, 404, e400="Ended already, or a blank link.", e404="`Meeting Not Found`."),
        },
    )
    async def end_session(link: str = MeetingLinkId, principal: Principal = may_stop) -> Response:
        rules.check_link(link, "Meeting link should be a valid string.")
        with ctx.db.transaction() as tx:
            room = rules.find(tx, rooms, principal, link, rules.MEETING_NOT_FOUND, 404)
            rules.end(tx, rooms, meetings, principal, room, ctx.clock.now_ms())
        return Response(status_code=204)

    @router.post(
        "/{meetingLinkId}/token",
        operation_id="VideoChatSessionController.getMeetingToken",
        openapi_extra=SECURED,
        response_model=TokenOut,
        summary="A Vonage Video token to join the meeting (the first one marks its start)",
        responses=secured(400, e400="Unknown or ended meeting, too early, bad expiry."),
    )
    async def get_token(
        body: TokenRequest | None = None,
        link: str = MeetingLinkId,
        principal: Principal = may_token,
    ) -> Response:
        rules.check_link(link, "Meeting link should be a valid string")
        body = body or TokenRequest()
        now = ctx.clock.now_ms()
        expiry = rules.token_expiry(body.expireTime, now)
        with ctx.db.transaction() as tx:
            room = rules.find(tx, rooms, principal, link, rules.NO_SESSION, 400)
            details = mapping.SessionDetails.of(room)
            rules.check_may_join(details, now, settings.sourcefuse_time_to_start_minutes)
            if details.startTime is None:
                details.startTime = now
                rooms.update(tx, principal, link, {"settings": details.to_json()})
        token = mapping.vonage_token(
            settings.sourcefuse_vonage_api_key,
            settings.sourcefuse_vonage_api_secret,
            details.sessionId,
            role=body.role or "publisher",
            now_ms=now,
            expire_s=expiry // 1000 if expiry is not None else mapping.default_expiry_s(now),
            data=body.data or "",
            ids=ctx.ids,
        )
        return JSONResponse({"sessionId": details.sessionId, "token": token})

    return router
