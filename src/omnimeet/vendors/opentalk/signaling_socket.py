"""The ``/signaling`` WebSocket: a ticket from a start route lets its holder into the room's live session.

Handshake: ``Sec-WebSocket-Protocol: k3k-signaling-json-v1.0, ticket#<ticket>`` (``opentalk-signaling-
json-v1.0`` also works); the server answers with the signalling protocol it was offered. Refusals come as
HTTP answers instead of the upgrade, with the controller's error body: no signalling protocol 400
``bad_request``; no ticket, or an unknown, used or expired one, 401 ``unauthorized``.

Messages are JSON text frames ``{"namespace", "timestamp", "payload"}``, as the controller's control module
sends them:

- the client sends ``{"namespace": "control", "payload": {"action": "join", "display_name": "..."}}``;
- the server joins it to the room's live session (a participant the control plane lists, with the ticket's
  participant id) and answers ``join_success``: ``id``, ``display_name``, ``avatar_url``, ``role``
  (``moderator`` for the room's creator, ``user`` for other users and phone callers, ``guest`` for invite-code
  guests), ``closes_at``, ``is_room_owner``, ``event_info`` and ``participants`` (the others present, each
  ``{id, control: {display_name, role, avatar_url, participation_kind, hand_is_up, joined_at, left_at,
  hand_updated_at, is_room_owner}}``);
- the others in the room (on this server) get ``joined`` (``{id, control}``) and, when it closes, ``left``;
- in a room with the waiting room on (and for phone callers when the SIP config has ``lobby``), everyone
  but the room's creator is first answered ``in_waiting_room`` (namespace ``moderation``; the others hear
  ``joined_waiting_room``); a moderator's ``{"action": "accept", "target": id}`` sends them ``accepted``,
  and their ``{"namespace": "control", "payload": {"action": "enter_room"}}`` then joins them as above
  (before that: the error ``not_accepted_or_not_in_waiting_room``);
- a moderator may open breakout rooms (``{"namespace": "breakout", "payload": {"action": "start", "rooms":
  [{"name": ...}]}}``; everyone hears ``started`` with the rooms' ids) and close them (``stop`` ->
  ``stopped``); others get the error ``insufficient_permissions``. Starts may then name a breakout room;
- a moderator may remove a participant (namespace ``moderation``, action ``kick`` or ``ban``, ``target``: the
  participant id): they get ``kicked``/``banned`` and their socket closes, the others hear ``left``; a banned
  registered user's next start is 403 ``banned_from_room`` while the session lasts (guests and phone callers
  can be kicked, not banned: ``cannot_ban_guest``);
- closing the socket makes the participant leave the session. Another ``join`` is answered with the error
  ``already_joined``, anything else unknown with ``invalid_namespace`` or ``invalid_json``.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Header, WebSocket, WebSocketDisconnect
from starlette.responses import Response

from omnimeet.domain.dial_ins import DialInService
from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.join_tickets import HolderKind, JoinTicketService
from omnimeet.domain.meeting_records import Participant, RoomKey, active_session, find_room
from omnimeet.domain.meetings import MeetingService
from omnimeet.domain.users import UserService
from omnimeet.platform.context import AppContext
from omnimeet.platform.scheduler import meeting_services
from omnimeet.vendors.opentalk import signaling_session
from omnimeet.vendors.opentalk.auth import API, OPEN
from omnimeet.vendors.opentalk.errors import OpenTalkError, bad_request, error_responses
from omnimeet.vendors.opentalk.guest_auth import guest_principal
from omnimeet.vendors.opentalk.mapping import avatar_url, display_name
from omnimeet.vendors.opentalk.signaling_messages import (
    DEFAULT_NAMES,
    KINDS,
    Holder,
    Rooms,
    chosen_name,
    control_data,
    join_success,
    message,
    parse_protocols,
)


def build_router(ctx: AppContext) -> APIRouter:
    router = APIRouter(tags=["signaling"])
    tickets = JoinTicketService(ctx.clock, ctx.ids)
    users = UserService(ctx.clock, ctx.ids)
    meetings: MeetingService = meeting_services(ctx).meetings
    present = Rooms()
    waiting = Rooms()
    accepted: set[str] = set()
    """Participants a moderator let out of the waiting room (until they enter)."""
    dial_ins = DialInService(ctx.clock, ctx.ids)

    @router.get(
        "/signaling",
        operation_id="signaling_websocket",
        summary="Room Signaling Websocket",
        description=(
            "A WebSocket (`Connection: Upgrade`, `Upgrade: websocket`): offer `Sec-WebSocket-Protocol: "
            "k3k-signaling-json-v1.0, ticket#<ticket>` with a ticket from a start route; send "
            '`{"namespace":"control","payload":{"action":"join","display_name":"..."}}` and get '
            "`join_success`. A request without the upgrade is 400; a missing, used or expired ticket 401."
        ),
        openapi_extra=OPEN,
        status_code=101,
        response_class=Response,
        responses={
            101: {"description": "Switching to the WebSocket (only with an upgrade request)."},
            **error_responses(400, 401),
        },
    )
    async def signaling_http(
        sec_websocket_protocol: str | None = Header(
            None,
            description="`k3k-signaling-json-v1.0, ticket#<ticket>`",
            examples=["k3k-signaling-json-v1.0, ticket#abc"],
        ),
    ) -> Response:
        return bad_request().response()

    def admit(ticket_text: str) -> Holder | None:
        with ctx.db.transaction() as tx:
            redeemed = tickets.redeem(tx, API, ticket_text)
            if redeemed is None:
                return None
            ticket, room = redeemed
            kind = HolderKind(ticket.kind)
            name, avatar = DEFAULT_NAMES[kind], None
            user = None
            if ticket.user_ref is not None:
                user = users.find(tx, guest_principal(room, ticket.ticket), ticket.user_ref)
            dial_in = dial_ins.of_room(tx, room.seq) if kind is HolderKind.DIAL_IN else None
        if user is not None:
            name, avatar = display_name(user) or name, avatar_url(user)
        owner = ticket.user_ref is not None and room.owner_id == ticket.user_ref
        waits = not owner and (room.waiting_room or (dial_in is not None and dial_in.lobby))
        return Holder(ticket, kind, name, avatar, owner, waits)

    def join(holder: Holder, name: str) -> tuple[Participant, list[Participant]]:
        room = RoomKey(API, holder.ticket.room_id)
        participant_id = holder.ticket.participant_ref
        settings = json.dumps(
            {
                "avatar_url": holder.avatar_url,
                "participation_kind": KINDS[holder.kind],
                "is_room_owner": holder.is_room_owner,
            }
        )
        with ctx.db.transaction() as tx:
            try:
                meetings.join(tx, room, name, holder.role, participant_id)
            except DomainError as exc:
                if exc.code is not ErrorCode.CONFLICT or exc.entity != "participant":
                    raise
                meetings.leave(tx, room, participant_id)  # resumed while the old connection lingers
                meetings.join(tx, room, name, holder.role, participant_id)
            me = meetings.set_participant_settings(tx, room, participant_id, settings)
            state = meetings.state(tx, room)
        return me, [p for p in state.participants if p.public_id != participant_id]

    def leave(holder: Holder) -> None:
        try:
            with ctx.db.transaction() as tx:
                meetings.leave(tx, RoomKey(API, holder.ticket.room_id), holder.ticket.participant_ref)
        except DomainError:
            pass  # the session ended meanwhile (the control plane), or the room is gone

    async def refuse(websocket: WebSocket, error: OpenTalkError) -> None:
        if "websocket.http.response" in websocket.scope.get("extensions", {}):
            await websocket.send_denial_response(error.response())
        else:  # pragma: no cover - servers without the denial extension answer 403
            await websocket.close(code=1008)

    async def broadcast(room_id: str, participant_id: str, text: str) -> None:
        for other in present.others(room_id, participant_id):
            try:
                await other.send_text(text)
            except Exception:
                continue

    async def enter(holder: Holder, payload: dict[str, Any], websocket: WebSocket, now: int) -> None:
        wanted = payload.get("display_name")
        name = chosen_name(wanted) or holder.display_name
        me, others = join(holder, name)
        room_id, participant_id = holder.ticket.room_id, holder.ticket.participant_ref
        replaced = present.add(holder, websocket)
        if replaced is not None:
            await replaced.close(code=1000)
        await websocket.send_text(message(now, "control", join_success(me, holder, others)))
        data = {"message": "joined", "id": participant_id, "control": control_data(me)}
        await broadcast(room_id, participant_id, message(now, "control", data))

    async def wait(holder: Holder, payload: dict[str, Any], websocket: WebSocket, now: int) -> None:
        """Puts the participant into the waiting room; the moderators present hear of it."""
        waiting.add(holder, websocket)
        await websocket.send_text(message(now, "moderation", {"message": "in_waiting_room"}))
        wanted = payload.get("display_name")
        name = chosen_name(wanted) or holder.display_name
        news = {
            "message": "joined_waiting_room",
            "id": holder.ticket.participant_ref,
            "control": {"display_name": name, "avatar_url": holder.avatar_url, "role": holder.role},
        }
        await broadcast(
            holder.ticket.room_id, holder.ticket.participant_ref, message(now, "moderation", news)
        )

    async def breakout(holder: Holder, payload: dict[str, Any], websocket: WebSocket, now: int) -> None:
        """A moderator opens (``start``) or closes (``stop``) the session's breakout rooms; all hear of it."""
        action = payload.get("action")
        names = signaling_session.requested_names(payload) if action == "start" else None
        if holder.role != "moderator":
            error: str | None = "insufficient_permissions"
        elif action not in ("start", "stop") or (action == "start" and names is None):
            error = "invalid_request"
        else:
            error = None
        if error is not None:
            await websocket.send_text(message(now, "breakout", {"error": error}))
            return
        rooms = [{"id": ctx.ids.uuid4(), "name": name} for name in names] if names is not None else None
        key = RoomKey(API, holder.ticket.room_id)
        with ctx.db.transaction() as tx:
            session = active_session(tx, find_room(tx, key))
            if session is not None:
                meetings.set_session_settings(tx, key, signaling_session.with_rooms(session, rooms))
        if session is None:
            await websocket.send_text(message(now, "breakout", {"error": "invalid_request"}))
            return
        if rooms is None:
            news: dict[str, Any] = {"message": "stopped"}
        else:
            news = {"message": "started", "rooms": rooms, "expires": None, "assignment": None}
        text = message(now, "breakout", news)
        await websocket.send_text(text)
        await broadcast(holder.ticket.room_id, holder.ticket.participant_ref, text)

    async def moderate(holder: Holder, payload: dict[str, Any], websocket: WebSocket, now: int) -> None:
        """A moderator kicks or bans a participant present on this server."""
        action, target = payload.get("action"), payload.get("target")
        room_id = holder.ticket.room_id
        if action == "accept" and holder.role == "moderator" and isinstance(target, str):
            in_waiting = waiting.get(room_id, target)
            if in_waiting is not None:
                accepted.add(target)
                await in_waiting[0].send_text(message(now, "moderation", {"message": "accepted"}))
                return
        found = present.get(room_id, target) if isinstance(target, str) else None
        if holder.role != "moderator":
            error: str | None = "insufficient_permissions"
        elif action not in ("kick", "ban") or found is None:
            error = "invalid_request"
        elif action == "ban" and found[1].ticket.user_ref is None:
            error = "cannot_ban_guest"
        else:
            error = None
        if error is not None or found is None:
            await websocket.send_text(message(now, "moderation", {"error": error}))
            return
        target_socket, target_holder = found
        if action == "ban":
            key = RoomKey(API, room_id)
            with ctx.db.transaction() as tx:
                session = active_session(tx, find_room(tx, key))
                if session is not None:
                    banned = signaling_session.with_ban(session, str(target_holder.ticket.user_ref))
                    meetings.set_session_settings(tx, key, banned)
        participant_id = target_holder.ticket.participant_ref
        present.remove(room_id, participant_id, target_socket)
        leave(target_holder)
        verdict = "banned" if action == "ban" else "kicked"
        try:
            await target_socket.send_text(message(now, "moderation", {"message": verdict}))
            await target_socket.close(code=1000)
        except Exception:
            pass
        left = {"message": "left", "id": participant_id, "reason": verdict}
        await broadcast(room_id, participant_id, message(now, "control", left))

    @router.websocket("/signaling")
    async def signaling(websocket: WebSocket) -> None:
        protocol, ticket_text = parse_protocols(websocket.headers.get("sec-websocket-protocol"))
        if protocol is None:
            await refuse(websocket, bad_request("bad_request", "Missing or unsupported signaling protocol"))
            return
        holder = admit(ticket_text) if ticket_text else None
        if holder is None:
            await refuse(websocket, OpenTalkError(401))
            return
        await websocket.accept(subprotocol=protocol)
        room_id, participant_id = holder.ticket.room_id, holder.ticket.participant_ref
        stage = "connected"  # then "waiting" (in the waiting room) or "joined" (in the session)
        pending: dict[str, Any] = {}
        try:
            while True:
                text = await websocket.receive_text()
                now = ctx.clock.now_ms()
                try:
                    incoming = json.loads(text)
                except ValueError:
                    await websocket.send_text(message(now, "error", {"error": "invalid_json"}))
                    continue
                payload = incoming.get("payload") if isinstance(incoming, dict) else None
                namespace = incoming.get("namespace") if isinstance(incoming, dict) else None
                action = payload.get("action") if isinstance(payload, dict) else None
                if not isinstance(payload, dict):
                    await websocket.send_text(message(now, "error", {"error": "invalid_json"}))
                elif namespace == "breakout" and stage == "joined":
                    await breakout(holder, payload, websocket, now)
                elif namespace == "moderation" and stage == "joined":
                    await moderate(holder, payload, websocket, now)
                elif namespace != "control" or action not in ("join", "enter_room"):
                    await websocket.send_text(message(now, "error", {"error": "invalid_namespace"}))
                elif action == "join" and stage != "connected":
                    await websocket.send_text(message(now, "control", {"error": "already_joined"}))
                elif action == "join" and holder.waits:
                    pending, stage = payload, "waiting"
                    await wait(holder, payload, websocket, now)
                elif action == "join":
                    await enter(holder, payload, websocket, now)
                    stage = "joined"
                elif stage == "waiting" and participant_id in accepted:
                    waiting.remove(room_id, participant_id, websocket)
                    accepted.discard(participant_id)
                    await enter(holder, pending, websocket, now)
                    stage = "joined"
                else:
                    error = {"error": "not_accepted_or_not_in_waiting_room"}
                    await websocket.send_text(message(now, "control", error))
        except WebSocketDisconnect:
            pass
        finally:
            if stage == "waiting" and waiting.remove(room_id, participant_id, websocket):
                accepted.discard(participant_id)
                gone = {"message": "left_waiting_room", "id": participant_id}
                await broadcast(room_id, participant_id, message(ctx.clock.now_ms(), "moderation", gone))
            if stage == "joined" and present.remove(room_id, participant_id, websocket):
                leave(holder)
                left = {"message": "left", "id": participant_id, "reason": "quit"}
                await broadcast(room_id, participant_id, message(ctx.clock.now_ms(), "control", left))

    return router
