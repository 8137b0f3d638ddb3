"""The dispatcher as a background loop and across processes: the root lifespan and a real server (the pytest
plugin's) running it, claims that lapse, flush waiting for deliveries on their way, and (PostgreSQL) two
``omnimeet serve`` workers delivering one outbox exactly once."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import anyio
import httpx
import pytest
from sqlalchemy import func, select

from omnimeet.domain.events import DomainEvent, EventType
from omnimeet.domain.tables import OUTBOX, WEBHOOK_ATTEMPTS
from omnimeet.domain.tenancy import TenantSpec, ensure_tenant
from omnimeet.domain.webhooks import DEFAULT_RULES, OutboxWriter, create_endpoint
from omnimeet.platform.clock import VirtualClock
from omnimeet.platform.context import AppContext
from omnimeet.platform.db import Database
from omnimeet.platform.migrate import upgrade_to_head
from omnimeet.platform.web import PrefixDispatcher
from omnimeet.platform.webhooks import FlushResult
from omnimeet.testing.client import OmnimeetControl
from omnimeet.testing.plugin import OmnimeetServer
from tests.conftest import PG_SERVER_URL, client_for
from tests.platform.receiver import running_receiver

pytestmark = pytest.mark.anyio

OMNIMEET = Path(sys.executable).with_name("omnimeet")


def setup_outbox(ctx: AppContext, url: str, events: int = 1, keys: int = 1) -> None:
    """A tenant, an endpoint for ``url``, and ``events`` events spread over ``keys`` rooms (outbox rows)."""
    with ctx.db.transaction() as tx:
        ensure_tenant(tx, TenantSpec("acme", "Acme"), ctx.clock.now_ms())
        create_endpoint(tx, DEFAULT_RULES, api="telemost", url=url, now_ms=ctx.clock.now_ms())
        for n in range(events):
            event = DomainEvent(
                EventType.PARTICIPANT_JOINED, "acme", "telemost", f"room-{n % keys}", 0, {"n": n}
            )
            ctx.events.publish(tx, event)


def statuses(ctx: AppContext) -> list[str]:
    with ctx.db.transaction(write=False) as tx:
        return [row[0] for row in tx.fetch_all(select(OUTBOX.c.status).order_by(OUTBOX.c.seq))]


@contextlib.asynccontextmanager
async def background(ctx: AppContext) -> AsyncIterator[None]:
    """The dispatcher's loop, as the root app's lifespan runs it."""
    task = asyncio.create_task(ctx.webhooks.run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def wait_until(condition: Callable[[], bool], limit_s: float = 20) -> None:
    """Polls ``condition`` (a background loop's progress, which runs on wall time)."""
    with anyio.fail_after(limit_s):
        while not condition():
            await anyio.sleep(0.01)


async def test_the_background_loop_delivers_without_a_flush(app: PrefixDispatcher) -> None:
    ctx: AppContext = app.state.ctx
    with running_receiver() as receiver:
        setup_outbox(ctx, receiver.url, events=3, keys=1)
        async with background(ctx):
            await wait_until(lambda: statuses(ctx) == ["delivered"] * 3)
            assert [r.json()["data"]["n"] for r in receiver.received()] == [0, 1, 2]
            # A redelivery wakes the loop at once.
            first = int(receiver.received()[0].delivery)
            ctx.webhooks.redeliver(first)
            await wait_until(lambda: len(receiver.received()) == 4)
            assert receiver.received()[3].delivery == str(first)


async def test_the_lifespan_runs_the_loop(app: PrefixDispatcher) -> None:
    ctx: AppContext = app.state.ctx
    messages = iter([{"type": "lifespan.startup"}])
    shutdown = asyncio.Event()
    sent: list[str] = []

    async def receive() -> dict[str, str]:
        with contextlib.suppress(StopIteration):
            return next(messages)
        await shutdown.wait()
        return {"type": "lifespan.shutdown"}

    async def send(message: dict[str, str]) -> None:
        sent.append(message["type"])

    with running_receiver() as receiver:
        setup_outbox(ctx, receiver.url)
        # Keep the app's database open after shutdown: the test still reads it.
        app.on_shutdown = []
        lifespan = asyncio.create_task(app({"type": "lifespan"}, receive, send))  # type: ignore[arg-type]
        await wait_until(lambda: statuses(ctx) == ["delivered"])
        shutdown.set()
        await lifespan
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


async def test_flush_waits_for_deliveries_the_loop_has_on_their_way(app: PrefixDispatcher) -> None:
    ctx: AppContext = app.state.ctx
    with running_receiver(delay=0.3) as receiver:
        setup_outbox(ctx, receiver.url)
        async with background(ctx), client_for(app) as client:
            await wait_until(lambda: statuses(ctx) == ["delivering"])
            response = await client.post("/_omnimeet/webhooks/flush")
            assert response.json() == {"delivered": 0, "failed": 0, "pending": 0}  # the loop delivered it
            assert statuses(ctx) == ["delivered"]
            assert len(receiver.received()) == 1


async def test_a_lapsed_claim_is_delivered_by_the_next_flush(app: PrefixDispatcher) -> None:
    ctx: AppContext = app.state.ctx
    with running_receiver() as receiver:
        setup_outbox(ctx, receiver.url)
        wall = time.time_ns() // 1_000_000
        with ctx.db.transaction() as tx:  # a dispatcher claimed it and died
            tx.execute(OUTBOX.update().values(status="delivering", lease_until_ms=wall - 1))
        assert await ctx.webhooks.flush() == FlushResult(delivered=1, failed=0, pending=0)
        assert statuses(ctx) == ["delivered"]
        assert len(receiver.received()) == 1


async def test_flush_leaves_a_live_claim_of_another_process_alone(app: PrefixDispatcher) -> None:
    ctx: AppContext = app.state.ctx
    with running_receiver() as receiver:
        setup_outbox(ctx, receiver.url)
        wall = time.time_ns() // 1_000_000
        with ctx.db.transaction() as tx:  # another worker is delivering it
            tx.execute(OUTBOX.update().values(status="delivering", lease_until_ms=wall + 60_000))
        started = time.monotonic()
        assert await ctx.webhooks.flush(timeout=0.3) == FlushResult(delivered=0, failed=0, pending=0)
        assert time.monotonic() - started >= 0.3  # it waited for the other process, up to its limit
        assert statuses(ctx) == ["delivering"]
        assert receiver.received() == []


def test_a_real_server_flushes_on_its_loop_and_wakes_it_for_a_redelivery(
    omnimeet_server: OmnimeetServer, omnimeet: OmnimeetControl
) -> None:
    ctx = omnimeet_server.ctx
    with running_receiver() as receiver:
        setup_outbox(ctx, receiver.url, events=2)
        result = omnimeet.webhooks.flush()  # the background loop may have sent some already
        assert (result["failed"], result["pending"]) == (0, 0)
        assert statuses(ctx) == ["delivered", "delivered"]
        assert len(receiver.received()) == 2

        first = omnimeet.webhooks.list()[0]
        assert omnimeet.webhooks.redeliver(first["id"])["status"] == "pending"
        deadline = time.monotonic() + 20
        while len(receiver.received()) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert [r.delivery for r in receiver.received()][2:] == [str(first["id"])]


# --- two worker processes on PostgreSQL -----------------------------------------------------------------

ROWS = 300
ROOMS = 150
"""Two webhooks per room: many rooms, so that more rows are claimable at once than one worker takes (its
``CLAIM_BATCH``); and a receiver slow enough that the other worker's loop gets its turn."""
RECEIVER_DELAY_S = 0.25


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _workers(pgid: int) -> set[int]:
    """The uvicorn worker processes of the server started as process group ``pgid``."""
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                stat = Path(f"/proc/{entry}/stat").read_text()
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
                if int(stat.rsplit(")", 1)[1].split()[2]) == pgid and b"spawn_main" in cmdline:
                    found.add(int(entry))
    return found


def _owner_of_local_port(port: int, pids: set[int]) -> int | None:
    """Which of ``pids`` holds the TCP socket bound to 127.0.0.1:``port`` (the client end of a delivery)."""
    wanted = f"0100007F:{port:04X}"
    inode = None
    for _ in range(5):  # the table is read in pieces and can shift meanwhile: look again
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[1] == wanted:
                inode = fields[9]
                break
        if inode is not None:
            break
    if inode is None:
        return None
    target = f"socket:[{inode}]"
    for pid in pids:
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"/proc/{pid}/fd"):
                with contextlib.suppress(OSError):
                    if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                        return pid
    return None


@contextlib.contextmanager
def _two_workers(url: str, tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes], Path]]:
    port = _free_port()
    out = tmp_path / "serve.out"
    env = {name: value for name, value in os.environ.items() if not name.startswith("OMNIMEET_")}
    env["OMNIMEET_DATA_DIR"] = str(tmp_path / "data")
    command = [str(OMNIMEET), "serve", "--port", str(port), "--database-url", url, "--workers", "2"]
    with out.open("wb") as sink:
        process = subprocess.Popen(
            [*command, "--log-level", "info"],
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=tmp_path,
            env=env,
        )
    try:
        yield f"http://127.0.0.1:{port}", process, out
    finally:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=20)
        with contextlib.suppress(ProcessLookupError):  # workers left behind
            os.killpg(process.pid, signal.SIGKILL)


def _wait_for(condition: Callable[[], bool], what: str, limit_s: float, log: Path) -> None:
    deadline = time.monotonic() + limit_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{what} within {limit_s} s; server output:\n{log.read_text(errors='replace')}"
            )
        time.sleep(0.05)


@pytest.mark.postgres
@pytest.mark.skipif(not PG_SERVER_URL, reason="needs OMNIMEET_TEST_DATABASE_URL (PostgreSQL)")
def test_two_workers_deliver_every_row_exactly_once(
    empty_database_url: Callable[[], str], tmp_path: Path
) -> None:
    url = empty_database_url()
    db = Database(url)
    upgrade_to_head(db)
    with (
        contextlib.closing(db),
        _two_workers(url, tmp_path) as (base, process, log),
        running_receiver(delay=RECEIVER_DELAY_S) as receiver,
    ):
        _wait_for(
            lambda: log.read_text().count("Application startup complete.") == 2, "two workers up", 60, log
        )
        workers = _workers(process.pid)
        assert len(workers) == 2
        receiver.on_request = lambda peer_port: _owner_of_local_port(peer_port, workers)

        clock = VirtualClock()
        writer = OutboxWriter(clock, lambda api: DEFAULT_RULES)
        with db.transaction() as tx:
            ensure_tenant(tx, TenantSpec("acme", "Acme"), clock.now_ms())
            create_endpoint(tx, DEFAULT_RULES, api="telemost", url=receiver.url, now_ms=clock.now_ms())
        with db.transaction() as tx:  # all at once: both workers' loops find them on their next tick
            for n in range(ROWS):
                event = DomainEvent(
                    EventType.PARTICIPANT_JOINED, "acme", "telemost", f"room-{n % ROOMS}", 0, {"n": n}
                )
                writer.publish(tx, event)

        def delivered() -> int:
            answer = httpx.get(
                f"{base}/_omnimeet/webhooks", params={"status": "delivered", "limit": 0}, timeout=10
            )
            total: int = answer.json()["total"]
            return total

        _wait_for(lambda: delivered() == ROWS, f"{ROWS} deliveries", 60, log)

        got = receiver.received()
        per_delivery = Counter(r.delivery for r in got)
        assert len(per_delivery) == ROWS
        assert set(per_delivery.values()) == {1}, "a row was delivered more than once"
        with db.transaction(write=False) as tx:
            per_row = tx.fetch_all(
                select(WEBHOOK_ATTEMPTS.c.outbox_seq, func.count()).group_by(WEBHOOK_ATTEMPTS.c.outbox_seq)
            )
            statuses_ = tx.fetch_all(select(OUTBOX.c.status, func.count()).group_by(OUTBOX.c.status))
            errors = tx.fetch_all(
                select(WEBHOOK_ATTEMPTS.c.error).where(WEBHOOK_ATTEMPTS.c.error.is_not(None))
            )
        assert len(per_row) == ROWS
        assert {count for _, count in per_row} == {1}, f"a row has more than one attempt: {errors[:5]}"
        assert statuses_ == [("delivered", ROWS)]
        # In order within each room, across both workers.
        for room in range(ROOMS):
            seen = [r.json()["data"]["n"] for r in got if r.json()["data"]["n"] % ROOMS == room]
            assert seen == sorted(seen)
        # Both workers delivered some.
        by_worker = Counter(r.extra for r in got)
        assert workers <= set(by_worker), f"deliveries per worker: {dict(by_worker)}"
