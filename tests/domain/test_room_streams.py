"""StreamService through a real database: a room's live streams one by one."""

from __future__ import annotations

import pytest

from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.room_streams import StreamService
from omnimeet.domain.rooms import FEATURE_LIVE_STREAMS, LiveStream, Room, RoomService
from omnimeet.domain.tables import LiveStreamRow
from omnimeet.domain.tenancy import Principal
from omnimeet.platform.db import Database
from tests.domain.conftest import NOW_MS, FixedClock, MakePrincipal, count_rows

FIELDS = {
    "kind": "custom",
    "title": "Main",
    "endpoint_url": "rtmp://ingest.example/live",
    "stream_key": "k1",
    "public_url": "https://watch.example/main",
}


@pytest.fixture
def streams(clock: FixedClock) -> StreamService:
    return StreamService(clock)


@pytest.fixture
def acme(make_principal: MakePrincipal) -> Principal:
    return make_principal("acme", api="conf")


def _room(db: Database, clock: FixedClock, principal: Principal, public_id: str) -> Room:
    with db.transaction() as tx:
        return RoomService(clock).create(tx, principal, public_id, {}).room


def test_add_returns_what_is_stored(
    db: Database, clock: FixedClock, streams: StreamService, acme: Principal
) -> None:
    room = _room(db, clock, acme, "r1")
    with db.transaction() as tx:
        added = streams.add(tx, acme, room, "s1", FIELDS)
    expected = LiveStream(
        seq=added.seq,
        tenant_id="acme",
        room_seq=room.seq,
        public_id="s1",
        kind="custom",
        title="Main",
        description=None,
        access_level=None,
        endpoint_url="rtmp://ingest.example/live",
        stream_key="k1",
        public_url="https://watch.example/main",
        created_at_ms=NOW_MS,
        updated_at_ms=NOW_MS,
    )
    assert added == expected
    with db.transaction(write=False) as tx:
        assert streams.get(tx, room, "s1") == expected


def test_page_and_count_are_per_room_oldest_first(
    db: Database, clock: FixedClock, streams: StreamService, acme: Principal
) -> None:
    room, other = _room(db, clock, acme, "r1"), _room(db, clock, acme, "r2")
    with db.transaction() as tx:
        for public_id in ("s1", "s2", "s3"):
            streams.add(tx, acme, room, public_id, FIELDS)
        streams.add(tx, acme, other, "s4", FIELDS)
    with db.transaction(write=False) as tx:
        assert [s.public_id for s in streams.page(tx, room, 0, 10)] == ["s1", "s2", "s3"]
        assert [s.public_id for s in streams.page(tx, room, 1, 1)] == ["s2"]
        assert streams.page(tx, room, 3, 5) == []
        assert streams.page(tx, room, 0, 0) == []
        assert (streams.count(tx, room), streams.count(tx, other)) == (3, 1)


def test_get_of_another_rooms_stream_is_not_found(
    db: Database, clock: FixedClock, streams: StreamService, acme: Principal
) -> None:
    room, other = _room(db, clock, acme, "r1"), _room(db, clock, acme, "r2")
    with db.transaction() as tx:
        streams.add(tx, acme, other, "s1", FIELDS)
    with pytest.raises(DomainError) as caught, db.transaction(write=False) as tx:
        streams.get(tx, room, "s1")
    assert (caught.value.code, caught.value.entity) == (ErrorCode.NOT_FOUND, "live_stream")


def test_update_changes_given_fields_and_the_time(
    db: Database, clock: FixedClock, streams: StreamService, acme: Principal
) -> None:
    room = _room(db, clock, acme, "r1")
    with db.transaction() as tx:
        added = streams.add(tx, acme, room, "s1", FIELDS)
    clock.now = NOW_MS + 5_000
    with db.transaction() as tx:
        changed = streams.update(tx, room, "s1", {"title": "Renamed", "stream_key": "k2"})
        untouched = streams.update(tx, room, "s1", {})
    assert changed == LiveStream(
        **{**_as_dict(added), "title": "Renamed", "stream_key": "k2", "updated_at_ms": NOW_MS + 5_000}
    )
    assert untouched == changed
    with db.transaction(write=False) as tx:
        assert streams.get(tx, room, "s1") == changed


def test_unknown_fields_are_refused(
    db: Database, clock: FixedClock, streams: StreamService, acme: Principal
) -> None:
    room = _room(db, clock, acme, "r1")
    with pytest.raises(DomainError) as caught, db.transaction() as tx:
        streams.add(tx, acme, room, "s1", {**FIELDS, "owner": "x"})
    assert (caught.value.code, caught.value.details) == (ErrorCode.INVALID, {"field": "owner"})
    assert count_rows(db, LiveStreamRow) == 0


def test_add_needs_the_live_stream_feature(
    db: Database, clock: FixedClock, streams: StreamService, make_principal: MakePrincipal
) -> None:
    basic = make_principal("basic", api="conf", features=frozenset({"other"}))
    room = _room(db, clock, basic, "r1")
    with pytest.raises(DomainError) as caught, db.transaction() as tx:
        streams.add(tx, basic, room, "s1", FIELDS)
    assert (caught.value.code, caught.value.details["feature"]) == (
        ErrorCode.FEATURE_NOT_IN_PLAN,
        FEATURE_LIVE_STREAMS,
    )


def test_delete_removes_one_stream(
    db: Database, clock: FixedClock, streams: StreamService, acme: Principal
) -> None:
    room = _room(db, clock, acme, "r1")
    with db.transaction() as tx:
        streams.add(tx, acme, room, "s1", FIELDS)
        streams.add(tx, acme, room, "s2", FIELDS)
    with db.transaction() as tx:
        assert streams.delete(tx, room, "s1").public_id == "s1"
    assert count_rows(db, LiveStreamRow) == 1
    with pytest.raises(DomainError) as caught, db.transaction() as tx:
        streams.delete(tx, room, "s1")
    assert caught.value.code is ErrorCode.NOT_FOUND


def _as_dict(stream: LiveStream) -> dict[str, object]:
    return {name: getattr(stream, name) for name in LiveStream.__dataclass_fields__}
