"""A room's SIP dial-in config: ``GET``/``PUT``/``DELETE /rooms/{room_id}/sip`` (the room's creator only).

- ``GET``: 404 while the room has none.
- ``PUT``: creates it (201; the 10-digit ``sip_id`` always generated, the ``password`` when not given,
  ``lobby`` false when not given) or changes the given fields (200). An empty body is 422.
- ``DELETE``: 204, also when there was none.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Depends, Path
from starlette.responses import JSONResponse, Response

from omnimeet.domain.dial_ins import DIGITS, DialInService, is_numeric_code
from omnimeet.domain.rooms import RoomService
from omnimeet.platform.context import AppContext
from omnimeet.vendors.opentalk import access_mapping as mapping
from omnimeet.vendors.opentalk.access_schemas import PutSipConfig, SipConfigOut
from omnimeet.vendors.opentalk.auth import SECURED, Caller, require_user
from omnimeet.vendors.opentalk.errors import error_responses, invalid, not_found
from omnimeet.vendors.opentalk.room_rules import owned_room

RoomIdPath = Path(description="The room's id.")
_E403 = "The user did not create the room (unknown rooms too, as the controller's access control answers)."


def _checked(body: PutSipConfig) -> PutSipConfig:
    if body.password is None and body.lobby is None:
        raise invalid(None, "missing_values", "At least one value is required")
    if body.password is not None:
        if len(body.password) != DIGITS:
            raise invalid("password", "invalid_length", f"The password must have {DIGITS} digits")
        if not is_numeric_code(body.password):
            raise invalid("password", "invalid_value", "The password must be numeric")
    return body


def build_router(ctx: AppContext) -> APIRouter:
    router = APIRouter(tags=["sip"])
    rooms = RoomService(ctx.clock)
    dial_ins = DialInService(ctx.clock, ctx.ids)
    caller_of = Depends(require_user(ctx))

    @router.get(
        "/rooms/{room_id}/sip",
        operation_id="get_sip",
        summary="Get the rooms SIP config",
        description="The room's dial-in id, password and lobby switch; 404 when it has no SIP config.",
        openapi_extra=SECURED,
        response_model=SipConfigOut,
        responses=error_responses(400, 401, 403, 404, e403=_E403, e404="The room has no SIP config."),
    )
    async def get_sip(room_id: UUID = RoomIdPath, caller: Caller = caller_of) -> Response:
        with ctx.db.transaction(write=False) as tx:
            room = owned_room(tx, rooms, caller, str(room_id))
            dial_in = dial_ins.of_room(tx, room.seq)
        if dial_in is None:
            raise not_found()
        return JSONResponse(mapping.sip_json(room, dial_in))

    @router.put(
        "/rooms/{room_id}/sip",
        operation_id="put_sip",
        summary="Create or modify the rooms SIP config",
        description=(
            "Creates the room's SIP config (201: a new 10-digit `sip_id`; `password` generated unless given; "
            "`lobby` false unless given) or changes the given fields of the existing one (200)."
        ),
        openapi_extra=SECURED,
        response_model=SipConfigOut,
        responses={
            201: {"model": SipConfigOut, "description": "A SIP config was created."},
            **error_responses(400, 401, 403, 404, 422, e403=_E403),
        },
    )
    async def put_sip(body: PutSipConfig, room_id: UUID = RoomIdPath, caller: Caller = caller_of) -> Response:
        _checked(body)
        with ctx.db.transaction() as tx:
            room = owned_room(tx, rooms, caller, str(room_id))
            dial_in, created = dial_ins.put(tx, room, body.password, body.lobby)
        return JSONResponse(mapping.sip_json(room, dial_in), status_code=201 if created else 200)

    @router.delete(
        "/rooms/{room_id}/sip",
        operation_id="delete_sip",
        summary="Delete a rooms sip config",
        description="Removes the room's SIP config: nobody can dial in any more. 204 also when it had none.",
        openapi_extra=SECURED,
        status_code=204,
        response_class=Response,
        responses=error_responses(400, 401, 403, 404, e403=_E403),
    )
    async def delete_sip(room_id: UUID = RoomIdPath, caller: Caller = caller_of) -> Response:
        with ctx.db.transaction() as tx:
            room = owned_room(tx, rooms, caller, str(room_id))
            dial_ins.delete(tx, room)
        return Response(status_code=204)

    return router
