# ruff: noqa: N815  (the vendor's wire names are camelCase)
"""OpenVidu Meet recording routes: start, list, read, stop (PUT), delete one or many, and the stream.

- Starting records the room's live session; when nobody has joined yet (no active session) one starts, as
  the vendor's LiveKit room exists once it is used. One recording in progress per room (409), and only in
  rooms whose preferences enable recording (403 ``{"message": "Recording is disabled in this room"}``, on
  stop too). The answer shows the recording as it is once started: with the default ``immediate``
  progression it is already STARTED; other modes (``PUT /_omnimeet/progression/openvidu-meet/recording``)
  leave it STARTING until the control plane or the virtual clock moves it on.
- Stop (``PUT /recordings/{id}``, 204): only a STARTED recording; STARTING -> 409 ``cannot be stopped while
  starting``; anything later -> 409 ``is already stopped``.
- Delete: 409 ``is not stopped yet`` while STARTING, STARTED or STOPPING; the file goes too. The bulk
  delete deletes what it can (unknown and unfinished ids are skipped) and answers 204.
- Stream: the recording's MP4 (``omnimeet.platform.media``), written on first use; 409 while it is still
  in progress, 404 for a failed recording that has no file.
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from fastapi import APIRouter, Depends, Header, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema
from starlette.responses import JSONResponse, Response

from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.meeting_records import Recording as StoredRecording
from omnimeet.domain.meeting_records import RoomKey, active_session, find_room, lock_room
from omnimeet.domain.recording_catalog import delete_finished, delete_recording, recordings_of_tenant
from omnimeet.domain.rooms import RoomService
from omnimeet.domain.states import RECORDING_IN_PROGRESS, RecordingStatus
from omnimeet.domain.store import Tx
from omnimeet.domain.tenancy import Principal
from omnimeet.platform import media
from omnimeet.platform.context import AppContext
from omnimeet.platform.scheduler import meeting_services
from omnimeet.vendors.openvidu_meet import mapping
from omnimeet.vendors.openvidu_meet.auth import API, SECURED, requires
from omnimeet.vendors.openvidu_meet.errors import OpenViduError, recording_error
from omnimeet.vendors.openvidu_meet.routes import CRASH, INVALID, OTHER, UNAUTHORIZED, error
from omnimeet.vendors.openvidu_meet.rules import OUTPUT_MODE, WIRE_STATUS, WIRE_STATUSES, recording_body
from omnimeet.vendors.openvidu_meet.schemas import Name, StrictBody

DISABLED = {"message": "Recording is disabled in this room"}
TAG = "OpenVidu Meet - Recordings"


class RecordingRequest(StrictBody):
    """Body of POST /recordings."""

    model_config = ConfigDict(title="RecordingOptions")

    roomName: Name = Field(description="The room to record.")


class RecordingIds(StrictBody):
    """Body of DELETE /recordings."""

    model_config = ConfigDict(title="RecordingIds")

    recordingIds: list[str] = Field(description="The recordings to delete.")


class Recording(BaseModel):
    model_config = ConfigDict(title="OpenViduMeetRecording")

    id: str = Field(examples=["EG_a1B2c3D4e5F6"])
    roomName: str
    outputMode: str = Field(examples=[OUTPUT_MODE])
    status: str = Field(json_schema_extra={"enum": list(WIRE_STATUSES)})
    filename: str = Field(description="`<roomName>--<id>.mp4`.")
    startedAt: int = Field(description="ms since the Unix epoch (when it was asked for, until it records).")
    endedAt: int | SkipJsonSchema[None] = Field(default=None, description="Absent until the media ends.")
    duration: float = Field(description="Seconds (ms precision); 0 until the recording ends.")
    size: int = Field(description="Bytes of the file; 0 until the recording stops.")


def not_found(recording_id: str) -> OpenViduError:
    return recording_error(404, f"Recording '{recording_id}' not found")


def conflict(message: str) -> OpenViduError:
    return recording_error(409, message)


RECORDING_LINKS = {
    name: {"operationId": operation, "parameters": {"recordingId": "$response.body#/id"}}
    for name, operation in (
        ("GetRecording", "getRecording"),
        ("StopRecording", "stopRecording"),
        ("DeleteRecording", "deleteRecording"),
        ("GetRecordingStream", "getRecordingStream"),
    )
}
"""What a started recording's id leads to (OpenAPI links: clients and fuzzers follow them)."""
RECORDING_NOT_FOUND = error("No such recording (`Recording '<id>' not found`).")
FORBIDDEN = error("Recording is disabled in the room's preferences (`{message}` only).")
RecordingId = Path(alias="recordingId", description="The recording's id.")
_BINARY = {"video/mp4": {"schema": {"type": "string", "format": "binary"}}}
_INT = {"schema": {"type": "integer"}}
_STR = {"schema": {"type": "string"}}


def build_router(ctx: AppContext) -> APIRouter:
    rooms = RoomService(ctx.clock)
    services = meeting_services(ctx)
    store = media.RecordingStore(ctx.settings.data_dir)
    ctx.on_reset.append(store.clear)
    router = APIRouter(prefix="/recordings")
    caller = Depends(requires(ctx))

    def owned(tx: Tx, principal: Principal, recording_id: str) -> StoredRecording:
        if not mapping.is_possible_name(recording_id):
            raise not_found(recording_id)
        try:
            found = services.recordings.get(tx, API, recording_id)
        except DomainError as exc:
            if exc.code is ErrorCode.NOT_FOUND:
                raise not_found(recording_id) from None
            raise
        if found.tenant_id != principal.tenant_id:
            raise not_found(recording_id)
        return found

    @router.post(
        "",
        operation_id="createRecording",
        tags=[TAG],
        openapi_extra=SECURED,
        response_model=Recording,
        summary="Start recording a room (a session starts if nobody is in it yet)",
        responses={
            200: {"description": "The recording, as it is once started.", "links": RECORDING_LINKS},
            401: UNAUTHORIZED,
            403: FORBIDDEN,
            404: error("No such room (`The room '<name>' does not exist`)."),
            409: error("The room is being recorded already."),
            422: INVALID,
            "4XX": OTHER,
            500: CRASH,
        },
    )
    async def create_recording(body: RecordingRequest, principal: Principal = caller) -> Response:
        with ctx.db.transaction() as tx:
            room = mapping.live_room(tx, rooms, principal, body.roomName, ctx.clock.now_ms())
            room = lock_room(tx, room)  # two starts of one room: the second waits, then sees the first
            if not mapping.recording_enabled(room):
                raise OpenViduError(403, DISABLED)
            if active_session(tx, room) is None:
                services.meetings.start_session(tx, room)
            try:
                recording = services.recordings.start(tx, room)
            except DomainError as exc:
                if exc.code is ErrorCode.CONFLICT:
                    raise conflict(f"The room '{body.roomName}' is already being recorded") from None
                raise
        return JSONResponse(recording_body(recording))

    @router.get(
        "",
        operation_id="getRecordings",
        tags=[TAG],
        openapi_extra=SECURED,
        response_model=list[Recording],
        summary="List the recordings (oldest first)",
        responses={401: UNAUTHORIZED, "4XX": OTHER, 500: CRASH},
    )
    async def get_recordings(
        status: str | None = Query(
            default=None, description="Only recordings in this status (`STARTING`, `STARTED`, ...)."
        ),
        principal: Principal = caller,
    ) -> Response:
        with ctx.db.transaction(write=False) as tx:
            found = recordings_of_tenant(tx, API, principal.tenant_id)
        return JSONResponse(
            [recording_body(r) for r in found if status is None or WIRE_STATUS[r.status] == status]
        )

    @router.delete(
        "",
        operation_id="deleteMultipleRecordings",
        tags=[TAG],
        openapi_extra=SECURED,
        status_code=204,
        response_class=Response,
        summary="Delete recordings (unknown ids and recordings in progress are skipped)",
        responses={
            204: {"description": "Deleted."},
            401: UNAUTHORIZED,
            422: INVALID,
            "4XX": OTHER,
            500: CRASH,
        },
    )
    async def delete_recordings(body: RecordingIds, principal: Principal = caller) -> Response:
        candidates = [i for i in body.recordingIds if mapping.is_possible_name(i)]
        with ctx.db.transaction() as tx:
            deleted = delete_finished(tx, API, principal.tenant_id, candidates)
        for recording in deleted:
            if recording.filename:
                store.delete(recording.tenant_id, recording.filename)
        return Response(status_code=204)

    @router.get(
        "/{recordingId}",
        operation_id="getRecording",
        tags=[TAG],
        openapi_extra=SECURED,
        response_model=Recording,
        summary="Read a recording",
        responses={401: UNAUTHORIZED, 404: RECORDING_NOT_FOUND, "4XX": OTHER, 500: CRASH},
    )
    async def get_recording(recording_id: str = RecordingId, principal: Principal = caller) -> Response:
        with ctx.db.transaction(write=False) as tx:
            recording = owned(tx, principal, recording_id)
        return JSONResponse(recording_body(recording))

    @router.put(
        "/{recordingId}",
        operation_id="stopRecording",
        tags=[TAG],
        openapi_extra=SECURED,
        status_code=204,
        response_class=Response,
        summary="Stop a recording",
        responses={
            204: {"description": "The recording is stopping."},
            401: UNAUTHORIZED,
            403: FORBIDDEN,
            404: RECORDING_NOT_FOUND,
            409: error("Still starting, or stopped already."),
            "4XX": OTHER,
            500: CRASH,
        },
    )
    async def stop_recording(recording_id: str = RecordingId, principal: Principal = caller) -> Response:
        with ctx.db.transaction() as tx:
            recording = owned(tx, principal, recording_id)
            room = find_room(tx, RoomKey(API, recording.room_id))
            if not mapping.recording_enabled(room):
                raise OpenViduError(403, DISABLED)
            status = RecordingStatus(recording.status)
            if status is RecordingStatus.STARTING:
                raise conflict(f"Recording '{recording_id}' cannot be stopped while starting")
            if status not in (RecordingStatus.ACTIVE, RecordingStatus.PAUSED):
                raise conflict(f"Recording '{recording_id}' is already stopped")
            services.recordings.stop(tx, API, recording_id)
        return Response(status_code=204)

    @router.delete(
        "/{recordingId}",
        operation_id="deleteRecording",
        tags=[TAG],
        openapi_extra=SECURED,
        status_code=204,
        response_class=Response,
        summary="Delete a recording and its file",
        responses={
            204: {"description": "Deleted."},
            401: UNAUTHORIZED,
            404: RECORDING_NOT_FOUND,
            409: error("The recording is still in progress (`is not stopped yet`)."),
            "4XX": OTHER,
            500: CRASH,
        },
    )
    async def delete_one(recording_id: str = RecordingId, principal: Principal = caller) -> Response:
        if not mapping.is_possible_name(recording_id):
            raise not_found(recording_id)
        with ctx.db.transaction() as tx:
            try:
                recording = delete_recording(tx, API, principal.tenant_id, recording_id)
            except DomainError as exc:
                if exc.code is ErrorCode.NOT_FOUND:
                    raise not_found(recording_id) from None
                if exc.code is ErrorCode.CONFLICT:
                    raise conflict(f"Recording '{recording_id}' is not stopped yet") from None
                raise
        if recording.filename:
            store.delete(recording.tenant_id, recording.filename)
        return Response(status_code=204)

    @router.get(
        "/{recordingId}/stream",
        operation_id="getRecordingStream",
        openapi_extra=SECURED,
        response_class=Response,
        summary="The recording's MP4, whole or by byte range",
        description=(
            "`Range: bytes=a-b`, `bytes=a-` (at most 5 MiB from `a`) or `bytes=-n` (the last `n` bytes) "
            "answers 206 with `Content-Range`; no Range header, 200 with the whole file. Bodies are sent "
            "in 64 KiB chunks."
        ),
        tags=["Internal API - Recordings"],
        responses={
            200: {
                "description": "The whole file.",
                "content": _BINARY,
                "headers": {"Accept-Ranges": _STR, "Content-Length": _INT},
            },
            206: {
                "description": "The requested range.",
                "content": _BINARY,
                "headers": {"Accept-Ranges": _STR, "Content-Range": _STR, "Content-Length": _INT},
            },
            400: error("The Range header cannot be read (`Invalid Range header`)."),
            401: UNAUTHORIZED,
            404: RECORDING_NOT_FOUND,
            409: error("The recording is still in progress (`is not stopped yet`)."),
            416: {
                **error("The range starts past the end (`Requested range not satisfiable`)."),
                "headers": {
                    "Content-Range": {"schema": {"type": "string"}, "description": "`bytes */<size>`"}
                },
            },
            "4XX": OTHER,
            500: CRASH,
        },
    )
    async def stream_recording(
        recording_id: str = RecordingId,
        range_header: str | None = Header(default=None, alias="Range", description="`bytes=a-b`"),
        principal: Principal = caller,
    ) -> Response:
        with ctx.db.transaction(write=False) as tx:
            recording = owned(tx, principal, recording_id)
        if RecordingStatus(recording.status) in RECORDING_IN_PROGRESS:
            raise conflict(f"Recording '{recording_id}' is not stopped yet")
        if recording.filename is None or recording.size_bytes is None:
            raise not_found(recording_id)
        path = await anyio.to_thread.run_sync(
            store.ensure, recording.tenant_id, recording.filename, recording.duration_ms
        )
        size = path.stat().st_size  # the recording's ``size`` (both follow from its duration)
        byte_range: media.ByteRange | None = None
        if range_header is not None:
            try:
                byte_range = media.parse_range(range_header, size)
            except media.MalformedRangeError:
                raise recording_error(400, "Invalid Range header") from None
            except media.RangeNotSatisfiableError:
                body: dict[str, Any] = {
                    "name": "Recording Error",
                    "message": "Requested range not satisfiable",
                }
                return JSONResponse(body, status_code=416, headers=media.unsatisfiable_headers(size))
        return media.file_response(path, size, byte_range)

    return router
