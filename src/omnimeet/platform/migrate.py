"""Alembic, driven from code: the migrations ship inside the package (``omnimeet/migrations``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Column, MetaData, String, Table, inspect, text
from sqlalchemy.engine import Connection

from omnimeet.domain.tables import metadata

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

SCHEMA_HEAD = "0005"
"""The newest migration's revision. A test keeps it equal to the scripts' head; knowing it without loading
alembic keeps start-up and health checks fast."""


def upgrade_to_head(db: Database) -> None:
    """Brings the database to the newest schema, in one transaction.

    Every process does this on start-up (worker processes, replicas), so migrators take turns: the first
    does the work, the others then find the database at head and do nothing. A database without any table
    gets the schema straight from the models and is stamped at head (alembic's recipe for building a
    database from scratch; a test proves it equals running every migration); only a database at an older
    revision runs migration scripts, and only then is alembic imported.
    """
    if current_revision(db) == SCHEMA_HEAD:
        return
    with db.engine.begin() as conn:
        if db.is_sqlite:
            # The write lock up front (waiting up to the busy timeout); the DDL joins this transaction.
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        existing = inspect(conn).get_table_names()
        if not existing:
            metadata.create_all(conn)
            _stamp(conn, SCHEMA_HEAD)
            return
        from alembic import command

        cfg = alembic_config(db.url)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def upgrade_by_scripts(db: Database) -> None:
    """Runs every migration script up to head (what ``upgrade_to_head`` does for a non-empty database)."""
    from alembic import command

    cfg = alembic_config(db.url)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def _stamp(conn: Connection, revision: str) -> None:
    """Records ``revision`` the way alembic does (its ``alembic_version`` table)."""
    version = Table(
        "alembic_version", MetaData(), Column("version_num", String(32), primary_key=True, nullable=False)
    )
    version.create(conn)
    conn.execute(version.insert().values(version_num=revision))


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
