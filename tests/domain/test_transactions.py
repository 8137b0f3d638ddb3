"""Units of work: a block that raises leaves nothing behind; one that ends normally commits."""

from __future__ import annotations

import sqlite3
from typing import Any

import psycopg
import pytest
from sqlalchemy import select

from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.rooms import RoomService, StreamChange
from omnimeet.domain.tables import ROOMS, TENANTS, LiveStreamRow, PrincipalRow, RoomRow, TenantRow
from omnimeet.domain.tenancy import Principal, provision_self_service
from omnimeet.platform.db import Database
from tests.domain.conftest import NOW_MS, FixedClock, MakePrincipal, count_rows

INTEGRITY_ERRORS = (sqlite3.IntegrityError, psycopg.IntegrityError)


class BoomError(Exception):
    pass


def _tenant(tenant_id: str) -> dict[str, Any]:
    return {
        "id": tenant_id,
        "name": tenant_id,
        "is_organization": True,
        "plan": "p",
        "features": "[]",
        "created_at_ms": NOW_MS,
    }


def test_commit_on_normal_exit(db: Database, make_principal: MakePrincipal, clock: FixedClock) -> None:
    acme = make_principal("acme")
    with db.transaction() as tx:
        RoomService(clock).create(tx, acme, "r1", {})
    assert count_rows(db, RoomRow) == 1


def test_rollback_on_exception_leaves_no_rows(db: Database, clock: FixedClock) -> None:
    def work() -> None:
        with db.transaction() as tx:
            principal = provision_self_service(tx, "telemost", "tok", NOW_MS)
            RoomService(clock).create(tx, principal, "r1", {}, live_stream=StreamChange("ls", {}))
            assert tx.fetch_one(select(ROOMS.c.public_id)) == ("r1",)  # visible inside the transaction
            raise BoomError

    with pytest.raises(BoomError):
        work()
    for model in (TenantRow, PrincipalRow, RoomRow, LiveStreamRow):
        assert count_rows(db, model) == 0, model.__tablename__


def test_rollback_on_domain_error_undoes_earlier_writes(
    db: Database, make_principal: MakePrincipal, clock: FixedClock
) -> None:
    acme = make_principal("acme")
    rooms = RoomService(clock)

    def work(principal: Principal) -> None:
        with db.transaction() as tx:
            rooms.create(tx, principal, "r1", {})
            rooms.update(tx, principal, "r1", {"bogus": 1})

    with pytest.raises(DomainError) as caught:
        work(acme)
    assert caught.value.code is ErrorCode.INVALID
    assert count_rows(db, RoomRow) == 0


def test_the_connection_is_usable_after_a_failed_statement(db: Database) -> None:
    def work() -> None:
        with db.transaction() as tx:
            tx.insert(TENANTS, _tenant("dup"))
            tx.insert(TENANTS, _tenant("dup"))

    with pytest.raises(INTEGRITY_ERRORS):
        work()
    assert count_rows(db, TenantRow) == 0
    with db.transaction() as tx:
        tx.insert(TENANTS, _tenant("ok"))
    assert count_rows(db, TenantRow) == 1


def test_base_exceptions_roll_back_too(db: Database) -> None:
    def work() -> None:
        with db.transaction() as tx:
            provision_self_service(tx, "telemost", "tok", NOW_MS)
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        work()
    assert count_rows(db, TenantRow) == 0
