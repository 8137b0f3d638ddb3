"""A room's live streams (streaming targets) one by one: page, count, get, add, change, delete.

``RoomService`` treats a room's first stream as part of the room; this service serves APIs that keep a list
of them per room, each with its own id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from sqlalchemy import bindparam, func, select

from omnimeet.domain import tables
from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.ports import Clock
from omnimeet.domain.room_access import MAX_OFFSET
from omnimeet.domain.rooms import EDITABLE_STREAM_FIELDS, FEATURE_LIVE_STREAMS, LiveStream, Room
from omnimeet.domain.store import Row, Tx
from omnimeet.domain.tenancy import Principal

_L = tables.LIVE_STREAMS
_COLUMNS = tuple(f.name for f in fields(LiveStream))

_PAGE = (
    select(_L)
    .where(_L.c.room_seq == bindparam("room_seq"))
    .order_by(_L.c.seq)
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)
_COUNT = select(func.count()).select_from(_L).where(_L.c.room_seq == bindparam("room_seq"))
_ONE = select(_L).where(_L.c.room_seq == bindparam("room_seq"), _L.c.public_id == bindparam("public_id"))


def _check(values: Mapping[str, Any]) -> None:
    unknown = set(values) - EDITABLE_STREAM_FIELDS
    if unknown:
        raise DomainError(ErrorCode.INVALID, "live_stream", field=sorted(unknown)[0])


class StreamService:
    """The live streams of one room, addressed by their public ids."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def page(self, tx: Tx, room: Room, offset: int, limit: int) -> list[LiveStream]:
        """Up to ``limit`` of the room's streams, oldest first, from ``offset`` on."""
        if limit < 1 or offset >= MAX_OFFSET:
            return []
        params = {"room_seq": room.seq, "limit": limit, "offset": max(0, offset)}
        return [LiveStream(*row) for row in tx.fetch_all(_PAGE, params)]

    def count(self, tx: Tx, room: Room) -> int:
        row = tx.fetch_one(_COUNT, {"room_seq": room.seq})
        return int(row[0]) if row else 0

    def get(self, tx: Tx, room: Room, public_id: str) -> LiveStream:
        row = tx.fetch_one(_ONE, {"room_seq": room.seq, "public_id": public_id})
        if row is None:
            raise DomainError(ErrorCode.NOT_FOUND, "live_stream", id=public_id)
        return LiveStream(*row)

    def add(
        self, tx: Tx, principal: Principal, room: Room, public_id: str, values: Mapping[str, Any]
    ) -> LiveStream:
        """Adds a stream with ``values`` (of ``EDITABLE_STREAM_FIELDS``) to the room."""
        principal.require_feature(FEATURE_LIVE_STREAMS)
        _check(values)
        now = self.clock.now_ms()
        row: dict[str, Any] = {
            "tenant_id": room.tenant_id,
            "room_seq": room.seq,
            "public_id": public_id,
            "created_at_ms": now,
            "updated_at_ms": now,
            **values,
        }
        seq = tx.insert(_L, row, returning="seq")
        stored: Row = tuple(seq if name == "seq" else row.get(name) for name in _COLUMNS)
        return LiveStream(*stored)

    def update(self, tx: Tx, room: Room, public_id: str, changes: Mapping[str, Any]) -> LiveStream:
        """Applies ``changes`` to the stream; an empty change leaves it (and its update time) as it was."""
        _check(changes)
        stream = self.get(tx, room, public_id)
        if changes:
            now = self.clock.now_ms()
            tx.update(_L, {"seq": stream.seq}, {**changes, "updated_at_ms": now})
            for name, value in changes.items():
                setattr(stream, name, value)
            stream.updated_at_ms = now
        return stream

    def delete(self, tx: Tx, room: Room, public_id: str) -> LiveStream:
        stream = self.get(tx, room, public_id)
        tx.delete(_L, {"seq": stream.seq})
        return stream
