"""JoinTicketService through a real database transaction."""

from __future__ import annotations

import re

import pytest

from omnimeet.domain.join_tickets import TICKET_TTL_MS, HolderKind, JoinTicketService
from omnimeet.domain.rooms import Room, RoomService
from omnimeet.domain.tenancy import Principal
from omnimeet.platform.db import Database
from omnimeet.platform.ids import RandomIds
from tests.domain.conftest import NOW_MS, FixedClock, MakePrincipal

TOKEN = re.compile(r"^[A-Za-z0-9]{64}$")


@pytest.fixture
def acme(make_principal: MakePrincipal) -> Principal:
    return make_principal("acme", api="opentalk")


@pytest.fixture
def tickets(clock: FixedClock) -> JoinTicketService:
    return JoinTicketService(clock, RandomIds(11))


@pytest.fixture
def room(db: Database, clock: FixedClock, acme: Principal) -> Room:
    with db.transaction() as tx:
        return RoomService(clock).create(tx, acme, "r1", {}).room


def test_a_ticket_is_redeemed_once(db: Database, tickets: JoinTicketService, room: Room) -> None:
    with db.transaction() as tx:
        issued = tickets.issue(tx, room, HolderKind.USER, "u1")
    assert TOKEN.match(issued.ticket)
    assert TOKEN.match(issued.resumption)
    assert (issued.expires_at_ms, issued.room_id, issued.used_at_ms) == (NOW_MS + TICKET_TTL_MS, "r1", None)
    with db.transaction() as tx:
        found = tickets.redeem(tx, "opentalk", issued.ticket)
    assert found is not None
    redeemed, its_room = found
    assert its_room == room
    assert (redeemed.participant_ref, redeemed.used_at_ms, redeemed.room_id) == (
        issued.participant_ref,
        NOW_MS,
        "r1",
    )
    with db.transaction() as tx:
        assert tickets.redeem(tx, "opentalk", issued.ticket) is None
        assert tickets.redeem(tx, "telemost", issued.ticket) is None
        assert tickets.redeem(tx, "opentalk", "nope") is None


def test_a_ticket_expires_after_30_seconds(
    db: Database, clock: FixedClock, tickets: JoinTicketService, room: Room
) -> None:
    with db.transaction() as tx:
        first = tickets.issue(tx, room, HolderKind.GUEST, None)
        second = tickets.issue(tx, room, HolderKind.GUEST, None)
    clock.now = NOW_MS + TICKET_TTL_MS - 1
    with db.transaction() as tx:
        assert tickets.redeem(tx, "opentalk", first.ticket) is not None
    clock.now = NOW_MS + TICKET_TTL_MS
    with db.transaction() as tx:
        assert tickets.redeem(tx, "opentalk", second.ticket) is None


def test_resumption_keeps_the_participant_of_a_redeemed_ticket(
    db: Database, tickets: JoinTicketService, room: Room
) -> None:
    with db.transaction() as tx:
        first = tickets.issue(tx, room, HolderKind.USER, "u1")
        unused = tickets.issue(tx, room, HolderKind.USER, "u1", resumption=first.resumption)
    assert unused.participant_ref != first.participant_ref  # the first ticket was never redeemed
    with db.transaction() as tx:
        tickets.redeem(tx, "opentalk", first.ticket)
        again = tickets.issue(tx, room, HolderKind.USER, "u1", resumption=first.resumption)
        other_user = tickets.issue(tx, room, HolderKind.USER, "u2", resumption=first.resumption)
        guest = tickets.issue(tx, room, HolderKind.GUEST, None, resumption=first.resumption)
    assert (again.participant_ref, again.resumption) == (first.participant_ref, first.resumption)
    assert again.ticket != first.ticket
    assert other_user.participant_ref != first.participant_ref
    assert other_user.resumption != first.resumption
    assert guest.participant_ref != first.participant_ref
