"""MeetingService and a room that expires after use but keeps a hard limit while in use (Vonage's long_term
rooms with ``expire_after_use``), and a session ended with people in it."""

from __future__ import annotations

import pytest

from omnimeet.domain.meeting_records import Participant, RoomKey
from omnimeet.domain.rooms import Room
from omnimeet.platform.db import Database
from tests.domain.conftest import NOW_MS, FixedClock, MakePrincipal
from tests.domain.meetings_support import API, Rules, World, make_world

KEY = RoomKey(API, "r1")
AFTER_MS = 600_000
LIMIT_MS = NOW_MS + 3_600_000


class HardLimit(Rules):
    """Expires ``AFTER_MS`` after use, never past ``LIMIT_MS``, which stays while people are in."""

    def __init__(self) -> None:
        super().__init__()
        self.expiry_ms = AFTER_MS

    def expiry_while_in_use_ms(self, room: Room) -> int | None:
        return LIMIT_MS


@pytest.fixture
def world(db: Database, clock: FixedClock, make_principal: MakePrincipal) -> World:
    made = make_world(db, clock, make_principal)
    made.rules = HardLimit()
    return made


def joined(world: World, name: str) -> Participant:
    return world.run(lambda tx: world.meetings.join(tx, KEY, name, participant_id=name))


def test_a_join_keeps_the_hard_limit_and_a_leave_never_passes_it(world: World) -> None:
    world.room(expires_at_ms=LIMIT_MS)
    joined(world, "ann")
    assert world.stored_room().expires_at_ms == LIMIT_MS
    world.clock.now += 1_000
    world.run(lambda tx: world.meetings.leave(tx, KEY, "ann"))
    assert world.stored_room().expires_at_ms == NOW_MS + 1_000 + AFTER_MS
    joined(world, "ann2")
    assert world.stored_room().expires_at_ms == LIMIT_MS  # back to the limit, not cleared
    world.clock.now = LIMIT_MS - 60_000
    world.run(lambda tx: world.meetings.leave(tx, KEY, "ann2"))
    assert world.stored_room().expires_at_ms == LIMIT_MS  # ten minutes later would pass it


def test_ending_a_session_with_people_in_it_starts_the_expiry_after_use(world: World) -> None:
    world.rules = Rules()
    world.rules.expiry_ms = AFTER_MS
    world.room(expires_at_ms=NOW_MS + AFTER_MS)
    joined(world, "ann")
    assert world.stored_room().expires_at_ms is None
    world.clock.now += 5_000
    world.run(lambda tx: world.meetings.end_session(tx, KEY))
    assert world.stored_room().expires_at_ms == NOW_MS + 5_000 + AFTER_MS


def test_ending_an_empty_session_leaves_the_expiry(world: World) -> None:
    world.rules = Rules()
    world.rules.expiry_ms = AFTER_MS
    world.room(expires_at_ms=NOW_MS + AFTER_MS)
    world.run(lambda tx: world.meetings.start_session(tx, KEY))
    world.clock.now += 5_000
    world.run(lambda tx: world.meetings.end_session(tx, KEY))
    assert world.stored_room().expires_at_ms == NOW_MS + AFTER_MS
