"""AssetService through a real database transaction."""

from __future__ import annotations

import pytest

from omnimeet.domain.assets import Asset, AssetService
from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.rooms import RoomService
from omnimeet.domain.tables import AssetRow
from omnimeet.domain.tenancy import Principal
from omnimeet.platform.db import Database
from tests.domain.conftest import NOW_MS, FixedClock, MakePrincipal, count_rows


@pytest.fixture
def assets(clock: FixedClock) -> AssetService:
    return AssetService(clock)


@pytest.fixture
def acme(make_principal: MakePrincipal) -> Principal:
    return make_principal("acme", api="vonage")


@pytest.fixture
def globex(make_principal: MakePrincipal) -> Principal:
    return make_principal("globex", api="vonage")


def _announce(db: Database, assets: AssetService, who: Principal, key: str, ttl: int | None = 1000) -> Asset:
    with db.transaction() as tx:
        return assets.announce(
            tx,
            who,
            key,
            kind="white",
            namespace="logos",
            content_type="image/png",
            expires_at_ms=None if ttl is None else NOW_MS + ttl,
        )


def test_announce_store_keep(db: Database, assets: AssetService, acme: Principal, clock: FixedClock) -> None:
    announced = _announce(db, assets, acme, "tmp/a")
    assert announced == Asset(
        seq=announced.seq,
        tenant_id="acme",
        api="vonage",
        public_id="tmp/a",
        owner_ref=None,
        kind="white",
        namespace="logos",
        filename=None,
        content_type="image/png",
        size_bytes=None,
        data=None,
        created_at_ms=NOW_MS,
        updated_at_ms=NOW_MS,
        expires_at_ms=NOW_MS + 1000,
        settings="{}",
    )
    clock.now += 10
    with db.transaction() as tx:
        found = assets.find(tx, "vonage", "tmp/a")
        assert found == announced
        stored = assets.store(tx, found, b"\x89PNG", "image/png", "logo.png")
    assert (stored.data, stored.size_bytes, stored.filename, stored.updated_at_ms) == (
        b"\x89PNG",
        4,
        "logo.png",
        NOW_MS + 10,
    )
    with db.transaction() as tx:
        kept = assets.keep(tx, assets.get(tx, acme, "tmp/a"), "perm/a", owner_ref="theme-1")
    assert (kept.public_id, kept.expires_at_ms, kept.owner_ref) == ("perm/a", None, "theme-1")
    clock.now += 10_000
    with db.transaction() as tx:
        assert assets.find(tx, "vonage", "tmp/a") is None
        again = assets.find(tx, "vonage", "perm/a")
        assert again is not None
        assert again.data == b"\x89PNG"


def test_expired_assets_are_gone(
    db: Database, assets: AssetService, acme: Principal, clock: FixedClock
) -> None:
    _announce(db, assets, acme, "tmp/a")
    _announce(db, assets, acme, "tmp/b", ttl=None)
    clock.now += 1000
    with db.transaction() as tx:
        assert assets.find(tx, "vonage", "tmp/a") is None
        assert assets.find(tx, "other", "tmp/b") is None
        assert assets.purge_expired(tx, "vonage") == 1
    assert count_rows(db, AssetRow) == 1
    error = _error(db, lambda tx: assets.get(tx, acme, "tmp/a"))
    assert (error.code, error.entity, error.details) == (ErrorCode.NOT_FOUND, "asset", {"id": "tmp/a"})


def test_other_tenants_asset(db: Database, assets: AssetService, acme: Principal, globex: Principal) -> None:
    _announce(db, assets, acme, "tmp/a")
    error = _error(db, lambda tx: assets.get(tx, globex, "tmp/a"))
    assert error.code is ErrorCode.OTHER_TENANT


def test_keep_replaces_an_asset_at_the_target(db: Database, assets: AssetService, acme: Principal) -> None:
    _announce(db, assets, acme, "perm/a", ttl=None)
    first = _announce(db, assets, acme, "tmp/a")
    with db.transaction() as tx:
        assets.keep(tx, first, "perm/a")
    assert count_rows(db, AssetRow) == 1


def _error(db: Database, call: object) -> DomainError:
    assert callable(call)
    with pytest.raises(DomainError) as caught, db.transaction() as tx:
        call(tx)
    return caught.value


# --- whole assets, storage use ------------------------------------------------------------------------


def _room(db: Database, who: Principal, room_id: str, owner: str) -> None:
    with db.transaction() as tx:
        RoomService(FixedClock()).create(tx, who, room_id, {"owner_id": owner})


def test_add_writes_a_complete_asset(db: Database, assets: AssetService, acme: Principal) -> None:
    with db.transaction() as tx:
        added = assets.add(
            tx,
            "acme",
            "vonage",
            "a-1",
            b"hello",
            owner_ref="room-1",
            filename="a.txt",
            kind="doc",
            namespace="notes",
            content_type="text/plain",
            created_by="u1",
        )
    with db.transaction(write=False) as tx:
        assert assets.get(tx, acme, "a-1") == added
    assert added == Asset(
        seq=added.seq, tenant_id="acme", api="vonage", public_id="a-1", owner_ref="room-1", kind="doc",
        namespace="notes", filename="a.txt", content_type="text/plain", size_bytes=5, data=b"hello",
        created_at_ms=NOW_MS, updated_at_ms=NOW_MS, expires_at_ms=None, settings="{}", created_by="u1",
    )  # fmt: skip


def test_used_storage_sums_the_assets_of_the_users_rooms(
    db: Database, assets: AssetService, acme: Principal, globex: Principal
) -> None:
    _room(db, acme, "r-u1", "u1")
    _room(db, acme, "r-u1b", "u1")
    _room(db, acme, "r-u2", "u2")
    _room(db, globex, "r-g", "u1")
    with db.transaction() as tx:
        assert assets.used_storage(tx, acme, "u1") == 0
        assets.add(tx, "acme", "vonage", "a1", b"x" * 10, owner_ref="r-u1", filename="a")
        assets.add(tx, "acme", "vonage", "a2", b"x" * 7, owner_ref="r-u1b", filename="b")
        assets.add(tx, "acme", "vonage", "a3", b"x" * 100, owner_ref="r-u2", filename="c")
        assets.add(tx, "globex", "vonage", "a4", b"x" * 1000, owner_ref="r-g", filename="d")
        assets.add(tx, "acme", "vonage", "a5", b"x" * 3, owner_ref="not-a-room", filename="e")
    with db.transaction(write=False) as tx:
        assert assets.used_storage(tx, acme, "u1") == 17
        assert assets.used_storage(tx, acme, "u2") == 100
        assert assets.used_storage(tx, globex, "u1") == 1000
        assert assets.used_storage(tx, acme, "nobody") == 0


def test_remove_and_delete_of_owner(db: Database, assets: AssetService, acme: Principal) -> None:
    with db.transaction() as tx:
        first = assets.add(tx, "acme", "vonage", "a1", b"1", owner_ref="r1", filename="a")
        assets.add(tx, "acme", "vonage", "a2", b"2", owner_ref="r1", filename="b")
        assets.add(tx, "acme", "vonage", "a3", b"3", owner_ref="r2", filename="c")
        assets.remove(tx, first)
        assert assets.find(tx, "vonage", "a1") is None
        assert assets.delete_of_owner(tx, acme, "r1") == 1
    assert count_rows(db, AssetRow) == 1
