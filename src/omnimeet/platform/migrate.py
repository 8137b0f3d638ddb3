"""Alembic, driven from code: the migrations ship inside the package (``omnimeet/migrations``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import text

if TYPE_CHECKING:
    from alembic.config import Config

    from omnimeet.platform.db import Database


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "omnimeet:migrations")
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


MIGRATION_LOCK_KEY = 0x6F6D6E696D656574
"""PostgreSQL advisory lock key held while migrating (``omnimeet`` in ASCII)."""


def upgrade_to_head(db: Database) -> None:
    """Migrates to the newest schema in one transaction. Every process migrates on start-up (worker
    processes, replicas), so migrators take turns: the first does the work, the others then find the
    database at head and do nothing."""
    from alembic import command

    cfg = alembic_config(db.url)
    with db.engine.begin() as conn:
        if db.is_sqlite:
            # The write lock up front (waiting up to the busy timeout); the DDL joins this transaction.
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def current_revision(db: Database) -> str | None:
    """The revision the database is at, or None when it has never been migrated."""
    with db.engine.connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except Exception:
            return None
