"""The schema and the records built on it: column order, delete order, and wiping every table."""

from __future__ import annotations

from dataclasses import fields

import pytest
from sqlalchemy import Table

from omnimeet.domain import tables
from omnimeet.domain.admin import wipe_all
from omnimeet.domain.rooms import LiveStream, Room
from omnimeet.platform.db import Database
from tests.domain.conftest import count_rows
from tests.domain.seed import fill_every_table


@pytest.mark.parametrize(
    ("record", "table"), [(Room, tables.ROOMS), (LiveStream, tables.LIVE_STREAMS)], ids=["room", "stream"]
)
def test_record_fields_are_in_table_column_order(record: type, table: Table) -> None:
    # Records are built positionally from ``SELECT *`` rows, so the order is what matters, not the set.
    assert [f.name for f in fields(record)] == [c.name for c in table.columns]


def test_tables_child_first_lists_every_table_once() -> None:
    assert sorted(t.name for t in tables.TABLES_CHILD_FIRST) == sorted(tables.metadata.tables)
    assert len(tables.TABLES_CHILD_FIRST) == len(tables.metadata.tables)


def test_tables_child_first_deletes_children_before_their_parents() -> None:
    position = {table.name: i for i, table in enumerate(tables.TABLES_CHILD_FIRST)}
    edges = [
        (table.name, fk.column.table.name)
        for table in tables.metadata.tables.values()
        for fk in table.foreign_keys
    ]
    assert edges, "the schema has foreign keys"
    for child, parent in edges:
        assert position[child] < position[parent], f"{child} must be emptied before {parent}"


def test_every_customer_table_carries_a_tenant() -> None:
    # webhook_attempts belongs to its outbox row, which carries the tenant.
    without_tenant = {name for name, table in tables.metadata.tables.items() if "tenant_id" not in table.c}
    assert without_tenant == {"tenants", "webhook_attempts"}


def test_wipe_all_empties_every_table(db: Database) -> None:
    with db.transaction() as tx:
        fill_every_table(tx, "one")
        fill_every_table(tx, "two")
    models = {m.__table__.name: m for m in (mapper.class_ for mapper in tables.Base.registry.mappers)}
    assert set(models) == set(tables.metadata.tables)
    assert {name: count_rows(db, model) > 0 for name, model in models.items()} == dict.fromkeys(models, True)

    with db.transaction() as tx:
        wipe_all(tx)

    assert {name: count_rows(db, model) for name, model in models.items()} == dict.fromkeys(models, 0)
