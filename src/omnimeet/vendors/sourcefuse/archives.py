"""SourceFuse archive routes: the tenant's Vonage Video archives (recordings of its meetings), one of them,
deleting one, and the upload target archives go to."""

from __future__ import annotations

from enum import Enum
from typing import Any

from fastapi import APIRouter, Depends, Path
from starlette.responses import JSONResponse, Response

from omnimeet.domain import recording_catalog
from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.meeting_records import Recording
from omnimeet.domain.rooms import RoomService
from omnimeet.domain.store import Tx
from omnimeet.domain.tenancy import Principal
from omnimeet.platform.config import Settings
from omnimeet.platform.context import AppContext
from omnimeet.platform.scheduler import meeting_services
from omnimeet.vendors.sourcefuse import auth
from omnimeet.vendors.sourcefuse.auth import API, SECURED, requires
from omnimeet.vendors.sourcefuse.errors import LoopBackError, bad_request, not_found, server_error
from omnimeet.vendors.sourcefuse.mapping import SessionDetails
from omnimeet.vendors.sourcefuse.rules import archive_item
from omnimeet.vendors.sourcefuse.schemas import Archive, ArchiveList, StorageTarget
from omnimeet.vendors.sourcefuse.sessions import NO_CONTENT, secured

TAGS: list[str | Enum] = ["VideoChatArchiveController"]
ARCHIVE_NOT_FOUND = "Archive Not Found"
IN_PROGRESS = "Archive is still being recorded and cannot be deleted"
ArchiveId = Path(alias="archiveId", description="The archive's id (a Vonage Video archive id, a UUID).")


def items(
    tx: Tx, rooms: RoomService, principal: Principal, found: list[Recording], api_key: str
) -> list[dict[str, Any]]:
    """The archives as the service lists them, each with its meeting's Vonage session id."""
    details: dict[str, SessionDetails] = {}
    for recording in found:
        if recording.room_id not in details:
            details[recording.room_id] = SessionDetails.of(rooms.get(tx, principal, recording.room_id))
    return [archive_item(recording, details[recording.room_id], api_key) for recording in found]


def check_target(body: StorageTarget, settings: Settings) -> None:
    """The upload target's 400s, and the 500s of missing server-side credentials."""
    if body.name == "AWSS3":
        if not body.bucket:
            raise bad_request("S3 bucket name is required")
        if not settings.sourcefuse_aws_access_key_id or not settings.sourcefuse_aws_secret_access_key:
            raise server_error("Missing AWS S3 credentials for setting Vonage upload target")
    elif body.name == "AZURE":
        if not body.accountName:
            raise bad_request("Azure account name is required")
        if not settings.sourcefuse_azure_account_key:
            raise server_error("Missing Azure credentials for setting Vonage upload target")
    else:
        raise bad_request("Unsupported storage type")


def build_router(ctx: AppContext) -> APIRouter:
    rooms = RoomService(ctx.clock)
    recordings = meeting_services(ctx).recordings
    api_key = ctx.settings.sourcefuse_vonage_api_key
    router = APIRouter(prefix="/archives", tags=TAGS)
    reader = Depends(requires(ctx, auth.ARCHIVES))
    may_target = Depends(requires(ctx, auth.UPLOAD_TARGET))
    may_delete = Depends(requires(ctx, auth.DELETE_ARCHIVE))

    @router.put(
        "/storage-target",
        operation_id="VideoChatArchiveController.setUploadTarget",
        openapi_extra=SECURED,
        status_code=204,
        response_class=Response,
        summary="Send archives to an Amazon S3 bucket or an Azure container",
        responses={
            204: NO_CONTENT,
            **secured(400, e400="Unsupported storage type, or its bucket / account name missing."),
        },
    )
    async def set_upload_target(body: StorageTarget, principal: Principal = may_target) -> Response:
        check_target(body, ctx.settings)
        return Response(status_code=204)

    @router.get(
        "",
        operation_id="VideoChatArchiveController.getArchives",
        openapi_extra=SECURED,
        response_model=ArchiveList,
        summary="Every archive of the tenant's meetings, oldest first",
        responses=secured(),
    )
    async def get_archives(principal: Principal = reader) -> Response:
        with ctx.db.transaction(write=False) as tx:
            found = recording_catalog.recordings_of_tenant(tx, API, principal.tenant_id)
            listed = items(tx, rooms, principal, found, api_key)
        return JSONResponse({"count": len(listed), "items": listed})

    @router.get(
        "/{archiveId}",
        operation_id="VideoChatArchiveController.getArchive",
        openapi_extra=SECURED,
        response_model=Archive,
        summary="One archive",
        responses=secured(404, e404="`Archive Not Found`."),
    )
    async def get_archive(archive_id: str = ArchiveId, principal: Principal = reader) -> Response:
        with ctx.db.transaction(write=False) as tx:
            try:
                recording = recordings.get(tx, API, archive_id)
            except DomainError:
                raise not_found(ARCHIVE_NOT_FOUND) from None
            if recording.tenant_id != principal.tenant_id:
                raise not_found(ARCHIVE_NOT_FOUND)
            listed = items(tx, rooms, principal, [recording], api_key)
        return JSONResponse(listed[0])

    @router.delete(
        "/{archiveId}",
        operation_id="VideoChatArchiveController.deleteArchive",
        openapi_extra=SECURED,
        status_code=204,
        response_class=Response,
        summary="Delete an archive (not while it is recorded)",
        responses={
            204: NO_CONTENT,
            **secured(404, 409, e404="`Archive Not Found`.", e409="The archive is still being recorded."),
        },
    )
    async def delete_archive(archive_id: str = ArchiveId, principal: Principal = may_delete) -> Response:
        try:
            with ctx.db.transaction() as tx:
                recording_catalog.delete_recording(tx, API, principal.tenant_id, archive_id)
        except DomainError as exc:
            if exc.code is ErrorCode.CONFLICT:
                raise LoopBackError(409, IN_PROGRESS) from None
            raise not_found(ARCHIVE_NOT_FOUND) from None
        return Response(status_code=204)

    return router
