"""room_access through a real database: who may see a room, the rooms a user may see, a room's event."""

from __future__ import annotations

import pytest

from omnimeet.domain import room_access, tables
from omnimeet.domain.room_access import Access, RoomEvent
from omnimeet.domain.rooms import Room, RoomService
from omnimeet.domain.tenancy import Principal
from omnimeet.platform.db import Database
from tests.domain.conftest import NOW_MS, FixedClock, MakePrincipal


@pytest.fixture
def rooms(clock: FixedClock) -> RoomService:
    return RoomService(clock)


@pytest.fixture
def acme(make_principal: MakePrincipal) -> Principal:
    return make_principal("acme", api="conf")


@pytest.fixture
def globex(make_principal: MakePrincipal) -> Principal:
    return make_principal("globex", api="conf")


def _room(db: Database, rooms: RoomService, principal: Principal, public_id: str, owner: str) -> Room:
    with db.transaction() as tx:
        return rooms.create(tx, principal, public_id, {"owner_id": owner}).room


def _event(db: Database, room: Room, public_id: str, title: str | None = "Sync", adhoc: bool = False) -> int:
    with db.transaction() as tx:
        seq: int = tx.insert(
            tables.SCHEDULED_EVENTS,
            {
                "tenant_id": room.tenant_id,
                "room_seq": room.seq,
                "public_id": public_id,
                "title": title,
                "is_all_day": False,
                "status": "ok",
                "created_at_ms": NOW_MS,
                "updated_at_ms": NOW_MS,
                "settings": "{}",
                "is_adhoc": adhoc,
                "is_time_independent": True,
            },
            returning="seq",
        )
    return seq


def _invite(
    db: Database,
    tenant_id: str,
    event_seq: int,
    invitee: str | None,
    status: str = "pending",
    email: str | None = None,
) -> None:
    with db.transaction() as tx:
        tx.insert(
            tables.INVITES,
            {
                "tenant_id": tenant_id,
                "event_seq": event_seq,
                "invitee_ref": invitee,
                "email": email,
                "status": status,
                "created_at_ms": NOW_MS,
                "updated_at_ms": NOW_MS,
            },
        )


def _ids(found: list[Room]) -> list[str]:
    return [room.public_id for room in found]


def test_access_of_owner_invitee_and_stranger(db: Database, rooms: RoomService, acme: Principal) -> None:
    room = _room(db, rooms, acme, "r1", "alice")
    other = _room(db, rooms, acme, "r2", "alice")
    _invite(db, "acme", _event(db, room, "e1"), "bob", status="declined")
    _invite(db, "acme", _event(db, other, "e2"), "carol")
    with db.transaction(write=False) as tx:
        assert room_access.access(tx, room, "alice") is Access.OWNER
        assert room_access.access(tx, room, "bob") is Access.INVITED
        assert room_access.access(tx, room, "carol") is Access.NONE
        assert room_access.access(tx, other, "bob") is Access.NONE


def test_a_room_code_invite_is_not_an_event_invite(db: Database, rooms: RoomService, acme: Principal) -> None:
    room = _room(db, rooms, acme, "r1", "alice")
    with db.transaction() as tx:
        tx.insert(
            tables.INVITES,
            {
                "tenant_id": "acme",
                "room_seq": room.seq,
                "code": "c1",
                "invitee_ref": "bob",
                "status": "active",
                "created_at_ms": NOW_MS,
                "updated_at_ms": NOW_MS,
            },
        )
    with db.transaction(write=False) as tx:
        assert room_access.access(tx, room, "bob") is Access.NONE
        assert room_access.count(tx, acme, "bob") == 0


def test_page_and_count_list_own_and_invited_rooms(
    db: Database, rooms: RoomService, acme: Principal, globex: Principal
) -> None:
    own_first = _room(db, rooms, acme, "a1", "bob")
    invited = _room(db, rooms, acme, "a2", "alice")
    _room(db, rooms, acme, "a3", "alice")
    own_second = _room(db, rooms, acme, "a4", "bob")
    twice = _room(db, rooms, acme, "a5", "carol")
    seq = _event(db, invited, "e1")
    _invite(db, "acme", seq, "bob")
    _invite(db, "acme", _event(db, twice, "e2"), "bob")
    _invite(db, "acme", _event(db, twice, "e3"), "bob")  # two events of one room: listed once
    foreign = _room(db, rooms, globex, "g1", "bob")  # another tenant's "bob"
    with db.transaction(write=False) as tx:
        assert _ids(room_access.page(tx, acme, "bob", 0, 10)) == ["a1", "a2", "a4", "a5"]
        assert _ids(room_access.page(tx, acme, "bob", 1, 2)) == ["a2", "a4"]
        assert _ids(room_access.page(tx, acme, "bob", 4, 2)) == []
        assert room_access.page(tx, acme, "bob", 0, 0) == []
        assert room_access.count(tx, acme, "bob") == 4
        assert room_access.count(tx, acme, "nobody") == 0
        assert _ids(room_access.page(tx, globex, "bob", 0, 10)) == [foreign.public_id]
    assert (own_first.public_id, own_second.public_id) == ("a1", "a4")


def test_another_tenants_invite_gives_no_access(
    db: Database, rooms: RoomService, acme: Principal, globex: Principal
) -> None:
    room = _room(db, rooms, acme, "r1", "alice")
    _invite(db, "globex", _event(db, room, "e1"), "bob")
    with db.transaction(write=False) as tx:
        assert room_access.access(tx, room, "bob") is Access.NONE
        assert room_access.count(tx, acme, "bob") == 0


def test_event_of_a_room(db: Database, rooms: RoomService, acme: Principal) -> None:
    with_event = _room(db, rooms, acme, "r1", "alice")
    without = _room(db, rooms, acme, "r2", "alice")
    _event(db, with_event, "e1", "Retro", adhoc=True)
    _event(db, without, "e-untitled", None)
    bare = _room(db, rooms, acme, "r3", "alice")
    with db.transaction(write=False) as tx:
        assert room_access.event_of(tx, with_event) == RoomEvent("e1", "Retro", True)
        assert room_access.event_of(tx, without) == RoomEvent("e-untitled", None, False)
        assert room_access.event_of(tx, bare) is None


def test_an_invitation_by_email_counts_for_the_user_with_that_address(
    db: Database, rooms: RoomService, acme: Principal
) -> None:
    room = _room(db, rooms, acme, "r1", "alice")
    _invite(db, "acme", _event(db, room, "e1"), None, email="bob@example.com")
    with db.transaction(write=False) as tx:
        assert room_access.access(tx, room, "bob", "Bob@Example.com ") is Access.INVITED
        assert room_access.access(tx, room, "bob", None) is Access.NONE
        assert room_access.access(tx, room, "carol", "carol@example.com") is Access.NONE
        assert _ids(room_access.page(tx, acme, "bob", 0, 5, "bob@example.com")) == ["r1"]
        assert room_access.count(tx, acme, "bob", "bob@example.com") == 1
        assert room_access.count(tx, acme, "bob") == 0


def test_a_page_past_any_table_is_empty(db: Database, rooms: RoomService, acme: Principal) -> None:
    _room(db, rooms, acme, "r1", "bob")
    with db.transaction(write=False) as tx:
        assert room_access.page(tx, acme, "bob", 2**62, 30) == []
        assert room_access.page(tx, acme, "bob", 10**20, 30) == []
