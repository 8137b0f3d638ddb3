"""Crash: SIGKILL the whole server (supervisor and both workers) in the middle of a write load, start it again
on the same database and data directory. It must start cleanly, and every create that got a 2xx must be there
(on SQLite the restart recovers the write-ahead log the killed processes left behind; on PostgreSQL the test
has a database of its own).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url

from tests.reliability.conftest import MakeLiveServer
from tests.reliability.live import ROOM_APIS, Created, LiveServer, log_problems

WRITERS = 8
VENDORS = list(ROOM_APIS)
KILL_AFTER = 120
"""Acknowledged creates before the SIGKILL (the writers keep going: requests are in flight when it lands)."""
MAX_CREATES_PER_WRITER = 400
"""Bounds the load should the kill never come."""
DEADLINE_S = 90.0
REQUEST_TIMEOUT_S = 30.0


@dataclass
class Load:
    """What the writers saw, shared between them (under ``lock``)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    created: list[Created] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    cut_off: list[str] = field(default_factory=list)
    """Per writer, the transport error that ended it (the kill)."""
    enough: threading.Event = field(default_factory=threading.Event)


def _write(server: LiveServer, number: int, load: Load) -> None:
    """Creates rooms round-robin over the vendors until a request fails at the transport level (the kill)."""
    try:
        _write_until_cut_off(server, number, load)
    except Exception as exc:  # reported by the test, not lost in the thread
        with load.lock:
            load.problems.append(f"writer {number} crashed: {exc!r}")


def _write_until_cut_off(server: LiveServer, number: int, load: Load) -> None:
    tenant = f"tenant-{number % 3}"
    with httpx.Client(base_url=server.base_url, timeout=REQUEST_TIMEOUT_S) as client:
        for op in range(MAX_CREATES_PER_WRITER):
            api = ROOM_APIS[VENDORS[(number + op) % len(VENDORS)]]
            marker = f"w{number}-op{op}"
            try:
                response = api.create(client, tenant, marker)
            except httpx.TransportError as exc:
                with load.lock:
                    load.cut_off.append(f"writer {number}, {api.vendor} create {marker}: {exc!r}")
                return
            with load.lock:
                if response.status_code == api.created_status:
                    load.created.append(Created(api.vendor, tenant, marker, api.created_id(response)))
                    if len(load.created) >= KILL_AFTER:
                        load.enough.set()
                else:
                    request = response.request
                    load.problems.append(
                        f"{request.method} {request.url.path} -> {response.status_code} {response.text[:300]}"
                    )


@dataclass
class Writers:
    threads: list[threading.Thread]

    def join(self, deadline: float) -> list[str]:
        """Waits for every writer until ``deadline``; the names of those still running."""
        for thread in self.threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        return [thread.name for thread in self.threads if thread.is_alive()]


def _start_writers(server: LiveServer, load: Load) -> Writers:
    threads = [
        threading.Thread(target=_write, args=(server, number, load), name=f"writer-{number}", daemon=True)
        for number in range(WRITERS)
    ]
    for thread in threads:
        thread.start()
    return Writers(threads)


def _sqlite_path(database_url: str) -> Path | None:
    url = make_url(database_url)
    return Path(url.database) if url.get_backend_name() == "sqlite" and url.database else None


def _public_ids(server: LiveServer) -> Iterator[str]:
    response = httpx.get(server.url("/_omnimeet/state"), timeout=REQUEST_TIMEOUT_S)
    assert response.status_code == 200, response.text
    for row in response.json()["tables"]["rooms"]:
        yield row["public_id"]


def test_sigkill_during_writes_loses_no_acknowledged_create(
    make_live_server: MakeLiveServer, fresh_database_url: str
) -> None:
    server = make_live_server(workers=2)
    deadline = time.monotonic() + DEADLINE_S
    load = Load()
    writers = _start_writers(server, load)

    assert load.enough.wait(timeout=DEADLINE_S), (len(load.created), load.problems[:20], server.log_text())
    server.kill()
    still_running = writers.join(deadline)
    assert not still_running, still_running
    first_log = server.log_text()

    with load.lock:
        created = list(load.created)
    assert not load.problems, f"{len(load.problems)} unexpected answers:\n" + "\n".join(load.problems[:50])
    # Every writer was still writing when the kill came: each ended on a transport error, none ran out.
    assert len(load.cut_off) == WRITERS, load.cut_off
    # ... and requests were in flight when it landed (not only refused connections afterwards).
    assert any("ConnectError" not in cut for cut in load.cut_off), load.cut_off
    assert len(created) >= KILL_AFTER
    assert not log_problems(first_log), first_log

    sqlite = _sqlite_path(fresh_database_url)
    if sqlite is not None:
        # The killed processes left their write-ahead log: the restart must recover it.
        wal = sqlite.with_name(sqlite.name + "-wal")
        assert wal.exists(), sorted(p.name for p in sqlite.parent.iterdir())
        assert wal.stat().st_size > 0

    server.start()  # same port, database and data directory; raises (with the log) unless healthy
    restart_log = server.log_text()
    assert not log_problems(restart_log), restart_log
    assert len(server.worker_pids()) == 2, restart_log

    # Every acknowledged create is there, as written.
    missing = []
    with httpx.Client(base_url=server.base_url, timeout=REQUEST_TIMEOUT_S) as client:
        for room in created:
            api = ROOM_APIS[room.vendor]
            read = api.read(client, room.tenant, room.room_id)
            if not api.read_matches(read, room.marker):
                missing.append(
                    f"{room.vendor} {room.room_id} ({room.marker}): {read.status_code} {read.text[:200]}"
                )
    assert not missing, f"{len(missing)} of {len(created)} acknowledged creates lost:\n" + "\n".join(
        missing[:50]
    )

    # Nothing else but, at most, the creates in flight at the kill (one per writer) that committed unanswered.
    stored = list(_public_ids(server))
    assert len(stored) == len(set(stored))
    assert {room.room_id for room in created} <= set(stored)
    assert len(created) <= len(stored) <= len(created) + WRITERS, (len(created), len(stored))

    # And the restarted server takes new writes, through every vendor.
    with httpx.Client(base_url=server.base_url, timeout=REQUEST_TIMEOUT_S) as client:
        for vendor, api in ROOM_APIS.items():
            response = api.create(client, "after-restart", f"after-{vendor}")
            assert response.status_code == api.created_status, response.text
            read = api.read(client, "after-restart", api.created_id(response))
            assert api.read_matches(read, f"after-{vendor}"), read.text

    assert server.stop() == 0, server.log_text()
    assert not log_problems(server.log_text()), server.log_text()
