"""RoomAssetService through a real database transaction: who sees a room's assets, pages, a user's own."""

from __future__ import annotations

from typing import Any

import pytest

from omnimeet.domain import tables
from omnimeet.domain.assets import AssetService
from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.meeting_records import RoomKey
from omnimeet.domain.room_assets import AssetSort, RoomAccess, RoomAssetService
from omnimeet.domain.rooms import RoomService
from omnimeet.domain.store import Tx
from omnimeet.domain.tenancy import Principal
from omnimeet.platform.db import Database
from tests.domain.conftest import NOW_MS, FixedClock, MakePrincipal

API = "meetapi"


@pytest.fixture
def service(clock: FixedClock) -> RoomAssetService:
    return RoomAssetService(AssetService(clock))


@pytest.fixture
def acme(make_principal: MakePrincipal) -> Principal:
    return make_principal("acme", api=API)


@pytest.fixture
def globex(make_principal: MakePrincipal) -> Principal:
    return make_principal("globex", api=API)


def _room(db: Database, who: Principal, room_id: str, owner: str) -> int:
    with db.transaction() as tx:
        return RoomService(FixedClock()).create(tx, who, room_id, {"owner_id": owner}).room.seq


def _event(
    db: Database, who: Principal, room_seq: int, event_id: str, title: str, invitees: list[str]
) -> None:
    values: dict[str, Any] = {
        "tenant_id": who.tenant_id, "room_seq": room_seq, "public_id": event_id, "created_by": "u1",
        "title": title, "description": None, "starts_at_ms": None, "ends_at_ms": None, "timezone": None,
        "is_all_day": False, "recurrence": None, "status": "ok", "created_at_ms": NOW_MS,
        "updated_at_ms": NOW_MS, "settings": "{}", "is_adhoc": False, "is_time_independent": True,
        "series_ends_at_ms": None, "updated_by": None,
    }  # fmt: skip
    with db.transaction() as tx:
        event_seq = tx.insert(tables.SCHEDULED_EVENTS, values, returning="seq")
        for invitee in invitees:
            invite: dict[str, Any] = {
                "tenant_id": who.tenant_id, "room_seq": None, "event_seq": event_seq, "code": None,
                "email": None, "invitee_ref": invitee, "role": "user", "status": "declined",
                "created_by": "u1", "created_at_ms": NOW_MS, "updated_at_ms": NOW_MS, "expires_at_ms": None,
                "updated_by": None,
            }  # fmt: skip
            tx.insert(tables.INVITES, invite)


def _add(db: Database, service: RoomAssetService, room: str, asset_id: str, data: bytes, **kw: Any) -> None:
    with db.transaction() as tx:
        service.add_to_room(
            tx, RoomKey(API, room), asset_id, data, lambda title: f"{title}_{asset_id}", kind="recording",
            namespace="recording", **kw,
        )  # fmt: skip


def _error(db: Database, call: Any) -> DomainError:
    with pytest.raises(DomainError) as caught, db.transaction() as tx:
        call(tx)
    return caught.value


def test_owner_and_invitees_read_others_do_not(
    db: Database, service: RoomAssetService, acme: Principal, globex: Principal
) -> None:
    seq = _room(db, acme, "r1", "u1")
    _event(db, acme, seq, "e1", "Standup", ["u2"])
    with db.transaction(write=False) as tx:
        assert service.access(tx, acme, "r1", "u1") is RoomAccess.OWNER
        assert service.access(tx, acme, "r1", "u2") is RoomAccess.INVITEE
    for principal, room, user in ((acme, "r1", "u3"), (globex, "r1", "u1"), (acme, "nope", "u1")):
        error = _error(db, lambda tx, p=principal, r=room, u=user: service.access(tx, p, r, u))
        assert (error.code, error.entity) == (ErrorCode.NOT_FOUND, "room")


def test_add_list_get_delete(
    db: Database, service: RoomAssetService, acme: Principal, clock: FixedClock
) -> None:
    seq = _room(db, acme, "r1", "u1")
    _room(db, acme, "r2", "u1")
    _event(db, acme, seq, "e1", "Standup", ["u2"])
    for index in range(3):
        clock.now = NOW_MS + index
        _add(db, service, "r1", f"a{index}", b"x" * (index + 1))
    _add(db, service, "r2", "b0", b"yy")
    with db.transaction(write=False) as tx:
        page = service.room_page(tx, acme, "r1", "u2", 2, 0)
        assert ([a.public_id for a in page.items], page.total) == (["a0", "a1"], 3)
        first = page.items[0]
        assert (first.data, first.size_bytes, first.filename) == (None, 1, "Standup_a0")
        assert first.created_by == "u1"
        page = service.room_page(tx, acme, "r1", "u1", 2, 2)
        assert ([a.public_id for a in page.items], page.total) == (["a2"], 3)
        assert service.get(tx, acme, "r1", "u2", "a2").data == b"xxx"
        assert service.room_page(tx, acme, "r2", "u1", 30, 0).items[0].filename == "None_b0"
    error = _error(db, lambda tx: service.get(tx, acme, "r1", "u1", "b0"))
    assert (error.code, error.entity) == (ErrorCode.NOT_FOUND, "asset")
    error = _error(db, lambda tx: service.delete(tx, acme, "r1", "u2", "a0"))
    assert (error.code, error.entity) == (ErrorCode.NOT_FOUND, "room")
    with db.transaction() as tx:
        assert service.delete(tx, acme, "r1", "u1", "a0").public_id == "a0"
    with db.transaction(write=False) as tx:
        assert service.room_page(tx, acme, "r1", "u1", 30, 0).total == 2


def test_add_to_another_tenants_room(db: Database, service: RoomAssetService, acme: Principal) -> None:
    _room(db, acme, "r1", "u1")
    error = _error(
        db,
        lambda tx: service.add_to_room(
            tx, RoomKey(API, "r1"), "a", b"", lambda _: "f", kind=None, namespace=None, tenant_id="globex"
        ),
    )
    assert (error.code, error.entity) == (ErrorCode.NOT_FOUND, "room")
    error = _error(
        db,
        lambda tx: service.add_to_room(
            tx, RoomKey(API, "zz"), "a", b"", lambda _: "f", kind=None, namespace=None
        ),
    )
    assert (error.code, error.entity) == (ErrorCode.NOT_FOUND, "room")


def test_user_page_sorts_and_names_rooms_and_events(
    db: Database, service: RoomAssetService, acme: Principal, clock: FixedClock
) -> None:
    seq = _room(db, acme, "r1", "u1")
    _room(db, acme, "r2", "u1")
    _room(db, acme, "r3", "u2")
    _event(db, acme, seq, "e1", "Standup", [])
    clock.now = NOW_MS + 1
    _add(db, service, "r1", "big", b"x" * 9)
    clock.now = NOW_MS + 2
    _add(db, service, "r2", "small", b"x")
    _add(db, service, "r3", "other", b"x" * 5)

    def ids(tx: Tx, sort: AssetSort, descending: bool, limit: int = 30, offset: int = 0) -> list[str]:
        page = service.user_page(tx, acme, "u1", limit, offset, sort, descending)
        assert page.total == 2
        return [item.asset.public_id for item in page.items]

    with db.transaction(write=False) as tx:
        page = service.user_page(tx, acme, "u1", 30, 0)
        assert [(i.asset.public_id, i.room_ref, i.event_ref) for i in page.items] == [
            ("small", "r2", None),
            ("big", "r1", "e1"),
        ]
        assert ids(tx, AssetSort.CREATED_AT, False) == ["big", "small"]
        assert ids(tx, AssetSort.SIZE, False) == ["small", "big"]
        assert ids(tx, AssetSort.SIZE, True) == ["big", "small"]
        assert ids(tx, AssetSort.FILENAME, False) == ["small", "big"]  # "None_small" < "Standup_big"
        assert ids(tx, AssetSort.KIND, True) == ["small", "big"]  # a tie: newest first
        assert ids(tx, AssetSort.SIZE, True, 1, 1) == ["small"]
        assert service.user_page(tx, acme, "u3", 30, 0).total == 0


def test_add_to_room_refuses_once_the_owner_is_over_the_storage_limit(
    db: Database, service: RoomAssetService, acme: Principal
) -> None:
    _room(db, acme, "r1", "u1")
    _add(db, service, "r1", "a1", b"x" * 5, max_storage=5)  # 0 used: stored
    _add(db, service, "r1", "a2", b"x", max_storage=5)  # 5 used, not beyond: stored
    error = _error(
        db,
        lambda tx: service.add_to_room(
            tx, RoomKey(API, "r1"), "a3", b"x", lambda _: "f", kind=None, namespace=None, max_storage=5
        ),
    )
    assert (error.code, error.entity, error.details) == (
        ErrorCode.LIMIT_REACHED,
        "storage",
        {"used": 6, "limit": 5},
    )
    with db.transaction(write=False) as tx:
        assert service.assets.used_storage(tx, acme, "u1") == 6
