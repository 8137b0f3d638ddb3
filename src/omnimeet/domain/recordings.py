"""Recordings of a room's session, moving through ``RECORDING_TRANSITIONS``.

A recording starts in ``starting`` and, like a media server, moves on by itself through its asynchronous
steps (``RECORDING_ASYNC_STEPS``: starting -> active, stopping -> stopped -> ready) at the pace the vendor's
progression mode for the ``recording`` machine sets: at once, only when advanced by hand, or ``after`` some
seconds of virtual time (``due_at_ms``, moved on by ``progress_due``). Each step of a late sweep happens at
its own due time, so a clock jump over several due times chains through them with the times they would
have had. Every status change publishes ``recording.updated``, plus ``recording.started`` (first time
active), ``recording.stopped``, ``recording.ready`` or ``recording.failed``.

Times: ``started_at_ms`` is set on first becoming active; ``ended_at_ms`` when the media stops (entering
stopping, stopped or failed after having started); on entering ``stopped`` the vendor's rules give the
file's size and name (default: 1 Mbit/s of the duration, ``<id>.mp4``). Paused time counts as recorded.

The ``Recording`` record lives in ``meeting_records``, with the other records of live meetings.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, bindparam, or_, select

from omnimeet.domain import tables
from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.events import EventSink, EventType
from omnimeet.domain.meeting_records import (
    Recording,
    RoomRef,
    Session,
    active_session,
    as_row,
    find_room,
    lock_room,
    room_event,
)
from omnimeet.domain.meeting_rules import RulesFor, default_rules
from omnimeet.domain.ports import Clock, Ids
from omnimeet.domain.progression import Progression, ProgressionMode
from omnimeet.domain.rooms import Room
from omnimeet.domain.states import (
    RECORDING_ASYNC_STEPS,
    RECORDING_IN_PROGRESS,
    RECORDING_NEXT,
    RECORDING_TRANSITIONS,
    RecordingStatus,
    check_transition,
)
from omnimeet.domain.store import Row, Tx

MACHINE = "recording"

_REC = tables.RECORDINGS
_R = tables.ROOMS
_S = tables.MEETING_SESSIONS

_EXTRA_EVENT = {
    RecordingStatus.STOPPED: EventType.RECORDING_STOPPED,
    RecordingStatus.READY: EventType.RECORDING_READY,
    RecordingStatus.FAILED: EventType.RECORDING_FAILED,
}
_ENDS_MEDIA = frozenset({RecordingStatus.STOPPING, RecordingStatus.STOPPED, RecordingStatus.FAILED})
_STOPPED_WITH_SESSION = {
    RecordingStatus.STARTING: RecordingStatus.FAILED,
    RecordingStatus.ACTIVE: RecordingStatus.STOPPING,
    RecordingStatus.PAUSED: RecordingStatus.STOPPING,
}
"""What a recording still running becomes when its session ends."""
_PAUSED = RecordingStatus.PAUSED


def _status_in(statuses: Iterable[RecordingStatus]) -> ColumnElement[bool]:
    # Not ``IN``: the store runs statements compiled once, and SQLAlchemy expands ``IN`` lists per call.
    return or_(*(_REC.c.status == status.value for status in sorted(statuses)))


_REC_WIDTH = len(_REC.c)
_ROOM_WIDTH = len(_R.c)
_WITH_ROOM = select(_REC, _R, _S.c.public_id).select_from(
    _REC.join(_R, _R.c.seq == _REC.c.room_seq).outerjoin(_S, _S.c.seq == _REC.c.session_seq)
)
_BY_PUBLIC_ID = (
    _WITH_ROOM.where(_R.c.api == bindparam("api"), _REC.c.public_id == bindparam("public_id"))
    .order_by(_REC.c.seq.desc())
    .limit(1)
)
_BY_PUBLIC_ID_LOCKED = _BY_PUBLIC_ID.with_for_update(of=_REC)
_OF_ROOM = (
    select(_REC, _S.c.public_id)
    .select_from(_REC.outerjoin(_S, _S.c.seq == _REC.c.session_seq))
    .where(_REC.c.room_seq == bindparam("room_seq"))
    .order_by(_REC.c.seq)
)
_IN_PROGRESS = (
    select(_REC.c.public_id)
    .where(
        _REC.c.room_seq == bindparam("room_seq"),
        _status_in(RECORDING_IN_PROGRESS),
    )
    .limit(1)
)
_RUNNING_IN_SESSION = (
    select(_REC)
    .where(
        _REC.c.session_seq == bindparam("session_seq"),
        _status_in(_STOPPED_WITH_SESSION),
    )
    .order_by(_REC.c.seq)
    .with_for_update()
)
_DUE = (
    _WITH_ROOM.where(_REC.c.due_at_ms <= bindparam("now"))
    .order_by(_REC.c.due_at_ms, _REC.c.seq)
    .with_for_update(of=_REC, skip_locked=True)
)
_ANY_DUE = select(_REC.c.seq).where(_REC.c.due_at_ms <= bindparam("now")).limit(1)


def _unpack(row: Row) -> tuple[Recording, Room]:
    room = Room.from_row(row[_REC_WIDTH : _REC_WIDTH + _ROOM_WIDTH])
    recording = Recording.from_row(row[:_REC_WIDTH], room.public_id, row[-1])
    return recording, room


def path_to(current: RecordingStatus, target: RecordingStatus) -> list[RecordingStatus]:
    """The moves from ``current`` to ``target``: the one move when the table allows it, else the natural
    chain (``RECORDING_NEXT``) when ``target`` is on it, else the shortest chain of allowed moves;
    ``INVALID_TRANSITION`` when it cannot be reached."""
    if target in RECORDING_TRANSITIONS[current]:
        return [target]
    natural: list[RecordingStatus] = []
    status: RecordingStatus | None = current
    while status is not None and status is not target:
        status = RECORDING_NEXT.get(status)
        if status is not None:
            natural.append(status)
    if status is target and natural:
        return natural
    previous: dict[RecordingStatus, RecordingStatus] = {}
    queue = deque([current])
    while queue and target not in previous:
        status = queue.popleft()
        for option in sorted(RECORDING_TRANSITIONS[status]):
            if option not in previous and option is not current:
                previous[option] = status
                queue.append(option)
    if target not in previous:
        check_transition(RECORDING_TRANSITIONS, "recording", current, target)  # raises
    path = [target]
    while previous[path[-1]] is not current:
        path.append(previous[path[-1]])
    return path[::-1]


class RecordingService:
    def __init__(
        self,
        clock: Clock,
        ids: Ids,
        events: EventSink,
        progression: Progression,
        rules_for: RulesFor = default_rules,
    ) -> None:
        self.clock = clock
        self.ids = ids
        self.events = events
        self.progression = progression
        self.rules_for = rules_for

    # --- reading ---------------------------------------------------------------------------------

    def get(self, tx: Tx, api: str, recording_id: str) -> Recording:
        return self._find(tx, api, recording_id, lock=False)[0]

    def of_room(self, tx: Tx, ref: RoomRef) -> list[Recording]:
        room = find_room(tx, ref)
        return [
            Recording.from_row(row[:_REC_WIDTH], room.public_id, row[-1])
            for row in tx.fetch_all(_OF_ROOM, {"room_seq": room.seq})
        ]

    # --- commands --------------------------------------------------------------------------------

    def start(self, tx: Tx, ref: RoomRef, recording_id: str | None = None) -> Recording:
        """Starts recording the room's active session. ``CONFLICT`` without an active session, while
        another recording of the room is in progress, or when ``recording_id`` is taken."""
        room = lock_room(tx, ref)
        session = active_session(tx, room)
        if session is None:
            raise DomainError(ErrorCode.CONFLICT, "recording", reason="no_active_session")
        busy = tx.fetch_one(_IN_PROGRESS, {"room_seq": room.seq})
        if busy is not None:
            raise DomainError(ErrorCode.CONFLICT, "recording", reason="in_progress", recording_id=busy[0])
        if recording_id is not None and tx.fetch_one(
            _BY_PUBLIC_ID, {"api": room.api, "public_id": recording_id}
        ):
            raise DomainError(ErrorCode.CONFLICT, "recording", reason="exists", id=recording_id)
        now = self.clock.now_ms()
        values: dict[str, Any] = {
            "tenant_id": room.tenant_id,
            "room_seq": room.seq,
            "session_seq": session.seq,
            "public_id": recording_id or self.rules_for(room.api).recording_id(self.ids, room),
            "status": RecordingStatus.STARTING.value,
            "started_at_ms": None,
            "ended_at_ms": None,
            "size_bytes": None,
            "filename": None,
            "created_at_ms": now,
            "updated_at_ms": now,
            "settings": "{}",
            "due_at_ms": None,
        }
        seq = tx.insert(_REC, values, returning="seq")
        recording = Recording.from_row(as_row(_REC, seq, values), room.public_id, session.public_id)
        self._publish(tx, room, recording, None, now)
        self._after_entering(tx, room, recording, now, now)
        return recording

    def move(self, tx: Tx, api: str, recording_id: str, status: RecordingStatus) -> Recording:
        """One move of the transition table (``INVALID_TRANSITION`` if it has no such move); progression
        applies to the state reached."""
        return self._to(tx, api, recording_id, status, direct=True)

    def stop(self, tx: Tx, api: str, recording_id: str) -> Recording:
        """An active or paused recording starts stopping (``INVALID_TRANSITION`` from any other status)."""
        return self._to(tx, api, recording_id, RecordingStatus.STOPPING, direct=True)

    def pause(self, tx: Tx, api: str, recording_id: str) -> Recording:
        return self._to(tx, api, recording_id, RecordingStatus.PAUSED, direct=True)

    def resume(self, tx: Tx, api: str, recording_id: str) -> Recording:
        """A paused recording records again (``INVALID_TRANSITION`` from any other status)."""
        return self._to(tx, api, recording_id, RecordingStatus.ACTIVE, direct=True, only_from=_PAUSED)

    def advance(
        self, tx: Tx, api: str, recording_id: str, status: RecordingStatus | None = None
    ) -> Recording:
        """Moves the recording to ``status`` through the shortest chain of allowed moves, or without one to
        its natural next status. Progression still applies on the way (``immediate`` chains on)."""
        if status is None:
            recording = self.get(tx, api, recording_id)
            current = RecordingStatus(recording.status)
            natural = RECORDING_NEXT.get(current)
            if natural is None:
                raise DomainError(
                    ErrorCode.INVALID_TRANSITION, "recording", **{"from": current.value, "to": None}
                )
            status = natural
        return self._to(tx, api, recording_id, status, direct=False)

    def stop_for_session(self, tx: Tx, room: Room, session: Session) -> list[Recording]:
        """The session is ending: its recordings still running stop (one still starting fails)."""
        now = self.clock.now_ms()
        stopped = []
        for row in tx.fetch_all(_RUNNING_IN_SESSION, {"session_seq": session.seq}):
            recording = Recording.from_row(row, room.public_id, session.public_id)
            target = _STOPPED_WITH_SESSION[RecordingStatus(recording.status)]
            self._move(tx, room, recording, target, now, now)
            stopped.append(recording)
        return stopped

    # --- due work --------------------------------------------------------------------------------

    def anything_due(self, tx: Tx) -> bool:
        return tx.fetch_one(_ANY_DUE, {"now": self.clock.now_ms()}) is not None

    def progress_due(self, tx: Tx) -> int:
        """Moves on every recording whose due time has passed, each step at its own due time; returns how
        many recordings moved."""
        now = self.clock.now_ms()
        rows = tx.fetch_all(_DUE, {"now": now})
        for row in rows:
            recording, room = _unpack(row)
            step = RECORDING_ASYNC_STEPS.get(RecordingStatus(recording.status))
            due = recording.due_at_ms
            assert due is not None
            if step is None:  # moved by hand since it was scheduled
                tx.update(_REC, {"seq": recording.seq}, {"due_at_ms": None})
                continue
            self._move(tx, room, recording, step, due, now)
        return len(rows)

    # --- internals -------------------------------------------------------------------------------

    def _find(self, tx: Tx, api: str, recording_id: str, *, lock: bool) -> tuple[Recording, Room]:
        stmt = _BY_PUBLIC_ID_LOCKED if lock else _BY_PUBLIC_ID
        row = tx.fetch_one(stmt, {"api": api, "public_id": recording_id})
        if row is None:
            raise DomainError(ErrorCode.NOT_FOUND, "recording", id=recording_id)
        return _unpack(row)

    def _to(
        self,
        tx: Tx,
        api: str,
        recording_id: str,
        target: RecordingStatus,
        *,
        direct: bool,
        only_from: RecordingStatus | None = None,
    ) -> Recording:
        recording, room = self._find(tx, api, recording_id, lock=True)
        current = RecordingStatus(recording.status)
        if only_from is not None and current is not only_from:
            raise DomainError(
                ErrorCode.INVALID_TRANSITION, "recording", **{"from": current.value, "to": target.value}
            )
        if direct:
            check_transition(RECORDING_TRANSITIONS, "recording", current, target)
            path = [target]
        else:
            path = path_to(current, target)
        now = self.clock.now_ms()
        expected = current
        for step in path:
            if recording.status != expected:  # progression went on by itself, past this step
                break
            self._move(tx, room, recording, step, now, now)
            expected = step
        return recording

    def _move(
        self, tx: Tx, room: Room, recording: Recording, target: RecordingStatus, at: int, now: int
    ) -> None:
        """Moves ``recording`` to ``target`` at time ``at`` (<= ``now``), then lets progression go on."""
        previous = RecordingStatus(recording.status)
        check_transition(RECORDING_TRANSITIONS, "recording", previous, target)
        values: dict[str, Any] = {"status": target.value, "updated_at_ms": at, "due_at_ms": None}
        if target is RecordingStatus.ACTIVE and recording.started_at_ms is None:
            values["started_at_ms"] = at
        if target in _ENDS_MEDIA and recording.ended_at_ms is None and recording.started_at_ms is not None:
            values["ended_at_ms"] = at
        for name, value in values.items():
            setattr(recording, name, value)
        if target is RecordingStatus.STOPPED:
            file = self.rules_for(room.api).recording_file(room, recording)
            values["size_bytes"] = recording.size_bytes = file.size_bytes
            values["filename"] = recording.filename = file.filename
        tx.update(_REC, {"seq": recording.seq}, values)
        self._publish(tx, room, recording, previous, at)
        self._after_entering(tx, room, recording, at, now)

    def _after_entering(self, tx: Tx, room: Room, recording: Recording, at: int, now: int) -> None:
        step = RECORDING_ASYNC_STEPS.get(RecordingStatus(recording.status))
        if step is None:
            return
        pace = self.progression.get(room.api, MACHINE)
        if pace.mode is ProgressionMode.IMMEDIATE:
            self._move(tx, room, recording, step, at, now)
        elif pace.mode is ProgressionMode.AFTER:
            due = at + pace.delay_ms
            if due <= now:
                self._move(tx, room, recording, step, due, now)
            else:
                tx.update(_REC, {"seq": recording.seq}, {"due_at_ms": due})
                recording.due_at_ms = due

    def _publish(
        self, tx: Tx, room: Room, recording: Recording, previous: RecordingStatus | None, at: int
    ) -> None:
        status = RecordingStatus(recording.status)
        before = previous.value if previous is not None else None
        data = {"status": status.value, "from": before, "recording": recording.facts(before)}
        types = [EventType.RECORDING_UPDATED]
        if status is RecordingStatus.ACTIVE and previous is RecordingStatus.STARTING:
            types.append(EventType.RECORDING_STARTED)
        if status in _EXTRA_EVENT:
            types.append(_EXTRA_EVENT[status])
        for type_ in types:
            self.events.publish(tx, room_event(type_, room, at, data, recording.session_id))
