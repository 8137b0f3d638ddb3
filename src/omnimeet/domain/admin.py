"""Whole-database operations for the emulator's control plane."""

from __future__ import annotations

from sqlalchemy import delete

from omnimeet.domain.store import Tx
from omnimeet.domain.tables import TABLES_CHILD_FIRST


def wipe_all(tx: Tx) -> None:
    """Deletes every row of every domain table, children first."""
    for table in TABLES_CHILD_FIRST:
        tx.execute(delete(table))
