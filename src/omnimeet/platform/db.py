"""Database access: one long-lived driver connection per thread, statements compiled once per dialect.

Why not an ORM session per request: measured on this machine, a SQLAlchemy ORM session costs ~220 us per
primary-key read, Core on a pooled connection ~40 us, and the driver itself ~5 us. A request does a few
statements, so the driver path is what lets a stateful emulator answer as fast as a stateless mock.

The pattern: routes are ``async def`` and run a unit of work synchronously, with no ``await`` inside it, so
on one event loop two transactions never interleave on a connection. Other threads (a test's server thread,
a dispatcher) get their own connection. SQLite runs in WAL mode with foreign keys on; several worker
processes share the file, writers waiting up to ``busy_timeout``.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Table, and_, bindparam, delete, event, insert, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.sql import Executable

from omnimeet.domain.store import Params, Row

EXPANDING = "<expanding>"
"""The cached "text" of a statement with an ``IN`` list parameter: compile it with its values at each run."""
COMPILED_CACHE_SIZE = 1024
"""At most this many compiled statements are kept (the app uses a few hundred); then the cache starts over."""


class Database:
    def __init__(
        self,
        url: str,
        *,
        busy_timeout_ms: int = 10_000,
        connect_timeout_s: int = 5,
        durable_commits: bool = False,
    ) -> None:
        """``connect_timeout_s`` bounds how long opening a PostgreSQL connection may take (a
        ``connect_timeout`` in the URL wins), so an unreachable server fails fast instead of hanging.

        Without ``durable_commits``, PostgreSQL acknowledges a commit before flushing it to disk
        (``synchronous_commit=off``): a crash of the database server can lose the last moment of changes,
        never consistency, and no request waits for an fsync (measured: POST p99 265 ms -> see bench/).
        """
        from sqlalchemy import create_engine

        parsed = make_url(url)
        self.url = url
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite and parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs: dict[str, Any] = {}
        if self.is_sqlite:
            # Named parameters let every statement take a dict, as psycopg's pyformat does.
            kwargs["paramstyle"] = "named"
            kwargs["connect_args"] = {"timeout": busy_timeout_ms / 1000, "check_same_thread": False}
        elif parsed.get_backend_name() == "postgresql":
            connect_args: dict[str, Any] = {}
            if "connect_timeout" not in parsed.query:
                connect_args["connect_timeout"] = connect_timeout_s
            if not durable_commits:
                connect_args["options"] = "-c synchronous_commit=off"
            kwargs["connect_args"] = connect_args
        self.engine: Engine = create_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_on_connect)
        self._local = threading.local()
        self._compiled: dict[Any, tuple[str, dict[str, Any]]] = {}
        # Statements compiled once and not (yet) kept: held weakly, they do not outlive their callers.
        self._compiled_once: weakref.WeakSet[Any] = weakref.WeakSet()
        self._lock = threading.Lock()
        # Every checked-out connection with the thread that owns it.
        self._raw_connections: list[tuple[threading.Thread, Any]] = []

    # --- connections ---------------------------------------------------------------------------------

    def _driver_connection(self) -> Any:
        conn: Any = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
        return conn

    def _connect(self) -> Any:
        self._release_dead_threads()
        raw = self.engine.raw_connection()
        conn: Any = raw.driver_connection
        # Autocommit: units of work that write issue BEGIN themselves (see ``transaction``).
        if self.is_sqlite:
            conn.isolation_level = None
        else:
            conn.autocommit = True
        self._local.conn = conn
        self._local.raw = raw
        with self._lock:
            self._raw_connections.append((threading.current_thread(), raw))
        return conn

    def _release_dead_threads(self) -> None:
        """Gives the connections of threads that have ended back to the pool, which would run dry."""
        with self._lock:
            dead = [raw for thread, raw in self._raw_connections if not thread.is_alive()]
            if not dead:
                return
            self._raw_connections = [entry for entry in self._raw_connections if entry[0].is_alive()]
        for raw in dead:
            with contextlib.suppress(Exception):  # a broken connection
                # Invalidate, not close: returned to the pool in autocommit mode, it could surprise
                # SQLAlchemy users of the engine (migrations, health).
                raw.invalidate()

    def _discard(self) -> None:
        """Drops this thread's connection (it broke); the next unit of work opens a new one."""
        raw = getattr(self._local, "raw", None)
        self._local.conn = None
        self._local.raw = None
        if raw is None:
            return
        with self._lock:
            self._raw_connections = [entry for entry in self._raw_connections if entry[1] is not raw]
        with contextlib.suppress(Exception):
            raw.invalidate()

    def close(self) -> None:
        with self._lock:
            for _, raw in self._raw_connections:
                with contextlib.suppress(Exception):  # closing a broken connection
                    raw.invalidate()
            self._raw_connections.clear()
        self._local = threading.local()
        self.engine.dispose()

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[SqlTx]:
        """A unit of work: commits when the block ends normally, rolls back when it (or the commit) raises.

        ``write=False`` promises the block only reads: it runs without a transaction, each statement seeing
        the latest committed data. On SQLite a writing transaction starts with ``BEGIN IMMEDIATE`` so that
        it takes the write lock up front (waiting for other processes) instead of failing on upgrade
        half-way through. A connection
        that broke (the server went away) is dropped, so the next unit of work reconnects.
        """
        conn = self._driver_connection()
        try:
            if not write:
                # Connections are in autocommit mode: each read is atomic on its own, and a read-only
                # unit of work saves the BEGIN/COMMIT pair (a round trip on PostgreSQL).
                yield SqlTx(self, conn)
                return
            conn.execute("BEGIN IMMEDIATE" if self.is_sqlite else "BEGIN")
            yield SqlTx(self, conn)
            conn.commit()
        except BaseException:
            self._abort(conn)
            raise

    def _abort(self, conn: Any) -> None:
        try:
            conn.rollback()
        except Exception:
            self._discard()
            return
        if getattr(conn, "broken", False):  # psycopg: the connection to the server was lost
            self._discard()

    # --- statement compilation -----------------------------------------------------------------------

    def compiled(self, key: Any, build: Any = None) -> tuple[str, dict[str, Any]]:
        """SQL text and default parameters of a statement, compiled once for this database's dialect.

        A statement with an expanding parameter (``IN`` a list) answers ``EXPANDING`` as its text: its SQL
        depends on the list's length, so it is compiled with the values at each run. The cache is bounded,
        and it keeps a statement object only from its second compilation on (``_worth_keeping``).
        """
        hit = self._compiled.get(key)
        if hit is None:
            stmt = build() if build is not None else key
            comp = stmt.compile(dialect=self.engine.dialect)
            if any(bind.expanding for bind in comp.binds.values()):
                hit = (EXPANDING, {})
            else:
                hit = (str(comp), dict(comp.params))
            if self._worth_keeping(key):
                if len(self._compiled) >= COMPILED_CACHE_SIZE:
                    self._compiled.clear()
                self._compiled[key] = hit
        return hit

    def _worth_keeping(self, key: Any) -> bool:
        """Whether a statement just compiled goes into the cache.

        A value key (the tuples of ``insert``, ``update``, ...) is equal on every call: kept at once. A
        statement object is kept when it is compiled a second time, so it is one that lives on (a module's
        constant); one built per call never is, and is not held alive by the cache. (Before, each such
        statement, expression tree and all, stayed until 4,096 had piled up: the Vonage room page, which
        built its two statements per request until 64b15f2, grew the server by ~10 MB per 1,000 pages.)
        """
        if isinstance(key, tuple):
            return True
        if key in self._compiled_once:
            self._compiled_once.discard(key)
            return True
        try:
            self._compiled_once.add(key)
        except TypeError:  # not weakly referable: a value, equal on each call
            return True
        return False

    def compiled_with(self, stmt: Any, params: Params) -> tuple[str, dict[str, Any]]:
        """SQL text and parameters of a statement with expanding parameters, for these values."""
        comp = stmt.params(dict(params)).compile(
            dialect=self.engine.dialect, compile_kwargs={"render_postcompile": True}
        )
        return str(comp), dict(comp.params)


class SqlTx:
    """The ``omnimeet.domain.store.Tx`` implementation on a driver connection."""

    __slots__ = ("_conn", "_db")

    def __init__(self, db: Database, conn: Any) -> None:
        self._db = db
        self._conn = conn

    def _run(self, key: Any, params: Params | None, build: Any = None) -> Any:
        sql, defaults = self._db.compiled(key, build)
        if sql is EXPANDING:
            sql, defaults = self._db.compiled_with(build() if build is not None else key, params or {})
            params = None
        if params:
            if defaults:
                merged = dict(defaults)
                merged.update(params)
                params = merged
        else:
            params = defaults
        cur = self._conn.cursor()
        cur.execute(sql, params)
        return cur

    def fetch_one(self, stmt: Executable, params: Params | None = None) -> Row | None:
        row: Row | None = self._run(stmt, params).fetchone()
        return row

    def fetch_all(self, stmt: Executable, params: Params | None = None) -> list[Row]:
        rows: list[Row] = self._run(stmt, params).fetchall()
        return rows

    def execute(self, stmt: Executable, params: Params | None = None) -> int:
        count: int = self._run(stmt, params).rowcount
        return count

    def insert(self, table: Table, values: Params, returning: str | None = None) -> Any:
        keys = tuple(values)

        def build() -> Executable:
            stmt = insert(table).values({k: bindparam(k) for k in keys})
            return stmt.returning(table.c[returning]) if returning else stmt

        cur = self._run(("insert", table.name, keys, returning), values, build)
        if returning:
            return cur.fetchone()[0]
        return None

    def insert_ignore(self, table: Table, values: Params, conflict: Sequence[str]) -> bool:
        keys = tuple(values)

        def build() -> Executable:
            # Imported here: the PostgreSQL dialect package costs a SQLite server start-up time and memory.
            binds: dict[str, Any] = {k: bindparam(k) for k in keys}
            index = list(conflict)
            if self._db.is_sqlite:
                from sqlalchemy.dialects.sqlite import insert as sqlite_insert

                return sqlite_insert(table).values(binds).on_conflict_do_nothing(index_elements=index)
            from sqlalchemy.dialects.postgresql import insert as postgresql_insert

            return postgresql_insert(table).values(binds).on_conflict_do_nothing(index_elements=index)

        cur = self._run(("insert_ignore", table.name, keys, tuple(conflict)), values, build)
        return bool(cur.rowcount == 1)

    def update(self, table: Table, key: Params, values: Params) -> int:
        key_cols, value_cols = tuple(key), tuple(values)

        def build() -> Executable:
            where = and_(*(table.c[k] == bindparam(f"k_{k}") for k in key_cols))
            return update(table).where(where).values({v: bindparam(f"v_{v}") for v in value_cols})

        params = {f"k_{k}": v for k, v in key.items()}
        params.update({f"v_{k}": v for k, v in values.items()})
        count: int = self._run(("update", table.name, key_cols, value_cols), params, build).rowcount
        return count

    def delete(self, table: Table, key: Params) -> int:
        key_cols = tuple(key)

        def build() -> Executable:
            return delete(table).where(and_(*(table.c[k] == bindparam(f"k_{k}") for k in key_cols)))

        params = {f"k_{k}": v for k, v in key.items()}
        count: int = self._run(("delete", table.name, key_cols), params, build).rowcount
        return count


def _sqlite_on_connect(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    _enable_wal(cur)
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _enable_wal(cur: Any) -> None:
    """Switches the file to WAL (a no-op once it is). Switching a new file needs an exclusive lock, and when
    another process holds one SQLite answers "database is locked" at once instead of waiting (its busy
    handler is skipped where waiting could deadlock), so retry until the busy timeout has passed."""
    timeout_ms = cur.execute("PRAGMA busy_timeout").fetchone()[0]
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.005)
