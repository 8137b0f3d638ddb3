"""RecordingService: the transition table through the service, progression modes, file facts, events."""

from __future__ import annotations

from collections.abc import Callable
from itertools import product

import pytest
from sqlalchemy import update

from omnimeet.domain import tables
from omnimeet.domain.errors import ErrorCode
from omnimeet.domain.events import EventType
from omnimeet.domain.meeting_records import Recording, RoomKey
from omnimeet.domain.meeting_rules import RecordingFile
from omnimeet.domain.progression import ProgressionMode
from omnimeet.domain.recordings import path_to
from omnimeet.domain.rooms import Room
from omnimeet.domain.states import RECORDING_NEXT, RECORDING_TRANSITIONS, RecordingStatus
from omnimeet.domain.store import Tx
from omnimeet.platform.db import Database
from tests.domain.conftest import NOW_MS, FixedClock, MakePrincipal
from tests.domain.meetings_support import API, Rules, World, make_world

KEY = RoomKey(API, "r1")
S = RecordingStatus


@pytest.fixture
def world(db: Database, clock: FixedClock, make_principal: MakePrincipal) -> World:
    w = make_world(db, clock, make_principal)
    w.room()
    w.run(lambda tx: w.meetings.join(tx, KEY, "Ann", participant_id="ann"))
    w.events.take()
    return w


def pace(world: World, mode: ProgressionMode, seconds: float | None = None) -> None:
    world.progression.set(API, "recording", mode, seconds)


def start(world: World, recording_id: str = "rec") -> Recording:
    return world.run(lambda tx: world.recordings.start(tx, KEY, recording_id))


def status(world: World, recording_id: str = "rec") -> str:
    return str(world.row(tables.RECORDINGS, recording_id)["status"])


def moving(world: World, target: RecordingStatus) -> Callable[[Tx], Recording]:
    return lambda tx: world.recordings.move(tx, API, "rec", target)


def advancing(world: World, target: RecordingStatus) -> Callable[[Tx], Recording]:
    return lambda tx: world.recordings.advance(tx, API, "rec", target)


def getting(world: World, api: str, recording_id: str) -> Callable[[Tx], Recording]:
    return lambda tx: world.recordings.get(tx, api, recording_id)


def force(world: World, value: RecordingStatus, recording_id: str = "rec") -> None:
    with world.db.transaction() as tx:
        stmt = update(tables.RECORDINGS).where(tables.RECORDINGS.c.public_id == recording_id)
        tx.execute(stmt.values(status=value.value))


# --- the table, pair by pair ---------------------------------------------------------------------


def test_every_pair_of_the_table_through_the_service(world: World) -> None:
    pace(world, ProgressionMode.MANUAL)
    start(world)
    allowed = refused = 0
    for current, target in product(S, S):
        force(world, current)
        world.events.take()
        if target in RECORDING_TRANSITIONS[current]:
            moved = world.run(moving(world, target))
            assert moved.status == target.value
            assert status(world) == target.value
            assert world.events.items[0].type is EventType.RECORDING_UPDATED
            assert world.events.items[0].data["from"] == current.value
            allowed += 1
        else:
            error = world.fails(moving(world, target))
            assert (error.code, error.entity, error.details) == (
                ErrorCode.INVALID_TRANSITION,
                "recording",
                {"from": current.value, "to": target.value},
            )
            assert status(world) == current.value
            refused += 1
    assert allowed == sum(len(targets) for targets in RECORDING_TRANSITIONS.values())
    assert allowed + refused == len(S) ** 2


def test_advance_reaches_every_reachable_status_and_refuses_the_rest(world: World) -> None:
    pace(world, ProgressionMode.MANUAL)
    start(world)
    for current, target in product(S, S):
        force(world, current)
        try:
            path = path_to(current, target)
        except Exception:
            error = world.fails(advancing(world, target))
            assert error.code is ErrorCode.INVALID_TRANSITION
            continue
        moved = world.run(advancing(world, target))
        assert moved.status == target.value, (current, target, path)


def test_paths_prefer_the_natural_chain() -> None:
    assert path_to(S.ACTIVE, S.READY) == [S.STOPPING, S.STOPPED, S.READY]
    assert path_to(S.STARTING, S.PAUSED) == [S.ACTIVE, S.PAUSED]
    assert path_to(S.PAUSED, S.STOPPED) == [S.STOPPED]
    assert path_to(S.ACTIVE, S.FAILED) == [S.FAILED]
    for terminal in (S.READY, S.FAILED):
        with pytest.raises(Exception, match="invalid_transition"):
            path_to(terminal, S.ACTIVE)


def test_advance_without_a_target_takes_the_natural_next_step(world: World) -> None:
    pace(world, ProgressionMode.MANUAL)
    start(world)
    for current, natural in RECORDING_NEXT.items():
        force(world, current)
        assert world.run(lambda tx: world.recordings.advance(tx, API, "rec")).status == natural.value
    for terminal in (S.READY, S.FAILED):
        force(world, terminal)
        error = world.fails(lambda tx: world.recordings.advance(tx, API, "rec"))
        assert (error.code, error.details) == (
            ErrorCode.INVALID_TRANSITION,
            {"from": terminal.value, "to": None},
        )


# --- starting and stopping -----------------------------------------------------------------------


def test_start_needs_an_active_session(world: World) -> None:
    world.run(lambda tx: world.meetings.end_session(tx, KEY))
    error = world.fails(lambda tx: world.recordings.start(tx, KEY))
    assert (error.code, error.entity, error.details) == (
        ErrorCode.CONFLICT,
        "recording",
        {"reason": "no_active_session"},
    )


@pytest.mark.parametrize("busy", [S.STARTING, S.ACTIVE, S.PAUSED, S.STOPPING])
def test_one_recording_in_progress_per_room(world: World, busy: RecordingStatus) -> None:
    pace(world, ProgressionMode.MANUAL)
    start(world)
    force(world, busy)
    error = world.fails(lambda tx: world.recordings.start(tx, KEY, "second"))
    assert (error.code, error.details) == (
        ErrorCode.CONFLICT,
        {"reason": "in_progress", "recording_id": "rec"},
    )


@pytest.mark.parametrize("done", [S.STOPPED, S.READY, S.FAILED])
def test_a_finished_recording_lets_another_start(world: World, done: RecordingStatus) -> None:
    pace(world, ProgressionMode.MANUAL)
    start(world)
    force(world, done)
    assert start(world, "second").status == "starting"


def test_an_explicit_id_must_be_new(world: World) -> None:
    pace(world, ProgressionMode.MANUAL)
    start(world)
    force(world, S.READY)
    error = world.fails(lambda tx: world.recordings.start(tx, KEY, "rec"))
    assert (error.code, error.details) == (ErrorCode.CONFLICT, {"reason": "exists", "id": "rec"})


@pytest.mark.parametrize("state", [S.STARTING, S.STOPPING, S.STOPPED, S.READY, S.FAILED])
def test_stop_only_from_active_or_paused(world: World, state: RecordingStatus) -> None:
    pace(world, ProgressionMode.MANUAL)
    start(world)
    force(world, state)
    error = world.fails(lambda tx: world.recordings.stop(tx, API, "rec"))
    assert (error.code, error.details) == (
        ErrorCode.INVALID_TRANSITION,
        {"from": state.value, "to": "stopping"},
    )


def test_pause_and_resume(world: World) -> None:
    pace(world, ProgressionMode.MANUAL)
    start(world)
    error = world.fails(lambda tx: world.recordings.resume(tx, API, "rec"))
    assert (error.code, error.details) == (ErrorCode.INVALID_TRANSITION, {"from": "starting", "to": "active"})
    world.run(lambda tx: world.recordings.advance(tx, API, "rec"))
    assert world.run(lambda tx: world.recordings.pause(tx, API, "rec")).status == "paused"
    assert world.run(lambda tx: world.recordings.resume(tx, API, "rec")).status == "active"
    assert world.run(lambda tx: world.recordings.stop(tx, API, "rec")).status == "stopping"


def test_unknown_recording_or_other_api(world: World) -> None:
    start(world)
    for api, recording_id in ((API, "nope"), ("vonage", "rec")):
        error = world.fails(getting(world, api, recording_id))
        assert (error.code, error.entity, error.details) == (
            ErrorCode.NOT_FOUND,
            "recording",
            {"id": recording_id},
        )


# --- progression ---------------------------------------------------------------------------------


def test_immediate_chains_through_every_asynchronous_step(world: World) -> None:
    recording = start(world)
    assert (recording.status, recording.started_at_ms, recording.room_id) == ("active", NOW_MS, "r1")
    assert world.events.types() == ["recording.updated", "recording.updated", "recording.started"]
    assert [e.data["from"] for e in world.events.items] == [None, "starting", "starting"]
    world.events.take()
    world.clock.now += 10_000
    stopped = world.run(lambda tx: world.recordings.stop(tx, API, "rec"))
    assert stopped == Recording(
        seq=recording.seq,
        tenant_id="acme",
        room_seq=recording.room_seq,
        session_seq=recording.session_seq,
        public_id="rec",
        status="ready",
        started_at_ms=NOW_MS,
        ended_at_ms=NOW_MS + 10_000,
        size_bytes=10_000 * 125,
        filename="rec.mp4",
        created_at_ms=NOW_MS,
        updated_at_ms=NOW_MS + 10_000,
        settings="{}",
        due_at_ms=None,
        room_id="r1",
        session_id=stopped.session_id,
    )
    assert world.row(tables.RECORDINGS, "rec")["size_bytes"] == 1_250_000
    assert world.events.types() == [
        "recording.updated",
        "recording.updated",
        "recording.stopped",
        "recording.updated",
        "recording.ready",
    ]
    ready = world.events.items[-1]
    assert (ready.ordering_key, ready.tenant_id, ready.api, ready.room_settings) == ("r1", "acme", API, "{}")
    assert ready.data == {
        "room_id": "r1",
        "session_id": stopped.session_id,
        "status": "ready",
        "from": "stopped",
        "recording": {
            "id": "rec",
            "status": "ready",
            "from": "stopped",
            "started_at_ms": NOW_MS,
            "ended_at_ms": NOW_MS + 10_000,
            "size": 1_250_000,
            "filename": "rec.mp4",
            "duration_ms": 10_000,
        },
    }


def test_the_session_id_is_the_one_recorded(world: World) -> None:
    session_id = world.run(lambda tx: world.meetings.state(tx, KEY)).session
    assert session_id is not None
    assert start(world).session_id == session_id.public_id


def test_manual_moves_only_when_advanced(world: World) -> None:
    pace(world, ProgressionMode.MANUAL)
    assert start(world).status == "starting"
    world.clock.now += 3_600_000
    assert world.run(world.recordings.progress_due) == 0
    assert status(world) == "starting"
    assert world.run(lambda tx: world.recordings.advance(tx, API, "rec")).started_at_ms == world.clock.now
    world.run(lambda tx: world.recordings.stop(tx, API, "rec"))
    assert status(world) == "stopping"
    stopped = world.run(lambda tx: world.recordings.advance(tx, API, "rec"))
    assert (stopped.status, stopped.size_bytes, stopped.filename) == ("stopped", 0, "rec.mp4")
    assert world.run(lambda tx: world.recordings.advance(tx, API, "rec")).status == "ready"


def test_advance_in_immediate_mode_goes_on_past_an_asynchronous_target(world: World) -> None:
    start(world)
    moved = world.run(lambda tx: world.recordings.advance(tx, API, "rec", S.STOPPING))
    assert moved.status == "ready"


def test_after_sets_a_due_time_and_the_sweep_moves_on_when_it_passes(world: World) -> None:
    pace(world, ProgressionMode.AFTER, 5)
    recording = start(world)
    assert (recording.status, recording.due_at_ms) == ("starting", NOW_MS + 5_000)
    assert world.row(tables.RECORDINGS, "rec")["due_at_ms"] == NOW_MS + 5_000
    world.clock.now += 4_999
    assert not world.run(world.recordings.anything_due)
    assert world.run(world.recordings.progress_due) == 0
    world.clock.now += 1
    assert world.run(world.recordings.anything_due)
    assert world.run(world.recordings.progress_due) == 1
    row = world.row(tables.RECORDINGS, "rec")
    assert (row["status"], row["started_at_ms"], row["due_at_ms"]) == ("active", NOW_MS + 5_000, None)
    assert not world.run(world.recordings.anything_due)


def test_a_jump_chains_several_steps_each_at_its_own_due_time(world: World) -> None:
    pace(world, ProgressionMode.AFTER, 5)
    start(world)
    world.clock.now += 5_000
    world.run(world.recordings.progress_due)
    stop_at = NOW_MS + 20_000
    world.clock.now = stop_at
    world.run(lambda tx: world.recordings.stop(tx, API, "rec"))
    world.events.take()
    world.clock.now = stop_at + 60_000  # past both the stopped (+5 s) and the ready (+10 s) due times
    assert world.run(world.recordings.progress_due) == 1
    row = world.row(tables.RECORDINGS, "rec")
    assert (row["status"], row["ended_at_ms"], row["updated_at_ms"], row["due_at_ms"]) == (
        "ready",
        stop_at,
        stop_at + 10_000,
        None,
    )
    assert row["size_bytes"] == 15_000 * 125
    assert [(e.type.value, e.occurred_at_ms) for e in world.events.items] == [
        ("recording.updated", stop_at + 5_000),
        ("recording.stopped", stop_at + 5_000),
        ("recording.updated", stop_at + 10_000),
        ("recording.ready", stop_at + 10_000),
    ]


def test_a_jump_stops_at_the_step_not_yet_due(world: World) -> None:
    pace(world, ProgressionMode.AFTER, 5)
    start(world)
    world.clock.now += 5_000
    world.run(world.recordings.progress_due)
    world.run(lambda tx: world.recordings.stop(tx, API, "rec"))
    world.clock.now += 7_000
    world.run(world.recordings.progress_due)
    row = world.row(tables.RECORDINGS, "rec")
    assert (row["status"], row["due_at_ms"]) == ("stopped", NOW_MS + 5_000 + 10_000)


def test_after_zero_seconds_happens_at_once(world: World) -> None:
    pace(world, ProgressionMode.AFTER, 0)
    assert start(world).status == "active"


def test_advancing_by_hand_clears_a_due_time(world: World) -> None:
    pace(world, ProgressionMode.AFTER, 5)
    start(world)
    moved = world.run(lambda tx: world.recordings.advance(tx, API, "rec", S.FAILED))
    assert (moved.status, moved.due_at_ms) == ("failed", None)
    assert world.row(tables.RECORDINGS, "rec")["due_at_ms"] is None
    world.clock.now += 60_000
    assert world.run(world.recordings.progress_due) == 0
    assert world.events.types()[-2:] == ["recording.updated", "recording.failed"]


def test_modes_are_per_vendor(world: World) -> None:
    world.progression.set("vonage", "recording", ProgressionMode.MANUAL)
    assert start(world).status == "active"


# --- files ---------------------------------------------------------------------------------------


class BigFiles(Rules):
    def recording_file(self, room: Room, recording: Recording) -> RecordingFile:
        return RecordingFile(recording.duration_ms * 1000, f"{room.public_id}-{recording.public_id}.webm")


def test_the_rules_name_and_size_the_file(world: World) -> None:
    world.rules = BigFiles()
    start(world)
    world.clock.now += 2_000
    stopped = world.run(lambda tx: world.recordings.stop(tx, API, "rec"))
    assert (stopped.size_bytes, stopped.filename) == (2_000_000, "r1-rec.webm")


def test_recordings_of_a_room_in_order(world: World) -> None:
    start(world, "one")
    world.run(lambda tx: world.recordings.stop(tx, API, "one"))
    start(world, "two")
    listed = world.run(lambda tx: world.recordings.of_room(tx, KEY))
    assert [(r.public_id, r.status, r.room_id) for r in listed] == [
        ("one", "ready", "r1"),
        ("two", "active", "r1"),
    ]
