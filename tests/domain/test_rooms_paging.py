"""RoomService.page and count: keyset pages of a tenant's rooms, optionally of one theme."""

from __future__ import annotations

from typing import cast

import pytest
from sqlalchemy.sql.expression import Executable

from omnimeet.domain.rooms import RoomService
from omnimeet.domain.store import Params, Row, Tx
from omnimeet.domain.tenancy import Principal
from omnimeet.domain.themes import ThemeService
from omnimeet.platform.db import Database
from tests.domain.conftest import FixedClock, MakePrincipal


@pytest.fixture
def rooms(clock: FixedClock) -> RoomService:
    return RoomService(clock)


@pytest.fixture
def acme(make_principal: MakePrincipal) -> Principal:
    return make_principal("acme", api="vonage")


def _create(
    db: Database, rooms: RoomService, principal: Principal, *ids: str, theme: int | None = None
) -> list[int]:
    seqs = []
    with db.transaction() as tx:
        for public_id in ids:
            seqs.append(rooms.create(tx, principal, public_id, {"theme_seq": theme}).room.seq)
    return seqs


def _page(
    db: Database, rooms: RoomService, principal: Principal, size: int, **bounds: int | None
) -> list[str]:
    with db.transaction(write=False) as tx:
        return [room.public_id for room in rooms.page(tx, principal, size, **bounds)]


def _count(db: Database, rooms: RoomService, principal: Principal, theme_seq: int | None = None) -> int:
    with db.transaction(write=False) as tx:
        return rooms.count(tx, principal, theme_seq)


def test_pages_follow_seq_order(db: Database, rooms: RoomService, acme: Principal) -> None:
    seqs = _create(db, rooms, acme, "a", "b", "c", "d", "e")
    assert _page(db, rooms, acme, 2) == ["a", "b"]
    assert _page(db, rooms, acme, 2, start_seq=seqs[2]) == ["c", "d"]
    assert _page(db, rooms, acme, 2, start_seq=seqs[4]) == ["e"]
    assert _page(db, rooms, acme, 2, start_seq=seqs[4] + 1) == []
    assert _page(db, rooms, acme, 20) == ["a", "b", "c", "d", "e"]
    assert _count(db, rooms, acme) == 5


def test_end_seq_alone_gives_the_rooms_just_before_it(
    db: Database, rooms: RoomService, acme: Principal
) -> None:
    seqs = _create(db, rooms, acme, "a", "b", "c", "d", "e")
    assert _page(db, rooms, acme, 2, end_seq=seqs[3]) == ["c", "d"]
    assert _page(db, rooms, acme, 2, end_seq=seqs[0]) == ["a"]
    assert _page(db, rooms, acme, 2, end_seq=seqs[0] - 1) == []


def test_both_bounds(db: Database, rooms: RoomService, acme: Principal) -> None:
    seqs = _create(db, rooms, acme, "a", "b", "c", "d", "e")
    assert _page(db, rooms, acme, 10, start_seq=seqs[1], end_seq=seqs[3]) == ["b", "c", "d"]
    assert _page(db, rooms, acme, 2, start_seq=seqs[1], end_seq=seqs[3]) == ["b", "c"]
    assert _page(db, rooms, acme, 2, start_seq=seqs[3], end_seq=seqs[1]) == []


def test_a_page_of_nothing(db: Database, rooms: RoomService, acme: Principal) -> None:
    _create(db, rooms, acme, "a")
    assert _page(db, rooms, acme, 0) == []


def test_other_tenants_and_apis_are_left_out(
    db: Database, rooms: RoomService, acme: Principal, make_principal: MakePrincipal
) -> None:
    other = make_principal("globex", api="vonage")
    same_tenant_other_api = make_principal("acme", "acme-telemost", api="telemost")
    _create(db, rooms, acme, "a1")
    _create(db, rooms, other, "b1", "b2")
    _create(db, rooms, same_tenant_other_api, "t1")
    _create(db, rooms, acme, "a2")
    assert _page(db, rooms, acme, 20) == ["a1", "a2"]
    assert _page(db, rooms, other, 20) == ["b1", "b2"]
    assert _count(db, rooms, acme) == 2
    assert _count(db, rooms, other) == 2


def test_theme_filter(db: Database, rooms: RoomService, acme: Principal, clock: FixedClock) -> None:
    themes = ThemeService(clock)
    with db.transaction() as tx:
        blue = themes.create(tx, acme, "blue-id", "blue", {}).seq
        red = themes.create(tx, acme, "red-id", "red", {}).seq
    _create(db, rooms, acme, "plain")
    _create(db, rooms, acme, "b1", "b2", theme=blue)
    _create(db, rooms, acme, "r1", theme=red)
    _create(db, rooms, acme, "b3", theme=blue)
    assert _page(db, rooms, acme, 2, theme_seq=blue) == ["b1", "b2"]
    assert _page(db, rooms, acme, 20, theme_seq=red) == ["r1"]
    assert _count(db, rooms, acme, blue) == 3
    assert _count(db, rooms, acme, red) == 1
    assert _count(db, rooms, acme) == 5


class SpyTx:
    """A transaction that records the statements run through ``fetch_all`` and their row counts."""

    def __init__(self, tx: Tx) -> None:
        self.tx = tx
        self.seen: list[tuple[str, int]] = []

    def fetch_all(self, stmt: Executable, params: Params | None = None) -> list[Row]:
        rows = self.tx.fetch_all(stmt, params)
        self.seen.append((str(stmt), len(rows)))
        return rows


def test_a_page_reads_at_most_its_size(db: Database, rooms: RoomService, acme: Principal) -> None:
    """One bounded statement (LIMIT), whatever the number of rooms."""
    _create(db, rooms, acme, *(f"r{i}" for i in range(30)))
    with db.transaction(write=False) as tx:
        spy = SpyTx(tx)
        found = rooms.page(cast(Tx, spy), acme, 3, start_seq=0)
    assert [room.public_id for room in found] == ["r0", "r1", "r2"]
    assert len(spy.seen) == 1
    statement, count = spy.seen[0]
    assert "LIMIT" in statement.upper()
    assert count == 3
