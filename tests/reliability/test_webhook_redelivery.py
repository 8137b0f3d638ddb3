"""Webhooks against a live ``omnimeet serve`` (1 or 2 workers, SQLite or PostgreSQL): the receiver refuses
(503) for a while, then accepts. Every event is delivered, each attempt reaches the receiver once and an
accepted event is never sent again, and each room's webhooks arrive in the order they happened. Deliveries
survive a restart: a graceful stop (SIGTERM) in the middle of attempts, and a SIGKILL, on the same database.

Events come from two vendors with their own formats, on a few rooms each: OpenVidu Meet recordings started
and stopped through its API (seven webhooks each), and Vonage rooms made through its API whose participants
join and leave through the control plane's simulation (the Vonage webhook's JWT names the outbox row in its
``jti``). Retries are quick (``OMNIMEET_WEBHOOK_RETRY_BASE_SECONDS``), except in the SIGKILL test, where
they wait for the virtual clock to be moved.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
import pytest

from omnimeet.domain import outbox
from omnimeet.domain.outbox import Attempt, Delivery
from omnimeet.platform.db import Database
from omnimeet.platform.webhooks import INTERRUPTED
from tests.platform.receiver import Received, Receiver, running_receiver
from tests.reliability.conftest import MakeLiveServer
from tests.reliability.live import LiveServer, log_problems

CONTROL = "/_omnimeet"
MEET = "/openvidu/meet/api/v1"
VONAGE = "/vonage/v1/meetings"
MEET_KEY = "reliability-meet-key"
VONAGE_APP = "reliability-application"
VONAGE_SECRET = "a-vonage-signature-secret-32-byte"
"""The Vonage endpoint's secret: its webhooks carry ``Authorization: Bearer <JWT>`` with ``jti`` = row id."""
ROOMS = 3
"""Rooms per vendor."""
RECORDINGS = 2
"""Recordings per OpenVidu Meet room, one after the other: 7 webhooks each."""
PEOPLE = 3
"""Participants per Vonage room: session:started, then each joins, then each leaves."""
EXPECTED = ROOMS * RECORDINGS * 7 + ROOMS * (1 + 2 * PEOPLE)
REFUSED = 503
QUICK_RETRIES = {
    "OMNIMEET_WEBHOOK_RETRY_BASE_SECONDS": "0.1",
    "OMNIMEET_WEBHOOK_RETRY_MAX_SECONDS": "0.4",
}
SLOW_RETRIES = {"OMNIMEET_WEBHOOK_RETRY_BASE_SECONDS": "120"}
"""After a failed attempt a row waits two (virtual) minutes: nothing is on its way when the test kills, nor
after the restart until the clock moves."""
CLOCK_MOVE_S = 300
"""Past those retries, and short of the Vonage rooms' expiry (ten minutes: more webhooks)."""
SLOW_REFUSAL_S = 8.0
"""How long the receiver takes to refuse in the graceful restart test: longer than a stopping server lets
its deliveries finish (SHUTDOWN_GRACE_SECONDS) plus the time it takes to stop."""
TIMEOUT_S = "2"
"""``OMNIMEET_WEBHOOK_TIMEOUT_SECONDS``: a claim lasts this plus 30 s (LEASE_MARGIN_MS)."""
WAIT_S = 30.0
MEET_STEPS = [
    ("recordingUpdated", "STARTING"),
    ("recordingUpdated", "STARTED"),
    ("recordingStarted", "STARTED"),
    ("recordingUpdated", "STOPPING"),
    ("recordingUpdated", "STOPPED"),
    ("recordingUpdated", "READY"),
    ("recordingEnded", "READY"),
]

Identity = tuple[str, ...]
"""What one webhook is about: the vendor's event name and the thing it names (recording and status, or the
participant)."""


# --- the live server ----------------------------------------------------------------------------------


def wait_for(condition: Callable[[], bool], what: str, limit_s: float, server: LiveServer) -> None:
    deadline = time.monotonic() + limit_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {limit_s} s; server logs:\n{server.all_logs()}")
        time.sleep(0.05)


def serve(make_live_server: MakeLiveServer, workers: int, retries: dict[str, str]) -> LiveServer:
    return make_live_server(workers=workers, env={"OMNIMEET_WEBHOOK_TIMEOUT_SECONDS": TIMEOUT_S, **retries})


# --- the receiver -------------------------------------------------------------------------------------


def refusing() -> contextlib.AbstractContextManager[Receiver]:
    """A receiver that refuses (503) until ``accept``."""
    return running_receiver(fail_first=10**9, fail_status=REFUSED)


def accept(receiver: Receiver) -> None:
    """From now on the receiver answers 200 at once. (Under its lock: a request being refused right now
    counts ``fail_first`` down, and must not write its count back over the 0.)"""
    with receiver._lock:
        receiver.delay = 0.0
        receiver.fail_first = 0


def vonage_row(request: Received) -> int:
    """The outbox row a Vonage webhook carries in its signed JWT's ``jti`` (the signature checked)."""
    token = request.headers["authorization"].removeprefix("Bearer ")
    claims = jwt.decode(token, VONAGE_SECRET, algorithms=["HS256"], options={"verify_iat": False})
    assert claims["iss"] == "Vonage"
    return int(claims["jti"])


def room_and_identity(request: Received) -> tuple[str, Identity]:
    body = request.json()
    if request.path == "/meet":
        data = body["data"]
        return data["roomName"], (body["event"], data["id"], data["status"])
    assert request.path == "/vonage", request.path
    return body["room_id"], (body["event"], body.get("participant_id") or "")


# --- producing events through the vendors' APIs ----------------------------------------------------------


@dataclass
class Produced:
    """Each room's webhooks in the order they happened."""

    rooms: dict[str, list[Identity]] = field(default_factory=lambda: defaultdict(list))

    @property
    def count(self) -> int:
        return sum(len(events) for events in self.rooms.values())


def ok(response: httpx.Response, status: int) -> Any:
    assert response.status_code == status, (response.request.url, response.status_code, response.text)
    return response.json() if response.content else None


def subscribe(client: httpx.Client, receiver: Receiver) -> None:
    endpoint = {"vendor": "openvidu-meet", "url": f"{receiver.base}/meet"}
    ok(client.post(f"{CONTROL}/webhooks/endpoints", json=endpoint), 201)
    endpoint = {"vendor": "vonage", "url": f"{receiver.base}/vonage", "secret": VONAGE_SECRET}
    ok(client.post(f"{CONTROL}/webhooks/endpoints", json=endpoint), 201)


def produce(client: httpx.Client) -> Produced:
    """OpenVidu Meet recordings and Vonage participants on ``ROOMS`` rooms each, the rooms interleaved."""
    produced = Produced()
    now_s = int(time.time())
    meet = {"X-API-KEY": MEET_KEY}
    claims = {"application_id": VONAGE_APP, "iat": now_s, "jti": "reliability", "exp": now_s + 3600}
    vonage = {"Authorization": "Bearer " + jwt.encode(claims, "k" * 32, algorithm="HS256")}
    meet_rooms = [
        ok(client.post(f"{MEET}/rooms", headers=meet, json={"expirationDate": (now_s + 86_400) * 1000}), 200)[
            "roomName"
        ]
        for _ in range(ROOMS)
    ]
    vonage_rooms = [
        ok(client.post(f"{VONAGE}/rooms", headers=vonage, json={"display_name": f"r{n}"}), 201)["id"]
        for n in range(ROOMS)
    ]
    people: dict[str, list[str]] = defaultdict(list)
    for n in range(PEOPLE):
        for room in vonage_rooms:
            joined = ok(
                client.post(f"{CONTROL}/vendors/vonage/rooms/{room}/participants", json={"name": f"p{n}"}),
                201,
            )
            if n == 0:
                produced.rooms[room].append(("session:started", ""))
            produced.rooms[room].append(("session:participant:joined", joined["id"]))
            people[room].append(joined["id"])
    for _ in range(RECORDINGS):
        recordings = {
            room: ok(client.post(f"{MEET}/recordings", headers=meet, json={"roomName": room}), 200)["id"]
            for room in meet_rooms
        }
        for room, recording in recordings.items():
            assert client.put(f"{MEET}/recordings/{recording}", headers=meet).status_code == 204
            produced.rooms[room].extend((event, recording, status) for event, status in MEET_STEPS)
    for room in vonage_rooms:
        for person in people[room]:
            ok(client.delete(f"{CONTROL}/vendors/vonage/rooms/{room}/participants/{person}"), 200)
            produced.rooms[room].append(("session:participant:left", person))
    assert produced.count == EXPECTED
    return produced


# --- what the outbox says ----------------------------------------------------------------------------


def deliveries(client: httpx.Client) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = ok(client.get(f"{CONTROL}/webhooks", params={"limit": 1000}), 200)[
        "deliveries"
    ]
    return found


def counted(client: httpx.Client, status: str) -> int:
    total: int = ok(client.get(f"{CONTROL}/webhooks", params={"status": status, "limit": 0}), 200)["total"]
    return total


def refused_rooms(receiver: Receiver) -> dict[str, int]:
    refusals: dict[str, int] = defaultdict(int)
    for request in receiver.received():
        if request.status == REFUSED:
            refusals[room_and_identity(request)[0]] += 1
    return refusals


def outbox_after_the_stop(url: str) -> tuple[list[str], list[tuple[Delivery, list[Attempt]]]]:
    """Read from the database while no server runs: every row's status, and the rows with attempts."""
    db = Database(url)
    try:
        with db.transaction(write=False) as tx:
            total, rows = outbox.list_deliveries(tx, 1000)
            attempts = outbox.attempts_of(tx, rows)
    finally:
        db.close()
    assert total == len(rows)
    return [row.status.value for row in rows], [(row, attempts[row.id]) for row in rows if attempts[row.id]]


# --- the checks ----------------------------------------------------------------------------------------


def check_everything_delivered_once_in_order(
    client: httpx.Client, receiver: Receiver, produced: Produced, server: LiveServer
) -> None:
    wait_for(lambda: counted(client, "delivered") == EXPECTED, f"{EXPECTED} deliveries", WAIT_S, server)
    time.sleep(0.6)  # more than the dispatcher's poll: anything sent twice would have arrived by now
    received = receiver.received()
    rows = deliveries(client)
    assert len(rows) == EXPECTED
    assert {row["status"] for row in rows} == {"delivered"}

    # Each room's accepted webhooks: every event once, in the order it happened.
    accepted: dict[str, list[Identity]] = defaultdict(list)
    for request in received:
        if request.status == 200:
            room, identity = room_and_identity(request)
            accepted[room].append(identity)
    assert dict(accepted) == dict(produced.rooms)

    # The outbox's rows of each room are its events, in order; each attempt reached the receiver once.
    rows_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        rows_of[str(row["payload"]["data"]["room_id"])].append(row)
    requests_of: dict[Identity, list[Received]] = defaultdict(list)
    for request in received:
        room, identity = room_and_identity(request)
        requests_of[(room, *identity)].append(request)
    assert set(rows_of) == set(produced.rooms)
    for room, identities in produced.rooms.items():
        assert len(rows_of[room]) == len(identities)
        for row, identity in zip(rows_of[room], identities, strict=True):
            requests = requests_of[(room, *identity)]
            attempts = row["attempts"]
            got = [request.status for request in requests]
            made = [REFUSED if a["error"] == INTERRUPTED else a["status_code"] for a in attempts]
            assert got == made, (room, identity, got, attempts)
            assert got.count(200) == 1, (room, identity, got)
            assert got[-1] == 200, (room, identity, got)
            if row["vendor"] == "vonage":
                assert {vonage_row(request) for request in requests} == {row["id"]}


# --- the tests -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("workers", [1, 2])
def test_refused_for_a_while_then_every_event_once_in_order(
    make_live_server: MakeLiveServer, workers: int
) -> None:
    """The receiver refuses until every room's first webhook was tried a few times, then accepts: each event
    arrives once, in its room's order, after the attempts the outbox recorded."""
    server = serve(make_live_server, workers, QUICK_RETRIES)
    with refusing() as receiver, httpx.Client(base_url=server.base_url, timeout=30) as client:
        subscribe(client, receiver)
        produced = produce(client)
        # Refused for a while: every room's first webhook at least three times (retries do happen).
        wait_for(
            lambda: len(refused_rooms(receiver)) == 2 * ROOMS and min(refused_rooms(receiver).values()) >= 3,
            "three refusals in every room",
            WAIT_S,
            server,
        )
        assert counted(client, "delivered") == 0
        accept(receiver)
        check_everything_delivered_once_in_order(client, receiver, produced, server)
    assert log_problems(server.all_logs()) == []


@pytest.mark.parametrize("workers", [1, 2])
def test_a_graceful_restart_in_the_middle_of_attempts(
    make_live_server: MakeLiveServer, fresh_database_url: str, workers: int
) -> None:
    """SIGTERM while every room's first attempt is on its way (the receiver takes its time to refuse): past
    its grace the stopping server cuts them short, records them as interrupted and gives their rows back, so
    the restarted one delivers everything at once instead of waiting for the claims to lapse (the timeout
    plus 30 s)."""
    server = serve(make_live_server, workers, QUICK_RETRIES)
    with refusing() as receiver, httpx.Client(base_url=server.base_url, timeout=30) as client:
        subscribe(client, receiver)
        arrived = threading.Semaphore(0)
        receiver.on_request = lambda port: arrived.release()
        receiver.delay = SLOW_REFUSAL_S
        produced = produce(client)
        for _ in range(2 * ROOMS):
            assert arrived.acquire(timeout=WAIT_S), server.all_logs()
        assert server.stop() in (0, -signal.SIGTERM), server.all_logs()  # (uvicorn re-raises the signal)
        assert server.log_text().count("Application shutdown complete.") == workers, server.all_logs()
        # The receiver answers the attempts cut short (503, to nobody) before it starts accepting.
        wait_for(lambda: len(receiver.received()) == 2 * ROOMS, "the cut attempts answered", WAIT_S, server)

        # In the outbox of the stopped server: no claim left; the cut attempts recorded, their rows due.
        statuses, cut = outbox_after_the_stop(fresh_database_url)
        assert statuses == ["pending"] * EXPECTED, statuses
        assert len(cut) == 2 * ROOMS, cut
        for delivery, attempts in cut:
            assert [(a.status_code, a.error) for a in attempts] == [(None, INTERRUPTED)]
            assert delivery.attempts == 1
            assert delivery.next_attempt_at_ms == attempts[0].attempted_at_ms
            assert delivery.lease_until_ms is None

        accept(receiver)
        server.start()
        check_everything_delivered_once_in_order(client, receiver, produced, server)
    assert log_problems(server.all_logs()) == []


@pytest.mark.parametrize("workers", [1, 2])
def test_deliveries_survive_a_sigkill(make_live_server: MakeLiveServer, workers: int) -> None:
    """Every room's first webhook refused once, then SIGKILL (nothing on its way: the next attempts wait two
    minutes of virtual time); the restarted server finds the whole outbox, and delivers it once the clock
    moves."""
    server = serve(make_live_server, workers, SLOW_RETRIES)
    with refusing() as receiver, httpx.Client(base_url=server.base_url, timeout=30) as client:
        subscribe(client, receiver)
        produced = produce(client)

        def heads_refused() -> bool:
            rows = deliveries(client)
            tried = [row for row in rows if row["attempts"]]
            return len(tried) == 2 * ROOMS and all(row["status"] == "pending" for row in rows)

        wait_for(heads_refused, "every room's first webhook refused", WAIT_S, server)
        server.kill()

        accept(receiver)
        server.start()
        rows = deliveries(client)
        assert [row["status"] for row in rows] == ["pending"] * EXPECTED
        assert [len(row["attempts"]) for row in rows].count(1) == 2 * ROOMS
        assert sum(len(row["attempts"]) for row in rows) == 2 * ROOMS
        time.sleep(0.6)  # not due yet: nothing goes out until the clock moves
        assert len(receiver.received()) == 2 * ROOMS
        ok(client.post(f"{CONTROL}/clock", json={"advance_seconds": CLOCK_MOVE_S}), 200)
        check_everything_delivered_once_in_order(client, receiver, produced, server)
