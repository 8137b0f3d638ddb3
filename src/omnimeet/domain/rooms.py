"""Rooms and their live streams: the services every vendor's room-like resource goes through."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, func, select

from omnimeet.domain import tables
from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.ports import Clock
from omnimeet.domain.store import Row, Tx
from omnimeet.domain.tenancy import Principal

FEATURE_LIVE_STREAMS = "live_streams"
"""The plan feature that allows live streams on rooms."""

_R = tables.ROOMS
_L = tables.LIVE_STREAMS


@dataclass(slots=True)
class Room:
    """A ``rooms`` row; fields in column order (a test keeps them in step with the table)."""

    seq: int
    tenant_id: str
    api: str
    public_id: str
    owner_id: str | None
    name: str | None
    description: str | None
    access_level: str | None
    password: str | None
    waiting_room: bool
    max_participants: int | None
    created_at_ms: int
    updated_at_ms: int
    expires_at_ms: int | None
    settings: str
    expired_at_ms: int | None
    theme_seq: int | None

    @classmethod
    def from_row(cls, row: Row) -> Room:
        room = cls(*row)
        room.waiting_room = bool(room.waiting_room)
        return room


@dataclass(slots=True)
class LiveStream:
    """A ``live_streams`` row; fields in column order."""

    seq: int
    tenant_id: str
    room_seq: int
    public_id: str
    kind: str | None
    title: str | None
    description: str | None
    access_level: str | None
    endpoint_url: str | None
    stream_key: str | None
    public_url: str | None
    created_at_ms: int
    updated_at_ms: int


@dataclass(frozen=True, slots=True)
class StreamChange:
    """A live stream to add to a room, or changes to its existing one.

    ``public_id`` and ``defaults`` are used only when the stream is created; ``fields`` always apply.
    """

    public_id: str
    fields: Mapping[str, Any]
    defaults: Mapping[str, Any] = field(default_factory=dict)

    def creation_fields(self) -> dict[str, Any]:
        return {**self.defaults, **self.fields}


@dataclass(slots=True)
class RoomView:
    """A room with its live streams, as read back after a change."""

    room: Room
    live_streams: list[LiveStream]


_ROOM_COLUMNS = tuple(f.name for f in fields(Room))
_STREAM_COLUMNS = tuple(f.name for f in fields(LiveStream))
EDITABLE_ROOM_FIELDS = frozenset(
    {
        "name",
        "description",
        "access_level",
        "password",
        "waiting_room",
        "max_participants",
        "expires_at_ms",
        "settings",
        "owner_id",
        "theme_seq",
    }
)
EDITABLE_STREAM_FIELDS = frozenset(
    {"kind", "title", "description", "access_level", "endpoint_url", "stream_key", "public_url"}
)

_ROOM_BY_PUBLIC_ID = select(_R).where(_R.c.api == bindparam("api"), _R.c.public_id == bindparam("public_id"))
_ROOMS_OF_TENANT = (
    select(_R)
    .where(_R.c.tenant_id == bindparam("tenant_id"), _R.c.api == bindparam("api"))
    .order_by(_R.c.seq)
)
_STREAMS_OF_ROOM = select(_L).where(_L.c.room_seq == bindparam("room_seq")).order_by(_L.c.seq)
# A room and its streams in one round trip: one row per stream, or one row with NULL stream columns.
_ROOM_WITH_STREAMS = (
    select(_R, _L)
    .select_from(_R.outerjoin(_L, _L.c.room_seq == _R.c.seq))
    .where(_R.c.api == bindparam("api"), _R.c.public_id == bindparam("public_id"))
    .order_by(_L.c.seq)
)
_ROOM_WIDTH = len(_R.c)


def _check_editable(changes: Mapping[str, Any], allowed: frozenset[str], entity: str) -> None:
    unknown = set(changes) - allowed
    if unknown:
        raise DomainError(ErrorCode.INVALID, entity, field=sorted(unknown)[0])


def _tenant_rooms(theme: bool) -> list[ColumnElement[bool]]:
    conditions = [_R.c.tenant_id == bindparam("tenant_id"), _R.c.api == bindparam("api")]
    if theme:
        conditions.append(_R.c.theme_seq == bindparam("theme_seq"))
    return conditions


def _page_statement(theme: bool, start: bool, end: bool) -> Select[Any]:
    """A page of a tenant's rooms: from ``start`` on (ascending), or with ``end`` alone the last ones up to
    it (descending, the caller reverses); ``limit`` a parameter."""
    stmt = select(_R).where(*_tenant_rooms(theme))
    if start:
        stmt = stmt.where(_R.c.seq >= bindparam("start_seq"))
    if end:
        stmt = stmt.where(_R.c.seq <= bindparam("end_seq"))
    order = _R.c.seq.desc() if end and not start else _R.c.seq
    return stmt.order_by(order).limit(bindparam("size"))


# Built once: a statement built per call is compiled per call (the compiled cache is keyed by statement).
_PAGES = {
    (theme, start, end): _page_statement(theme, start, end)
    for theme in (False, True)
    for start in (False, True)
    for end in (False, True)
}
_COUNT_OF_THEME = select(func.count()).select_from(_R).where(*_tenant_rooms(theme=True))
_C = tables.ROOM_COUNTS
# Kept by the database's triggers (see tables_rooms.RoomCountRow): one row, however many rooms.
_COUNT_OF_TENANT = select(_C.c.rooms).where(
    _C.c.tenant_id == bindparam("tenant_id"), _C.c.api == bindparam("api")
)


class RoomService:
    """Creates, reads, changes and deletes rooms within the caller's tenant."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def create(
        self,
        tx: Tx,
        principal: Principal,
        public_id: str,
        fields_: Mapping[str, Any],
        live_stream: StreamChange | None = None,
    ) -> RoomView:
        """Creates a room owned by ``principal``, with a live stream when one is given."""
        _check_editable(fields_, EDITABLE_ROOM_FIELDS, "room")
        if live_stream is not None:
            principal.require_feature(FEATURE_LIVE_STREAMS)
            _check_editable(live_stream.creation_fields(), EDITABLE_STREAM_FIELDS, "live_stream")
        now = self.clock.now_ms()
        values: dict[str, Any] = {
            "tenant_id": principal.tenant_id,
            "api": principal.api,
            "public_id": public_id,
            "owner_id": principal.id,
            "waiting_room": False,
            "settings": "{}",
            "created_at_ms": now,
            "updated_at_ms": now,
            **fields_,
        }
        seq = tx.insert(_R, values, returning="seq")
        room = Room.from_row(tuple(seq if name == "seq" else values.get(name) for name in _ROOM_COLUMNS))
        streams = []
        if live_stream is not None:
            streams.append(self._insert_stream(tx, room, live_stream, now))
        return RoomView(room, streams)

    def get(self, tx: Tx, principal: Principal, public_id: str) -> Room:
        """The room with this id in the principal's API; another tenant's room is ``OTHER_TENANT``."""
        row = tx.fetch_one(_ROOM_BY_PUBLIC_ID, {"api": principal.api, "public_id": public_id})
        if row is None:
            raise DomainError(ErrorCode.NOT_FOUND, "room", id=public_id)
        room = Room.from_row(row)
        if room.tenant_id != principal.tenant_id:
            raise DomainError(ErrorCode.OTHER_TENANT, "room", id=public_id)
        return room

    def get_view(self, tx: Tx, principal: Principal, public_id: str) -> RoomView:
        """The room (as ``get``) with its live streams, read in one query."""
        rows = tx.fetch_all(_ROOM_WITH_STREAMS, {"api": principal.api, "public_id": public_id})
        if not rows:
            raise DomainError(ErrorCode.NOT_FOUND, "room", id=public_id)
        room = Room.from_row(rows[0][:_ROOM_WIDTH])
        if room.tenant_id != principal.tenant_id:
            raise DomainError(ErrorCode.OTHER_TENANT, "room", id=public_id)
        streams = [LiveStream(*row[_ROOM_WIDTH:]) for row in rows if row[_ROOM_WIDTH] is not None]
        return RoomView(room, streams)

    def list_rooms(self, tx: Tx, principal: Principal) -> list[Room]:
        """Every room of the principal's tenant in its API, oldest first (expired ones included)."""
        rows = tx.fetch_all(_ROOMS_OF_TENANT, {"tenant_id": principal.tenant_id, "api": principal.api})
        return [Room.from_row(row) for row in rows]

    def page(
        self,
        tx: Tx,
        principal: Principal,
        size: int,
        start_seq: int | None = None,
        end_seq: int | None = None,
        theme_seq: int | None = None,
    ) -> list[Room]:
        """Up to ``size`` rooms of the principal's tenant in its API, in ``seq`` order (keyset paging, one
        bounded query): those from ``start_seq`` on, up to ``end_seq`` (both inclusive); with ``end_seq``
        alone, the last ``size`` rooms up to it. ``theme_seq``: only the rooms of that theme."""
        if size < 1:
            return []
        stmt = _PAGES[theme_seq is not None, start_seq is not None, end_seq is not None]
        params = {
            "tenant_id": principal.tenant_id,
            "api": principal.api,
            "theme_seq": theme_seq,
            "start_seq": start_seq,
            "end_seq": end_seq,
            "size": size,
        }
        rows = tx.fetch_all(stmt, {name: value for name, value in params.items() if value is not None})
        if start_seq is None and end_seq is not None:
            rows.reverse()
        return [Room.from_row(row) for row in rows]

    def count(self, tx: Tx, principal: Principal, theme_seq: int | None = None) -> int:
        """How many rooms the principal's tenant has in its API (of the theme ``theme_seq``, when given)."""
        params: dict[str, Any] = {"tenant_id": principal.tenant_id, "api": principal.api}
        if theme_seq is None:
            row = tx.fetch_one(_COUNT_OF_TENANT, params)
        else:
            row = tx.fetch_one(_COUNT_OF_THEME, {**params, "theme_seq": theme_seq})
        return int(row[0]) if row else 0

    def live_streams(self, tx: Tx, room: Room) -> list[LiveStream]:
        return [LiveStream(*row) for row in tx.fetch_all(_STREAMS_OF_ROOM, {"room_seq": room.seq})]

    def update(
        self,
        tx: Tx,
        principal: Principal,
        public_id: str,
        changes: Mapping[str, Any],
        live_stream: StreamChange | None = None,
    ) -> RoomView:
        """Applies ``changes`` to the room. With ``live_stream``, the room's first live stream gets its
        fields, or one is created when the room has none."""
        _check_editable(changes, EDITABLE_ROOM_FIELDS, "room")
        room = self.get(tx, principal, public_id)
        streams = self.live_streams(tx, room)
        if live_stream is not None:
            principal.require_feature(FEATURE_LIVE_STREAMS)
            _check_editable(live_stream.creation_fields(), EDITABLE_STREAM_FIELDS, "live_stream")
        now = self.clock.now_ms()
        if changes:
            tx.update(_R, {"seq": room.seq}, {**changes, "updated_at_ms": now})
            for name, value in changes.items():
                setattr(room, name, value)
            room.updated_at_ms = now
        if live_stream is not None:
            stream_fields = live_stream.fields
            if streams:
                first = streams[0]
                if stream_fields:
                    tx.update(_L, {"seq": first.seq}, {**stream_fields, "updated_at_ms": now})
                    for name, value in stream_fields.items():
                        setattr(first, name, value)
                    first.updated_at_ms = now
            else:
                streams.append(self._insert_stream(tx, room, live_stream, now))
        return RoomView(room, streams)

    def delete(self, tx: Tx, principal: Principal, public_id: str) -> Room:
        """Deletes the room and everything hanging off it (streams, sessions, recordings, invites)."""
        room = self.get(tx, principal, public_id)
        tx.delete(_R, {"seq": room.seq})
        return room

    def _insert_stream(self, tx: Tx, room: Room, change: StreamChange, now: int) -> LiveStream:
        values: dict[str, Any] = {
            "tenant_id": room.tenant_id,
            "room_seq": room.seq,
            "public_id": change.public_id,
            "created_at_ms": now,
            "updated_at_ms": now,
            **change.creation_fields(),
        }
        seq = tx.insert(_L, values, returning="seq")
        row: Row = tuple(seq if name == "seq" else values.get(name) for name in _STREAM_COLUMNS)
        return LiveStream(*row)
