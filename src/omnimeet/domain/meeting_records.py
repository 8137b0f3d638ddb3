"""The records of live meetings and the room lookups the meeting and recording services share.

Records: ``RoomKey`` (a room addressed across tenants), ``Session``, ``Participant`` and ``Recording``
(rows of ``meeting_sessions``, ``participants`` and ``recordings`` with their parents' public ids) and
``RoomState`` (what is happening in a room). Lookups: ``find_room``, ``lock_room`` (``FOR UPDATE`` on
PostgreSQL, so two requests cannot both change one room's sessions), ``active_session``, ``is_expired``;
plus ``as_row`` (a row just inserted) and ``room_event`` (an event about something in a room).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, bindparam, select

from omnimeet.domain import tables
from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.events import DomainEvent, EventType
from omnimeet.domain.rooms import Room
from omnimeet.domain.states import SessionStatus
from omnimeet.domain.store import Row, Tx

_R = tables.ROOMS
_S = tables.MEETING_SESSIONS


@dataclass(frozen=True, slots=True)
class RoomKey:
    """A room addressed by its API and public id (the control plane, across tenants)."""

    api: str
    public_id: str


RoomRef = Room | RoomKey
"""A room already read (and authorised) by the caller, or its key."""


@dataclass(slots=True)
class Session:
    """A ``meeting_sessions`` row (fields in column order) and its room's public id."""

    seq: int
    tenant_id: str
    room_seq: int
    public_id: str
    status: str
    scheduled_at_ms: int | None
    started_at_ms: int | None
    ended_at_ms: int | None
    created_at_ms: int
    settings: str
    room_id: str = ""

    @classmethod
    def from_row(cls, row: Row, room_id: str) -> Session:
        session = cls(*row)
        session.room_id = room_id
        return session


@dataclass(slots=True)
class Participant:
    """A ``participants`` row (fields in column order) and its session's public id."""

    seq: int
    tenant_id: str
    session_seq: int
    public_id: str
    name: str | None
    role: str | None
    is_host: bool
    joined_at_ms: int
    left_at_ms: int | None
    settings: str
    session_id: str = ""

    @classmethod
    def from_row(cls, row: Row, session_id: str) -> Participant:
        participant = cls(*row)
        participant.is_host = bool(participant.is_host)
        participant.session_id = session_id
        return participant

    def facts(self) -> dict[str, Any]:
        return {
            "id": self.public_id,
            "name": self.name,
            "role": self.role,
            "joined_at_ms": self.joined_at_ms,
            "left_at_ms": self.left_at_ms,
        }


@dataclass(slots=True)
class Recording:
    """A ``recordings`` row (fields in column order) with its room's and session's public ids."""

    seq: int
    tenant_id: str
    room_seq: int
    session_seq: int | None
    public_id: str
    status: str
    started_at_ms: int | None
    ended_at_ms: int | None
    size_bytes: int | None
    filename: str | None
    created_at_ms: int
    updated_at_ms: int
    settings: str
    due_at_ms: int | None
    room_id: str = ""
    session_id: str | None = None

    @classmethod
    def from_row(cls, row: Row, room_id: str, session_id: str | None) -> Recording:
        recording = cls(*row)
        recording.room_id = room_id
        recording.session_id = session_id
        return recording

    @property
    def duration_ms(self) -> int:
        if self.started_at_ms is None or self.ended_at_ms is None:
            return 0
        return max(0, self.ended_at_ms - self.started_at_ms)

    def facts(self, previous: str | None) -> dict[str, Any]:
        return {
            "id": self.public_id,
            "status": self.status,
            "from": previous,
            "started_at_ms": self.started_at_ms,
            "ended_at_ms": self.ended_at_ms,
            "size": self.size_bytes,
            "filename": self.filename,
            "duration_ms": self.duration_ms,
        }


@dataclass(slots=True)
class RoomState:
    """What is happening in a room: its active session (if any), who is present, its recordings."""

    room: Room
    session: Session | None
    participants: list[Participant]
    recordings: list[Recording]


def room_event(
    type_: EventType, room: Room, at_ms: int, data: Mapping[str, Any], session_id: str | None
) -> DomainEvent:
    """An event about something in ``room``, ordered with the room's other events."""
    facts = {"room_id": room.public_id, "session_id": session_id, **data}
    return DomainEvent(type_, room.tenant_id, room.api, room.public_id, at_ms, facts, room.settings)


# --- lookups ---------------------------------------------------------------------------------------

_ROOM_BY_KEY = select(_R).where(_R.c.api == bindparam("api"), _R.c.public_id == bindparam("public_id"))
_ROOM_BY_KEY_LOCKED = _ROOM_BY_KEY.with_for_update()
_ROOM_BY_SEQ_LOCKED = select(_R).where(_R.c.seq == bindparam("seq")).with_for_update()
_ACTIVE_SESSION = select(_S).where(
    _S.c.room_seq == bindparam("room_seq"), _S.c.status == bindparam("active", SessionStatus.ACTIVE.value)
)


def _room(row: Row | None, ref: RoomRef) -> Room:
    if row is None:
        public_id = ref.public_id
        raise DomainError(ErrorCode.NOT_FOUND, "room", id=public_id)
    return Room.from_row(row)


def find_room(tx: Tx, ref: RoomRef) -> Room:
    """The room (as stored now), without locking it."""
    if isinstance(ref, Room):
        return ref
    return _room(tx.fetch_one(_ROOM_BY_KEY, {"api": ref.api, "public_id": ref.public_id}), ref)


def lock_room(tx: Tx, ref: RoomRef) -> Room:
    """The room, read afresh and locked until the unit of work ends; ``NOT_FOUND`` when it is gone."""
    if isinstance(ref, Room):
        return _room(tx.fetch_one(_ROOM_BY_SEQ_LOCKED, {"seq": ref.seq}), ref)
    return _room(tx.fetch_one(_ROOM_BY_KEY_LOCKED, {"api": ref.api, "public_id": ref.public_id}), ref)


def active_session(tx: Tx, room: Room) -> Session | None:
    row = tx.fetch_one(_ACTIVE_SESSION, {"room_seq": room.seq})
    return None if row is None else Session.from_row(row, room.public_id)


def is_expired(room: Room, now_ms: int) -> bool:
    return room.expired_at_ms is not None or (room.expires_at_ms is not None and room.expires_at_ms <= now_ms)


def as_row(table: Table, seq: int, values: Mapping[str, Any]) -> Row:
    """The row just inserted with ``values`` (and the new ``seq``), in column order."""
    return tuple(seq if column.name == "seq" else values.get(column.name) for column in table.c)
