"""State machines as explicit transition tables; services and tests both iterate these."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from omnimeet.domain.errors import DomainError, ErrorCode


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    ACTIVE = "active"
    ENDED = "ended"


class RecordingStatus(StrEnum):
    STARTING = "starting"
    ACTIVE = "active"
    PAUSED = "paused"
    STOPPING = "stopping"
    STOPPED = "stopped"
    READY = "ready"
    FAILED = "failed"


SESSION_TRANSITIONS: Mapping[SessionStatus, frozenset[SessionStatus]] = {
    SessionStatus.SCHEDULED: frozenset({SessionStatus.ACTIVE, SessionStatus.ENDED}),
    SessionStatus.ACTIVE: frozenset({SessionStatus.ENDED}),
    SessionStatus.ENDED: frozenset(),
}

RECORDING_TRANSITIONS: Mapping[RecordingStatus, frozenset[RecordingStatus]] = {
    RecordingStatus.STARTING: frozenset({RecordingStatus.ACTIVE, RecordingStatus.FAILED}),
    RecordingStatus.ACTIVE: frozenset(
        {RecordingStatus.PAUSED, RecordingStatus.STOPPING, RecordingStatus.STOPPED, RecordingStatus.FAILED}
    ),
    RecordingStatus.PAUSED: frozenset(
        {RecordingStatus.ACTIVE, RecordingStatus.STOPPING, RecordingStatus.STOPPED, RecordingStatus.FAILED}
    ),
    RecordingStatus.STOPPING: frozenset({RecordingStatus.STOPPED, RecordingStatus.FAILED}),
    RecordingStatus.STOPPED: frozenset({RecordingStatus.READY, RecordingStatus.FAILED}),
    RecordingStatus.READY: frozenset(),
    RecordingStatus.FAILED: frozenset(),
}

RECORDING_NEXT: Mapping[RecordingStatus, RecordingStatus] = {
    RecordingStatus.STARTING: RecordingStatus.ACTIVE,
    RecordingStatus.ACTIVE: RecordingStatus.STOPPING,
    RecordingStatus.PAUSED: RecordingStatus.ACTIVE,
    RecordingStatus.STOPPING: RecordingStatus.STOPPED,
    RecordingStatus.STOPPED: RecordingStatus.READY,
}
"""The natural next status of a recording (what ``advance`` without a target moves it to); terminal
statuses have none."""

RECORDING_ASYNC_STEPS: Mapping[RecordingStatus, RecordingStatus] = {
    RecordingStatus.STARTING: RecordingStatus.ACTIVE,
    RecordingStatus.STOPPING: RecordingStatus.STOPPED,
    RecordingStatus.STOPPED: RecordingStatus.READY,
}
"""The moves a recording makes by itself (media servers starting, files being written and processed),
paced by the vendor's progression mode for the ``recording`` machine."""

RECORDING_IN_PROGRESS = frozenset(
    {RecordingStatus.STARTING, RecordingStatus.ACTIVE, RecordingStatus.PAUSED, RecordingStatus.STOPPING}
)
"""While a room has a recording in one of these, it cannot start another."""


S = TypeVar("S", bound=StrEnum)


def check_transition(table: Mapping[S, frozenset[S]], entity: str, current: S, target: S) -> None:
    """Raises ``INVALID_TRANSITION`` unless ``table`` allows ``current -> target``."""
    if target not in table[current]:
        raise DomainError(ErrorCode.INVALID_TRANSITION, entity, **{"from": current.value, "to": target.value})
