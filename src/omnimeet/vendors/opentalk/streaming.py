"""OpenTalk streaming targets of a room (list, create, get, patch, delete); the room's owner manages them.
Routes only: auth, parse, map, the service call, map back."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.responses import JSONResponse, Response

from omnimeet.domain.room_streams import StreamService
from omnimeet.platform.context import AppContext
from omnimeet.vendors.opentalk import room_mapping
from omnimeet.vendors.opentalk.auth import SECURED, Caller, require_user
from omnimeet.vendors.opentalk.errors import error_responses
from omnimeet.vendors.opentalk.pagination import LINK_HEADER, Page, page_params, paged_response
from omnimeet.vendors.opentalk.room_rules import RoomRules
from omnimeet.vendors.opentalk.room_schemas import StreamingTarget, StreamingTargetBody, StreamingTargetPatch

RoomId = Path(description="The id of the room.")
TargetId = Path(description="The id of the streaming target.")
_SUPPRESS = "Accepted; no e-mail is sent."
_ERRORS = error_responses(
    400, 401, 403, 404, e403="Not the room's owner, or no such room.", e404="No such streaming target."
)


def _ok(model: Any, description: str, **extra: Any) -> dict[str, Any]:
    return {"model": model, "description": description, **extra}


def build_router(ctx: AppContext) -> APIRouter:
    rules = RoomRules(ctx.clock, ctx.ids)
    streams = StreamService(ctx.clock)
    signed_in = Depends(require_user(ctx))
    router = APIRouter(prefix="/rooms/{room_id}/streaming_targets", tags=["streaming_targets"])

    @router.get(
        "",
        operation_id="get_streaming_targets",
        summary="List a room's streaming targets",
        openapi_extra=SECURED,
        response_model=list[StreamingTarget],
        responses={200: _ok(list[StreamingTarget], "One page of targets.", headers=LINK_HEADER), **_ERRORS},
    )
    async def get_streaming_targets(
        request: Request,
        room_id: UUID = RoomId,
        page: Page = Depends(page_params),
        caller: Caller = signed_in,
    ) -> Response:
        with ctx.db.transaction(write=False) as tx:
            room = rules.owned(tx, caller, str(room_id))
            found = streams.page(tx, room, page.offset, page.per_page)
            total = streams.count(tx, room)
        return paged_response(request, page, total, [room_mapping.streaming_target(s) for s in found])

    @router.post(
        "",
        operation_id="post_streaming_target",
        summary="Add a streaming target to a room",
        openapi_extra=SECURED,
        response_model=StreamingTarget,
        responses={200: _ok(StreamingTarget, "The new target."), **_ERRORS, **error_responses(422)},
    )
    async def post_streaming_target(
        body: StreamingTargetBody,
        room_id: UUID = RoomId,
        suppress_email_notification: bool | None = Query(None, description=_SUPPRESS),
        caller: Caller = signed_in,
    ) -> Response:
        with ctx.db.transaction() as tx:
            room = rules.owned(tx, caller, str(room_id))
            stream = streams.add(
                tx, caller.principal, room, ctx.ids.uuid4(), room_mapping.stream_fields(body)
            )
        return JSONResponse(room_mapping.streaming_target(stream))

    @router.get(
        "/{streaming_target_id}",
        operation_id="get_streaming_target",
        summary="Get a streaming target",
        openapi_extra=SECURED,
        response_model=StreamingTarget,
        responses={200: _ok(StreamingTarget, "The target."), **_ERRORS},
    )
    async def get_streaming_target(
        room_id: UUID = RoomId, streaming_target_id: UUID = TargetId, caller: Caller = signed_in
    ) -> Response:
        with ctx.db.transaction(write=False) as tx:
            room = rules.owned(tx, caller, str(room_id))
            stream = streams.get(tx, room, str(streaming_target_id))
        return JSONResponse(room_mapping.streaming_target(stream))

    @router.patch(
        "/{streaming_target_id}",
        operation_id="patch_streaming_target",
        summary="Change a streaming target",
        openapi_extra=SECURED,
        response_model=StreamingTarget,
        responses={200: _ok(StreamingTarget, "The changed target."), **_ERRORS, **error_responses(422)},
    )
    async def patch_streaming_target(
        body: StreamingTargetPatch,
        room_id: UUID = RoomId,
        streaming_target_id: UUID = TargetId,
        suppress_email_notification: bool | None = Query(None, description=_SUPPRESS),
        caller: Caller = signed_in,
    ) -> Response:
        changes = room_mapping.stream_changes(body)
        with ctx.db.transaction() as tx:
            room = rules.owned(tx, caller, str(room_id))
            stream = streams.update(tx, room, str(streaming_target_id), changes)
        return JSONResponse(room_mapping.streaming_target(stream))

    @router.delete(
        "/{streaming_target_id}",
        operation_id="delete_streaming_target",
        summary="Delete a streaming target",
        openapi_extra=SECURED,
        status_code=204,
        response_class=Response,
        responses={204: {"description": "Deleted."}, **_ERRORS},
    )
    async def delete_streaming_target(
        room_id: UUID = RoomId,
        streaming_target_id: UUID = TargetId,
        suppress_email_notification: bool | None = Query(None, description=_SUPPRESS),
        caller: Caller = signed_in,
    ) -> Response:
        with ctx.db.transaction() as tx:
            room = rules.owned(tx, caller, str(room_id))
            streams.delete(tx, room, str(streaming_target_id))
        return Response(status_code=204)

    return router
