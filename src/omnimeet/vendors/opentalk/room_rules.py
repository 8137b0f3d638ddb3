"""Who may do what with an OpenTalk room, as the controller answers it.

- The creator owns the room: reads, changes, deletes it, manages its streaming targets.
- A user invited to the room's event (any invite status) may read the room and its event.
- Anyone else gets ``403 forbidden``, for an unknown room too (and another deployment's): the controller's
  access-control layer refuses before the handler looks the room up.
- A guest with an invite code may read the event of that code's room only (``guest_auth`` binds them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from omnimeet.domain import room_access
from omnimeet.domain.assets import AssetService
from omnimeet.domain.dial_ins import DialInService
from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.ports import Clock, Ids
from omnimeet.domain.room_access import Access, RoomEvent
from omnimeet.domain.rooms import Room, RoomService
from omnimeet.domain.store import Tx
from omnimeet.vendors.opentalk.auth import Caller
from omnimeet.vendors.opentalk.errors import forbidden
from omnimeet.vendors.opentalk.guest_auth import Guest
from omnimeet.vendors.opentalk.room_mapping import patch_fields
from omnimeet.vendors.opentalk.room_schemas import PatchRoomsBody


class RoomRules:
    """The room operations of the OpenTalk routes, each with the controller's access decision."""

    def __init__(self, clock: Clock, ids: Ids) -> None:
        self.ids = ids
        self.rooms = RoomService(clock)
        self.dial_ins = DialInService(clock, ids)
        self.assets = AssetService(clock)

    def readable(self, tx: Tx, caller: Caller, room_id: str) -> Room:
        """The room, when the caller owns it or is invited to its event; 403 otherwise."""
        return readable_room(tx, self.rooms, caller, room_id)

    def owned(self, tx: Tx, caller: Caller, room_id: str) -> Room:
        """The room, when the caller owns it; 403 otherwise."""
        return owned_room(tx, self.rooms, caller, room_id)

    def create(self, tx: Tx, caller: Caller, fields: Mapping[str, Any], *, enable_sip: bool) -> Room:
        """Creates the caller's room, with a SIP dial-in when asked for."""
        room = self.rooms.create(tx, caller.principal, self.ids.uuid4(), fields).room
        if enable_sip:
            self.dial_ins.create_for_room(tx, caller.principal, room)
        return room

    def patch(self, tx: Tx, caller: Caller, room_id: str, body: PatchRoomsBody) -> Room:
        """Applies the owner's changes to the room."""
        room = self.owned(tx, caller, room_id)
        return self.rooms.update(tx, caller.principal, room.public_id, patch_fields(body, room)).room

    def delete(self, tx: Tx, caller: Caller, room_id: str) -> None:
        """Deletes the owner's room with its assets; its event, invites, dial-in and streams go with it."""
        room = self.owned(tx, caller, room_id)
        self.assets.delete_of_owner(tx, caller.principal, room.public_id)
        self.rooms.delete(tx, caller.principal, room.public_id)

    def event(self, tx: Tx, access: Caller | Guest, room_id: str) -> tuple[Room, RoomEvent | None]:
        """The room and its event, for a user who may read the room or a guest of that room."""
        room = access.room if isinstance(access, Guest) else self.readable(tx, access, room_id)
        return room, room_access.event_of(tx, room)


def _get(tx: Tx, rooms: RoomService, caller: Caller, room_id: str) -> Room:
    try:
        return rooms.get(tx, caller.principal, room_id)
    except DomainError as exc:
        if exc.code in (ErrorCode.NOT_FOUND, ErrorCode.OTHER_TENANT):
            raise forbidden() from None
        raise


def readable_room(tx: Tx, rooms: RoomService, caller: Caller, room_id: str) -> Room:
    """The room, when the caller owns it or is invited to its event; 403 otherwise (unknown rooms too)."""
    room = _get(tx, rooms, caller, room_id)
    if room_access.access(tx, room, caller.user.public_id, caller.user.email) is Access.NONE:
        raise forbidden()
    return room


def owned_room(tx: Tx, rooms: RoomService, caller: Caller, room_id: str) -> Room:
    """The room, when the caller owns it; 403 otherwise (unknown rooms too)."""
    room = _get(tx, rooms, caller, room_id)
    if room.owner_id != caller.user.public_id:
        raise forbidden()
    return room
