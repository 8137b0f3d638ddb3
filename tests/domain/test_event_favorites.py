"""EventFavoriteService through a real database transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from omnimeet.domain import tables
from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.event_favorites import EventFavoriteService
from omnimeet.domain.event_invites import EventInviteService
from omnimeet.platform.db import Database
from tests.domain.conftest import NOW_MS, FixedClock, MakePrincipal
from tests.domain.test_event_invites import World


@pytest.fixture
def world(db: Database, clock: FixedClock, make_principal: MakePrincipal) -> World:
    return World(db, clock, make_principal("acme", api="opentalk"))


def test_marks_are_per_user_and_event(db: Database, clock: FixedClock, world: World) -> None:
    favorites = EventFavoriteService(clock)
    alice, bob = world.user("alice"), world.user("bob")
    events = EventInviteService(clock)
    ids = world.event(alice, "e1"), world.event(alice, "e2")
    with db.transaction(write=False) as tx:
        first, second = (events.find_event(tx, world.principal, event_id) for event_id in ids)
    with db.transaction() as tx:
        assert favorites.add(tx, first, alice.public_id) is True
        assert favorites.add(tx, first, alice.public_id) is False
        assert favorites.add(tx, second, bob.public_id) is True
        assert favorites.is_favorite(tx, first, alice.public_id) is True
        assert favorites.is_favorite(tx, first, bob.public_id) is False
        assert favorites.is_favorite(tx, second, alice.public_id) is False
        rows = tx.fetch_all(select(tables.EVENT_FAVORITES).order_by(tables.EVENT_FAVORITES.c.seq))
    assert [row[1:] for row in rows] == [
        ("acme", first.seq, alice.public_id, NOW_MS),
        ("acme", second.seq, bob.public_id, NOW_MS),
    ]
    with db.transaction() as tx:
        favorites.remove(tx, first, alice.public_id)
        assert favorites.is_favorite(tx, first, alice.public_id) is False
    with pytest.raises(DomainError) as caught, db.transaction() as tx:
        favorites.remove(tx, first, alice.public_id)
    assert (caught.value.code, caught.value.entity) == (ErrorCode.NOT_FOUND, "event_favorite")
