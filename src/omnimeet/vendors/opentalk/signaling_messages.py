"""The wire side of the ``/signaling`` WebSocket: the handshake's subprotocols, the JSON messages the
controller's control module sends (``join_success``, ``joined``, ``left``), who a ticket lets in (``Holder``)
and the sockets present per room on this server (``Rooms``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fastapi import WebSocket

from omnimeet.domain.join_tickets import HolderKind, JoinTicket
from omnimeet.domain.meeting_records import Participant
from omnimeet.vendors.opentalk.mapping import timestamp

PROTOCOLS = ("k3k-signaling-json-v1.0", "opentalk-signaling-json-v1.0")
TICKET_PREFIX = "ticket#"
KINDS = {HolderKind.USER: "user", HolderKind.GUEST: "guest", HolderKind.DIAL_IN: "sip"}
DEFAULT_NAMES = {HolderKind.USER: "Participant", HolderKind.GUEST: "Guest", HolderKind.DIAL_IN: "Phone user"}


@dataclass(frozen=True, slots=True)
class Holder:
    """Who a redeemed ticket lets in, as the other participants see them."""

    ticket: JoinTicket
    kind: HolderKind
    display_name: str
    avatar_url: str | None
    is_room_owner: bool
    waits: bool = False
    """Whether they enter through the waiting room (the room's, or a phone caller's lobby)."""

    @property
    def role(self) -> str:
        if self.is_room_owner:
            return "moderator"
        return "guest" if self.kind is HolderKind.GUEST else "user"


class Rooms:
    """The sockets (and holders) of the participants present in each room, on this server."""

    def __init__(self) -> None:
        self._sockets: dict[str, dict[str, tuple[WebSocket, Holder]]] = {}

    def add(self, holder: Holder, socket: WebSocket) -> WebSocket | None:
        """Registers the socket; returns the one it replaces (a resumed participant's old connection)."""
        present = self._sockets.setdefault(holder.ticket.room_id, {})
        previous = present.get(holder.ticket.participant_ref)
        present[holder.ticket.participant_ref] = (socket, holder)
        return previous[0] if previous is not None else None

    def remove(self, room_id: str, participant_id: str, socket: WebSocket) -> bool:
        """Unregisters the socket; False when another socket holds the participant now (or none does)."""
        present = self._sockets.get(room_id, {})
        entry = present.get(participant_id)
        if entry is None or entry[0] is not socket:
            return False
        del present[participant_id]
        if not present:
            self._sockets.pop(room_id, None)
        return True

    def get(self, room_id: str, participant_id: str) -> tuple[WebSocket, Holder] | None:
        return self._sockets.get(room_id, {}).get(participant_id)

    def others(self, room_id: str, participant_id: str) -> list[WebSocket]:
        return [entry[0] for pid, entry in self._sockets.get(room_id, {}).items() if pid != participant_id]


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


NAME_LENGTH = 255


def chosen_name(wanted: Any) -> str | None:
    """The display name a ``join`` asks for (trimmed, at most 255 characters, no NUL), or None."""
    if not isinstance(wanted, str):
        return None
    name = wanted.replace("\x00", "").strip()[:NAME_LENGTH].strip()
    return name or None


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


def join_success(me: Participant, holder: Holder, others: list[Participant]) -> dict[str, Any]:
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
