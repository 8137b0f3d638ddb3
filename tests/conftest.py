"""Shared fixtures. The suite runs on SQLite by default; set ``OMNIMEET_TEST_DATABASE_URL`` to a PostgreSQL
server URL (e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/test``) to run it on PostgreSQL: a fresh
database is created on that server for the session and dropped afterwards.

Each test gets an app on the session's migrated database, emptied with the control API's reset first.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from omnimeet.domain.admin import wipe_all
from omnimeet.main import create_app
from omnimeet.platform.config import Settings
from omnimeet.platform.db import Database
from omnimeet.platform.migrate import upgrade_to_head
from omnimeet.platform.web import PrefixDispatcher

PG_SERVER_URL = os.environ.get("OMNIMEET_TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


def _create_pg_database(server_url: str) -> tuple[str, Callable[[], None]]:
    """A new, empty database on the server; returns its URL and a function that drops it."""
    import psycopg

    server = make_url(server_url)
    name = f"omnimeet_test_{uuid.uuid4().hex[:12]}"
    admin_dsn = server.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return server.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def empty_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[], str]]:
    """A factory of URLs of new, empty databases of the backend under test (unmigrated)."""
    drops: list[Callable[[], None]] = []

    def make() -> str:
        if PG_SERVER_URL:
            url, drop = _create_pg_database(PG_SERVER_URL)
            drops.append(drop)
            return url
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'omnimeet.db'}"

    yield make
    for drop in drops:
        drop()


@pytest.fixture(scope="session")
def database_url(empty_database_url: Callable[[], str]) -> str:
    """The session's database, migrated to head once."""
    url = empty_database_url()
    db = Database(url)
    upgrade_to_head(db)
    db.close()
    return url


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """A ``Database`` on the session's migrated database (the backend under test), emptied first."""
    database = Database(database_url)
    with database.transaction() as tx:
        wipe_all(tx)
    try:
        yield database
    finally:
        database.close()


@pytest.fixture
def make_settings(database_url: str, tmp_path: Path) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {"database_url": database_url, "data_dir": tmp_path / "data"}
        values.update(overrides)
        return Settings(**values)

    return make


@pytest.fixture
def make_app(make_settings: Callable[..., Settings]) -> Iterator[Callable[..., PrefixDispatcher]]:
    """Builds apps on the session database; each starts from an empty, reset state."""
    apps: list[PrefixDispatcher] = []

    def make(**overrides: Any) -> PrefixDispatcher:
        app = create_app(make_settings(**overrides), migrate=False)
        app.state.ctx.reset()
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.state.ctx.db.close()


@pytest.fixture
def app(make_app: Callable[..., PrefixDispatcher]) -> PrefixDispatcher:
    return make_app()


def client_for(app: PrefixDispatcher) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://omnimeet.test")


@pytest.fixture
async def client(app: PrefixDispatcher) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as c:
        yield c
