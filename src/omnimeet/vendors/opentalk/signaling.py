"""Signalling starts: tickets for the ``/signaling`` WebSocket (``signaling_socket``).

- ``POST /rooms/{room_id}/start``: a user who may read the room (its creator, or invited to its event).
- ``POST /rooms/{room_id}/start_invited``: no auth; an active, unexpired invite code of the room (not a
  UUID: 422; unknown, withdrawn or expired: 404; another room's: 400 ``Room id mismatch``) and the room's
  password when it has one (wrong or missing: 401 ``wrong_room_password``).
- ``POST /services/call_in/start``: a phone gateway (any valid access token of the deployment) with the
  room's SIP id and pin as keyed in; unknown pairs: 400 ``invalid_credentials``.
- Each answers ``{ticket, resumption}``: the ticket is single-use and valid 30 s on the virtual clock; a
  resumption token from an earlier start in the same room keeps the participant id.
- ``breakout_room``: one of the breakout rooms a moderator opened over the WebSocket (``signaling_session``);
  none open: 400 ``no_breakout_rooms``, another id: 400 ``invalid_breakout_room_id``.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path
from starlette.responses import JSONResponse, Response

from omnimeet.domain.dial_ins import DIGITS, DialInService, is_numeric_code
from omnimeet.domain.errors import DomainError
from omnimeet.domain.invite_codes import InviteCodeService
from omnimeet.domain.join_tickets import HolderKind, JoinTicket, JoinTicketService
from omnimeet.domain.rooms import RoomService
from omnimeet.platform.context import AppContext
from omnimeet.vendors.opentalk import access_mapping as mapping
from omnimeet.vendors.opentalk import signaling_session, signaling_socket
from omnimeet.vendors.opentalk.access_schemas import CallInStart, InvitedRoomStart, RoomStart, StartSuccess
from omnimeet.vendors.opentalk.auth import API, OPEN, SECURED, Caller, require_user
from omnimeet.vendors.opentalk.errors import OpenTalkError, error_responses, invalid, not_found
from omnimeet.vendors.opentalk.guest_auth import canonical_code
from omnimeet.vendors.opentalk.room_rules import readable_room

RoomIdPath = Path(description="The room's id.")


def _answer(ticket: JoinTicket) -> Response:
    return JSONResponse({"ticket": ticket.ticket, "resumption": ticket.resumption})


def _numeric(field: str, value: str) -> OpenTalkError | None:
    if len(value) != DIGITS:
        return invalid(field, "invalid_length", f"Must have {DIGITS} digits")
    if not is_numeric_code(value):
        return invalid(field, "invalid_value", "Must be numeric")
    return None


def _without_challenge(responses: dict[int | str, dict[str, Any]]) -> dict[int | str, dict[str, Any]]:
    """The 401 of a route without token auth carries no ``WWW-Authenticate``."""
    responses[401] = {key: value for key, value in responses[401].items() if key != "headers"}
    return responses


def build_router(ctx: AppContext) -> APIRouter:
    router = APIRouter(tags=["signaling"])
    rooms = RoomService(ctx.clock)
    invites = InviteCodeService(ctx.clock, ctx.ids)
    tickets = JoinTicketService(ctx.clock, ctx.ids)
    dial_ins = DialInService(ctx.clock, ctx.ids)
    caller_of = Depends(require_user(ctx))

    @router.post(
        "/rooms/{room_id}/start",
        operation_id="signaling_start",
        tags=["rooms"],
        summary="Start a signaling session as a registered user",
        description=(
            "A ticket for the `/signaling` WebSocket (send it as `Sec-WebSocket-Protocol: "
            "k3k-signaling-json-v1.0, ticket#<ticket>`), single-use and valid 30 s, and a resumption token "
            "(give it to the next start in this room to stay the same participant). For the room's creator "
            "and users invited to its event."
        ),
        openapi_extra=SECURED,
        response_model=StartSuccess,
        responses=error_responses(
            400,
            401,
            403,
            422,
            e400="`no_breakout_rooms`, `invalid_breakout_room_id`, or a malformed request.",
            e403="The user may not enter the room, or is banned from it (`banned_from_room`).",
        ),
    )
    async def start(body: RoomStart, room_id: UUID = RoomIdPath, caller: Caller = caller_of) -> Response:
        with ctx.db.transaction() as tx:
            room = readable_room(tx, rooms, caller, str(room_id))
            signaling_session.check(tx, room, body.breakout_room, caller.user.public_id)
            ticket = tickets.issue(
                tx, room, HolderKind.USER, caller.user.public_id, body.breakout_room, body.resumption
            )
        return _answer(ticket)

    @router.post(
        "/rooms/{room_id}/start_invited",
        operation_id="signaling_start_invited",
        tags=["rooms", "invites"],
        summary="Start a signaling session for an invition code",
        description=(
            "No auth: a guest with an active invite code of the room (and the room's password, when it has "
            "one) gets a ticket for the `/signaling` WebSocket and a resumption token."
        ),
        openapi_extra=OPEN,
        response_model=StartSuccess,
        responses=_without_challenge(
            error_responses(
                400,
                401,
                404,
                422,
                e400="`Room id mismatch` (another room's code), or a breakout room error.",
                e401="`wrong_room_password`: the password is missing or wrong (no `WWW-Authenticate`).",
                e404="The invite code is unknown, withdrawn or expired.",
                e422="The invite code is not a UUID.",
            )
        ),
    )
    async def start_invited(body: InvitedRoomStart, room_id: str = RoomIdPath) -> Response:
        code = canonical_code(body.invite_code)
        if code is None:
            raise mapping.bad_invite_code()
        with ctx.db.transaction() as tx:
            try:
                invite, room = invites.usable(tx, API, code)
            except DomainError:
                raise not_found() from None
            if canonical_code(room_id) != invite.room_id:
                raise mapping.room_id_mismatch()
            if room.password and body.password != room.password:
                raise mapping.wrong_room_password()
            signaling_session.check(tx, room, body.breakout_room)
            ticket = tickets.issue(tx, room, HolderKind.GUEST, None, body.breakout_room, body.resumption)
        return _answer(ticket)

    @router.post(
        "/services/call_in/start",
        operation_id="start_sip",
        tags=["services", "call_in"],
        summary="Starts a signaling session given a room id and pin",
        description=(
            "For phone gateways: the room's SIP id and pin as the caller keyed them in give a ticket for "
            "the `/signaling` WebSocket, as `/rooms/{room_id}/start` does for users."
        ),
        openapi_extra=SECURED,
        response_model=StartSuccess,
        responses=error_responses(
            400, 401, 422, e400="`invalid_credentials`: no room has this id and pin.", e422="Not 10 digits."
        ),
    )
    async def call_in_start(body: CallInStart, caller: Caller = caller_of) -> Response:
        refusal = _numeric("id", body.id) or _numeric("pin", body.pin)
        if refusal is not None:
            raise refusal
        with ctx.db.transaction() as tx:
            found = dial_ins.find(tx, caller.principal, body.id, body.pin)
            if found is None:
                raise mapping.invalid_credentials()
            room = rooms.get(tx, caller.principal, found[1])
            ticket = tickets.issue(tx, room, HolderKind.DIAL_IN, None)
        return _answer(ticket)

    router.include_router(signaling_socket.build_router(ctx))
    return router
