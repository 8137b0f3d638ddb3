"""RoomService through a real database transaction."""

from __future__ import annotations

import pytest

from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.rooms import FEATURE_LIVE_STREAMS, LiveStream, Room, RoomService, RoomView, StreamChange
from omnimeet.domain.tables import LiveStreamRow, RoomRow
from omnimeet.domain.tenancy import Principal
from omnimeet.platform.db import Database
from tests.domain.conftest import NOW_MS, FixedClock, MakePrincipal, count_rows


@pytest.fixture
def rooms(clock: FixedClock) -> RoomService:
    return RoomService(clock)


@pytest.fixture
def acme(make_principal: MakePrincipal) -> Principal:
    return make_principal("acme")


def _view(db: Database, rooms: RoomService, principal: Principal, public_id: str) -> RoomView:
    with db.transaction(write=False) as tx:
        return rooms.get_view(tx, principal, public_id)


def _error(db: Database, call: object) -> DomainError:
    assert callable(call)
    with pytest.raises(DomainError) as caught, db.transaction() as tx:
        call(tx)
    return caught.value


def test_create_returns_what_is_stored(db: Database, rooms: RoomService, acme: Principal) -> None:
    with db.transaction() as tx:
        created = rooms.create(
            tx, acme, "r1", {"name": "Standup", "waiting_room": True, "max_participants": 9}
        )
    assert created.live_streams == []
    assert created.room == Room(
        seq=created.room.seq,
        tenant_id="acme",
        api="telemost",
        public_id="r1",
        owner_id=acme.id,
        name="Standup",
        description=None,
        access_level=None,
        password=None,
        waiting_room=True,
        max_participants=9,
        created_at_ms=NOW_MS,
        updated_at_ms=NOW_MS,
        expires_at_ms=None,
        settings="{}",
        expired_at_ms=None,
        theme_seq=None,
    )
    stored = _view(db, rooms, acme, "r1")
    assert stored == created
    assert stored.room.waiting_room is True


def test_create_defaults(db: Database, rooms: RoomService, acme: Principal) -> None:
    with db.transaction() as tx:
        created = rooms.create(tx, acme, "r1", {})
    stored = _view(db, rooms, acme, "r1").room
    assert stored == created.room
    assert (stored.waiting_room, stored.settings, stored.owner_id) == (False, "{}", acme.id)


def test_create_with_a_live_stream(db: Database, rooms: RoomService, acme: Principal) -> None:
    change = StreamChange("ls1", {"title": "All hands"}, defaults={"access_level": "public", "title": "x"})
    with db.transaction() as tx:
        created = rooms.create(tx, acme, "r1", {}, live_stream=change)
    [stream] = created.live_streams
    assert stream == LiveStream(
        seq=stream.seq,
        tenant_id="acme",
        room_seq=created.room.seq,
        public_id="ls1",
        kind=None,
        title="All hands",  # fields win over defaults
        description=None,
        access_level="public",
        endpoint_url=None,
        stream_key=None,
        public_url=None,
        created_at_ms=NOW_MS,
        updated_at_ms=NOW_MS,
    )
    assert _view(db, rooms, acme, "r1") == created


def test_live_streams_need_the_plan_feature(
    db: Database, rooms: RoomService, make_principal: MakePrincipal
) -> None:
    basic = make_principal("basic", features=frozenset({"recordings"}), plan="basic")
    error = _error(db, lambda tx: rooms.create(tx, basic, "r1", {}, live_stream=StreamChange("ls", {})))
    assert error.code is ErrorCode.FEATURE_NOT_IN_PLAN
    assert error.details == {"feature": FEATURE_LIVE_STREAMS, "plan": "basic"}
    assert count_rows(db, RoomRow) == 0

    with db.transaction() as tx:
        rooms.create(tx, basic, "r2", {"name": "no stream"})
    error = _error(db, lambda tx: rooms.update(tx, basic, "r2", {}, live_stream=StreamChange("ls", {})))
    assert error.code is ErrorCode.FEATURE_NOT_IN_PLAN
    assert count_rows(db, LiveStreamRow) == 0


@pytest.mark.parametrize("field", ["seq", "tenant_id", "api", "public_id", "created_at_ms", "nonsense"])
def test_unknown_or_protected_room_field_is_invalid(
    db: Database, rooms: RoomService, acme: Principal, field: str
) -> None:
    error = _error(db, lambda tx: rooms.create(tx, acme, "r1", {"name": "ok", field: "x"}))
    assert (error.code, error.entity, error.details) == (ErrorCode.INVALID, "room", {"field": field})
    with db.transaction() as tx:
        rooms.create(tx, acme, "r1", {})
    error = _error(db, lambda tx: rooms.update(tx, acme, "r1", {field: "x"}))
    assert (error.code, error.entity, error.details) == (ErrorCode.INVALID, "room", {"field": field})


@pytest.mark.parametrize("where", ["fields", "defaults"])
def test_unknown_stream_field_is_invalid(
    db: Database, rooms: RoomService, acme: Principal, where: str
) -> None:
    bad = {"room_seq": 1}
    change = StreamChange("ls", bad) if where == "fields" else StreamChange("ls", {}, defaults=bad)
    error = _error(db, lambda tx: rooms.create(tx, acme, "r1", {}, live_stream=change))
    assert (error.code, error.entity, error.details) == (
        ErrorCode.INVALID,
        "live_stream",
        {"field": "room_seq"},
    )
    assert count_rows(db, RoomRow) == 0


def test_get_of_missing_room_is_not_found(db: Database, rooms: RoomService, acme: Principal) -> None:
    error = _error(db, lambda tx: rooms.get(tx, acme, "nope"))
    assert (error.code, error.entity, error.details) == (ErrorCode.NOT_FOUND, "room", {"id": "nope"})


def test_another_tenants_room_is_other_tenant(
    db: Database, rooms: RoomService, acme: Principal, make_principal: MakePrincipal
) -> None:
    rival = make_principal("rival")
    with db.transaction() as tx:
        rooms.create(tx, acme, "r1", {"name": "secret"})
    for call in (
        lambda tx: rooms.get(tx, rival, "r1"),
        lambda tx: rooms.get_view(tx, rival, "r1"),
        lambda tx: rooms.update(tx, rival, "r1", {"name": "hijacked"}),
        lambda tx: rooms.delete(tx, rival, "r1"),
    ):
        error = _error(db, call)
        assert (error.code, error.details) == (ErrorCode.OTHER_TENANT, {"id": "r1"})
    assert _view(db, rooms, acme, "r1").room.name == "secret"


def test_rooms_of_another_api_are_not_found(
    db: Database, rooms: RoomService, acme: Principal, make_principal: MakePrincipal
) -> None:
    same_tenant_other_api = make_principal("acme", api="zoom")
    with db.transaction() as tx:
        rooms.create(tx, acme, "r1", {})
        # The same public id is free on another API.
        rooms.create(tx, same_tenant_other_api, "r1", {"name": "zoom room"})
    assert _view(db, rooms, same_tenant_other_api, "r1").room.api == "zoom"
    assert _view(db, rooms, acme, "r1").room.name is None
    error = _error(db, lambda tx: rooms.get(tx, same_tenant_other_api, "only-telemost"))
    assert error.code is ErrorCode.NOT_FOUND


def test_update_changes_fields_and_time(
    db: Database, rooms: RoomService, acme: Principal, clock: FixedClock
) -> None:
    with db.transaction() as tx:
        rooms.create(tx, acme, "r1", {"name": "old", "description": "keep"})
    clock.now += 60_000
    with db.transaction() as tx:
        updated = rooms.update(tx, acme, "r1", {"name": "new", "password": "pw", "waiting_room": True})
    assert (updated.room.name, updated.room.description, updated.room.password) == ("new", "keep", "pw")
    assert (updated.room.created_at_ms, updated.room.updated_at_ms) == (NOW_MS, NOW_MS + 60_000)
    assert _view(db, rooms, acme, "r1") == updated


def test_update_without_changes_changes_nothing(
    db: Database, rooms: RoomService, acme: Principal, clock: FixedClock
) -> None:
    with db.transaction() as tx:
        created = rooms.create(tx, acme, "r1", {"name": "same"})
    clock.now += 1000
    with db.transaction() as tx:
        assert rooms.update(tx, acme, "r1", {}) == created
    assert _view(db, rooms, acme, "r1") == created


def test_update_adds_a_stream_with_defaults_then_changes_it_without_them(
    db: Database, rooms: RoomService, acme: Principal, clock: FixedClock
) -> None:
    with db.transaction() as tx:
        rooms.create(tx, acme, "r1", {})
    defaults = {"access_level": "public", "public_url": "https://watch/1", "title": "default title"}
    clock.now += 1000
    with db.transaction() as tx:
        added = rooms.update(tx, acme, "r1", {}, live_stream=StreamChange("ls1", {"kind": "rtmp"}, defaults))
    [stream] = added.live_streams
    assert (stream.public_id, stream.kind, stream.access_level, stream.public_url, stream.title) == (
        "ls1",
        "rtmp",
        "public",
        "https://watch/1",
        "default title",
    )
    assert stream.created_at_ms == NOW_MS + 1000

    clock.now += 1000
    other_defaults = {"access_level": "private", "public_url": "https://watch/2"}
    with db.transaction() as tx:
        changed = rooms.update(
            tx, acme, "r1", {}, live_stream=StreamChange("ls2", {"title": "renamed"}, other_defaults)
        )
    [after] = changed.live_streams
    # Same stream (id and creation kept), only ``fields`` applied: defaults are for creation only.
    assert (after.seq, after.public_id, after.created_at_ms) == (stream.seq, "ls1", NOW_MS + 1000)
    assert (after.title, after.access_level, after.public_url, after.kind) == (
        "renamed",
        "public",
        "https://watch/1",
        "rtmp",
    )
    assert after.updated_at_ms == NOW_MS + 2000
    assert _view(db, rooms, acme, "r1") == changed
    assert count_rows(db, LiveStreamRow) == 1


def test_update_with_an_empty_stream_change_keeps_the_stream(
    db: Database, rooms: RoomService, acme: Principal, clock: FixedClock
) -> None:
    with db.transaction() as tx:
        created = rooms.create(tx, acme, "r1", {}, live_stream=StreamChange("ls1", {"title": "t"}))
    clock.now += 1000
    with db.transaction() as tx:
        same = rooms.update(tx, acme, "r1", {}, live_stream=StreamChange("ls2", {}, {"title": "ignored"}))
    assert same.live_streams == created.live_streams
    assert _view(db, rooms, acme, "r1") == created


def test_delete_removes_the_room_and_cascades_to_its_streams(
    db: Database, rooms: RoomService, acme: Principal
) -> None:
    with db.transaction() as tx:
        rooms.create(tx, acme, "r1", {}, live_stream=StreamChange("ls1", {}))
        rooms.create(tx, acme, "r2", {}, live_stream=StreamChange("ls2", {}))
    assert count_rows(db, LiveStreamRow) == 2
    with db.transaction() as tx:
        deleted = rooms.delete(tx, acme, "r1")
    assert deleted.public_id == "r1"
    assert count_rows(db, RoomRow) == 1
    assert count_rows(db, LiveStreamRow) == 1
    assert [s.public_id for s in _view(db, rooms, acme, "r2").live_streams] == ["ls2"]
    error = _error(db, lambda tx: rooms.get(tx, acme, "r1"))
    assert error.code is ErrorCode.NOT_FOUND
    error = _error(db, lambda tx: rooms.delete(tx, acme, "r1"))
    assert error.code is ErrorCode.NOT_FOUND


def test_live_streams_are_listed_in_creation_order(db: Database, rooms: RoomService, acme: Principal) -> None:
    from omnimeet.domain.tables import LIVE_STREAMS

    with db.transaction() as tx:
        view = rooms.create(tx, acme, "r1", {}, live_stream=StreamChange("first", {}))
        for name in ("second", "third"):
            tx.insert(
                LIVE_STREAMS,
                {
                    "tenant_id": "acme",
                    "room_seq": view.room.seq,
                    "public_id": name,
                    "created_at_ms": NOW_MS,
                    "updated_at_ms": NOW_MS,
                },
            )
    streams = _view(db, rooms, acme, "r1").live_streams
    assert [s.public_id for s in streams] == ["first", "second", "third"]
