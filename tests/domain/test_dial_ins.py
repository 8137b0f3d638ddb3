"""DialInService through a real database transaction."""

from __future__ import annotations

import pytest

from omnimeet.domain.dial_ins import DialIn, DialInService, is_numeric_code
from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.rooms import Room, RoomService
from omnimeet.domain.tenancy import Principal
from omnimeet.platform.db import Database
from omnimeet.platform.ids import RandomIds
from tests.domain.conftest import NOW_MS, FixedClock, MakePrincipal


@pytest.fixture
def acme(make_principal: MakePrincipal) -> Principal:
    return make_principal("acme", api="opentalk")


@pytest.fixture
def dial_ins(clock: FixedClock) -> DialInService:
    return DialInService(clock, RandomIds(7))


def _room(db: Database, clock: FixedClock, principal: Principal, public_id: str = "r1") -> Room:
    with db.transaction() as tx:
        return RoomService(clock).create(tx, principal, public_id, {}).room


def test_create_for_room_generates_ten_digit_id_and_pin(
    db: Database, clock: FixedClock, dial_ins: DialInService, acme: Principal
) -> None:
    room = _room(db, clock, acme)
    with db.transaction() as tx:
        created = dial_ins.create_for_room(tx, acme, room)
    assert is_numeric_code(created.dial_in_id)
    assert is_numeric_code(created.pin)
    assert created == DialIn(
        room.seq, "acme", "opentalk", created.dial_in_id, created.pin, False, NOW_MS, NOW_MS
    )
    with db.transaction(write=False) as tx:
        assert dial_ins.of_room(tx, room.seq) == created
        assert dial_ins.find(tx, acme, created.dial_in_id, created.pin) == (created, "r1")
        assert dial_ins.find(tx, acme, created.dial_in_id, "0000000000") is None


def test_a_room_has_one_dial_in(
    db: Database, clock: FixedClock, dial_ins: DialInService, acme: Principal
) -> None:
    room = _room(db, clock, acme)
    with db.transaction() as tx:
        dial_ins.create_for_room(tx, acme, room)
    with pytest.raises(DomainError) as caught, db.transaction() as tx:
        dial_ins.create_for_room(tx, acme, room)
    assert caught.value.code is ErrorCode.CONFLICT


def test_put_creates_then_changes_only_given_fields(
    db: Database, clock: FixedClock, dial_ins: DialInService, acme: Principal
) -> None:
    room = _room(db, clock, acme)
    with db.transaction() as tx:
        created, was_created = dial_ins.put(tx, room, "1234567890", None)
    assert (was_created, created.pin, created.lobby) == (True, "1234567890", False)
    clock.now += 1000
    with db.transaction() as tx:
        changed, was_created = dial_ins.put(tx, room, None, True)
    assert (was_created, changed.pin, changed.lobby, changed.updated_at_ms) == (
        False,
        "1234567890",
        True,
        NOW_MS + 1000,
    )
    assert changed.dial_in_id == created.dial_in_id
    with pytest.raises(DomainError) as caught, db.transaction() as tx:
        dial_ins.put(tx, room, "12345", None)
    assert (caught.value.code, caught.value.details) == (ErrorCode.INVALID, {"field": "password"})


def test_delete_and_other_tenants(
    db: Database, clock: FixedClock, dial_ins: DialInService, acme: Principal, make_principal: MakePrincipal
) -> None:
    other = make_principal("globex", api="opentalk")
    room = _room(db, clock, acme)
    with db.transaction() as tx:
        created = dial_ins.create_for_room(tx, acme, room)
    with db.transaction(write=False) as tx:
        assert dial_ins.find(tx, other, created.dial_in_id, created.pin) is None
    with db.transaction() as tx:
        assert dial_ins.delete(tx, room) is True
        assert dial_ins.delete(tx, room) is False
        assert dial_ins.of_room(tx, room.seq) is None
    with pytest.raises(DomainError) as caught, db.transaction() as tx:
        dial_ins.create_for_room(tx, other, room)
    assert caught.value.code is ErrorCode.OTHER_TENANT


def test_numeric_codes() -> None:
    assert is_numeric_code("0123456789")
    assert not is_numeric_code("012345678")
    assert not is_numeric_code("01234567890")
    assert not is_numeric_code("01234a6789")
    assert not is_numeric_code("０１２３４５６７８９")
