"""Domain events: what happened in a meeting, in vendor-neutral words, for the vendors' webhooks.

Services publish an event through the ``EventSink`` they were given, inside the unit of work that made the
change; the sink writes outbox rows in that same transaction (house rule 7), and each vendor turns the
neutral event into its own webhook name and payload when the row is delivered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from omnimeet.domain.store import Tx


class EventType(StrEnum):
    ROOM_EXPIRED = "room.expired"
    SESSION_STARTED = "session.started"
    SESSION_ENDED = "session.ended"
    PARTICIPANT_JOINED = "participant.joined"
    PARTICIPANT_LEFT = "participant.left"
    RECORDING_STARTED = "recording.started"
    RECORDING_UPDATED = "recording.updated"
    """Any change of a recording's status (``data['from']``, ``data['status']``)."""
    RECORDING_STOPPED = "recording.stopped"
    RECORDING_READY = "recording.ready"
    RECORDING_FAILED = "recording.failed"


@dataclass(frozen=True, slots=True)
class DomainEvent:
    """One thing that happened. ``data`` holds JSON-ready facts (public ids, names, statuses, times in ms);
    ``ordering_key`` groups events that must be delivered in order (a room's public id)."""

    type: EventType
    tenant_id: str
    api: str
    ordering_key: str
    occurred_at_ms: int
    data: Mapping[str, Any] = field(default_factory=dict)
    room_settings: str = "{}"
    """The room's vendor settings (JSON), for vendors whose rooms name their own callback URLs."""


class EventSink(Protocol):
    def publish(self, tx: Tx, event: DomainEvent) -> None:
        """Records ``event`` in the unit of work ``tx`` (an outbox row per subscribed target)."""
        ...


class DiscardEvents:
    """An ``EventSink`` that drops every event (services used where no webhooks matter)."""

    def publish(self, tx: Tx, event: DomainEvent) -> None:
        return None
