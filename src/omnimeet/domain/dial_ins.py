"""Telephone dial-in of rooms: the numeric id and pin a caller keys in, and whether callers wait in a lobby.

A room has at most one dial-in. The id is unique within an API (a gateway finds the room by it), ten random
digits; so is the pin unless the owner chooses one. Callers are found by id and pin within one tenant.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import bindparam, select

from omnimeet.domain import tables
from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.ports import Clock, Ids
from omnimeet.domain.rooms import Room
from omnimeet.domain.store import Row, Tx
from omnimeet.domain.tenancy import Principal

_D = tables.ROOM_DIAL_INS
_R = tables.ROOMS

DIGITS = 10
"""Length of generated dial-in ids and pins."""
_ATTEMPTS = 20
"""Fresh ids tried before giving up when generated ids collide (practically never more than one)."""


@dataclass(slots=True)
class DialIn:
    """A ``room_dial_ins`` row; fields in column order."""

    room_seq: int
    tenant_id: str
    api: str
    dial_in_id: str
    pin: str
    lobby: bool
    created_at_ms: int
    updated_at_ms: int

    @classmethod
    def from_row(cls, row: Row) -> DialIn:
        dial_in = cls(*row)
        dial_in.lobby = bool(dial_in.lobby)
        return dial_in


_COLUMNS = tuple(f.name for f in fields(DialIn))
_OF_ROOM = select(_D).where(_D.c.room_seq == bindparam("room_seq"))
_BY_CREDENTIALS = (
    select(_D, _R.c.public_id)
    .join(_R, _R.c.seq == _D.c.room_seq)
    .where(
        _D.c.tenant_id == bindparam("tenant_id"),
        _D.c.api == bindparam("api"),
        _D.c.dial_in_id == bindparam("dial_in_id"),
    )
)
_ID_TAKEN = select(_D.c.room_seq).where(
    _D.c.api == bindparam("api"), _D.c.dial_in_id == bindparam("dial_in_id")
)


def is_numeric_code(value: str) -> bool:
    """Whether ``value`` is a dial-in id or pin as callers key them in: exactly ten ASCII digits."""
    return len(value) == DIGITS and value.isascii() and value.isdigit()


class DialInService:
    """Creates, reads, changes and removes rooms' dial-ins; finds a room by its dial-in credentials."""

    def __init__(self, clock: Clock, ids: Ids) -> None:
        self.clock = clock
        self.ids = ids

    def of_room(self, tx: Tx, room_seq: int) -> DialIn | None:
        """The room's dial-in, or None when it has none."""
        row = tx.fetch_one(_OF_ROOM, {"room_seq": room_seq})
        return DialIn.from_row(row) if row is not None else None

    def create_for_room(
        self, tx: Tx, principal: Principal, room: Room, pin: str | None = None, lobby: bool = False
    ) -> DialIn:
        """Gives the room a dial-in (a fresh id; ``pin`` or a fresh one). ``CONFLICT`` when it has one."""
        if room.tenant_id != principal.tenant_id:
            raise DomainError(ErrorCode.OTHER_TENANT, "room", id=room.public_id)
        if self.of_room(tx, room.seq) is not None:
            raise DomainError(ErrorCode.CONFLICT, "dial_in", reason="exists", room_id=room.public_id)
        return self._insert(tx, room, pin, lobby)

    def put(self, tx: Tx, room: Room, pin: str | None, lobby: bool | None) -> tuple[DialIn, bool]:
        """Creates the room's dial-in (True) or changes the given fields of the existing one (False)."""
        if pin is not None and not is_numeric_code(pin):
            raise DomainError(ErrorCode.INVALID, "dial_in", field="password")
        current = self.of_room(tx, room.seq)
        if current is None:
            return self._insert(tx, room, pin, bool(lobby)), True
        changes: dict[str, Any] = {}
        if pin is not None:
            changes["pin"] = pin
        if lobby is not None:
            changes["lobby"] = lobby
        if changes:
            changes["updated_at_ms"] = self.clock.now_ms()
            tx.update(_D, {"room_seq": room.seq}, changes)
            for name, value in changes.items():
                setattr(current, name, value)
        return current, False

    def delete(self, tx: Tx, room: Room) -> bool:
        """Removes the room's dial-in; False when it had none."""
        return tx.delete(_D, {"room_seq": room.seq}) > 0

    def find(self, tx: Tx, principal: Principal, dial_in_id: str, pin: str) -> tuple[DialIn, str] | None:
        """The dial-in (and its room's public id) of the tenant with this id and pin, or None."""
        row = tx.fetch_one(
            _BY_CREDENTIALS,
            {"tenant_id": principal.tenant_id, "api": principal.api, "dial_in_id": dial_in_id},
        )
        if row is None:
            return None
        dial_in = DialIn.from_row(row[: len(_COLUMNS)])
        if dial_in.pin != pin:
            return None
        return dial_in, str(row[len(_COLUMNS)])

    def _insert(self, tx: Tx, room: Room, pin: str | None, lobby: bool) -> DialIn:
        if pin is not None and not is_numeric_code(pin):
            raise DomainError(ErrorCode.INVALID, "dial_in", field="password")
        now = self.clock.now_ms()
        for _ in range(_ATTEMPTS):
            dial_in_id = self.ids.digits(DIGITS)
            if tx.fetch_one(_ID_TAKEN, {"api": room.api, "dial_in_id": dial_in_id}) is None:
                break
        else:  # pragma: no cover - 10^10 ids
            raise DomainError(ErrorCode.LIMIT_REACHED, "dial_in", reason="no free id")
        values: dict[str, Any] = {
            "room_seq": room.seq,
            "tenant_id": room.tenant_id,
            "api": room.api,
            "dial_in_id": dial_in_id,
            "pin": pin if pin is not None else self.ids.digits(DIGITS),
            "lobby": lobby,
            "created_at_ms": now,
            "updated_at_ms": now,
        }
        tx.insert(_D, values)
        return DialIn(*(values[name] for name in _COLUMNS))


assert tuple(column.name for column in _D.columns) == _COLUMNS, "DialIn fields must follow the table"
