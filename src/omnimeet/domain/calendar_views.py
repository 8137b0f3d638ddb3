"""What one user sees of a batch of events, read in a fixed number of queries (not one per event).

- ``invite_status``: the creator's is ``accepted``; an invitee's is their answer; anyone else ``pending``.
- ``invitees``: the first ``invitees_max`` invites (oldest first) with their users; ``invitees_truncated``
  is true when some were left out, and always when none were asked for (``invitees_max`` 0).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, select

from omnimeet.domain import tables
from omnimeet.domain.calendar_model import INVITE_STATUSES, Event, EventException, EventView, Invitee
from omnimeet.domain.rooms import LiveStream, Room
from omnimeet.domain.store import Row, Tx
from omnimeet.domain.tenancy import Principal
from omnimeet.domain.users import User

_R = tables.ROOMS
_D = tables.ROOM_DIAL_INS
_I = tables.INVITES
_F = tables.EVENT_FAVORITES
_U = tables.USERS
_L = tables.LIVE_STREAMS

SLOTS = 100
"""Values per ``IN (...)`` list: statements carry a fixed number of parameters (padded with NULL), so they
are compiled once; longer lists are read in chunks."""
SLOT_COUNTS = (1, 10, SLOTS)
"""The slot counts each statement is built with: a chunk uses the smallest that holds it (binding and
matching 99 NULLs to look up one event costs more than the lookup)."""


def in_slots(column: Any, count: int = SLOTS) -> ColumnElement[bool]:
    condition: ColumnElement[bool] = column.in_([bindparam(f"v{i}") for i in range(count)])
    return condition


class Slotted:
    """A statement with an ``IN`` list of slots (``in_slots``), built once for each of ``SLOT_COUNTS``."""

    __slots__ = ("by_count",)

    def __init__(self, build: Callable[[int], Select[Any]]) -> None:
        self.by_count = {count: build(count) for count in SLOT_COUNTS}


def fetch_in(tx: Tx, stmt: Slotted, values: Iterable[Any], **params: Any) -> list[Row]:
    """Runs ``stmt`` for every value of ``values``, ``SLOTS`` at a time."""
    wanted = list(dict.fromkeys(values))
    rows: list[Row] = []
    for at in range(0, len(wanted), SLOTS):
        chunk = wanted[at : at + SLOTS]
        count = next(count for count in SLOT_COUNTS if count >= len(chunk))
        slots = {f"v{i}": chunk[i] if i < len(chunk) else None for i in range(count)}
        rows.extend(tx.fetch_all(stmt.by_count[count], {**params, **slots}))
    return rows


# A room and its dial-in (at most one: room_seq is the dial-in's key) in one statement.
_ROOMS = Slotted(
    lambda n: (
        select(_R, _D.c.dial_in_id, _D.c.pin)
        .select_from(_R.outerjoin(_D, _D.c.room_seq == _R.c.seq))
        .where(in_slots(_R.c.seq, n))
    )
)
_ROOM_WIDTH = len(_R.c)
_STREAMS = Slotted(lambda n: select(_L).where(in_slots(_L.c.room_seq, n)).order_by(_L.c.seq))
_FAVORITES = Slotted(
    lambda n: select(_F.c.event_seq).where(
        _F.c.user_ref == bindparam("user_ref"), in_slots(_F.c.event_seq, n)
    )
)
_INVITES = Slotted(
    lambda n: (
        select(_I.c.event_seq, _I.c.invitee_ref, _I.c.email, _I.c.role, _I.c.status)
        .where(in_slots(_I.c.event_seq, n))
        .order_by(_I.c.seq)
    )
)
_USERS = Slotted(
    lambda n: select(_U).where(
        _U.c.tenant_id == bindparam("tenant_id"), _U.c.api == bindparam("api"), in_slots(_U.c.public_id, n)
    )
)


def _status(value: str | None) -> str:
    return value if value in INVITE_STATUSES else "pending"


class ViewBuilder:
    def build(
        self,
        tx: Tx,
        principal: Principal,
        user_ref: str,
        events: Sequence[Event],
        invitees_max: int,
        exceptions: dict[int, list[EventException]] | None = None,
    ) -> list[EventView]:
        """The views of ``events`` for ``user_ref`` (in the same order)."""
        if not events:
            return []
        seqs = [event.seq for event in events]
        room_seqs = sorted({event.room_seq for event in events if event.room_seq is not None})
        rooms: dict[int, Room] = {}
        dial_ins: dict[int, tuple[str, str]] = {}
        for row in fetch_in(tx, _ROOMS, room_seqs):
            rooms[row[0]] = Room.from_row(row[:_ROOM_WIDTH])
            if row[_ROOM_WIDTH] is not None:
                dial_ins[row[0]] = (str(row[_ROOM_WIDTH]), str(row[_ROOM_WIDTH + 1]))
        streams: dict[int, list[LiveStream]] = {}
        for row in fetch_in(tx, _STREAMS, room_seqs):
            stream = LiveStream(*row)
            streams.setdefault(stream.room_seq, []).append(stream)
        favorites = {row[0] for row in fetch_in(tx, _FAVORITES, seqs, user_ref=user_ref)}
        invites: dict[int, list[tuple[str | None, str | None, str | None, str]]] = {}
        for event_seq, invitee_ref, email, role, status in fetch_in(tx, _INVITES, seqs):
            invites.setdefault(event_seq, []).append((invitee_ref, email, role, _status(status)))
        exceptions = exceptions or {}
        refs: set[str] = set()
        for event in events:
            refs.update(ref for ref in (event.created_by, event.updated_by) if ref)
            for found in exceptions.get(event.seq, []):
                refs.update(ref for ref in (found.created_by, found.updated_by) if ref)
            for invitee_ref, *_ in invites.get(event.seq, [])[: max(invitees_max, 0)]:
                if invitee_ref:
                    refs.add(invitee_ref)
        known = {
            row[3]: User.from_row(row)
            for row in fetch_in(tx, _USERS, sorted(refs), tenant_id=principal.tenant_id, api=principal.api)
        }
        views = []
        for event in events:
            listed = invites.get(event.seq, [])
            own = next((status for ref, _, _, status in listed if ref == user_ref), None)
            shown = listed[: max(invitees_max, 0)]
            views.append(
                EventView(
                    event=event,
                    room=rooms.get(event.room_seq) if event.room_seq is not None else None,
                    dial_in=dial_ins.get(event.room_seq) if event.room_seq is not None else None,
                    invite_status="accepted" if event.created_by == user_ref else (own or "pending"),
                    is_favorite=event.seq in favorites,
                    invitees=[
                        Invitee(ref, email, role, status, known.get(ref) if ref else None)
                        for ref, email, role, status in shown
                    ],
                    invitees_truncated=invitees_max <= 0 or len(listed) > len(shown),
                    users=known,
                    can_edit=event.created_by == user_ref,
                    exceptions=exceptions.get(event.seq, []),
                    streams=streams.get(event.room_seq, []) if event.room_seq is not None else [],
                )
            )
        return views


def user_refs(views: Iterable[EventView]) -> set[str]:
    return {ref for view in views for ref in view.users}


def placeholder(public_id: str) -> User:
    """A stand-in for a user who no longer exists (their id, nothing else)."""
    return User(
        0, "", "", public_id, "", None, None, None, None, None, None, None, None, None, None, 0, 0, None, "{}"
    )
