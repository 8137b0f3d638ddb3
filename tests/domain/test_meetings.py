"""MeetingService: sessions, participants, the room's limits and expiry, and the events they publish."""

from __future__ import annotations

import threading
import time

import pytest

from omnimeet.domain import tables
from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.events import DomainEvent, EventType
from omnimeet.domain.meeting_records import Participant, RoomKey, Session
from omnimeet.domain.progression import ProgressionMode
from omnimeet.domain.rooms import Room
from omnimeet.platform.db import Database
from tests.domain.conftest import NOW_MS, FixedClock, MakePrincipal
from tests.domain.meetings_support import API, World, make_world

KEY = RoomKey(API, "r1")


@pytest.fixture
def world(db: Database, clock: FixedClock, make_principal: MakePrincipal) -> World:
    return make_world(db, clock, make_principal)


def event(type_: EventType, at: int, data: dict[str, object], session_id: str | None) -> DomainEvent:
    return DomainEvent(
        type_, "acme", API, "r1", at, {"room_id": "r1", "session_id": session_id, **data}, "{}"
    )


def joined(world: World, name: str, **kwargs: str) -> Participant:
    return world.run(lambda tx: world.meetings.join(tx, KEY, name, **kwargs))


# --- sessions ------------------------------------------------------------------------------------


def test_start_session_stores_it_and_publishes_session_started(world: World) -> None:
    world.room()
    session = world.run(lambda tx: world.meetings.start_session(tx, KEY, "s-1"))
    assert session == Session(
        seq=session.seq,
        tenant_id="acme",
        room_seq=world.stored_room().seq,
        public_id="s-1",
        status="active",
        scheduled_at_ms=None,
        started_at_ms=NOW_MS,
        ended_at_ms=None,
        created_at_ms=NOW_MS,
        settings="{}",
        room_id="r1",
    )
    assert world.row(tables.MEETING_SESSIONS, "s-1")["status"] == "active"
    assert world.events.items == [event(EventType.SESSION_STARTED, NOW_MS, {"started_at_ms": NOW_MS}, "s-1")]


def test_session_ids_come_from_the_rules_by_default_a_uuid(world: World) -> None:
    world.room()
    session = world.run(lambda tx: world.meetings.start_session(tx, KEY))
    assert len(session.public_id) == 36
    assert session.public_id.count("-") == 4


def test_one_active_session_per_room(world: World) -> None:
    world.room()
    world.run(lambda tx: world.meetings.start_session(tx, KEY, "s-1"))
    error = world.fails(lambda tx: world.meetings.start_session(tx, KEY))
    assert (error.code, error.entity, error.details) == (
        ErrorCode.CONFLICT,
        "session",
        {"reason": "active", "session_id": "s-1"},
    )
    world.run(lambda tx: world.meetings.end_session(tx, KEY))
    world.run(lambda tx: world.meetings.start_session(tx, KEY, "s-2"))


def test_unknown_room_is_not_found(world: World) -> None:
    for call in (
        lambda tx: world.meetings.start_session(tx, KEY),
        lambda tx: world.meetings.end_session(tx, KEY),
        lambda tx: world.meetings.join(tx, KEY, "Ann"),
        lambda tx: world.meetings.leave(tx, KEY, "p"),
        lambda tx: world.meetings.state(tx, KEY),
    ):
        error = world.fails(call)
        assert (error.code, error.entity, error.details) == (ErrorCode.NOT_FOUND, "room", {"id": "r1"})


def test_a_room_of_another_api_is_another_room(world: World) -> None:
    world.room()
    error = world.fails(lambda tx: world.meetings.start_session(tx, RoomKey("vonage", "r1")))
    assert error.code is ErrorCode.NOT_FOUND


def test_end_session_without_one_is_not_found(world: World) -> None:
    world.room()
    error = world.fails(lambda tx: world.meetings.end_session(tx, KEY))
    assert (error.code, error.entity, error.details) == (ErrorCode.NOT_FOUND, "session", {"room_id": "r1"})


def test_end_session_makes_everyone_leave_stops_recordings_then_ends(world: World) -> None:
    world.room()
    world.progression.set(API, "recording", ProgressionMode.MANUAL)
    ann = joined(world, "Ann", participant_id="ann")
    joined(world, "Bob", participant_id="bob", role="host")
    recording = world.run(lambda tx: world.recordings.start(tx, KEY, "rec"))
    world.run(lambda tx: world.recordings.advance(tx, API, "rec"))
    world.events.take()
    world.clock.now += 60_000
    ended = world.run(lambda tx: world.meetings.end_session(tx, KEY))

    later = NOW_MS + 60_000
    assert (ended.public_id, ended.status, ended.ended_at_ms) == (ann.session_id, "ended", later)
    assert world.events.types() == [
        "participant.left",
        "participant.left",
        "recording.updated",
        "session.ended",
    ]
    left = [e.data["participant"] for e in world.events.items[:2]]
    assert left == [
        {"id": "ann", "name": "Ann", "role": "participant", "joined_at_ms": NOW_MS, "left_at_ms": later},
        {"id": "bob", "name": "Bob", "role": "host", "joined_at_ms": NOW_MS, "left_at_ms": later},
    ]
    assert world.events.items[-1] == event(
        EventType.SESSION_ENDED,
        later,
        {"started_at_ms": NOW_MS, "ended_at_ms": later, "duration_ms": 60_000},
        ann.session_id,
    )
    assert world.row(tables.RECORDINGS, recording.public_id)["status"] == "stopping"
    assert world.row(tables.PARTICIPANTS, "bob")["left_at_ms"] == later
    assert world.row(tables.PARTICIPANTS, "bob")["is_host"]
    state = world.run(lambda tx: world.meetings.state(tx, KEY))
    assert (state.session, state.participants) == (None, [])


def test_ending_a_session_fails_a_recording_still_starting(world: World) -> None:
    world.room()
    world.progression.set(API, "recording", ProgressionMode.MANUAL)
    joined(world, "Ann")
    world.run(lambda tx: world.recordings.start(tx, KEY, "rec"))
    world.run(lambda tx: world.meetings.end_session(tx, KEY))
    assert world.row(tables.RECORDINGS, "rec")["status"] == "failed"
    assert "recording.failed" in world.events.types()


# --- participants --------------------------------------------------------------------------------


def test_join_starts_a_session_when_none_is_active(world: World) -> None:
    world.room()
    ann = joined(world, "Ann", participant_id="ann")
    bob = joined(world, "Bob")
    assert ann == Participant(
        seq=ann.seq,
        tenant_id="acme",
        session_seq=ann.session_seq,
        public_id="ann",
        name="Ann",
        role="participant",
        is_host=False,
        joined_at_ms=NOW_MS,
        left_at_ms=None,
        settings="{}",
        session_id=ann.session_id,
    )
    assert bob.session_id == ann.session_id
    assert world.events.types() == ["session.started", "participant.joined", "participant.joined"]
    assert world.events.items[1] == event(
        EventType.PARTICIPANT_JOINED,
        NOW_MS,
        {
            "participant": {
                "id": "ann",
                "name": "Ann",
                "role": "participant",
                "joined_at_ms": NOW_MS,
                "left_at_ms": None,
            }
        },
        ann.session_id,
    )
    state = world.run(lambda tx: world.meetings.state(tx, KEY))
    assert state.session is not None
    assert state.session.public_id == ann.session_id
    assert [p.public_id for p in state.participants] == ["ann", bob.public_id]


@pytest.mark.parametrize(("role", "is_host"), [("host", True), ("moderator", True), ("guest", False)])
def test_roles_and_hosts(world: World, role: str, is_host: bool) -> None:
    world.room()
    participant = joined(world, "Ann", role=role)
    assert (participant.role, participant.is_host) == (role, is_host)
    assert bool(world.row(tables.PARTICIPANTS, participant.public_id)["is_host"]) is is_host


def test_an_id_already_present_is_a_conflict_but_may_come_back_after_leaving(world: World) -> None:
    world.room()
    joined(world, "Ann", participant_id="ann")
    error = world.fails(lambda tx: world.meetings.join(tx, KEY, "Ann again", participant_id="ann"))
    assert (error.code, error.entity, error.details) == (
        ErrorCode.CONFLICT,
        "participant",
        {"reason": "present", "id": "ann"},
    )
    joined(world, "Bob")  # someone stays, so the session does too
    world.run(lambda tx: world.meetings.leave(tx, KEY, "ann"))
    again = joined(world, "Ann", participant_id="ann")
    assert again.left_at_ms is None
    left = world.run(lambda tx: world.meetings.leave(tx, KEY, "ann"))
    assert left.seq == again.seq  # the present one, not the earlier visit


def test_max_participants_counts_those_present(world: World) -> None:
    world.room(max_participants=2)
    joined(world, "Ann", participant_id="ann")
    joined(world, "Bob")
    error = world.fails(lambda tx: world.meetings.join(tx, KEY, "Cy"))
    assert (error.code, error.entity, error.details) == (ErrorCode.LIMIT_REACHED, "participant", {"limit": 2})
    world.run(lambda tx: world.meetings.leave(tx, KEY, "ann"))
    joined(world, "Cy")


def test_a_room_for_nobody_takes_nobody_and_starts_no_session(world: World) -> None:
    world.room(max_participants=0)
    error = world.fails(lambda tx: world.meetings.join(tx, KEY, "Ann"))
    assert error.code is ErrorCode.LIMIT_REACHED
    assert world.run(lambda tx: world.meetings.state(tx, KEY)).session is None


def test_leave_sets_left_at_and_publishes(world: World) -> None:
    world.room()
    ann = joined(world, "Ann", participant_id="ann")
    world.events.take()
    world.clock.now += 5_000
    left = world.run(lambda tx: world.meetings.leave(tx, KEY, "ann"))
    assert (left.public_id, left.left_at_ms, left.session_id) == ("ann", NOW_MS + 5_000, ann.session_id)
    assert world.row(tables.PARTICIPANTS, "ann")["left_at_ms"] == NOW_MS + 5_000
    assert world.events.types() == ["participant.left"]
    # By default the session stays active when the last one leaves, and the room does not expire.
    state = world.run(lambda tx: world.meetings.state(tx, KEY))
    assert state.session is not None
    assert state.participants == []
    assert world.stored_room().expires_at_ms is None


def test_leave_twice_or_unknown(world: World) -> None:
    world.room()
    joined(world, "Ann", participant_id="ann")
    world.run(lambda tx: world.meetings.leave(tx, KEY, "ann"))
    error = world.fails(lambda tx: world.meetings.leave(tx, KEY, "ann"))
    assert (error.code, error.details) == (ErrorCode.CONFLICT, {"reason": "left", "id": "ann"})
    error = world.fails(lambda tx: world.meetings.leave(tx, KEY, "nobody"))
    assert (error.code, error.entity, error.details) == (ErrorCode.NOT_FOUND, "participant", {"id": "nobody"})


def test_participants_of_another_room_are_not_found_here(world: World) -> None:
    world.room()
    world.room("r2")
    world.run(lambda tx: world.meetings.join(tx, RoomKey(API, "r2"), "Ann", participant_id="ann"))
    error = world.fails(lambda tx: world.meetings.leave(tx, KEY, "ann"))
    assert error.code is ErrorCode.NOT_FOUND


def test_rules_can_expire_the_room_after_the_last_leave_and_a_join_clears_it(world: World) -> None:
    world.rules.expiry_ms = 600_000
    world.room()
    joined(world, "Ann", participant_id="ann")
    joined(world, "Bob", participant_id="bob")
    world.run(lambda tx: world.meetings.leave(tx, KEY, "ann"))
    assert world.stored_room().expires_at_ms is None  # Bob is still there
    world.clock.now += 1_000
    world.run(lambda tx: world.meetings.leave(tx, KEY, "bob"))
    assert world.stored_room().expires_at_ms == NOW_MS + 1_000 + 600_000
    joined(world, "Ann", participant_id="ann")
    assert world.stored_room().expires_at_ms is None


def test_rules_can_end_the_session_when_it_empties(world: World) -> None:
    world.rules.end_when_empty = True
    world.room()
    joined(world, "Ann", participant_id="ann")
    world.run(lambda tx: world.meetings.leave(tx, KEY, "ann"))
    assert world.events.types()[-2:] == ["participant.left", "session.ended"]
    assert world.run(lambda tx: world.meetings.state(tx, KEY)).session is None


def test_rules_can_record_every_session(world: World) -> None:
    world.rules.auto_record = True
    world.room()
    ann = joined(world, "Ann")
    state = world.run(lambda tx: world.meetings.state(tx, KEY))
    assert [(r.public_id, r.status) for r in state.recordings] == [(f"auto-{ann.session_id}", "active")]


def test_an_authorised_room_object_works_as_a_reference(world: World) -> None:
    room: Room = world.room()
    session = world.run(lambda tx: world.meetings.start_session(tx, room))
    assert session.room_id == "r1"


# --- expiry --------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["expires_at_ms", "expired_at_ms"])
def test_an_expired_room_takes_no_session_and_nobody(world: World, field: str) -> None:
    world.room()
    world.set_room("r1", **{field: NOW_MS})
    for call in (
        lambda tx: world.meetings.start_session(tx, KEY),
        lambda tx: world.meetings.join(tx, KEY, "Ann"),
    ):
        error = world.fails(call)
        assert (error.code, error.entity, error.details) == (
            ErrorCode.CONFLICT,
            "room",
            {"reason": "expired", "id": "r1"},
        )


def test_a_room_expiring_later_is_still_open(world: World) -> None:
    world.room(expires_at_ms=NOW_MS + 1)
    joined(world, "Ann")


def test_expire_due_marks_rooms_ends_their_sessions_and_keeps_them(world: World) -> None:
    world.room("r1", expires_at_ms=NOW_MS + 10_000)
    world.room("r2", expires_at_ms=NOW_MS + 20_000)
    world.room("r3")
    ann = joined(world, "Ann", participant_id="ann")
    world.events.take()

    world.clock.now += 9_999
    assert world.run(world.meetings.expire_due) == []
    world.clock.now += 1
    at = NOW_MS + 10_000
    [expired] = world.run(world.meetings.expire_due)
    assert (expired.public_id, expired.expired_at_ms) == ("r1", at)
    assert world.events.types() == ["room.expired", "participant.left", "session.ended"]
    assert world.events.items[0] == event(
        EventType.ROOM_EXPIRED, at, {"expires_at_ms": at, "expired_at_ms": at}, None
    )
    assert world.events.items[-1].data["session_id"] == ann.session_id
    assert world.stored_room("r1").expired_at_ms == at
    assert world.run(world.meetings.expire_due) == []  # once only

    world.clock.now += 3_600_000
    assert [r.public_id for r in world.run(world.meetings.expire_due)] == ["r2"]
    assert world.stored_room("r3").expired_at_ms is None
    assert world.stored_room("r2").expired_at_ms == world.clock.now


def test_anything_due_is_a_cheap_question(world: World) -> None:
    world.room(expires_at_ms=NOW_MS + 5)
    assert not world.run(world.meetings.anything_due)
    world.clock.now += 5
    assert world.run(world.meetings.anything_due)
    world.run(world.meetings.expire_due)
    assert not world.run(world.meetings.anything_due)


# --- concurrency ---------------------------------------------------------------------------------


def test_two_units_of_work_cannot_both_start_the_session(world: World) -> None:
    """The room is locked (``FOR UPDATE`` on PostgreSQL, the write lock on SQLite): a second start waits for
    the first unit of work and then sees its session."""
    world.room()
    started, results = threading.Event(), []

    def first() -> None:
        with world.db.transaction() as tx:
            world.meetings.start_session(tx, KEY, "s-1")
            started.set()
            time.sleep(0.3)  # holds the lock while the second tries

    def second() -> None:
        started.wait(10)
        try:
            with world.db.transaction() as tx:
                results.append(world.meetings.start_session(tx, KEY, "s-2").public_id)
        except DomainError as exc:
            results.append(exc.code.value)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results == ["conflict"]
    state = world.run(lambda tx: world.meetings.state(tx, KEY))
    assert state.session is not None
    assert state.session.public_id == "s-1"
