"""InviteCodeService through a real database transaction."""

from __future__ import annotations

import pytest

from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.invite_codes import InviteCode, InviteCodeService
from omnimeet.domain.rooms import Room, RoomService
from omnimeet.domain.tenancy import Principal
from omnimeet.platform.db import Database
from omnimeet.platform.ids import RandomIds
from tests.domain.conftest import NOW_MS, FixedClock, MakePrincipal


@pytest.fixture
def acme(make_principal: MakePrincipal) -> Principal:
    return make_principal("acme", api="opentalk")


@pytest.fixture
def invites(clock: FixedClock) -> InviteCodeService:
    return InviteCodeService(clock, RandomIds(3))


def _room(db: Database, clock: FixedClock, principal: Principal, public_id: str = "r1") -> Room:
    with db.transaction() as tx:
        return RoomService(clock).create(tx, principal, public_id, {"password": "pw"}).room


def test_create_get_list_count(
    db: Database, clock: FixedClock, invites: InviteCodeService, acme: Principal
) -> None:
    room = _room(db, clock, acme)
    other = _room(db, clock, acme, "r2")
    with db.transaction() as tx:
        first = invites.create(tx, room, "u1", None)
        second = invites.create(tx, room, "u1", NOW_MS + 5000)
        invites.create(tx, other, "u1", None)
    assert first == InviteCode(first.seq, first.code, room.seq, "r1", True, "u1", NOW_MS, "u1", NOW_MS, None)
    with db.transaction(write=False) as tx:
        assert invites.get(tx, room, second.code) == second
        assert invites.page(tx, room, 1, 1) == [second]
        assert invites.page(tx, room, 10, 0) == [first, second]
        assert invites.count(tx, room) == 2
    with pytest.raises(DomainError) as caught, db.transaction(write=False) as tx:
        invites.get(tx, other, first.code)
    assert caught.value.code is ErrorCode.NOT_FOUND


def test_usable_until_expired_or_withdrawn(
    db: Database, clock: FixedClock, invites: InviteCodeService, acme: Principal
) -> None:
    room = _room(db, clock, acme)
    with db.transaction() as tx:
        expiring = invites.create(tx, room, "u1", NOW_MS + 5000)
        lasting = invites.create(tx, room, "u1", None)
    with db.transaction(write=False) as tx:
        found, found_room = invites.usable(tx, "opentalk", expiring.code)
    assert (found, found_room.public_id, found_room.password) == (expiring, "r1", "pw")
    clock.now = NOW_MS + 5000
    for code, api in ((expiring.code, "opentalk"), (lasting.code, "telemost"), ("nope", "opentalk")):
        with pytest.raises(DomainError) as caught, db.transaction(write=False) as tx:
            invites.usable(tx, api, code)
        assert caught.value.code is ErrorCode.NOT_FOUND
    with db.transaction() as tx:
        withdrawn = invites.withdraw(tx, room, lasting.code, "u2")
        renewed = invites.set_expiry(tx, room, expiring.code, "u2", None)
    assert (withdrawn.active, withdrawn.updated_by, withdrawn.created_by) == (False, "u2", "u1")
    assert (renewed.active, renewed.expires_at_ms) == (True, None)
    with db.transaction(write=False) as tx:
        assert invites.get(tx, room, lasting.code) == withdrawn
        assert invites.usable(tx, "opentalk", expiring.code)[0] == renewed
        with pytest.raises(DomainError):
            invites.usable(tx, "opentalk", lasting.code)
