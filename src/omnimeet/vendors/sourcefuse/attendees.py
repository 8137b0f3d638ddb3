"""SourceFuse attendees: the list of a meeting's attendees, and the Vonage Video session-monitoring webhook
that keeps it (attendees are the meeting room's participants, one per ``connection.data``).

Webhook events: ``connectionCreated`` -> the attendee joins (again, after leaving); ``connectionDestroyed``
-> the attendee leaves; ``streamDestroyed`` -> leaves, unless the reason is ``forceUnpublished`` or
``mediaStopped`` (then, as for ``streamCreated``, only ``modifiedOn`` and ``extMetadata`` change); other
events change nothing. Events for sessions that are not ours,
for attendees not present, or for ended meetings are ignored.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query
from starlette.responses import JSONResponse, Response

from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.meeting_records import RoomKey
from omnimeet.domain.meetings import MeetingService
from omnimeet.domain.rooms import RoomService
from omnimeet.domain.store import Tx
from omnimeet.domain.tenancy import Principal
from omnimeet.platform.context import AppContext
from omnimeet.platform.scheduler import meeting_services
from omnimeet.vendors.sourcefuse import auth, mapping
from omnimeet.vendors.sourcefuse import meetings as rules
from omnimeet.vendors.sourcefuse.auth import API, SECURED, requires
from omnimeet.vendors.sourcefuse.errors import server_error
from omnimeet.vendors.sourcefuse.schemas import Attendee, SessionWebhook
from omnimeet.vendors.sourcefuse.sessions import CRASH, NO_CONTENT, OTHER, TAGS, error, secured

KEEPS_ATTENDEE = frozenset({"forceUnpublished", "mediaStopped"})
"""``streamDestroyed`` reasons after which the attendee is still there."""
MeetingLinkId = Path(alias="meetingLinkId", description="The meeting link id.")
Active = Query(default=None, description='`"true"`: only the attendees present now.')


def attendee_of(payload: SessionWebhook) -> str | None:
    if payload.connection is not None and payload.connection.data is not None:
        return payload.connection.data
    if payload.stream is not None and payload.stream.connection is not None:
        data = payload.stream.connection.get("data")
        return data if isinstance(data, str) else None
    return None


def apply_event(tx: Tx, meetings: MeetingService, payload: SessionWebhook, now_ms: int) -> None:
    """What a session-monitoring event does to the attendees (see the module's doc). The payload is kept
    as the attendee's ``extMetadata.webhookPayload``; a change other than arriving sets ``modifiedOn``."""
    link = mapping.link_of_session(payload.sessionId or "")
    name = attendee_of(payload)
    if link is None or name is None:
        return
    room = RoomKey(API, link)
    event = payload.event
    keeps = event == "streamCreated" or (event == "streamDestroyed" and payload.reason in KEEPS_ATTENDEE)
    leaves = event == "connectionDestroyed" or (event == "streamDestroyed" and not keeps)
    noted = mapping.AttendeeNote(payload.model_dump(mode="json", exclude_unset=True))
    try:
        present = [p for p in meetings.state(tx, room).participants if p.name == name]
        if event == "connectionCreated" and not present:
            connection_id = payload.connection.id if payload.connection is not None else None
            joined = meetings.join(
                tx, room, name=name, role="publisher", participant_id=connection_id or None
            )
            meetings.set_participant_settings(tx, room, joined.public_id, noted.to_json())
            return
        if not (keeps or leaves):
            return
        noted.modified_ms = now_ms
        for participant in present:
            if leaves:
                meetings.leave(tx, room, participant.public_id)
            meetings.set_participant_settings(tx, room, participant.public_id, noted.to_json())
    except DomainError as exc:
        if exc.code not in (ErrorCode.NOT_FOUND, ErrorCode.CONFLICT, ErrorCode.LIMIT_REACHED):
            raise


def build_router(ctx: AppContext) -> APIRouter:
    rooms = RoomService(ctx.clock)
    meetings = meeting_services(ctx).meetings
    router = APIRouter(tags=TAGS)
    reader = Depends(requires(ctx, auth.ATTENDEES))

    @router.get(
        "/session/{meetingLinkId}/attendees",
        operation_id="VideoChatSessionController.getAttendeesList",
        openapi_extra=SECURED,
        response_model=list[Attendee],
        response_model_exclude_none=True,
        summary="The meeting's attendees (with active=true, only those present)",
        responses=secured(404, e404="`Meeting Not Found`."),
    )
    async def get_attendees(
        link: str = MeetingLinkId,
        active: str | None = Active,
        principal: Principal = reader,
    ) -> Response:
        with ctx.db.transaction(write=False) as tx:
            room = rules.find(tx, rooms, principal, link, rules.MEETING_NOT_FOUND, 404)
            participants = meetings.participants_ever(tx, room)
        found = mapping.attendees(participants, mapping.SessionDetails.of(room).sessionId)
        if active == "true":
            found = [attendee for attendee in found if not attendee["isDeleted"]]
        return JSONResponse(found)

    @router.post(
        "/webhooks/session",
        operation_id="VideoChatSessionController.checkWebhookPayload",
        status_code=204,
        response_class=Response,
        summary="Vonage Video session monitoring: connections and streams update the attendees (public)",
        responses={
            204: NO_CONTENT,
            422: error("The body does not match the schema."),
            "4XX": OTHER,
            500: CRASH,
        },
    )
    async def session_webhook(body: SessionWebhook) -> Response:
        try:
            with ctx.db.transaction() as tx:
                apply_event(tx, meetings, body, ctx.clock.now_ms())
        except DomainError as exc:
            raise server_error(f"Error occured triggering webhook event {exc}") from None
        return Response(status_code=204)

    return router
