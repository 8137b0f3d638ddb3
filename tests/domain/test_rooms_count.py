"""``RoomService.count``: the tenant's rooms in an API, read from ``room_counts``, which the database's
triggers keep (migration 0005) through every way a room comes or goes: the service, cascades, a change of
tenant, a reset, a state import; and a database upgraded from 0004 starts with its rooms counted."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import delete, select, update

from omnimeet.domain import admin, tables
from omnimeet.domain.rooms import RoomService
from omnimeet.domain.tenancy import Principal
from omnimeet.platform.db import Database
from tests.domain.conftest import FixedClock, MakePrincipal

_R = tables.ROOMS
_C = tables.ROOM_COUNTS


@pytest.fixture
def rooms(clock: FixedClock) -> RoomService:
    return RoomService(clock)


def _create(db: Database, rooms: RoomService, principal: Principal, *public_ids: str) -> None:
    with db.transaction() as tx:
        for public_id in public_ids:
            rooms.create(tx, principal, public_id, {"name": public_id})


def _count(db: Database, rooms: RoomService, principal: Principal) -> int:
    with db.transaction(write=False) as tx:
        return rooms.count(tx, principal)


def _stored(db: Database) -> dict[tuple[str, str], int]:
    with db.transaction(write=False) as tx:
        return {(row[0], row[1]): int(row[2]) for row in tx.fetch_all(select(_C).where(_C.c.rooms != 0))}


def test_counts_follow_creates_and_deletes_per_tenant_and_api(
    db: Database, rooms: RoomService, make_principal: MakePrincipal
) -> None:
    acme = make_principal("acme")
    acme_vonage = make_principal("acme", "acme-vonage", api="vonage")
    globex = make_principal("globex")
    assert _count(db, rooms, acme) == 0
    _create(db, rooms, acme, "a1", "a2", "a3")
    _create(db, rooms, acme_vonage, "v1")
    _create(db, rooms, globex, "g1", "g2")
    assert [_count(db, rooms, p) for p in (acme, acme_vonage, globex)] == [3, 1, 2]
    with db.transaction() as tx:
        rooms.delete(tx, acme, "a2")
    assert [_count(db, rooms, p) for p in (acme, acme_vonage, globex)] == [2, 1, 2]
    assert _stored(db) == {("acme", "telemost"): 2, ("acme", "vonage"): 1, ("globex", "telemost"): 2}


def test_a_failed_transaction_counts_nothing(
    db: Database, rooms: RoomService, make_principal: MakePrincipal
) -> None:
    acme = make_principal("acme")
    _create(db, rooms, acme, "a1")

    def create_then_fail() -> None:
        with db.transaction() as tx:
            rooms.create(tx, acme, "a2", {})
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        create_then_fail()
    assert _count(db, rooms, acme) == 1


def test_cascades_and_a_change_of_tenant_or_api_are_counted(
    db: Database, rooms: RoomService, make_principal: MakePrincipal
) -> None:
    acme = make_principal("acme")
    globex = make_principal("globex")
    _create(db, rooms, acme, "a1", "a2", "a3")
    _create(db, rooms, globex, "g1")
    with db.transaction() as tx:
        tx.execute(update(_R).where(_R.c.public_id == "a1").values(tenant_id="globex"))
        tx.execute(update(_R).where(_R.c.public_id == "a2").values(api="vonage"))
        tx.execute(update(_R).where(_R.c.public_id == "a3").values(name="renamed"))
    assert _stored(db) == {("acme", "telemost"): 1, ("acme", "vonage"): 1, ("globex", "telemost"): 2}
    with db.transaction() as tx:  # the tenant's rooms go with it (ON DELETE CASCADE)
        tx.execute(delete(tables.TENANTS).where(tables.TENANTS.c.id == "globex"))
    assert _stored(db) == {("acme", "telemost"): 1, ("acme", "vonage"): 1}
    assert _count(db, rooms, acme) == 1


def test_reset_and_state_import_count_the_rooms_once(
    db: Database, rooms: RoomService, make_principal: MakePrincipal
) -> None:
    acme = make_principal("acme")
    globex = make_principal("globex")
    _create(db, rooms, acme, "a1", "a2")
    _create(db, rooms, globex, "g1")
    with db.transaction(write=False) as tx:
        exported = admin.export_tables(tx)
    assert exported["room_counts"] == [
        {"tenant_id": "acme", "api": "telemost", "rooms": 2},
        {"tenant_id": "globex", "api": "telemost", "rooms": 1},
    ]
    with db.transaction() as tx:
        admin.wipe_tenant(tx, "globex")
    assert (_count(db, rooms, acme), _count(db, rooms, globex)) == (2, 0)
    with db.transaction() as tx:
        admin.wipe_all(tx)
    assert _stored(db) == {}
    with db.transaction() as tx:
        admin.replace_all(tx, admin.validate_tables(exported))
    assert _stored(db) == {("acme", "telemost"): 2, ("globex", "telemost"): 1}
    with db.transaction() as tx:  # importing over existing rows replaces them
        admin.replace_all(tx, admin.validate_tables(exported))
    assert _stored(db) == {("acme", "telemost"): 2, ("globex", "telemost"): 1}


def test_an_upgrade_from_0004_counts_the_rooms_already_there(empty_database_url: Callable[[], str]) -> None:
    from alembic import command

    from omnimeet.platform.migrate import alembic_config

    db = Database(empty_database_url())
    try:
        cfg = alembic_config(db.url)
        with db.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0004")
        with db.transaction() as tx:
            for tenant in ("acme", "globex"):
                tx.insert(
                    tables.TENANTS,
                    {
                        "id": tenant,
                        "name": tenant,
                        "is_organization": True,
                        "plan": "default",
                        "features": "[]",
                        "created_at_ms": 0,
                    },
                )
            for n, (tenant, api) in enumerate(
                [("acme", "vonage")] * 3 + [("globex", "vonage"), ("acme", "x")]
            ):
                tx.insert(
                    _R,
                    {
                        "tenant_id": tenant,
                        "api": api,
                        "public_id": f"r{n}",
                        "waiting_room": False,
                        "settings": "{}",
                        "created_at_ms": 0,
                        "updated_at_ms": 0,
                    },
                )
        with db.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0005")
        assert _stored(db) == {("acme", "vonage"): 3, ("globex", "vonage"): 1, ("acme", "x"): 1}
        with db.transaction() as tx:  # and the triggers work from there on
            tx.execute(delete(_R).where(_R.c.public_id == "r0"))
        assert _stored(db) == {("acme", "vonage"): 2, ("globex", "vonage"): 1, ("acme", "x"): 1}
        with db.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0004")
        with db.transaction() as tx:  # no trigger left behind on rooms
            tx.execute(delete(_R).where(_R.c.public_id == "r1"))
    finally:
        db.close()
