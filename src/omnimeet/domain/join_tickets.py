"""Join tickets: short-lived, single-use permissions to join a room's live session, and resumption tokens.

- A ticket is 64 random letters and digits, valid for ``TICKET_TTL_MS`` on the virtual clock and redeemed
  at most once (the redeeming update only succeeds while ``used_at_ms`` is unset).
- Each ticket names the participant id its holder joins as. A resumption token comes with it; presenting
  the token when asking for the next ticket of the same room keeps the participant id, provided a ticket
  carrying that token was redeemed (its holder really joined) by the same kind of holder (the same user,
  a guest, a phone caller). An unknown token is ignored: a new participant, a new token.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any

from sqlalchemy import bindparam, select, update

from omnimeet.domain import tables
from omnimeet.domain.ports import Clock, Ids
from omnimeet.domain.rooms import Room
from omnimeet.domain.store import Row, Tx

_T = tables.JOIN_TICKETS
_R = tables.ROOMS

TICKET_TTL_MS = 30_000
TOKEN_LENGTH = 64


class HolderKind(StrEnum):
    USER = "user"
    GUEST = "guest"
    DIAL_IN = "dial_in"


@dataclass(slots=True)
class JoinTicket:
    """A ``join_tickets`` row (fields in column order) and its room's public id."""

    seq: int
    tenant_id: str
    api: str
    room_seq: int
    ticket: str
    resumption: str
    participant_ref: str
    user_ref: str | None
    kind: str
    breakout_room: str | None
    created_at_ms: int
    expires_at_ms: int
    used_at_ms: int | None
    room_id: str = ""


_COLUMNS = tuple(f.name for f in fields(JoinTicket) if f.name != "room_id")
_WIDTH = len(_COLUMNS)

_BY_TICKET = (
    select(_T, _R)
    .join(_R, _R.c.seq == _T.c.room_seq)
    .where(_T.c.api == bindparam("api"), _T.c.ticket == bindparam("ticket"))
)
_MARK_USED = (
    update(_T)
    .where(_T.c.seq == bindparam("t_seq"), _T.c.used_at_ms.is_(None))
    .values(used_at_ms=bindparam("now"))
)
_RESUMED = (
    select(_T.c.participant_ref, _T.c.user_ref, _T.c.kind)
    .where(
        _T.c.room_seq == bindparam("room_seq"),
        _T.c.resumption == bindparam("resumption"),
        _T.c.used_at_ms.is_not(None),
    )
    .order_by(_T.c.seq.desc())
    .limit(1)
)


def _is_token(value: str) -> bool:
    """Whether ``value`` can be one of ours (letters and digits only; anything else is not looked up)."""
    return 0 < len(value) <= 128 and value.isascii() and value.isalnum()


def _ticket(row: Row) -> tuple[JoinTicket, Room]:
    ticket = JoinTicket(*row[:_WIDTH])
    room = Room.from_row(row[_WIDTH:])
    ticket.room_id = room.public_id
    return ticket, room


class JoinTicketService:
    def __init__(self, clock: Clock, ids: Ids) -> None:
        self.clock = clock
        self.ids = ids

    def issue(
        self,
        tx: Tx,
        room: Room,
        kind: HolderKind,
        user_ref: str | None,
        breakout_room: str | None = None,
        resumption: str | None = None,
    ) -> JoinTicket:
        """A fresh ticket for ``room``; with a valid ``resumption`` token, for the same participant."""
        participant_ref: str | None = None
        if resumption and _is_token(resumption):
            row = tx.fetch_one(_RESUMED, {"room_seq": room.seq, "resumption": resumption})
            if row is not None and row[1] == user_ref and row[2] == kind.value:
                participant_ref = str(row[0])
        if participant_ref is None:
            participant_ref, resumption = self.ids.uuid4(), self.ids.alnum(TOKEN_LENGTH)
        assert resumption is not None
        now = self.clock.now_ms()
        values: dict[str, Any] = {
            "tenant_id": room.tenant_id,
            "api": room.api,
            "room_seq": room.seq,
            "ticket": self.ids.alnum(TOKEN_LENGTH),
            "resumption": resumption,
            "participant_ref": participant_ref,
            "user_ref": user_ref,
            "kind": kind.value,
            "breakout_room": breakout_room,
            "created_at_ms": now,
            "expires_at_ms": now + TICKET_TTL_MS,
            "used_at_ms": None,
        }
        seq = tx.insert(_T, values, returning="seq")
        ticket = JoinTicket(*(seq if name == "seq" else values[name] for name in _COLUMNS))
        ticket.room_id = room.public_id
        return ticket

    def redeem(self, tx: Tx, api: str, ticket: str) -> tuple[JoinTicket, Room] | None:
        """The ticket, now used, and its room; None when it is unknown, used already or expired."""
        if not _is_token(ticket):
            return None
        row = tx.fetch_one(_BY_TICKET, {"api": api, "ticket": ticket})
        if row is None:
            return None
        found, room = _ticket(row)
        now = self.clock.now_ms()
        if found.used_at_ms is not None or found.expires_at_ms <= now:
            return None
        if tx.execute(_MARK_USED, {"t_seq": found.seq, "now": now}) != 1:
            return None
        found.used_at_ms = now
        return found, room


assert tuple(column.name for column in _T.columns) == _COLUMNS, "JoinTicket fields must follow the table"
