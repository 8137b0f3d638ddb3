"""recording_catalog: a tenant's recordings in one API, and deleting finished ones."""

from __future__ import annotations

import pytest

from omnimeet.domain import tables
from omnimeet.domain.errors import ErrorCode
from omnimeet.domain.meeting_records import RoomKey
from omnimeet.domain.recording_catalog import (
    delete_finished,
    delete_recording,
    recordings_of_session,
    recordings_of_tenant,
)
from omnimeet.domain.states import RecordingStatus
from omnimeet.platform.db import Database
from tests.domain.conftest import FixedClock, MakePrincipal
from tests.domain.meetings_support import API, World, make_world

S = RecordingStatus


@pytest.fixture
def world(db: Database, clock: FixedClock, make_principal: MakePrincipal) -> World:
    w = make_world(db, clock, make_principal)
    for name in ("r1", "r2"):
        w.room(name)
        with db.transaction() as tx:
            w.meetings.start_session(tx, RoomKey(API, name))
    return w


def test_a_tenants_recordings_oldest_first(world: World, make_principal: MakePrincipal) -> None:
    first = world.run(lambda tx: world.recordings.start(tx, RoomKey(API, "r1"), "rec-1"))
    second = world.run(lambda tx: world.recordings.start(tx, RoomKey(API, "r2"), "rec-2"))
    found = world.run(lambda tx: recordings_of_tenant(tx, API, "acme"))
    assert [(r.public_id, r.room_id, r.status) for r in found] == [
        ("rec-1", "r1", first.status),
        ("rec-2", "r2", second.status),
    ]
    assert all(r.session_id for r in found)
    make_principal("other")
    assert world.run(lambda tx: recordings_of_tenant(tx, API, "other")) == []
    assert world.run(lambda tx: recordings_of_tenant(tx, "openvidu-meet", "acme")) == []


def test_a_sessions_recordings(world: World, make_principal: MakePrincipal) -> None:
    world.run(lambda tx: world.recordings.start(tx, RoomKey(API, "r1"), "rec-1"))
    world.run(lambda tx: world.recordings.start(tx, RoomKey(API, "r2"), "rec-2"))
    everything = world.run(lambda tx: recordings_of_tenant(tx, API, "acme"))
    session = next(r.session_id for r in everything if r.public_id == "rec-2")
    assert session is not None
    found = world.run(lambda tx: recordings_of_session(tx, API, "acme", session))
    assert [r.public_id for r in found] == ["rec-2"]
    make_principal("other")
    assert world.run(lambda tx: recordings_of_session(tx, API, "other", session)) == []
    assert world.run(lambda tx: recordings_of_session(tx, API, "acme", "no-such-session")) == []


@pytest.mark.parametrize("status", [S.STARTING, S.ACTIVE, S.PAUSED, S.STOPPING])
def test_a_recording_in_progress_cannot_be_deleted(world: World, status: S) -> None:
    world.run(lambda tx: world.recordings.start(tx, RoomKey(API, "r1"), "rec-1"))
    world.run(lambda tx: tx.update(tables.RECORDINGS, {"public_id": "rec-1"}, {"status": status.value}))
    error = world.fails(lambda tx: delete_recording(tx, API, "acme", "rec-1"))
    assert error.code is ErrorCode.CONFLICT
    assert error.details == {"reason": "in_progress", "id": "rec-1", "status": status.value}


@pytest.mark.parametrize("status", [S.STOPPED, S.READY, S.FAILED])
def test_a_finished_recording_is_deleted(world: World, status: S) -> None:
    world.run(lambda tx: world.recordings.start(tx, RoomKey(API, "r1"), "rec-1"))
    world.run(lambda tx: tx.update(tables.RECORDINGS, {"public_id": "rec-1"}, {"status": status.value}))
    deleted = world.run(lambda tx: delete_recording(tx, API, "acme", "rec-1"))
    assert (deleted.public_id, deleted.status) == ("rec-1", status.value)
    assert world.run(lambda tx: recordings_of_tenant(tx, API, "acme")) == []
    again = world.fails(lambda tx: delete_recording(tx, API, "acme", "rec-1"))
    assert again.code is ErrorCode.NOT_FOUND


def test_another_tenants_recording_is_not_found(world: World, make_principal: MakePrincipal) -> None:
    world.run(lambda tx: world.recordings.start(tx, RoomKey(API, "r1"), "rec-1"))
    world.run(lambda tx: tx.update(tables.RECORDINGS, {"public_id": "rec-1"}, {"status": "ready"}))
    make_principal("other")
    error = world.fails(lambda tx: delete_recording(tx, API, "other", "rec-1"))
    assert (error.code, error.details) == (ErrorCode.NOT_FOUND, {"id": "rec-1"})
    assert len(world.run(lambda tx: recordings_of_tenant(tx, API, "acme"))) == 1


def test_delete_finished_skips_unknown_ids_and_recordings_in_progress(world: World) -> None:
    for room, recording in (("r1", "rec-1"), ("r2", "rec-2")):
        world.run(lambda tx, r=room, c=recording: world.recordings.start(tx, RoomKey(API, r), c))
    world.run(lambda tx: tx.update(tables.RECORDINGS, {"public_id": "rec-1"}, {"status": "ready"}))
    world.run(lambda tx: tx.update(tables.RECORDINGS, {"public_id": "rec-2"}, {"status": "active"}))

    ids = ["nope", "rec-1", "rec-2", "rec-1"]
    deleted = world.run(lambda tx: delete_finished(tx, API, "acme", ids))

    assert [r.public_id for r in deleted] == ["rec-1"]
    assert [r.public_id for r in world.run(lambda tx: recordings_of_tenant(tx, API, "acme"))] == ["rec-2"]
