"""The calendar's records: scheduled events, their exceptions, and what one user sees of an event.

Stored shape (``scheduled_events``): times in ms (UTC) with the IANA ``timezone`` they were entered in; the
recurrence lines as a JSON list in ``recurrence`` (None: a single event); ``created_by``/``updated_by`` are
user public ids; ``series_ends_at_ms`` is when the last occurrence ends (None: never, or no times).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from typing import Any

from omnimeet.domain import tables
from omnimeet.domain.recurrence import Schedule
from omnimeet.domain.rooms import LiveStream, Room
from omnimeet.domain.store import Row
from omnimeet.domain.users import User

INVITE_STATUSES = ("pending", "accepted", "tentative", "declined")
STATUS_OK = "ok"
STATUS_CANCELLED = "cancelled"


@dataclass(slots=True)
class Event:
    """A ``scheduled_events`` row (read by column name)."""

    seq: int
    tenant_id: str
    room_seq: int | None
    public_id: str
    created_by: str | None
    title: str | None
    description: str | None
    starts_at_ms: int | None
    ends_at_ms: int | None
    timezone: str | None
    is_all_day: bool
    recurrence: str | None
    status: str
    created_at_ms: int
    updated_at_ms: int
    settings: str
    is_adhoc: bool
    is_time_independent: bool
    series_ends_at_ms: int | None
    updated_by: str | None

    @classmethod
    def from_row(cls, row: Row) -> Event:
        event = cls(**dict(zip(_EVENT_COLUMNS, row, strict=True)))
        event.is_all_day = bool(event.is_all_day)
        event.is_adhoc = bool(event.is_adhoc)
        event.is_time_independent = bool(event.is_time_independent)
        return event

    @property
    def pattern(self) -> tuple[str, ...]:
        if not self.recurrence:
            return ()
        lines = json.loads(self.recurrence)
        return tuple(str(line) for line in lines)

    @property
    def is_recurring(self) -> bool:
        return bool(self.pattern)

    def schedule(self) -> Schedule | None:
        """When the event happens; None for a time-independent event."""
        if self.is_time_independent or self.starts_at_ms is None:
            return None
        ends = self.ends_at_ms if self.ends_at_ms is not None else self.starts_at_ms
        return Schedule(self.starts_at_ms, ends, self.timezone or "UTC", self.is_all_day, self.pattern)

    def settings_dict(self) -> dict[str, Any]:
        value = json.loads(self.settings or "{}")
        return value if isinstance(value, dict) else {}


@dataclass(slots=True)
class EventException:
    """An ``event_exceptions`` row: overrides of the occurrence that originally starts at
    ``instance_start_ms`` (None: not overridden)."""

    seq: int
    tenant_id: str
    event_seq: int
    instance_start_ms: int
    title: str | None
    description: str | None
    starts_at_ms: int | None
    ends_at_ms: int | None
    is_all_day: bool | None
    status: str | None
    created_at_ms: int
    created_by: str | None
    updated_by: str | None
    updated_at_ms: int | None

    @classmethod
    def from_row(cls, row: Row) -> EventException:
        found = cls(**dict(zip(_EXCEPTION_COLUMNS, row, strict=True)))
        if found.is_all_day is not None:
            found.is_all_day = bool(found.is_all_day)
        return found


@dataclass(frozen=True, slots=True)
class Invitee:
    """Someone invited to an event: a user (``user``) or an e-mail address, with their answer and role."""

    user_ref: str | None
    email: str | None
    role: str | None
    status: str
    user: User | None


@dataclass(slots=True)
class EventView:
    """An event as one user sees it: its room (and dial-in), their answer and mark, some invitees."""

    event: Event
    room: Room | None
    dial_in: tuple[str, str] | None
    """The room's telephone dial-in (id, pin), if it has one."""
    invite_status: str
    is_favorite: bool
    invitees: list[Invitee]
    invitees_truncated: bool
    users: dict[str, User]
    """The users the view names (creator, last editor, exception editors), by public id."""
    can_edit: bool
    exceptions: list[EventException] = field(default_factory=list)
    streams: list[LiveStream] = field(default_factory=list)
    """The room's live streams (streaming targets), oldest first."""


@dataclass(frozen=True, slots=True)
class Instance:
    """One occurrence of an event, with its exception (if any) applied."""

    original_start_ms: int
    starts_at_ms: int
    ends_at_ms: int
    is_all_day: bool
    title: str | None
    description: str | None
    status: str
    exception: EventException | None


_EVENT_COLUMNS = tuple(tables.SCHEDULED_EVENTS.c.keys())
_EXCEPTION_COLUMNS = tuple(tables.EVENT_EXCEPTIONS.c.keys())
assert set(_EVENT_COLUMNS) == {f.name for f in fields(Event)}
assert set(_EXCEPTION_COLUMNS) == {f.name for f in fields(EventException)}
