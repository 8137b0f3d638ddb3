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
- a moderator may open breakout rooms (``{"namespace": "breakout", "payload": {"action": "start", "rooms":
  [{"name": ...}]}}``; everyone hears ``started`` with the rooms' ids) and close them (``stop`` ->
  ``stopped``); others get the error ``insufficient_permissions``. Starts may then name a breakout room;
- closing the socket makes the participant leave the session. Another ``join`` is answered with the error
  ``already_joined``, anything else unknown with ``invalid_namespace`` or ``invalid_json``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Header, WebSocket, WebSocketDisconnect
from starlette.responses import Response

from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.join_tickets import HolderKind, JoinTicket, JoinTicketService
from omnimeet.domain.meeting_records import Participant, RoomKey, active_session, find_room
from omnimeet.domain.meetings import MeetingService
from omnimeet.domain.users import UserService
from omnimeet.platform.context import AppContext
from omnimeet.platform.scheduler import meeting_services
from omnimeet.vendors.opentalk import signaling_breakout
from omnimeet.vendors.opentalk.auth import API, OPEN
from omnimeet.vendors.opentalk.errors import OpenTalkError, bad_request, error_responses
from omnimeet.vendors.opentalk.guest_auth import guest_principal
from omnimeet.vendors.opentalk.mapping import avatar_url, display_name, timestamp

PROTOCOLS = ("k3k-signaling-json-v1.0", "opentalk-signaling-json-v1.0")
TICKET_PREFIX = "ticket#"
_KINDS = {HolderKind.USER: "user", HolderKind.GUEST: "guest", HolderKind.DIAL_IN: "sip"}
_DEFAULT_NAMES = {HolderKind.USER: "Participant", HolderKind.GUEST: "Guest", HolderKind.DIAL_IN: "Phone user"}


@dataclass(frozen=True, slots=True)
class Holder:
    """Who a redeemed ticket lets in, as the other participants see them."""

    ticket: JoinTicket
    kind: HolderKind
    display_name: str
    avatar_url: str | None
    is_room_owner: bool

    @property
    def role(self) -> str:
        if self.is_room_owner:
            return "moderator"
        return "guest" if self.kind is HolderKind.GUEST else "user"


class Rooms:
    """The sockets of the participants present in each room, on this server (for ``joined``/``left``)."""

    def __init__(self) -> None:
        self._sockets: dict[str, dict[str, WebSocket]] = {}

    def add(self, room_id: str, participant_id: str, socket: WebSocket) -> WebSocket | None:
        """Registers the socket; returns the one it replaces (a resumed participant's old connection)."""
        present = self._sockets.setdefault(room_id, {})
        previous = present.get(participant_id)
        present[participant_id] = socket
        return previous

    def remove(self, room_id: str, participant_id: str, socket: WebSocket) -> bool:
        """Unregisters the socket; False when another socket holds the participant now."""
        present = self._sockets.get(room_id, {})
        if present.get(participant_id) is not socket:
            return False
        del present[participant_id]
        if not present:
            self._sockets.pop(room_id, None)
        return True

    def others(self, room_id: str, participant_id: str) -> list[WebSocket]:
        return [ws for pid, ws in self._sockets.get(room_id, {}).items() if pid != participant_id]


def parse_protocols(header: str | None) -> tuple[str | None, str | None]:
    """The signalling protocol and the ticket offered in ``Sec-WebSocket-Protocol``."""
    protocol = ticket = None
    for item in (header or "").split(","):
        item = item.strip()
        if item.startswith(TICKET_PREFIX) and len(item) > len(TICKET_PREFIX):
            ticket = item[len(TICKET_PREFIX) :]
        elif item in PROTOCOLS and protocol is None:
            protocol = item
    return protocol, ticket


def message(now_ms: int, namespace: str, payload: dict[str, Any]) -> str:
    return json.dumps({"namespace": namespace, "timestamp": timestamp(now_ms), "payload": payload})


def control_data(participant: Participant) -> dict[str, Any]:
    """A participant as the control module describes them to the others."""
    facts: dict[str, Any] = json.loads(participant.settings or "{}")
    return {
        "display_name": participant.name or "",
        "role": participant.role or "user",
        "avatar_url": facts.get("avatar_url"),
        "participation_kind": facts.get("participation_kind", "user"),
        "hand_is_up": False,
        "joined_at": timestamp(participant.joined_at_ms),
        "left_at": timestamp(participant.left_at_ms),
        "hand_updated_at": timestamp(participant.joined_at_ms),
        "is_room_owner": bool(facts.get("is_room_owner", False)),
    }


def build_router(ctx: AppContext) -> APIRouter:
    router = APIRouter(tags=["signaling"])
    tickets = JoinTicketService(ctx.clock, ctx.ids)
    users = UserService(ctx.clock, ctx.ids)
    meetings: MeetingService = meeting_services(ctx).meetings
    present = Rooms()

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
            name, avatar = _DEFAULT_NAMES[kind], None
            user = None
            if ticket.user_ref is not None:
                user = users.find(tx, guest_principal(room, ticket.ticket), ticket.user_ref)
        if user is not None:
            name, avatar = display_name(user) or name, avatar_url(user)
        owner = ticket.user_ref is not None and room.owner_id == ticket.user_ref
        return Holder(ticket, kind, name, avatar, owner)

    def join(holder: Holder, name: str) -> tuple[Participant, list[Participant]]:
        room = RoomKey(API, holder.ticket.room_id)
        participant_id = holder.ticket.participant_ref
        settings = json.dumps(
            {
                "avatar_url": holder.avatar_url,
                "participation_kind": _KINDS[holder.kind],
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
        name = wanted.strip() if isinstance(wanted, str) and wanted.strip() else holder.display_name
        me, others = join(holder, name)
        room_id, participant_id = holder.ticket.room_id, holder.ticket.participant_ref
        replaced = present.add(room_id, participant_id, websocket)
        if replaced is not None:
            await replaced.close(code=1000)
        await websocket.send_text(message(now, "control", _join_success(me, holder, others)))
        data = {"message": "joined", "id": participant_id, "control": control_data(me)}
        await broadcast(room_id, participant_id, message(now, "control", data))

    async def breakout(holder: Holder, payload: dict[str, Any], websocket: WebSocket, now: int) -> None:
        """A moderator opens (``start``) or closes (``stop``) the session's breakout rooms; all hear of it."""
        action = payload.get("action")
        names = signaling_breakout.requested_names(payload) if action == "start" else None
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
                meetings.set_session_settings(tx, key, signaling_breakout.with_rooms(session, rooms))
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
        joined = False
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
                if not isinstance(payload, dict):
                    await websocket.send_text(message(now, "error", {"error": "invalid_json"}))
                elif namespace == "breakout" and joined:
                    await breakout(holder, payload, websocket, now)
                elif namespace != "control" or payload.get("action") != "join":
                    await websocket.send_text(message(now, "error", {"error": "invalid_namespace"}))
                elif joined:
                    await websocket.send_text(message(now, "control", {"error": "already_joined"}))
                else:
                    await enter(holder, payload, websocket, now)
                    joined = True
        except WebSocketDisconnect:
            pass
        finally:
            if joined and present.remove(room_id, participant_id, websocket):
                leave(holder)
                left = {"message": "left", "id": participant_id, "reason": "quit"}
                await broadcast(room_id, participant_id, message(ctx.clock.now_ms(), "control", left))

    return router


def _join_success(me: Participant, holder: Holder, others: list[Participant]) -> dict[str, Any]:
    return {
        "message": "join_success",
        "id": me.public_id,
        "display_name": me.name or "",
        "avatar_url": holder.avatar_url,
        "role": holder.role,
        "closes_at": None,
        "is_room_owner": holder.is_room_owner,
        "event_info": None,
        "participants": [{"id": other.public_id, "control": control_data(other)} for other in others],
    }
