"""OpenTalk shared folders: ``GET``/``PUT``/``DELETE /events/{event_id}/shared_folder``.

The emulated file storage always answers: PUT creates the folder's two public shares (read-only and
read-write, each with a password) and answers 201 with them, or 200 with the existing folder (what the
controller's code does; its document says 200 and 304). GET gives the creator both shares and invitees the
read-only one; 404 when the event has no folder. DELETE is 204, with or without a folder. Only the creator
may PUT or DELETE (403). The folder lives in the event's settings under ``shared_folder``.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query
from starlette.responses import JSONResponse, Response

from omnimeet.domain.event_invites import SHARED_FOLDER_KEY, EventInviteService, Relation
from omnimeet.platform.context import AppContext
from omnimeet.vendors.opentalk.auth import SECURED, Caller, require_user
from omnimeet.vendors.opentalk.errors import error_responses, not_found
from omnimeet.vendors.opentalk.invitee_mapping import new_shared_folder, shared_folder_body
from omnimeet.vendors.opentalk.invitee_rules import event_for
from omnimeet.vendors.opentalk.invitee_schemas import SharedFolder

EventId = Annotated[UUID, Path(description="The id of the event.")]
Suppress = Annotated[bool | None, Query(description="Send no e-mail notification (none is sent anyway).")]


def _folder(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) and isinstance(value.get("read"), dict) else None


def build_router(ctx: AppContext) -> APIRouter:
    router = APIRouter(tags=["shared_folder"])
    service = EventInviteService(ctx.clock)
    caller = Depends(require_user(ctx))

    @router.get(
        "/events/{event_id}/shared_folder",
        operation_id="get_shared_folder_for_event",
        summary="The event's shared folder (the read-write share only for its creator)",
        openapi_extra=SECURED,
        response_model=SharedFolder,
        response_model_exclude_none=True,
        responses={
            200: {"description": "The shared folder."},
            **error_responses(400, 401, 403, 404, e404="No such event, or it has no shared folder."),
        },
    )
    async def get_shared_folder(event_id: EventId, who: Caller = caller) -> Response:
        with ctx.db.transaction(write=False) as tx:
            event, relation = event_for(tx, service, who, event_id)
        folder = _folder(event.setting(SHARED_FOLDER_KEY))
        if folder is None:
            raise not_found()
        return JSONResponse(shared_folder_body(folder, writer=relation is Relation.CREATOR))

    @router.put(
        "/events/{event_id}/shared_folder",
        operation_id="put_shared_folder_for_event",
        summary="Create the event's shared folder (if it has none)",
        openapi_extra=SECURED,
        status_code=201,
        response_model=SharedFolder,
        response_model_exclude_none=True,
        responses={
            201: {"description": "Created."},
            200: {"description": "The folder the event already had.", "model": SharedFolder},
            **error_responses(400, 401, 403, 404),
        },
    )
    async def put_shared_folder(
        event_id: EventId, suppress_email_notification: Suppress = None, who: Caller = caller
    ) -> Response:
        with ctx.db.transaction() as tx:
            event, _ = event_for(tx, service, who, event_id, manage=True)
            folder = _folder(event.setting(SHARED_FOLDER_KEY))
            created = folder is None
            if folder is None:
                folder = new_shared_folder(ctx.ids)
                service.set_setting(tx, event, SHARED_FOLDER_KEY, folder)
        return JSONResponse(shared_folder_body(folder, writer=True), status_code=201 if created else 200)

    @router.delete(
        "/events/{event_id}/shared_folder",
        operation_id="delete_shared_folder_for_event",
        summary="Delete the event's shared folder (204 also when it had none)",
        openapi_extra=SECURED,
        status_code=204,
        response_class=Response,
        responses={
            204: {"description": "Deleted, or there was none."},
            **error_responses(400, 401, 403, 404),
        },
    )
    async def delete_shared_folder(
        event_id: EventId,
        force_delete_reference_if_shared_folder_deletion_fails: Annotated[
            bool | None, Query(description="Drop the reference even if the storage fails (it never does).")
        ] = None,
        suppress_email_notification: Suppress = None,
        who: Caller = caller,
    ) -> Response:
        with ctx.db.transaction() as tx:
            event, _ = event_for(tx, service, who, event_id, manage=True)
            if event.setting(SHARED_FOLDER_KEY) is not None:
                service.set_setting(tx, event, SHARED_FOLDER_KEY, None)
        return Response(status_code=204)

    return router
