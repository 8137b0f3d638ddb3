"""Whole-database operations for the emulator's control plane: wipe everything or one tenant, export every
table's rows, and replace the whole content with exported rows.

Tables are handled generically, from the schema (``domain/tables.py``): what follows holds for any table
added later without touching this module.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Boolean, Column, Integer, LargeBinary, Table, bindparam, delete, insert, select
from sqlalchemy.sql import Executable

from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.store import Tx
from omnimeet.domain.tables import PRINCIPALS, ROOM_COUNTS, TABLES_CHILD_FIRST, TENANTS, metadata

TABLES_PARENT_FIRST: tuple[Table, ...] = tuple(metadata.sorted_tables)
"""Every domain table, each after the tables it references: the order of an export and of an import."""

TableRows = dict[str, list[dict[str, Any]]]
"""Rows by table name, each row ``{column: value}``."""


def wipe_all(tx: Tx) -> None:
    """Deletes every row of every domain table, children first."""
    for table in TABLES_CHILD_FIRST:
        tx.execute(delete(table))


# --- one tenant ------------------------------------------------------------------------------------------


def _tenant_deletes() -> tuple[Executable, ...]:
    """Children first: rows with the tenant's ``tenant_id``, and rows of tables without one that hang off a
    row of the tenant (a webhook attempt of its outbox row). Tenants and principals stay."""
    keep = {TENANTS.name, PRINCIPALS.name}
    statements: list[Executable] = []
    for table in TABLES_CHILD_FIRST:
        if table.name in keep:
            continue
        if "tenant_id" in table.c:
            statements.append(delete(table).where(table.c.tenant_id == bindparam("tenant")))
            continue
        for fk in table.foreign_keys:
            parent = fk.column.table
            if "tenant_id" in parent.c and parent.name not in keep:
                owned = select(fk.column).where(parent.c.tenant_id == bindparam("tenant"))
                statements.append(delete(table).where(fk.parent.in_(owned)))
    return tuple(statements)


_TENANT_DELETES = _tenant_deletes()
_TENANT_EXISTS = select(TENANTS.c.id).where(TENANTS.c.id == bindparam("tenant"))


def wipe_tenant(tx: Tx, tenant_id: str) -> None:
    """Deletes every row of one tenant except the tenant itself and its principals (their credentials keep
    working). NOT_FOUND when there is no such tenant."""
    if tx.fetch_one(_TENANT_EXISTS, {"tenant": tenant_id}) is None:
        raise DomainError(ErrorCode.NOT_FOUND, "tenant", tenant=tenant_id)
    for statement in _TENANT_DELETES:
        tx.execute(statement, {"tenant": tenant_id})


# --- export ----------------------------------------------------------------------------------------------


def _is_bool(column: Column[Any]) -> bool:
    return isinstance(column.type, Boolean)


def _is_binary(column: Column[Any]) -> bool:
    return isinstance(column.type, LargeBinary)


def _is_int(column: Column[Any]) -> bool:
    return isinstance(column.type, Integer)  # BigInteger and the SQLite variant are Integers too


_SELECTS = {table.name: select(*table.c) for table in TABLES_PARENT_FIRST}
_PK_POSITIONS = {
    table.name: [list(table.c).index(col) for col in table.primary_key.columns]
    for table in TABLES_PARENT_FIRST
}
_BOOL_COLUMNS = {table.name: {c.name for c in table.c if _is_bool(c)} for table in TABLES_PARENT_FIRST}
_BINARY_COLUMNS = {table.name: {c.name for c in table.c if _is_binary(c)} for table in TABLES_PARENT_FIRST}


def _exported(value: Any, is_bool: bool, is_binary: bool) -> Any:
    if value is None:
        return None
    if is_bool:
        return bool(value)
    if is_binary:
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def export_tables(tx: Tx) -> TableRows:
    """Every domain table's rows, tables parent-first, rows in primary-key order (sorted here, so the order
    does not depend on the database's collation); booleans as booleans, bytes as base64 text."""
    out: TableRows = {}
    for table in TABLES_PARENT_FIRST:
        names = [c.name for c in table.c]
        booleans = _BOOL_COLUMNS[table.name]
        binaries = _BINARY_COLUMNS[table.name]
        key = _PK_POSITIONS[table.name]
        rows = sorted(tx.fetch_all(_SELECTS[table.name]), key=lambda row: [row[i] for i in key])
        out[table.name] = [
            {
                name: _exported(value, name in booleans, name in binaries)
                for name, value in zip(names, row, strict=True)
            }
            for row in rows
        ]
    return out


# --- import ----------------------------------------------------------------------------------------------


def _type_error(column: Column[Any], value: Any) -> str | None:
    if value is None:
        return None if column.nullable else "must not be null"
    if _is_bool(column):
        return None if isinstance(value, bool) else "must be a boolean"
    if _is_int(column):
        return None if isinstance(value, int) and not isinstance(value, bool) else "must be an integer"
    if _is_binary(column):
        try:
            base64.b64decode(value, validate=True) if isinstance(value, str) else None
        except ValueError:
            return "must be base64 text"
        return None if isinstance(value, str) else "must be base64 text"
    return None if isinstance(value, str) else "must be a string"


def _default(column: Column[Any]) -> Any:
    default = column.default
    if default is not None and default.is_scalar:
        return getattr(default, "arg", None)
    return None


def _generated(table: Table) -> Column[Any] | None:
    """The table's auto-numbered key (``seq``), which a row may leave out."""
    auto = table.autoincrement_column
    return auto if isinstance(auto, Column) else None


def _normalized(table: Table, name: str, index: int, row: Any) -> dict[str, Any]:
    if not isinstance(row, Mapping):
        raise DomainError(ErrorCode.INVALID, "state", problem=f"{name}[{index}]: not an object")
    for column_name in row:
        if column_name not in table.c:
            problem = f"{name}[{index}]: unknown column {column_name!r}"
            raise DomainError(ErrorCode.INVALID, "state", problem=problem)
    generated = _generated(table)
    out: dict[str, Any] = {}
    for column in table.c:
        if column.name not in row:
            if column is generated:
                continue
            value = _default(column)
            if value is None and not column.nullable:
                problem = f"{name}[{index}]: missing column {column.name!r}"
                raise DomainError(ErrorCode.INVALID, "state", problem=problem)
        else:
            value = row[column.name]
            error = _type_error(column, value)
            if error is not None:
                problem = f"{name}[{index}].{column.name} {error}"
                raise DomainError(ErrorCode.INVALID, "state", problem=problem)
            if value is not None and _is_binary(column):
                value = base64.b64decode(value)
        out[column.name] = value
    return out


def validate_tables(tables: Any) -> TableRows:
    """Checks exported rows against the schema: known tables and columns, values of the column's type.
    Returns every row with all its columns (a column left out gets its default, or NULL; the auto-numbered
    ``seq`` may be left out too), tables left out as empty; INVALID with the first problem otherwise."""
    if not isinstance(tables, Mapping):
        raise DomainError(ErrorCode.INVALID, "state", problem="tables must be an object")
    known = {table.name: table for table in TABLES_PARENT_FIRST}
    out: TableRows = {}
    for name, rows in tables.items():
        table = known.get(name) if isinstance(name, str) else None
        if table is None:
            raise DomainError(ErrorCode.INVALID, "state", problem=f"unknown table {name!r}")
        if not isinstance(rows, Sequence) or isinstance(rows, str):
            raise DomainError(ErrorCode.INVALID, "state", problem=f"{name}: rows must be a list")
        out[name] = [_normalized(table, name, index, row) for index, row in enumerate(rows)]
    return out


def replace_all(tx: Tx, tables: TableRows) -> None:
    """Wipes every table, then inserts the given rows parent-first, keeping their keys (``seq`` included).
    The rows must come from ``validate_tables``; a broken reference or a duplicate key makes the database
    raise, and the caller's transaction rolls everything back. Rows of ``room_counts`` are not inserted:
    the database's triggers count the rooms as they are inserted (an exported count would be counted twice).
    """
    wipe_all(tx)
    for table in TABLES_PARENT_FIRST:
        if table is ROOM_COUNTS:
            continue
        full, without_key = _INSERTS[table.name]
        generated = _generated(table)
        for row in tables.get(table.name, ()):
            tx.execute(without_key if generated is not None and generated.name not in row else full, row)


def _inserts(table: Table) -> tuple[Executable, Executable]:
    """The table's insert of every column, and of every column but the auto-numbered key."""
    generated = _generated(table)
    columns = [c.name for c in table.c]
    rest = [name for name in columns if generated is None or name != generated.name]
    return (
        insert(table).values({c: bindparam(c) for c in columns}),
        insert(table).values({c: bindparam(c) for c in rest}),
    )


_INSERTS = {table.name: _inserts(table) for table in TABLES_PARENT_FIRST}
