"""Concurrency: 32 clients at once create and read rooms through all five vendors against a live server with
two workers, on the backend under test (SQLite by default, PostgreSQL with ``OMNIMEET_TEST_DATABASE_URL``).

What must hold: no 5xx (no answer but the vendor's success at all), no id handed out twice, every
acknowledged create readable afterwards with what was written, no "database is locked" reaching a client or
the server log, both workers serving.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx

from tests.reliability.conftest import MakeLiveServer
from tests.reliability.live import ROOM_APIS, Created, LiveServer, RoomApi, cpu_seconds, log_problems

CLIENTS = 32
OPERATIONS = 15
"""Creates per client, each read back at once: 32 x 15 = 480 creates and 480 reads."""
TENANTS = 4
"""Clients share tenants (client i is tenant i % 4), so rooms of one tenant are written concurrently."""
VENDORS = list(ROOM_APIS)
LOAD_DEADLINE_S = 120.0
"""Far above the few seconds the load takes; only there so that a hung server fails the test, not the run."""
REQUEST_TIMEOUT_S = 30.0
LOCKED = "database is locked"
CLOSE = {"Connection": "close"}


@dataclass
class ClientResult:
    created: list[Created] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    locked: list[str] = field(default_factory=list)


def _describe(response: httpx.Response) -> str:
    request = response.request
    return f"{request.method} {request.url.path} -> {response.status_code} {response.text[:300]}"


def _client(server: LiveServer) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, timeout=REQUEST_TIMEOUT_S)


def _run_client(server: LiveServer, number: int, start: threading.Barrier) -> ClientResult:
    """One client: OPERATIONS creates, round-robin over the vendors, each read back at once on the same
    connection, which the read then closes: each operation opens a new connection, so the workers keep taking
    new ones throughout the load (kept-alive connections accepted at the start could all land on one
    worker)."""
    result = ClientResult()
    tenant = f"tenant-{number % TENANTS}"
    start.wait(timeout=LOAD_DEADLINE_S)
    with _client(server) as client:
        for op in range(OPERATIONS):
            api = ROOM_APIS[VENDORS[(number + op) % len(VENDORS)]]
            _create_and_read(client, api, tenant, f"c{number}-op{op}", result)
    return result


def _create_and_read(
    client: httpx.Client, api: RoomApi, tenant: str, marker: str, result: ClientResult
) -> None:
    try:
        response = api.create(client, tenant, marker)
    except httpx.HTTPError as exc:
        result.problems.append(f"{api.vendor} create {marker}: {exc!r}")
        return
    if LOCKED in response.text.lower():
        result.locked.append(_describe(response))
    if response.status_code != api.created_status:
        result.problems.append(f"{api.vendor} create {marker}: {_describe(response)}")
        return
    room_id = api.created_id(response)
    result.created.append(Created(api.vendor, tenant, marker, room_id))
    try:
        read = api.read(client, tenant, room_id, CLOSE)
    except httpx.HTTPError as exc:
        result.problems.append(f"{api.vendor} read {room_id}: {exc!r}")
        return
    if LOCKED in read.text.lower():
        result.locked.append(_describe(read))
    if not api.read_matches(read, marker):
        result.problems.append(f"{api.vendor} read {room_id} ({marker}): {_describe(read)}")


def test_32_clients_on_two_workers_lose_nothing(make_live_server: MakeLiveServer) -> None:
    server = make_live_server(workers=2)
    workers = server.worker_pids()
    assert len(workers) == 2, server.log_text()
    cpu_before = {pid: cpu_seconds(pid) for pid in workers}

    start = threading.Barrier(CLIENTS)
    began = time.monotonic()
    pool = ThreadPoolExecutor(max_workers=CLIENTS)
    futures = [pool.submit(_run_client, server, number, start) for number in range(CLIENTS)]
    try:
        results = [
            future.result(timeout=max(1.0, LOAD_DEADLINE_S - (time.monotonic() - began)))
            for future in futures
        ]
    except BaseException:
        server.kill()  # a hung load: every request still waiting fails at once, so the pool can end
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    cpu_after = {pid: cpu_seconds(pid) for pid in workers}

    problems = [problem for result in results for problem in result.problems]
    locked = [answer for result in results for answer in result.locked]
    created = [room for result in results for room in result.created]
    assert not problems, f"{len(problems)} unexpected answers:\n" + "\n".join(problems[:50])
    assert not locked, "\n".join(locked[:50])
    assert len(created) == CLIENTS * OPERATIONS

    # No id twice (per vendor; the vendors' id spaces differ anyway).
    per_vendor = Counter((room.vendor, room.room_id) for room in created)
    twice = [key for key, count in per_vendor.items() if count > 1]
    assert not twice, twice
    assert Counter(room.vendor for room in created) == dict.fromkeys(
        VENDORS, CLIENTS * OPERATIONS // len(VENDORS)
    )

    # Every acknowledged create, read again once the load is over (each on a new connection, either worker).
    unreadable = []
    with _client(server) as client:
        for room in created:
            api = ROOM_APIS[room.vendor]
            read = api.read(client, room.tenant, room.room_id, CLOSE)
            if not api.read_matches(read, room.marker):
                unreadable.append(f"{room.vendor} {room.room_id} ({room.marker}): {_describe(read)}")
    assert not unreadable, f"{len(unreadable)} of {len(created)} created rooms unreadable:\n" + "\n".join(
        unreadable[:50]
    )

    # The database holds exactly these rooms: none twice, none more.
    state = httpx.get(server.url("/_omnimeet/state"), timeout=REQUEST_TIMEOUT_S)
    assert state.status_code == 200, state.text
    stored = [row["public_id"] for row in state.json()["tables"]["rooms"]]
    acknowledged = {room.room_id for room in created}
    assert len(stored) == len(set(stored)), Counter(stored).most_common(5)
    assert set(stored) == acknowledged, (
        sorted(set(stored) - acknowledged),
        sorted(acknowledged - set(stored)),
    )

    # Both workers served: each spent CPU time on the load (an idle worker spends next to none).
    spent = {pid: cpu_after[pid] - cpu_before[pid] for pid in workers}
    total = sum(spent.values())
    assert all(seconds >= 0.1 * total for seconds in spent.values()), spent

    log = server.log_text()
    assert LOCKED not in log.lower(), log
    assert not log_problems(log), log
