"""The shipped migrations build exactly the schema the code declares, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import event, inspect, text

from omnimeet.domain.tables import TENANTS, metadata
from omnimeet.platform.db import Database
from omnimeet.platform.migrate import (
    SCHEMA_HEAD,
    current_revision,
    head_revision,
    upgrade_by_scripts,
    upgrade_to_head,
)


@pytest.fixture
def empty_db(empty_database_url: Callable[[], str]) -> Iterator[Database]:
    db = Database(empty_database_url())
    try:
        yield db
    finally:
        db.close()


def schema_diff(db: Database) -> list[Any]:
    """What autogenerate would write to bring the database to ``metadata``, compared as env.py does."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "target_metadata": metadata,
                "compare_type": True,
                "compare_server_default": True,
                "render_as_batch": True,
            },
        )
        return list(compare_metadata(context, metadata))


def test_the_comparison_sees_a_missing_schema(empty_db: Database) -> None:
    # Guards the next test: on an empty database the diff names every table.
    added = {diff[1].name for diff in schema_diff(empty_db) if diff[0] == "add_table"}
    assert added == set(metadata.tables)


def test_upgrade_on_an_empty_database_matches_the_declared_schema(empty_db: Database) -> None:
    assert current_revision(empty_db) is None
    upgrade_to_head(empty_db)
    assert schema_diff(empty_db) == []
    tables = set(inspect(empty_db.engine).get_table_names())
    assert tables == {*metadata.tables, "alembic_version"}


def test_running_every_migration_script_matches_the_declared_schema(empty_db: Database) -> None:
    # upgrade_to_head builds an empty database from the models; existing databases run the scripts.
    # Both must give the same schema, at the same revision.
    upgrade_by_scripts(empty_db)
    assert schema_diff(empty_db) == []
    assert current_revision(empty_db) == head_revision()


def test_the_known_head_is_the_scripts_head() -> None:
    assert head_revision() == SCHEMA_HEAD


def test_head_is_the_database_revision_after_upgrade(empty_db: Database) -> None:
    upgrade_to_head(empty_db)
    head = head_revision()
    assert head
    assert current_revision(empty_db) == head
    with empty_db.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [head]


def test_a_second_upgrade_is_a_no_op(empty_db: Database) -> None:
    upgrade_to_head(empty_db)
    with empty_db.transaction() as tx:
        tx.insert(
            TENANTS,
            {
                "id": "kept",
                "name": "kept",
                "is_organization": True,
                "plan": "p",
                "features": "[]",
                "created_at_ms": 1,
            },
        )
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement.strip().split(None, 1)[0].upper())

    event.listen(empty_db.engine, "before_cursor_execute", record)
    try:
        upgrade_to_head(empty_db)
    finally:
        event.remove(empty_db.engine, "before_cursor_execute", record)

    assert statements, "the upgrade looked at the database"
    changes = {"CREATE", "ALTER", "DROP", "INSERT", "UPDATE", "DELETE"} & set(statements)
    assert changes == set()
    assert current_revision(empty_db) == head_revision()
    assert schema_diff(empty_db) == []
    with empty_db.transaction(write=False) as tx:
        assert tx.fetch_all(TENANTS.select().with_only_columns(TENANTS.c.id)) == [("kept",)]


def test_current_revision_of_an_unmigrated_database_is_none(empty_db: Database) -> None:
    assert current_revision(empty_db) is None
    # Asking does not create anything.
    assert inspect(empty_db.engine).get_table_names() == []


def test_downgrade_to_base_and_upgrade_again(empty_db: Database) -> None:
    from alembic import command

    from omnimeet.platform.migrate import alembic_config

    upgrade_to_head(empty_db)
    cfg = alembic_config(empty_db.url)
    with empty_db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert set(inspect(empty_db.engine).get_table_names()) <= {"alembic_version"}
    assert current_revision(empty_db) is None
    upgrade_to_head(empty_db)
    assert current_revision(empty_db) == head_revision()
    assert schema_diff(empty_db) == []


def _upgrade_in_process(url: str, barrier: Any) -> str:
    """Runs in a spawned process: migrate as soon as every process is ready; report the outcome."""
    import traceback

    db = Database(url)
    try:
        barrier.wait(timeout=60)
        upgrade_to_head(db)
        return "ok"
    except Exception:
        return traceback.format_exc()
    finally:
        db.close()


def test_concurrent_upgrades_take_turns(empty_database_url: Callable[[], str]) -> None:
    # Alembic keeps global state, so concurrent migrators are processes (as uvicorn workers are).
    import multiprocessing

    url = empty_database_url()
    processes = 4
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, context.Pool(processes) as pool:
        barrier = manager.Barrier(processes)
        pending = pool.starmap_async(_upgrade_in_process, [(url, barrier)] * processes)
        outcomes = pending.get(timeout=120)
    failures = [outcome for outcome in outcomes if outcome != "ok"]
    assert failures == [], failures[0] if failures else ""
    db = Database(url)
    try:
        assert current_revision(db) == head_revision()
        assert schema_diff(db) == []
    finally:
        db.close()
