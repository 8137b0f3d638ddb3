"""Control API: live-meeting simulation. Tests drive what participants would do (there is no media):
sessions start and end, people join and leave, recordings start, stop and move on.

Objects are addressed by the vendor's own public ids, across tenants (the control plane sees them all).
The same domain services as the vendors' routes do the work, so the same rules hold (a room's participant
limit, one session at a time, an expired room taking nobody) and the same events are published.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import JSONResponse, Response

from omnimeet.domain.meeting_records import Participant, Recording, RoomKey, RoomState, Session, is_expired
from omnimeet.domain.rooms import Room
from omnimeet.domain.states import RecordingStatus
from omnimeet.platform.clock import iso_ms
from omnimeet.platform.context import AppContext
from omnimeet.platform.control.errors import ControlError, ControlErrorBody
from omnimeet.platform.scheduler import meeting_services

NO_NUL = r"^[^\x00]*$"
VendorName = Path(max_length=64, description="The vendor (`telemost`, ...).")
RoomId = Path(max_length=128, pattern=NO_NUL, description="The room's id in the vendor's API.")
ParticipantId = Path(max_length=128, pattern=NO_NUL, description="The participant's id.")
RecordingId = Path(max_length=128, pattern=NO_NUL, description="The recording's id in the vendor's API.")


def _iso(ms: int | None) -> str | None:
    return iso_ms(ms) if ms is not None else None


# --- wire models (documentation; answers are built as dicts) --------------------------------------------


class RoomOut(BaseModel):
    id: str
    tenant: str
    expires_at: str | None
    expired: bool


class SessionOut(BaseModel):
    id: str
    room_id: str
    status: str
    started_at: str | None
    ended_at: str | None


class ParticipantOut(BaseModel):
    id: str
    session_id: str
    name: str | None
    role: str | None
    joined_at: str
    left_at: str | None


class RecordingOut(BaseModel):
    id: str
    room_id: str
    session_id: str | None
    status: RecordingStatus
    started_at: str | None
    ended_at: str | None
    size: int | None = Field(description="File size in bytes, once stopped.")
    filename: str | None


class RoomStateOut(BaseModel):
    room: RoomOut
    session: SessionOut | None
    participants: list[ParticipantOut] = Field(description="Those present now.")
    recordings: list[RecordingOut]


class JoinRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=255, pattern=NO_NUL)
    role: str | None = Field(
        None, min_length=1, max_length=32, pattern=NO_NUL, description="Default `participant`."
    )
    id: str | None = Field(
        None, min_length=1, max_length=128, pattern=NO_NUL, description="Default: a new id."
    )


class AdvanceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: RecordingStatus | None = Field(None, description="The state to reach; default: the next one.")


# --- mapping -------------------------------------------------------------------------------------------


def room_json(room: Room, now_ms: int) -> dict[str, Any]:
    return {
        "id": room.public_id,
        "tenant": room.tenant_id,
        "expires_at": _iso(room.expires_at_ms),
        "expired": is_expired(room, now_ms),
    }


def session_json(session: Session) -> dict[str, Any]:
    return {
        "id": session.public_id,
        "room_id": session.room_id,
        "status": session.status,
        "started_at": _iso(session.started_at_ms),
        "ended_at": _iso(session.ended_at_ms),
    }


def participant_json(participant: Participant) -> dict[str, Any]:
    return {
        "id": participant.public_id,
        "session_id": participant.session_id,
        "name": participant.name,
        "role": participant.role,
        "joined_at": iso_ms(participant.joined_at_ms),
        "left_at": _iso(participant.left_at_ms),
    }


def recording_json(recording: Recording) -> dict[str, Any]:
    return {
        "id": recording.public_id,
        "room_id": recording.room_id,
        "session_id": recording.session_id,
        "status": recording.status,
        "started_at": _iso(recording.started_at_ms),
        "ended_at": _iso(recording.ended_at_ms),
        "size": recording.size_bytes,
        "filename": recording.filename,
    }


def state_json(state: RoomState, now_ms: int) -> dict[str, Any]:
    return {
        "room": room_json(state.room, now_ms),
        "session": session_json(state.session) if state.session is not None else None,
        "participants": [participant_json(p) for p in state.participants],
        "recordings": [recording_json(r) for r in state.recordings],
    }


ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ControlErrorBody, "description": "Unknown vendor, room or object."},
    409: {"model": ControlErrorBody, "description": "The meeting's state does not allow it."},
}


def build_router(ctx: AppContext) -> APIRouter:
    router = APIRouter(prefix="/vendors/{vendor}", tags=["Simulation"], responses=ERRORS)
    services = meeting_services(ctx)
    meetings, recordings = services.meetings, services.recordings

    def api(vendor: str) -> str:
        if vendor not in ctx.vendors:
            raise ControlError(404, "not_found", f"No vendor named {vendor!r}.", {"vendor": vendor})
        return vendor

    def room(vendor: str, room_id: str) -> RoomKey:
        return RoomKey(api(vendor), room_id)

    @router.get("/rooms/{room_id}", response_model=RoomStateOut)
    async def get_room(vendor: str = VendorName, room_id: str = RoomId) -> Response:
        """What is happening in the room: its active session, who is present, its recordings."""
        with ctx.db.transaction(write=False) as tx:
            state = meetings.state(tx, room(vendor, room_id))
        return JSONResponse(state_json(state, ctx.clock.now_ms()))

    @router.post("/rooms/{room_id}/session", status_code=201, response_model=SessionOut)
    async def start_session(vendor: str = VendorName, room_id: str = RoomId) -> Response:
        """Starts a session in the room (409 when one is active or the room has expired)."""
        with ctx.db.transaction() as tx:
            session = meetings.start_session(tx, room(vendor, room_id))
        return JSONResponse(session_json(session), status_code=201)

    @router.delete("/rooms/{room_id}/session", response_model=SessionOut)
    async def end_session(vendor: str = VendorName, room_id: str = RoomId) -> Response:
        """Ends the room's active session: everyone leaves, running recordings stop (404 without one)."""
        with ctx.db.transaction() as tx:
            session = meetings.end_session(tx, room(vendor, room_id))
        return JSONResponse(session_json(session))

    @router.post("/rooms/{room_id}/participants", status_code=201, response_model=ParticipantOut)
    async def join(body: JoinRequest, vendor: str = VendorName, room_id: str = RoomId) -> Response:
        """Someone joins, starting a session when none is active (409 `limit_reached` when the room is
        full, `conflict` when the id is present already or the room has expired)."""
        with ctx.db.transaction() as tx:
            participant = meetings.join(tx, room(vendor, room_id), body.name, body.role, body.id)
        return JSONResponse(participant_json(participant), status_code=201)

    @router.delete("/rooms/{room_id}/participants/{participant_id}", response_model=ParticipantOut)
    async def leave(
        vendor: str = VendorName, room_id: str = RoomId, participant_id: str = ParticipantId
    ) -> Response:
        """The participant leaves (409 when they left already)."""
        with ctx.db.transaction() as tx:
            participant = meetings.leave(tx, room(vendor, room_id), participant_id)
        return JSONResponse(participant_json(participant))

    @router.post("/rooms/{room_id}/recordings", status_code=201, response_model=RecordingOut)
    async def start_recording(vendor: str = VendorName, room_id: str = RoomId) -> Response:
        """Starts recording the active session (409 without one, or while another recording runs)."""
        with ctx.db.transaction() as tx:
            recording = recordings.start(tx, room(vendor, room_id))
        return JSONResponse(recording_json(recording), status_code=201)

    @router.get("/recordings/{recording_id}", response_model=RecordingOut)
    async def get_recording(vendor: str = VendorName, recording_id: str = RecordingId) -> Response:
        with ctx.db.transaction(write=False) as tx:
            recording = recordings.get(tx, api(vendor), recording_id)
        return JSONResponse(recording_json(recording))

    @router.post("/recordings/{recording_id}/stop", response_model=RecordingOut)
    async def stop_recording(vendor: str = VendorName, recording_id: str = RecordingId) -> Response:
        """An active or paused recording stops (409 `invalid_transition` from any other state)."""
        with ctx.db.transaction() as tx:
            recording = recordings.stop(tx, api(vendor), recording_id)
        return JSONResponse(recording_json(recording))

    @router.post("/recordings/{recording_id}/advance", response_model=RecordingOut)
    async def advance_recording(
        body: AdvanceRequest | None = None, vendor: str = VendorName, recording_id: str = RecordingId
    ) -> Response:
        """Moves the recording to `status` (through the states between), or to its next state. The
        vendor's progression mode still applies to the states reached (`immediate` chains on)."""
        status = body.status if body is not None else None
        with ctx.db.transaction() as tx:
            recording = recordings.advance(tx, api(vendor), recording_id, status)
        return JSONResponse(recording_json(recording))

    return router
