"""The occurrences of an event, and exceptions that change one of them.

- Occurrences come from the event's schedule (``recurrence``); a single event has exactly one; a
  time-independent event has none. Each is named by its original start (``recurrence.instance_id``).
- An exception overrides the title, description, all-day flag, times or status of one occurrence. A
  cancelled occurrence is still listed, with status ``cancelled`` (clients show it struck through).
- A time window selects occurrences by their original times (an occurrence moved out of the window by its
  exception is still found where the series puts it), as cursor positions are original starts too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select

from omnimeet.domain import recurrence, tables
from omnimeet.domain.calendar_model import STATUS_CANCELLED, STATUS_OK, Event, EventException, Instance
from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.ports import Clock
from omnimeet.domain.store import Tx
from omnimeet.domain.users import User

_X = tables.EVENT_EXCEPTIONS
_EXCEPTIONS_OF = select(_X).where(_X.c.event_seq == bindparam("event_seq")).order_by(_X.c.instance_start_ms)
_ONE_EXCEPTION = select(_X).where(
    _X.c.event_seq == bindparam("event_seq"), _X.c.instance_start_ms == bindparam("start")
)
EDITABLE = frozenset({"title", "description", "is_all_day", "starts_at_ms", "ends_at_ms", "status"})


@dataclass(frozen=True, slots=True)
class InstanceWindow:
    time_min_ms: int | None = None
    time_max_ms: int | None = None


def apply(
    event: Event, original_start_ms: int, exception: EventException | None, duration: int | None = None
) -> Instance:
    """The occurrence starting originally at ``original_start_ms`` with ``exception`` applied (``duration``:
    the series', when the caller has it at hand)."""
    if duration is None:
        schedule = event.schedule()
        duration = schedule.duration_ms if schedule is not None else 0
    starts = original_start_ms
    ends = original_start_ms + duration
    title, description, all_day, status = event.title, event.description, event.is_all_day, STATUS_OK
    if exception is not None:
        starts = exception.starts_at_ms if exception.starts_at_ms is not None else starts
        ends = exception.ends_at_ms if exception.ends_at_ms is not None else ends
        title = exception.title if exception.title is not None else title
        description = exception.description if exception.description is not None else description
        all_day = exception.is_all_day if exception.is_all_day is not None else all_day
        status = exception.status or status
    return Instance(original_start_ms, starts, ends, all_day, title, description, status, exception)


class InstanceService:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def exceptions(self, tx: Tx, event: Event) -> dict[int, EventException]:
        rows = tx.fetch_all(_EXCEPTIONS_OF, {"event_seq": event.seq})
        return {found.instance_start_ms: found for found in map(EventException.from_row, rows)}

    def page(
        self, tx: Tx, event: Event, window: InstanceWindow, size: int, after_ms: int | None = None
    ) -> tuple[list[Instance], int | None]:
        """Up to ``size`` occurrences in the window after the original start ``after_ms``, and the original
        start of the last one when more follow."""
        schedule = event.schedule()
        if schedule is None or size < 1:
            return [], None
        starts = recurrence.page_starts(schedule, window.time_min_ms, window.time_max_ms, after_ms, size + 1)
        exceptions = self.exceptions(tx, event) if starts else {}
        duration = schedule.duration_ms
        found = [apply(event, start, exceptions.get(start), duration) for start in starts[:size]]
        return found, (starts[size - 1] if len(starts) > size else None)

    def get(self, tx: Tx, event: Event, original_start_ms: int) -> Instance:
        """The occurrence that originally starts at ``original_start_ms``, or ``NOT_FOUND``."""
        schedule = event.schedule()
        if schedule is None or not recurrence.is_occurrence(schedule, original_start_ms):
            raise DomainError(ErrorCode.NOT_FOUND, "instance", start=original_start_ms)
        row = tx.fetch_one(_ONE_EXCEPTION, {"event_seq": event.seq, "start": original_start_ms})
        return apply(event, original_start_ms, EventException.from_row(row) if row else None)

    def change(
        self, tx: Tx, user: User, event: Event, original_start_ms: int, changes: Mapping[str, Any]
    ) -> Instance:
        """Records ``changes`` to one occurrence in its exception (created on the first change)."""
        unknown = set(changes) - EDITABLE
        if unknown:
            raise DomainError(ErrorCode.INVALID, "instance", field=sorted(unknown)[0])
        if changes.get("status", STATUS_OK) not in (STATUS_OK, STATUS_CANCELLED):
            raise DomainError(ErrorCode.INVALID, "instance", field="status")
        current = self.get(tx, event, original_start_ms)
        starts = changes.get("starts_at_ms", current.starts_at_ms)
        ends = changes.get("ends_at_ms", current.ends_at_ms)
        if ends < starts:
            raise DomainError(ErrorCode.INVALID, "instance", field="ends_at")
        now = self.clock.now_ms()
        if current.exception is None:
            values: dict[str, Any] = {
                "tenant_id": event.tenant_id,
                "event_seq": event.seq,
                "instance_start_ms": original_start_ms,
                "created_at_ms": now,
                "created_by": user.public_id,
                "updated_at_ms": now,
                "updated_by": user.public_id,
                **changes,
            }
            tx.insert(_X, values)
        else:
            tx.update(
                _X,
                {"seq": current.exception.seq},
                {**changes, "updated_at_ms": now, "updated_by": user.public_id},
            )
        return self.get(tx, event, original_start_ms)
