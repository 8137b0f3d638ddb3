"""Vonage Meetings recording routes: read and delete a recording, the recordings of a session (also at
``GET /sessions/{id}``, which the Node SDK calls), and the download of a recording's file.

- Recordings are started, paused, stopped and moved on by the control plane (``/_omnimeet/vendors/vonage/
  ...``) or by a room's ``auto_record``; statuses on the wire are ``rules.WIRE_STATUS``.
- ``GET /recordings/{id}``: 404 ``Recording <id> was not found`` when unknown or another application's.
- ``DELETE /recordings/{id}``: 204 only once uploaded (the file goes too); 403 ``Can only delete recordings
  in 'uploaded' status`` otherwise; 404 ``Could not find recording``.
- ``GET /sessions/{id}/recordings``: ``{"_embedded": {"recordings": [...]}}``, oldest first; 404 ``Failed to
  find session recordings by id: <id>`` when the application has no recording of that session.
- ``_links.url.href``: a presigned link (``recording_links``) to ``<api root>/recordings/<account>/<id>/
  archive.mp4``, served here without a JWT: the MP4, whole or by ``Range``; S3-style XML errors: 403
  ``AccessDenied`` (no signature, or expired on the virtual clock), ``SignatureDoesNotMatch``,
  ``InvalidAccessKeyId``; 404 ``NoSuchKey`` (not uploaded, deleted, failed); 416 ``InvalidRange``.
"""

from __future__ import annotations

from pathlib import Path as FilePath
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, Depends, Header, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import JSONResponse, Response

from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.meeting_records import Recording as StoredRecording
from omnimeet.domain.meeting_records import RoomKey, find_room
from omnimeet.domain.recording_catalog import delete_recording, recordings_of_session
from omnimeet.domain.rooms import Room
from omnimeet.domain.store import Tx
from omnimeet.domain.tenancy import Principal
from omnimeet.platform import media
from omnimeet.platform.clock import iso_ms
from omnimeet.platform.context import AppContext
from omnimeet.platform.scheduler import meeting_services
from omnimeet.platform.web import mount_url
from omnimeet.vendors.vonage.auth import API, SECURED, Caller, requires
from omnimeet.vendors.vonage.errors import (
    recording_not_deletable,
    recording_not_found,
    recording_not_found_for_delete,
    session_recordings_not_found,
)
from omnimeet.vendors.vonage.recording_links import (
    CONTENT_TYPE,
    Signer,
    object_path,
    recording_body,
    signing_key,
)
from omnimeet.vendors.vonage.rules import UPLOADED, WIRE_STATUSES, account_of
from omnimeet.vendors.vonage.schemas import CRASH, OTHER, UNAUTHORIZED, error

TAG = "Recordings"
MAX_ID = 128


class Href(BaseModel):
    model_config = ConfigDict(title="RecordingHref")

    href: str = Field(description="A presigned download link, valid an hour from when it was made.")


class RecordingLinks(BaseModel):
    model_config = ConfigDict(title="RecordingLinks")

    url: Href


class Recording(BaseModel):
    """A recording (times ISO-8601 with milliseconds and ``Z``)."""

    model_config = ConfigDict(title="Recording", populate_by_name=True)

    id: str = Field(json_schema_extra={"format": "uuid"})
    session_id: str | None = Field(
        examples=["1_MX40NjMzOTg5Mn5-MTY3NDYxNDI4NjY5M35WM0xaVXBSc1lpT3hKWE1XQ2diM1B3cXB-fn4"]
    )
    started_at: str = Field(description="When it started recording (until then, when it was asked for).")
    ended_at: str | None = Field(description="null until its media ends.")
    status: str = Field(json_schema_extra={"enum": list(WIRE_STATUSES)})
    links: RecordingLinks = Field(alias="_links")


class EmbeddedRecordings(BaseModel):
    model_config = ConfigDict(title="EmbeddedRecordings")

    recordings: list[Recording]


class SessionRecordings(BaseModel):
    model_config = ConfigDict(title="SessionRecordings", populate_by_name=True)

    embedded: EmbeddedRecordings = Field(alias="_embedded")


Responses = dict[int | str, dict[str, Any]]


def _responses(not_found: str, extra: Responses | None = None) -> Responses:
    return {401: UNAUTHORIZED, 404: error(not_found), **(extra or {}), "4XX": OTHER, 500: CRASH}


def build_router(ctx: AppContext) -> APIRouter:
    services = meeting_services(ctx)
    signer = Signer(signing_key(ctx.settings))
    store = media.RecordingStore(ctx.settings.data_dir)
    router = APIRouter(tags=[TAG])
    auth = Depends(requires(ctx))

    def owned(tx: Tx, principal: Principal, recording_id: str) -> StoredRecording | None:
        if len(recording_id) > MAX_ID:
            return None
        try:
            found = services.recordings.get(tx, API, recording_id)
        except DomainError as exc:
            if exc.code is ErrorCode.NOT_FOUND:
                return None
            raise
        return found if found.tenant_id == principal.tenant_id else None

    def answer(tx: Tx, request: Request, found: list[StoredRecording]) -> list[dict[str, Any]]:
        rooms: dict[str, Room] = {}
        now = ctx.clock.now_ms()
        root = mount_url(request)
        bodies = []
        for recording in found:
            if recording.room_id not in rooms:
                rooms[recording.room_id] = find_room(tx, RoomKey(API, recording.room_id))
            bodies.append(recording_body(recording, rooms[recording.room_id], root, signer, now))
        return bodies

    @router.get(
        "/recordings/{recording_id}",
        operation_id="getRecording",
        openapi_extra=SECURED,
        response_model=Recording,
        summary="Read a recording",
        responses=_responses("No such recording (`Recording <id> was not found`)."),
    )
    async def get_recording(
        request: Request, recording_id: str = Path(description="The recording's id."), caller: Caller = auth
    ) -> Response:
        with ctx.db.transaction(write=False) as tx:
            found = owned(tx, caller.principal, recording_id)
            if found is None:
                raise recording_not_found(recording_id)
            body = answer(tx, request, [found])[0]
        return JSONResponse(body)

    @router.delete(
        "/recordings/{recording_id}",
        operation_id="deleteRecording",
        openapi_extra=SECURED,
        status_code=204,
        response_class=Response,
        summary="Delete an uploaded recording and its file",
        responses={
            204: {"description": "Deleted."},
            **_responses(
                "No such recording (`Could not find recording`).",
                {403: error("Not uploaded (yet): `Can only delete recordings in 'uploaded' status`.")},
            ),
        },
    )
    async def delete_one(
        recording_id: str = Path(description="The recording's id."), caller: Caller = auth
    ) -> Response:
        with ctx.db.transaction() as tx:
            found = owned(tx, caller.principal, recording_id)
            if found is None:
                raise recording_not_found_for_delete()
            if found.status != UPLOADED:
                raise recording_not_deletable()
            deleted = delete_recording(tx, API, caller.principal.tenant_id, recording_id)
        if deleted.filename:
            store.delete(deleted.tenant_id, deleted.filename)
        return Response(status_code=204)

    async def session_recordings(request: Request, session_id: str, caller: Caller) -> Response:
        with ctx.db.transaction(write=False) as tx:
            found = recordings_of_session(tx, API, caller.principal.tenant_id, session_id)
            if not found:
                raise session_recordings_not_found(session_id)
            bodies = answer(tx, request, found)
        return JSONResponse({"_embedded": {"recordings": bodies}})

    session_responses = _responses(
        "No recording of that session (`Failed to find session recordings by id: <id>`)."
    )

    @router.get(
        "/sessions/{session_id}/recordings",
        operation_id="getSessionRecordings",
        openapi_extra=SECURED,
        response_model=SessionRecordings,
        summary="The recordings of a session (oldest first)",
        responses=session_responses,
    )
    async def get_session_recordings(
        request: Request, session_id: str = Path(description="The session's id."), caller: Caller = auth
    ) -> Response:
        return await session_recordings(request, session_id, caller)

    @router.get(
        "/sessions/{session_id}",
        operation_id="getSession",
        openapi_extra=SECURED,
        response_model=SessionRecordings,
        summary="The recordings of a session (the path the Node SDK calls)",
        responses=session_responses,
    )
    async def get_session(
        request: Request, session_id: str = Path(description="The session's id."), caller: Caller = auth
    ) -> Response:
        return await session_recordings(request, session_id, caller)

    return router


_XML = "application/xml"


def s3_error(status: int, code: str, message: str, **extra: str) -> Response:
    parts = "".join(f"<{key}>{value}</{key}>" for key, value in extra.items())
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message>{parts}</Error>"
    )
    return Response(body, status_code=status, media_type=_XML)


_BINARY = {"video/mp4": {"schema": {"type": "string", "format": "binary"}}}
_XML_BODY = {_XML: {"schema": {"type": "string"}}}
_STR = {"schema": {"type": "string"}}


def build_public_router(ctx: AppContext) -> APIRouter:
    services = meeting_services(ctx)
    signer = Signer(signing_key(ctx.settings))
    store = media.RecordingStore(ctx.settings.data_dir)
    ctx.on_reset.append(store.clear)
    router = APIRouter(tags=["Recording files"])

    @router.get(
        "/recordings/{account}/{recording_id}/archive.mp4",
        operation_id="downloadRecording",
        response_class=Response,
        summary="A recording's MP4 by its presigned link (no JWT), whole or by byte range",
        responses={
            200: {"description": "The whole file.", "content": _BINARY, "headers": {"Accept-Ranges": _STR}},
            206: {
                "description": "The requested range.",
                "content": _BINARY,
                "headers": {"Accept-Ranges": _STR, "Content-Range": _STR},
            },
            403: {"description": "Missing, wrong or expired signature (S3 XML).", "content": _XML_BODY},
            404: {"description": "No such file: not uploaded, deleted (`NoSuchKey`).", "content": _XML_BODY},
            416: {"description": "The range starts past the end (`InvalidRange`).", "content": _XML_BODY},
        },
    )
    async def download(
        account: str = Path(description="The account's digits."),
        recording_id: str = Path(description="The recording's id."),
        access_key: str | None = Query(None, alias="AWSAccessKeyId"),
        expires: str | None = Query(None, alias="Expires", description="Unix seconds."),
        signature: str | None = Query(None, alias="Signature"),
        content_disposition: str = Query("", alias="response-content-disposition"),
        content_type: str = Query(CONTENT_TYPE, alias="response-content-type"),
        range_header: str | None = Header(default=None, alias="Range", description="`bytes=a-b`"),
    ) -> Response:
        if access_key is None or expires is None or signature is None:
            return s3_error(
                403,
                "AccessDenied",
                "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters",
            )
        if access_key != signer.access_key_id:
            return s3_error(
                403,
                "InvalidAccessKeyId",
                "The AWS Access Key Id you provided does not exist in our records.",
                AWSAccessKeyId=access_key,
            )
        path = object_path(account, recording_id)
        expires_s = int(expires) if expires.isdigit() and len(expires) < 16 else -1
        if (
            expires_s < 0
            or content_type != CONTENT_TYPE
            or not signer.valid(path, expires_s, content_disposition, signature)
        ):
            return s3_error(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
                AWSAccessKeyId=access_key,
            )
        now = ctx.clock.now_ms()
        if expires_s * 1000 < now:
            return s3_error(
                403,
                "AccessDenied",
                "Request has expired",
                Expires=iso_ms(expires_s * 1000),
                ServerTime=iso_ms(now),
            )
        key = path.removeprefix("/recordings/")
        with ctx.db.transaction(write=False) as tx:
            try:
                recording = services.recordings.get(tx, API, recording_id)
                room = find_room(tx, RoomKey(API, recording.room_id))
            except DomainError:
                return s3_error(404, "NoSuchKey", "The specified key does not exist.", Key=key)
        if recording.status != UPLOADED or account_of(room) != account or recording.filename is None:
            return s3_error(404, "NoSuchKey", "The specified key does not exist.", Key=key)
        file = await _ensure(store, recording)
        size = file.stat().st_size
        byte_range: media.ByteRange | None = None
        if range_header is not None:
            try:
                byte_range = media.parse_range(range_header, size)
            except media.MalformedRangeError:
                byte_range = None  # S3 ignores a Range header it cannot read
            except media.RangeNotSatisfiableError:
                answer = s3_error(416, "InvalidRange", "The requested range is not satisfiable")
                answer.headers.update(media.unsatisfiable_headers(size))
                return answer
        response = media.file_response(file, size, byte_range)
        if content_disposition:
            response.headers["Content-Disposition"] = content_disposition
        return response

    return router


async def _ensure(store: media.RecordingStore, recording: StoredRecording) -> FilePath:
    """The recording's file, written on first use (its bytes follow from its duration)."""
    assert recording.filename is not None
    return await anyio.to_thread.run_sync(
        store.ensure, recording.tenant_id, recording.filename, recording.duration_ms
    )
