"""The controller's rules for events that are about its wire, not the calendar.

- Access: the creator and invitees may read an event; only the creator may change or delete it. Anyone
  else gets ``403 forbidden``, also for an event that does not exist (the controller's access check runs
  before the handler looks the event up; rooms and assets answer the same).
- Times arrive as ``{datetime, timezone}``; a time-dependent event needs ``is_all_day``, ``starts_at`` and
  ``ends_at`` (``422 value_required`` naming the missing one); a bad date-time, zone or pattern is
  ``422 invalid_value`` naming the field.
- Cursors: events page on (start, seq), instances on the original start; a cursor that is not ours is
  ``400 bad_request``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from omnimeet.domain.calendar import INVITEE, OWNER, EventService, Position, When
from omnimeet.domain.calendar_instances import InstanceService
from omnimeet.domain.calendar_model import Event, Instance
from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.store import Tx
from omnimeet.vendors.opentalk.auth import Caller
from omnimeet.vendors.opentalk.errors import bad_request, forbidden, invalid, not_found
from omnimeet.vendors.opentalk.event_schemas import DateTimeTZ, PatchEvent, PatchEventInstance, PostEventsBody
from omnimeet.vendors.opentalk.mapping import parse_timestamp
from omnimeet.vendors.opentalk.pagination import decode_cursor, encode_cursor

INVALID_PATTERN = "Invalid recurrence pattern"


def readable_event(events: EventService, tx: Tx, caller: Caller, event_id: str) -> Event:
    event = _find(events, tx, caller, event_id)
    if events.access(tx, event, caller.user.public_id) not in (OWNER, INVITEE):
        raise forbidden()
    return event


def editable_event(events: EventService, tx: Tx, caller: Caller, event_id: str) -> Event:
    event = _find(events, tx, caller, event_id)
    access = events.access(tx, event, caller.user.public_id)
    if access != OWNER:
        raise forbidden()
    return event


def _find(events: EventService, tx: Tx, caller: Caller, event_id: str) -> Event:
    try:
        return events.find(tx, caller.principal, event_id)
    except DomainError:
        raise forbidden() from None


@contextmanager
def domain_refusals() -> Iterator[None]:
    """Turns the calendar's ``INVALID`` into the controller's 422 entry for the field."""
    try:
        yield
    except DomainError as exc:
        if exc.code is not ErrorCode.INVALID:
            raise
        field = str(exc.details.get("field") or "")
        if field == "recurrence_pattern":
            raise invalid(field, "invalid_value", INVALID_PATTERN) from None
        if field == "timezone":
            raise invalid("starts_at", "invalid_value", "Unknown time zone") from None
        raise invalid(field or None, "invalid_value") from None


def moment(value: DateTimeTZ, field: str) -> int:
    ms = parse_timestamp(value.datetime)
    if ms is None:
        raise invalid(field, "invalid_value", "Invalid date-time")
    return ms


def _required(value: Any, field: str) -> Any:
    if value is None:
        raise invalid(field, "value_required", "Value is required")
    return value


def when_of_post(body: PostEventsBody) -> When | None:
    if body.is_time_independent:
        return None
    is_all_day = _required(body.is_all_day, "is_all_day")
    starts = _required(body.starts_at, "starts_at")
    ends = _required(body.ends_at, "ends_at")
    return When(
        moment(starts, "starts_at"),
        moment(ends, "ends_at"),
        starts.timezone,
        bool(is_all_day),
        tuple(body.recurrence_pattern or ()),
    )


_TIME_FIELDS = ("is_time_independent", "is_all_day", "starts_at", "ends_at", "recurrence_pattern")


def patch_changes(body: PatchEvent, event: Event) -> dict[str, Any]:
    """The calendar changes a ``PatchEvent`` asks for (empty: nothing to do)."""
    given = body.model_fields_set
    changes: dict[str, Any] = {}
    for name in ("title", "description", "is_adhoc", "password", "waiting_room"):
        if name in given and getattr(body, name) is not None:
            changes[name] = getattr(body, name)
    if not any(name in given for name in _TIME_FIELDS):
        return changes
    if body.is_time_independent:
        changes["when"] = None
        return changes
    was_independent = event.is_time_independent or event.starts_at_ms is None
    starts = body.starts_at if body.starts_at is not None else None
    ends = body.ends_at if body.ends_at is not None else None
    if was_independent:
        starts, ends = _required(starts, "starts_at"), _required(ends, "ends_at")
    start_ms = moment(starts, "starts_at") if starts is not None else event.starts_at_ms
    end_ms = moment(ends, "ends_at") if ends is not None else event.ends_at_ms
    zone = starts.timezone if starts is not None else (event.timezone or "UTC")
    all_day = body.is_all_day if body.is_all_day is not None else (event.is_all_day and not was_independent)
    pattern = tuple(body.recurrence_pattern or ()) if "recurrence_pattern" in given else event.pattern
    if start_ms is None or end_ms is None:
        raise invalid("starts_at", "value_required", "Value is required")
    changes["when"] = When(start_ms, end_ms, zone, all_day, tuple(pattern or ()))
    return changes


def time_bound(value: str | None) -> int | None:
    if value is None:
        return None
    ms = parse_timestamp(value)
    if ms is None:
        raise bad_request()
    return ms


def event_position(cursor: str | None) -> Position | None:
    if cursor is None:
        return None
    found = decode_cursor(cursor)
    if found is None or not isinstance(found.get("s"), int) or not isinstance(found.get("q"), int):
        raise bad_request()
    return Position(found["s"], found["q"])


def event_cursor(position: Position | None) -> str | None:
    return None if position is None else encode_cursor({"s": position.start_key, "q": position.seq})


def instance_position(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    found = decode_cursor(cursor)
    if found is None or not isinstance(found.get("t"), int):
        raise bad_request()
    start: int = found["t"]
    return start


def instance_cursor(start_ms: int | None) -> str | None:
    return None if start_ms is None else encode_cursor({"t": start_ms})


def instance_or_404(instances: InstanceService, tx: Tx, event: Event, start_ms: int) -> Instance:
    try:
        return instances.get(tx, event, start_ms)
    except DomainError as exc:
        if exc.code is ErrorCode.NOT_FOUND:
            raise not_found() from None
        raise


def instance_changes(body: PatchEventInstance) -> dict[str, Any]:
    """The exception fields a ``PatchEventInstance`` sets (empty: nothing to do)."""
    changes: dict[str, Any] = {}
    for name in ("title", "description", "is_all_day", "status"):
        if getattr(body, name) is not None:
            changes[name] = getattr(body, name)
    if body.starts_at is not None:
        changes["starts_at_ms"] = moment(body.starts_at, "starts_at")
    if body.ends_at is not None:
        changes["ends_at_ms"] = moment(body.ends_at, "ends_at")
    return changes
