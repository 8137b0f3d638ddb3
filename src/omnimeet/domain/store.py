"""The narrow database interface the domain services are written against.

Services build SQLAlchemy Core statements once, at import time, and hand them to a ``Tx``; the platform's
implementation compiles each statement once per dialect and runs it on the driver connection directly.
That keeps the per-statement cost near the bare driver's (a few microseconds on SQLite) while the schema
and the SQL stay SQLAlchemy's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy import Table
from sqlalchemy.sql import Executable

Row = tuple[Any, ...]
Params = Mapping[str, Any]


class Tx(Protocol):
    """One unit of work on one connection. The caller (the request) commits or rolls back."""

    def fetch_one(self, stmt: Executable, params: Params | None = None) -> Row | None: ...

    def fetch_all(self, stmt: Executable, params: Params | None = None) -> list[Row]: ...

    def execute(self, stmt: Executable, params: Params | None = None) -> int:
        """Runs a statement and returns the number of rows it changed."""
        ...

    def insert(self, table: Table, values: Params, returning: str | None = None) -> Any:
        """Inserts one row; returns the value of the ``returning`` column when given."""
        ...

    def insert_ignore(self, table: Table, values: Params, conflict: Sequence[str]) -> bool:
        """Inserts one row unless it collides on ``conflict``; True when a row was written."""
        ...

    def update(self, table: Table, key: Params, values: Params) -> int:
        """Updates the rows matching every ``key`` column with ``values``; returns the row count."""
        ...

    def delete(self, table: Table, key: Params) -> int: ...
