"""Scheduled events: a calendar of meetings, each with its own room, for the users of one tenant.

- Creating an event creates its room (owned by the creator, with the event's password and waiting room);
  deleting the event deletes the room.
- Who may see an event: its creator and everyone invited to it (any answer); only the creator may change
  it. ``access`` says which; the vendor decides how to refuse.
- Times: see ``calendar_model``; recurrence expansion in ``recurrence``. Changing the recurrence pattern
  drops every exception. A time-independent event has no times, pattern or exceptions.
- Listing: the events a user may see, oldest start first (time-independent ones first of all), keyset paged
  on (start, seq); a time window keeps the series that may have an occurrence in it, and leaves out
  time-independent events.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, delete, false, func, or_, select, true

from omnimeet.domain import recurrence, tables
from omnimeet.domain.assets import AssetService
from omnimeet.domain.calendar_model import Event, EventException, EventView
from omnimeet.domain.calendar_views import Slotted, ViewBuilder, fetch_in, in_slots
from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.ports import Clock, Ids
from omnimeet.domain.recurrence import Schedule
from omnimeet.domain.room_streams import StreamService
from omnimeet.domain.rooms import RoomService
from omnimeet.domain.store import Tx
from omnimeet.domain.tenancy import Principal
from omnimeet.domain.users import User

_E = tables.SCHEDULED_EVENTS
_R = tables.ROOMS
_I = tables.INVITES
_F = tables.EVENT_FAVORITES
_X = tables.EVENT_EXCEPTIONS

OWNER = "owner"
INVITEE = "invitee"

_BY_PUBLIC_ID = (
    select(_E)
    .join(_R, _R.c.seq == _E.c.room_seq)
    .where(
        _E.c.public_id == bindparam("public_id"),
        _E.c.tenant_id == bindparam("tenant_id"),
        _R.c.api == bindparam("api"),
    )
)
_INVITED = select(_I.c.seq).where(
    _I.c.event_seq == bindparam("event_seq"), _I.c.invitee_ref == bindparam("user_ref")
)
_DROP_EXCEPTIONS = delete(_X).where(_X.c.event_seq == bindparam("event_seq"))
_EXCEPTIONS_OF = Slotted(
    lambda n: select(_X).where(in_slots(_X.c.event_seq, n)).order_by(_X.c.event_seq, _X.c.instance_start_ms)
)
_START_KEY = func.coalesce(_E.c.starts_at_ms, -1)


@dataclass(frozen=True, slots=True)
class When:
    """The times of a time-dependent event (ms, UTC) and the zone they were given in."""

    starts_at_ms: int
    ends_at_ms: int
    timezone: str
    is_all_day: bool = False
    pattern: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EventDraft:
    title: str
    description: str
    when: When | None
    """None: a time-independent event."""
    is_adhoc: bool = False
    password: str | None = None
    waiting_room: bool = False
    settings: Mapping[str, Any] | None = None
    """The event's settings document (vendor-only extras such as a shared folder)."""
    streams: Sequence[Mapping[str, Any]] = ()
    """Live streams (streaming targets) for the new room: ``EDITABLE_STREAM_FIELDS`` each."""


@dataclass(frozen=True, slots=True)
class EventFilter:
    time_min_ms: int | None = None
    time_max_ms: int | None = None
    favorites: bool = False
    adhoc: bool | None = None
    time_independent: bool | None = None
    invite_status: str | None = None


@dataclass(frozen=True, slots=True)
class Position:
    """Where a page of events ends: the last event's start key and seq."""

    start_key: int
    seq: int


def check_when(when: When) -> Schedule:
    """The schedule of ``when``, or ``INVALID`` naming the bad field."""
    recurrence.zone(when.timezone)
    if when.ends_at_ms < when.starts_at_ms:
        raise DomainError(ErrorCode.INVALID, "event", field="ends_at")
    if when.is_all_day:
        for name, ms in (("starts_at", when.starts_at_ms), ("ends_at", when.ends_at_ms)):
            if ms % 86_400_000:
                raise DomainError(ErrorCode.INVALID, "event", field=name)
    schedule = Schedule(when.starts_at_ms, when.ends_at_ms, when.timezone, when.is_all_day, when.pattern)
    recurrence.check(schedule)
    return schedule


def _time_columns(when: When | None) -> dict[str, Any]:
    if when is None:
        return {
            "starts_at_ms": None,
            "ends_at_ms": None,
            "timezone": None,
            "is_all_day": False,
            "recurrence": None,
            "is_time_independent": True,
            "series_ends_at_ms": None,
        }
    schedule = check_when(when)
    return {
        "starts_at_ms": when.starts_at_ms,
        "ends_at_ms": when.ends_at_ms,
        "timezone": when.timezone,
        "is_all_day": when.is_all_day,
        "recurrence": json.dumps(list(when.pattern)) if when.pattern else None,
        "is_time_independent": False,
        "series_ends_at_ms": recurrence.series_end_ms(schedule),
    }


class EventService:
    """Creates, reads, lists, changes and deletes a tenant's scheduled events (and their rooms)."""

    def __init__(self, clock: Clock, ids: Ids) -> None:
        self.clock = clock
        self.ids = ids
        self.rooms = RoomService(clock)
        self._views = ViewBuilder()
        self.streams = StreamService(clock)
        self.assets = AssetService(clock)

    def create(self, tx: Tx, principal: Principal, user: User, draft: EventDraft) -> Event:
        """A new event with a new room, both owned by ``user``."""
        times = _time_columns(draft.when)
        room = self.rooms.create(
            tx,
            principal,
            self.ids.uuid4(),
            {"owner_id": user.public_id, "password": draft.password, "waiting_room": draft.waiting_room},
        ).room
        for stream in draft.streams:
            self.streams.add(tx, principal, room, self.ids.uuid4(), stream)
        now = self.clock.now_ms()
        values: dict[str, Any] = {
            "tenant_id": principal.tenant_id,
            "room_seq": room.seq,
            "public_id": self.ids.uuid4(),
            "created_by": user.public_id,
            "updated_by": user.public_id,
            "title": draft.title,
            "description": draft.description,
            "status": "ok",
            "created_at_ms": now,
            "updated_at_ms": now,
            "settings": json.dumps(dict(draft.settings or {}), separators=(",", ":")),
            "is_adhoc": draft.is_adhoc,
            **times,
        }
        seq = tx.insert(_E, values, returning="seq")
        return Event.from_row(tuple(seq if name == "seq" else values.get(name) for name in _E.c.keys()))  # noqa: SIM118

    def views(
        self,
        tx: Tx,
        principal: Principal,
        user_ref: str,
        events: Sequence[Event],
        invitees_max: int,
        exceptions: dict[int, list[EventException]] | None = None,
    ) -> list[EventView]:
        """How ``user_ref`` sees each of ``events`` (room, answer, favourite, invitees, users named)."""
        return self._views.build(tx, principal, user_ref, events, invitees_max, exceptions)

    def find(self, tx: Tx, principal: Principal, public_id: str) -> Event:
        """The event with this id in the principal's tenant and API, or ``NOT_FOUND``."""
        row = tx.fetch_one(
            _BY_PUBLIC_ID, {"public_id": public_id, "tenant_id": principal.tenant_id, "api": principal.api}
        )
        if row is None:
            raise DomainError(ErrorCode.NOT_FOUND, "event", id=public_id)
        return Event.from_row(row)

    def access(self, tx: Tx, event: Event, user_ref: str) -> str | None:
        """``owner`` (the creator), ``invitee`` (invited, any answer) or None."""
        if event.created_by == user_ref:
            return OWNER
        if tx.fetch_one(_INVITED, {"event_seq": event.seq, "user_ref": user_ref}) is not None:
            return INVITEE
        return None

    def update(
        self, tx: Tx, principal: Principal, user: User, event: Event, changes: Mapping[str, Any]
    ) -> Event:
        """Applies ``changes``: ``title``, ``description``, ``is_adhoc``, ``when`` (a ``When`` or None for
        time-independent), ``password``, ``waiting_room``. A new recurrence pattern drops the exceptions."""
        unknown = set(changes) - {"title", "description", "is_adhoc", "when", "password", "waiting_room"}
        if unknown:
            raise DomainError(ErrorCode.INVALID, "event", field=sorted(unknown)[0])
        values: dict[str, Any] = {k: changes[k] for k in ("title", "description", "is_adhoc") if k in changes}
        if "when" in changes:
            old_pattern = event.pattern
            values.update(_time_columns(changes["when"]))
            new_pattern = changes["when"].pattern if changes["when"] is not None else ()
            if tuple(new_pattern) != old_pattern or changes["when"] is None:
                tx.execute(_DROP_EXCEPTIONS, {"event_seq": event.seq})
        room_changes = {k: changes[k] for k in ("password", "waiting_room") if k in changes}
        if room_changes and event.room_seq is not None:
            room = self._room_public_id(tx, event)
            self.rooms.update(tx, principal, room, room_changes)
        now = self.clock.now_ms()
        values.update({"updated_at_ms": now, "updated_by": user.public_id})
        tx.update(_E, {"seq": event.seq}, values)
        for name, value in values.items():
            setattr(event, name, value)
        return event

    def delete(self, tx: Tx, principal: Principal, event: Event) -> None:
        """Deletes the event and its room (invites, favourites, exceptions, the room's assets, streams and
        dial-in go with them)."""
        room = self._room_public_id(tx, event) if event.room_seq is not None else None
        tx.delete(_E, {"seq": event.seq})
        if room is not None:
            self.assets.delete_of_owner(tx, principal, room)
            self.rooms.delete(tx, principal, room)

    def _room_public_id(self, tx: Tx, event: Event) -> str:
        row = tx.fetch_one(select(_R.c.public_id).where(_R.c.seq == event.room_seq))
        if row is None:
            raise DomainError(ErrorCode.NOT_FOUND, "room")
        return str(row[0])

    def page(
        self,
        tx: Tx,
        principal: Principal,
        user_ref: str,
        filters: EventFilter,
        size: int,
        after: Position | None = None,
    ) -> tuple[list[Event], Position | None]:
        """Up to ``size`` events ``user_ref`` may see, after ``after``; and the position of the last one
        when more follow (None at the end)."""
        stmt = (
            select(_E)
            .join(_R, _R.c.seq == _E.c.room_seq)
            .where(*self._conditions(principal, user_ref, filters))
        )
        if after is not None:
            key = _START_KEY
            stmt = stmt.where(or_(key > after.start_key, and_(key == after.start_key, _E.c.seq > after.seq)))
        rows = tx.fetch_all(stmt.order_by(_START_KEY, _E.c.seq).limit(size + 1))
        events = [Event.from_row(row) for row in rows[:size]]
        more = len(rows) > size and events
        last = events[-1] if more else None
        position = (
            Position(last.starts_at_ms if last.starts_at_ms is not None else -1, last.seq) if last else None
        )
        return events, position

    def _conditions(
        self, principal: Principal, user_ref: str, filters: EventFilter
    ) -> list[ColumnElement[bool]]:
        mine = _E.c.created_by == user_ref
        invited = select(_I.c.event_seq).where(
            _I.c.tenant_id == principal.tenant_id, _I.c.invitee_ref == user_ref, _I.c.event_seq.is_not(None)
        )
        conditions: list[ColumnElement[bool]] = [
            _E.c.tenant_id == principal.tenant_id,
            _R.c.api == principal.api,
            or_(mine, _E.c.seq.in_(invited)),
        ]
        if filters.favorites:
            conditions.append(_E.c.seq.in_(select(_F.c.event_seq).where(_F.c.user_ref == user_ref)))
        if filters.adhoc is not None:
            conditions.append(_E.c.is_adhoc == (true() if filters.adhoc else false()))
        if filters.time_independent is not None:
            conditions.append(_E.c.is_time_independent == (true() if filters.time_independent else false()))
        if filters.invite_status is not None:
            answered = select(_I.c.event_seq).where(
                _I.c.tenant_id == principal.tenant_id,
                _I.c.invitee_ref == user_ref,
                _I.c.status == filters.invite_status,
            )
            if filters.invite_status == "accepted":
                conditions.append(or_(mine, _E.c.seq.in_(answered)))
            else:
                conditions.append(and_(_E.c.created_by.is_distinct_from(user_ref), _E.c.seq.in_(answered)))
        if filters.time_min_ms is not None or filters.time_max_ms is not None:
            conditions.append(_E.c.is_time_independent == false())
        if filters.time_min_ms is not None:
            conditions.append(
                or_(_E.c.series_ends_at_ms.is_(None), _E.c.series_ends_at_ms > filters.time_min_ms)
            )
        if filters.time_max_ms is not None:
            conditions.append(_E.c.starts_at_ms < filters.time_max_ms)
        return conditions

    def exceptions_of(
        self, tx: Tx, events: Sequence[Event], time_min_ms: int | None = None, time_max_ms: int | None = None
    ) -> dict[int, list[EventException]]:
        """The exceptions of these series, by event seq, in original-start order: those whose occurrence
        (where the series puts it, or where the exception moved it) overlaps ``[time_min, time_max)``."""
        durations = {
            event.seq: (event.ends_at_ms or 0) - (event.starts_at_ms or 0)
            for event in events
            if event.is_recurring
        }
        found: dict[int, list[EventException]] = {}
        for row in fetch_in(tx, _EXCEPTIONS_OF, list(durations)):
            exception = EventException.from_row(row)
            if _overlaps(exception, durations[exception.event_seq], time_min_ms, time_max_ms):
                found.setdefault(exception.event_seq, []).append(exception)
        return found


def _overlaps(found: EventException, duration: int, time_min: int | None, time_max: int | None) -> bool:
    def within(starts: int, ends: int) -> bool:
        return (time_max is None or starts < time_max) and (time_min is None or ends > time_min)

    original = found.instance_start_ms
    starts = found.starts_at_ms if found.starts_at_ms is not None else original
    ends = found.ends_at_ms if found.ends_at_ms is not None else starts + duration
    return within(original, original + duration) or within(starts, ends)
