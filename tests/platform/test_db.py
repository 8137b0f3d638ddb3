"""The driver-level data access: pragmas, connection per thread, the ``Tx`` operations, recovery."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import bindparam, event, select, text

from omnimeet.domain.tables import PRINCIPALS, TENANTS
from omnimeet.platform.db import Database
from omnimeet.platform.migrate import upgrade_to_head
from tests.conftest import PG_SERVER_URL

needs_postgres = pytest.mark.skipif(not PG_SERVER_URL, reason="needs OMNIMEET_TEST_DATABASE_URL")


def _tenant(tenant_id: str, name: str = "t") -> dict[str, Any]:
    return {
        "id": tenant_id,
        "name": name,
        "is_organization": True,
        "plan": "p",
        "features": "[]",
        "created_at_ms": 1,
    }


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'nested' / 'dir' / 'x.db'}")
    try:
        yield db
    finally:
        db.close()


ORPHAN_PRINCIPAL = {
    "id": "p",
    "tenant_id": "missing",
    "api": "a",
    "credential_hash": "h",
    "label": "",
    "scopes": "[]",
    "created_at_ms": 1,
}
"""A principal whose tenant does not exist: a foreign-key violation."""


def _in_thread(fn: Any) -> Any:
    result: list[Any] = []
    thread = threading.Thread(target=lambda: result.append(fn()))
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive()
    assert len(result) == 1
    return result[0]


def test_sqlite_file_is_created_in_wal_mode_with_foreign_keys(sqlite_db: Database, tmp_path: Path) -> None:
    assert sqlite_db.is_sqlite

    def pragmas() -> tuple[Any, ...]:
        with sqlite_db.transaction(write=False) as tx:
            mode = tx.fetch_one(text("PRAGMA journal_mode"))
            keys = tx.fetch_one(text("PRAGMA foreign_keys"))
        return mode, keys

    assert pragmas() == (("wal",), (1,))
    assert _in_thread(pragmas) == (("wal",), (1,))  # every thread's connection, not just the first
    assert (tmp_path / "nested" / "dir" / "x.db").is_file()


def test_switching_to_wal_waits_for_another_writer(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "legacy.db"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("CREATE TABLE t (x INTEGER)")  # a file in rollback-journal mode
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO t VALUES (1)")  # holds the RESERVED lock until it commits
    releaser = threading.Timer(0.3, other.commit)
    releaser.start()
    db = Database(f"sqlite:///{path}")
    try:
        # SQLite refuses the switch at once while the other writer holds its lock; connecting waits instead.
        with db.transaction(write=False) as tx:
            assert tx.fetch_one(text("PRAGMA journal_mode")) == ("wal",)
            assert tx.fetch_all(text("SELECT x FROM t")) == [(1,)]
    finally:
        releaser.join()
        db.close()
        other.close()


def test_sqlite_enforces_foreign_keys(sqlite_db: Database) -> None:
    import sqlite3

    upgrade_to_head(sqlite_db)

    def orphan() -> None:
        with sqlite_db.transaction() as tx:
            tx.insert(PRINCIPALS, ORPHAN_PRINCIPAL)

    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        orphan()


def test_a_failed_commit_is_rolled_back(sqlite_db: Database) -> None:
    import sqlite3

    upgrade_to_head(sqlite_db)

    def deferred_orphan() -> None:
        with sqlite_db.transaction() as tx:
            tx.execute(text("PRAGMA defer_foreign_keys = ON"))  # checked at COMMIT, which then fails
            tx.insert(TENANTS, _tenant("kept-out"))
            tx.insert(PRINCIPALS, ORPHAN_PRINCIPAL)

    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        deferred_orphan()
    # SQLite keeps a transaction open after a failed COMMIT; it must not leak into the next unit of work.
    with sqlite_db.transaction() as tx:
        assert tx.fetch_all(select(TENANTS.c.id)) == []
        tx.insert(TENANTS, _tenant("next"))
    with sqlite_db.transaction(write=False) as tx:
        assert tx.fetch_all(select(TENANTS.c.id)) == [("next",)]


def test_one_connection_per_thread(db: Database) -> None:
    main = db._driver_connection()
    assert db._driver_connection() is main
    other = _in_thread(db._driver_connection)
    assert other is not main
    if not db.is_sqlite:
        with db.transaction(write=False) as tx:
            here = tx.fetch_one(text("SELECT pg_backend_pid()"))

        def pid() -> Any:
            with db.transaction(write=False) as tx:
                return tx.fetch_one(text("SELECT pg_backend_pid()"))

        assert _in_thread(pid) != here


def test_connections_of_finished_threads_are_given_back(db: Database) -> None:
    # More short-lived threads than the connection pool holds (5 + 10 overflow): each must get a connection.
    def write(i: int) -> None:
        with db.transaction() as tx:
            tx.insert(TENANTS, _tenant(f"t{i}"))

    for i in range(25):
        _in_thread(lambda i=i: write(i))
    with db.transaction(write=False) as tx:
        assert len(tx.fetch_all(select(TENANTS.c.id))) == 25


def test_uncommitted_writes_are_invisible_to_other_threads(db: Database) -> None:
    def count() -> int:
        with db.transaction(write=False) as tx:
            return len(tx.fetch_all(select(TENANTS.c.id)))

    # On SQLite the writer holds the write lock; readers still see the last committed state (WAL).
    with db.transaction() as tx:
        tx.insert(TENANTS, _tenant("pending"))
        assert _in_thread(count) == 0
    assert _in_thread(count) == 1


def test_tx_operations(db: Database) -> None:
    with db.transaction() as tx:
        assert tx.insert(TENANTS, _tenant("a")) is None
        assert tx.insert(TENANTS, _tenant("b"), returning="id") == "b"
        assert tx.insert_ignore(TENANTS, _tenant("a", "other"), ["id"]) is False
        assert tx.insert_ignore(TENANTS, _tenant("c"), ["id"]) is True
        assert tx.update(TENANTS, {"id": "a"}, {"name": "renamed", "plan": "q"}) == 1
        assert tx.update(TENANTS, {"id": "missing"}, {"name": "x"}) == 0
        assert tx.update(TENANTS, {"plan": "p"}, {"name": "bulk"}) == 2
        by_id = select(TENANTS.c.id, TENANTS.c.name).where(TENANTS.c.id == bindparam("id"))
        assert tx.fetch_one(by_id, {"id": "a"}) == ("a", "renamed")
        assert tx.fetch_one(by_id, {"id": "zzz"}) is None
        ordered = select(TENANTS.c.id, TENANTS.c.name).order_by(TENANTS.c.id)
        assert tx.fetch_all(ordered) == [("a", "renamed"), ("b", "bulk"), ("c", "bulk")]
        assert tx.delete(TENANTS, {"id": "b", "name": "wrong"}) == 0
        assert tx.delete(TENANTS, {"id": "b", "name": "bulk"}) == 1
        assert tx.execute(TENANTS.delete().where(TENANTS.c.name == "bulk")) == 1
        assert tx.fetch_all(ordered) == [("a", "renamed")]


def test_statements_are_compiled_once_per_shape(db: Database) -> None:
    with db.transaction() as tx:
        tx.insert(TENANTS, _tenant("a"))
        before = len(db._compiled)
        tx.insert(TENANTS, _tenant("b"))
        tx.update(TENANTS, {"id": "a"}, {"name": "x"})
        tx.update(TENANTS, {"id": "b"}, {"name": "y"})
        assert len(db._compiled) == before + 1
        tx.update(TENANTS, {"id": "b"}, {"plan": "y"})  # another column set: another statement
        assert len(db._compiled) == before + 2


def test_in_list_parameters_expand_to_each_lists_length(db: Database) -> None:
    by_ids = (
        select(TENANTS.c.id)
        .where(TENANTS.c.plan == bindparam("plan"), TENANTS.c.id.in_(bindparam("ids", expanding=True)))
        .order_by(TENANTS.c.id)
    )
    with db.transaction() as tx:
        for name in ("a", "b", "c"):
            tx.insert(TENANTS, _tenant(name))
        assert tx.fetch_all(by_ids, {"plan": "p", "ids": ["c", "a", "zzz"]}) == [("a",), ("c",)]
        assert tx.fetch_all(by_ids, {"plan": "p", "ids": ["b"]}) == [("b",)]
        assert tx.fetch_all(by_ids, {"plan": "p", "ids": []}) == []
        assert tx.fetch_all(by_ids, {"plan": "other", "ids": ["a", "b"]}) == []


def test_the_statement_cache_is_bounded(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("omnimeet.platform.db.COMPILED_CACHE_SIZE", 3)
    statements = [select(TENANTS.c.id).where(TENANTS.c.name == f"n{n}") for n in range(10)]
    with db.transaction() as tx:
        for stmt in statements:
            for _ in range(2):  # kept from its second compilation on
                assert tx.fetch_all(stmt) == []
            assert stmt in db._compiled
            assert len(db._compiled) <= 3


def test_a_statement_built_per_call_is_not_kept(db: Database) -> None:
    with db.transaction() as tx:
        tx.insert(TENANTS, _tenant("a"))
        before = dict(db._compiled)
        gone: list[weakref.ref[Any]] = []
        for _ in range(20):
            stmt = select(TENANTS.c.name).where(TENANTS.c.id == bindparam("id"))
            assert tx.fetch_one(stmt, {"id": "a"}) == ("t",)
            gone.append(weakref.ref(stmt))
        del stmt
        assert db._compiled == before
        gc.collect()
        assert [ref() for ref in gone] == [None] * 20  # the cache holds none of them


def test_a_statement_used_again_is_kept_and_not_compiled_again(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    by_id = select(TENANTS.c.name).where(TENANTS.c.id == bindparam("id"))
    with db.transaction() as tx:
        tx.insert(TENANTS, _tenant("a"))
        assert tx.fetch_one(by_id, {"id": "a"}) == ("t",)
        assert by_id not in db._compiled
        assert tx.fetch_one(by_id, {"id": "a"}) == ("t",)
        sql, defaults = db._compiled[by_id]
        assert sql.startswith("SELECT tenants.name")

        def no_compiling(*_: object, **__: object) -> None:
            raise AssertionError("compiled again")

        monkeypatch.setattr(type(by_id), "compile", no_compiling)
        assert tx.fetch_one(by_id, {"id": "b"}) is None
        assert db._compiled[by_id] == (sql, defaults)


def test_close_then_reuse(db: Database) -> None:
    with db.transaction() as tx:
        tx.insert(TENANTS, _tenant("a"))
    db.close()
    with db.transaction(write=False) as tx:
        assert tx.fetch_all(select(TENANTS.c.id)) == [("a",)]


@needs_postgres
def test_a_broken_postgresql_connection_is_replaced(db: Database) -> None:
    with db.transaction(write=False) as tx:
        row = tx.fetch_one(text("SELECT pg_backend_pid()"))
    assert row is not None
    pid = row[0]
    with db.engine.connect() as admin:
        admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        admin.commit()

    import psycopg

    def use() -> None:
        with db.transaction(write=False) as tx:
            tx.fetch_one(text("SELECT 1"))

    with pytest.raises(psycopg.OperationalError):
        use()
    # The next unit of work gets a fresh connection instead of failing forever.
    with db.transaction() as tx:
        tx.insert(TENANTS, _tenant("after"))
        again = tx.fetch_one(text("SELECT pg_backend_pid()"))
    assert again is not None
    assert again[0] != pid


class StopConnectError(Exception):
    pass


def _connect_params(url: str) -> dict[str, Any]:
    db = Database(url)
    seen: dict[str, Any] = {}

    def capture(_dialect: Any, _record: Any, _args: Any, params: dict[str, Any]) -> None:
        seen.update(params)
        raise StopConnectError

    event.listen(db.engine, "do_connect", capture)
    try:
        with pytest.raises(StopConnectError), db.transaction():
            pass
    finally:
        db.close()
    return seen


def test_postgresql_connections_time_out() -> None:
    params = _connect_params("postgresql+psycopg://u@192.0.2.1:5432/x")
    assert params["connect_timeout"] == 5
    # A timeout in the URL wins.
    params = _connect_params("postgresql+psycopg://u@192.0.2.1:5432/x?connect_timeout=2")
    assert str(params["connect_timeout"]) == "2"


@needs_postgres
@pytest.mark.parametrize(("durable", "expected"), [(False, "off"), (True, "on")])
def test_postgres_commits_wait_for_the_disk_only_when_durable(
    database_url: str, durable: bool, expected: str
) -> None:
    db = Database(database_url, durable_commits=durable)
    try:
        with db.transaction(write=False) as tx:
            assert tx.fetch_one(text("SHOW synchronous_commit")) == (expected,)
    finally:
        db.close()
