"""A small world for the meeting and recording service tests: services on the test database with a clock
the test moves, an event sink that keeps what it gets, and rules the test can change."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest
from sqlalchemy import Table, select

from omnimeet.domain import tables
from omnimeet.domain.errors import DomainError
from omnimeet.domain.events import DomainEvent
from omnimeet.domain.meeting_records import Session
from omnimeet.domain.meeting_rules import DefaultMeetingRules, MeetingRules
from omnimeet.domain.meetings import MeetingService
from omnimeet.domain.progression import Progression
from omnimeet.domain.recordings import RecordingService
from omnimeet.domain.rooms import Room, RoomService
from omnimeet.domain.store import Tx
from omnimeet.domain.tenancy import Principal
from omnimeet.platform.db import Database
from omnimeet.platform.ids import RandomIds
from tests.domain.conftest import FixedClock, MakePrincipal

API = "telemost"
T = TypeVar("T")


class Events:
    """An ``EventSink`` that keeps every event (and rolls back with nothing: tests read it after commit)."""

    def __init__(self) -> None:
        self.items: list[DomainEvent] = []

    def publish(self, tx: Tx, event: DomainEvent) -> None:
        self.items.append(event)

    def types(self) -> list[str]:
        return [event.type.value for event in self.items]

    def take(self) -> list[DomainEvent]:
        items, self.items = self.items, []
        return items


class Rules(DefaultMeetingRules):
    """Default rules with knobs."""

    def __init__(self) -> None:
        self.expiry_ms: int | None = None
        self.end_when_empty = False
        self.auto_record = False

    def expiry_after_last_leave_ms(self, room: Room) -> int | None:
        return self.expiry_ms

    def end_session_when_empty(self, room: Room) -> bool:
        return self.end_when_empty

    def on_session_started(self, tx: Tx, room: Room, session: Session, recordings: RecordingService) -> None:
        if self.auto_record:
            recordings.start(tx, room, f"auto-{session.public_id}")


@dataclass
class World:
    db: Database
    clock: FixedClock
    principal: Principal
    events: Events = field(default_factory=Events)
    progression: Progression = field(default_factory=Progression)
    rules: Rules = field(default_factory=Rules)
    rooms: RoomService = field(init=False)
    recordings: RecordingService = field(init=False)
    meetings: MeetingService = field(init=False)

    def __post_init__(self) -> None:
        self.rooms = RoomService(self.clock)
        ids = RandomIds(7)

        def rules_for(api: str) -> MeetingRules:
            assert api == API
            return self.rules

        self.recordings = RecordingService(self.clock, ids, self.events, self.progression, rules_for)
        self.meetings = MeetingService(self.clock, ids, self.events, self.recordings, rules_for)

    def room(self, public_id: str = "r1", **fields: Any) -> Room:
        with self.db.transaction() as tx:
            return self.rooms.create(tx, self.principal, public_id, fields).room

    def run(self, call: Callable[[Tx], T]) -> T:
        with self.db.transaction() as tx:
            return call(tx)

    def fails(self, call: Callable[[Tx], object]) -> DomainError:
        """The domain error ``call`` raises; its unit of work is rolled back (events too)."""
        before = list(self.events.items)
        with pytest.raises(DomainError) as caught, self.db.transaction() as tx:
            call(tx)
        self.events.items = before
        return caught.value

    def row(self, table: Table, public_id: str) -> dict[str, Any]:
        with self.db.transaction(write=False) as tx:
            found = tx.fetch_one(select(table).where(table.c.public_id == public_id))
        assert found is not None
        return dict(zip(table.c.keys(), found, strict=True))

    def stored_room(self, public_id: str = "r1") -> Room:
        with self.db.transaction(write=False) as tx:
            return self.rooms.get(tx, self.principal, public_id)

    def set_room(self, public_id: str = "r1", **values: Any) -> None:
        with self.db.transaction() as tx:
            tx.update(tables.ROOMS, {"api": API, "public_id": public_id}, values)


def make_world(db: Database, clock: FixedClock, make_principal: MakePrincipal) -> World:
    return World(db, clock, make_principal("acme"))
