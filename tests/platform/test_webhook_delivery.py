"""Delivering webhooks through the control API against a local receiver: the neutral envelope, signatures,
retries with exponential backoff on the virtual clock, the maximum age, redelivery, order per room."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

import httpx
import pytest

from omnimeet.domain.events import EventType
from omnimeet.domain.tables import OUTBOX
from omnimeet.platform.clock import iso_ms
from omnimeet.platform.web import PrefixDispatcher
from tests.conftest import client_for
from tests.platform.receiver import Receiver, running_receiver
from tests.platform.webhook_support import (
    T0,
    add_endpoint,
    add_tenant,
    ctx_of,
    deliveries,
    flush,
    freeze,
    ms_of,
    publish,
    without_durations,
)

pytestmark = pytest.mark.anyio


# --- delivery -----------------------------------------------------------------------------------------------


async def test_an_event_is_delivered_in_the_neutral_envelope(
    app: PrefixDispatcher, client: httpx.AsyncClient, receiver: Receiver
) -> None:
    ctx = ctx_of(app)
    freeze(ctx)
    add_tenant(ctx, "acme")
    await add_endpoint(client, receiver.url)
    publish(
        ctx, EventType.PARTICIPANT_JOINED, data={"room_id": "room-1", "participant_id": "p1", "name": "Ann"}
    )

    queued = await deliveries(client)
    assert len(queued) == 1
    delivery_id = queued[0]["id"]
    assert queued[0] == {
        "id": delivery_id,
        "vendor": "telemost",
        "tenant": "acme",
        "event": "participant.joined",
        "url": receiver.url,
        "status": "pending",
        "payload": {
            "type": "participant.joined",
            "occurred_at_ms": T0,
            "data": {"room_id": "room-1", "participant_id": "p1", "name": "Ann"},
            "tenant": "acme",
            "api": "telemost",
        },
        "attempts": [],
        "created_at": "2027-01-15T08:00:00.000Z",
        "next_attempt_at": "2027-01-15T08:00:00.000Z",
        "delivered_at": None,
    }
    assert receiver.received() == []

    assert await flush(client) == {"delivered": 1, "failed": 0, "pending": 0}

    [got] = receiver.received()
    assert got.path == "/hook"
    assert got.json() == {
        "id": delivery_id,
        "event": "participant.joined",
        "vendor": "telemost",
        "tenant": "acme",
        "occurred_at": "2027-01-15T08:00:00.000Z",
        "data": {"room_id": "room-1", "participant_id": "p1", "name": "Ann"},
    }
    assert got.headers["content-type"] == "application/json"
    assert got.headers["x-omnimeet-event"] == "participant.joined"
    assert got.headers["x-omnimeet-delivery"] == str(delivery_id)
    assert "x-omnimeet-signature" not in got.headers
    done = await client.get(f"/_omnimeet/webhooks/{delivery_id}")
    assert done.status_code == 200
    assert without_durations(done.json()) == {
        **queued[0],
        "status": "delivered",
        "attempts": [{"at": "2027-01-15T08:00:00.000Z", "status_code": 200, "error": None}],
        "next_attempt_at": None,
        "delivered_at": "2027-01-15T08:00:00.000Z",
    }
    # Nothing left: a second flush sends nothing.
    assert await flush(client) == {"delivered": 0, "failed": 0, "pending": 0}
    assert len(receiver.received()) == 1


async def test_a_secret_signs_the_body(
    app: PrefixDispatcher, client: httpx.AsyncClient, receiver: Receiver
) -> None:
    ctx = ctx_of(app)
    add_tenant(ctx, "acme")
    await add_endpoint(client, receiver.url, secret="top-secret")
    await add_endpoint(client, receiver.url.replace("/hook", "/plain"))
    publish(ctx)
    assert (await flush(client))["delivered"] == 2
    by_path = {r.path: r for r in receiver.received()}
    signed = by_path["/hook"]
    expected = "sha256=" + hmac.new(b"top-secret", signed.body, hashlib.sha256).hexdigest()
    assert signed.headers["x-omnimeet-signature"] == expected
    assert "x-omnimeet-signature" not in by_path["/plain"].headers


async def test_failed_attempts_are_retried_with_exponential_backoff_on_the_virtual_clock(
    app: PrefixDispatcher, client: httpx.AsyncClient
) -> None:
    ctx = ctx_of(app)
    freeze(ctx)
    add_tenant(ctx, "acme")
    with running_receiver(fail_first=2, fail_status=503) as receiver:
        await add_endpoint(client, receiver.url)
        publish(ctx)

        assert await flush(client) == {"delivered": 0, "failed": 1, "pending": 1}
        [row] = await deliveries(client)
        assert row["status"] == "pending"
        assert without_durations(row)["attempts"] == [
            {"at": iso_ms(T0), "status_code": 503, "error": None},
        ]
        assert row["next_attempt_at"] == iso_ms(T0 + 1000)  # base 1 s

        # Not due yet: nothing is sent, however often we flush.
        assert await flush(client) == {"delivered": 0, "failed": 0, "pending": 1}
        ctx.clock.advance(999)
        assert await flush(client) == {"delivered": 0, "failed": 0, "pending": 1}
        assert len(receiver.received()) == 1

        ctx.clock.advance(1)
        assert await flush(client) == {"delivered": 0, "failed": 1, "pending": 1}
        [row] = await deliveries(client)
        assert row["next_attempt_at"] == iso_ms(T0 + 1000 + 2000)  # then 2 s

        ctx.clock.advance(1999)
        assert await flush(client) == {"delivered": 0, "failed": 0, "pending": 1}
        ctx.clock.advance(1)
        assert await flush(client) == {"delivered": 1, "failed": 0, "pending": 0}

        [row] = await deliveries(client)
        assert without_durations(row)["attempts"] == [
            {"at": iso_ms(T0), "status_code": 503, "error": None},
            {"at": iso_ms(T0 + 1000), "status_code": 503, "error": None},
            {"at": iso_ms(T0 + 3000), "status_code": 200, "error": None},
        ]
        assert (row["status"], row["delivered_at"], row["next_attempt_at"]) == (
            "delivered",
            iso_ms(T0 + 3000),
            None,
        )
        got = receiver.received()
        assert [r.status for r in got] == [503, 503, 200]
        assert {r.delivery for r in got} == {str(row["id"])}
        assert len({r.body for r in got}) == 1  # the same webhook each time


async def test_the_delay_between_retries_stops_growing_at_the_maximum(
    make_app: Callable[..., PrefixDispatcher],
) -> None:
    app = make_app(webhook_retry_base_seconds=1, webhook_retry_max_seconds=3)
    ctx = ctx_of(app)
    freeze(ctx)
    add_tenant(ctx, "acme")
    async with client_for(app) as client:
        with running_receiver(fail_first=100) as receiver:
            await add_endpoint(client, receiver.url)
            publish(ctx)
            delays = []
            for _ in range(5):
                assert (await flush(client))["failed"] == 1
                [row] = await deliveries(client)
                due = row["next_attempt_at"]
                delays.append(ms_of(due) - ctx.clock.now_ms())
                ctx.clock.set(ms_of(due))
            assert delays == [1000, 2000, 3000, 3000, 3000]
            assert len(receiver.received()) == 5


async def test_a_webhook_older_than_the_maximum_age_fails_for_good(
    make_app: Callable[..., PrefixDispatcher],
) -> None:
    app = make_app(webhook_max_age_seconds=10)
    ctx = ctx_of(app)
    freeze(ctx)
    add_tenant(ctx, "acme")
    async with client_for(app) as client:
        with running_receiver(fail_first=100) as receiver:
            await add_endpoint(client, receiver.url)
            publish(ctx)
            assert await flush(client) == {"delivered": 0, "failed": 1, "pending": 1}
            ctx.clock.advance(10_000)  # exactly the maximum age: still retried
            assert await flush(client) == {"delivered": 0, "failed": 1, "pending": 1}
            ctx.clock.advance(10_000)
            assert await flush(client) == {"delivered": 0, "failed": 1, "pending": 0}
            [row] = await deliveries(client)
            assert (row["status"], row["next_attempt_at"], len(row["attempts"])) == ("failed", None, 3)
            ctx.clock.advance(86_400_000)
            assert await flush(client) == {"delivered": 0, "failed": 0, "pending": 0}
            assert len(receiver.received()) == 3
            assert await deliveries(client, status="failed") == [row]


async def test_an_unreachable_target_records_the_error(
    app: PrefixDispatcher, client: httpx.AsyncClient
) -> None:
    ctx = ctx_of(app)
    freeze(ctx)
    add_tenant(ctx, "acme")
    closed = Receiver()  # bound, then closed: nothing listens on its port
    closed.stop()
    await add_endpoint(client, closed.url)
    publish(ctx)
    assert await flush(client) == {"delivered": 0, "failed": 1, "pending": 1}
    [row] = await deliveries(client)
    [attempt] = row["attempts"]
    assert attempt["status_code"] is None
    assert attempt["error"].startswith("ConnectError")


async def test_a_receiver_slower_than_the_timeout_is_a_failed_attempt(
    make_app: Callable[..., PrefixDispatcher],
) -> None:
    app = make_app(webhook_timeout_seconds=0.2)
    ctx = ctx_of(app)
    freeze(ctx)
    add_tenant(ctx, "acme")
    async with client_for(app) as client:
        with running_receiver(delay=1.0) as receiver:
            await add_endpoint(client, receiver.url)
            publish(ctx)
            assert await flush(client) == {"delivered": 0, "failed": 1, "pending": 1}
            [row] = await deliveries(client)
            [attempt] = row["attempts"]
            assert (attempt["status_code"], attempt["error"]) == (None, "timeout")
            assert 200 <= attempt["duration_ms"] < 1000
            assert (row["status"], row["next_attempt_at"]) == ("pending", iso_ms(T0 + 1000))


async def test_a_target_url_httpx_cannot_use_is_a_failed_attempt(
    app: PrefixDispatcher, client: httpx.AsyncClient
) -> None:
    ctx = ctx_of(app)
    freeze(ctx)
    add_tenant(ctx, "acme")
    await add_endpoint(client, "http://placeholder.example/")
    publish(ctx)
    with ctx.db.transaction() as tx:  # e.g. a callback URL a vendor's room named
        tx.execute(OUTBOX.update().values(target_url="http://[::1/"))
    assert await flush(client) == {"delivered": 0, "failed": 1, "pending": 1}
    [row] = await deliveries(client)
    [attempt] = row["attempts"]
    assert attempt["status_code"] is None
    assert attempt["error"].startswith("InvalidURL")


async def test_redeliver_sends_a_delivered_webhook_again(
    app: PrefixDispatcher, client: httpx.AsyncClient, receiver: Receiver
) -> None:
    ctx = ctx_of(app)
    freeze(ctx)
    add_tenant(ctx, "acme")
    await add_endpoint(client, receiver.url)
    publish(ctx)
    await flush(client)
    [row] = await deliveries(client)
    ctx.clock.advance(60_000)

    response = await client.post(f"/_omnimeet/webhooks/{row['id']}/redeliver")
    assert response.status_code == 202
    assert without_durations(response.json()) == {
        **without_durations(row),
        "status": "pending",
        "next_attempt_at": iso_ms(T0 + 60_000),
    }
    assert await flush(client) == {"delivered": 1, "failed": 0, "pending": 0}
    got = receiver.received()
    assert [r.delivery for r in got] == [str(row["id"])] * 2
    assert got[0].body == got[1].body
    [again] = await deliveries(client)
    assert [a["at"] for a in again["attempts"]] == [iso_ms(T0), iso_ms(T0 + 60_000)]
    assert again["delivered_at"] == iso_ms(T0 + 60_000)

    missing = await client.post("/_omnimeet/webhooks/999999999/redeliver")
    assert (missing.status_code, missing.json()["error"]) == (404, "not_found")
    assert (await client.get("/_omnimeet/webhooks/999999999")).status_code == 404


async def test_webhooks_of_one_room_arrive_in_order(app: PrefixDispatcher, client: httpx.AsyncClient) -> None:
    ctx = ctx_of(app)
    freeze(ctx)
    add_tenant(ctx, "acme")
    with running_receiver(fail_first=1, fail_if=lambda body: b'"a1"' in body) as receiver:
        await add_endpoint(client, receiver.url)
        publish(ctx, EventType.SESSION_STARTED, key="room-a", data={"n": "a1"})
        publish(ctx, EventType.PARTICIPANT_JOINED, key="room-a", data={"n": "a2"})
        publish(ctx, EventType.SESSION_STARTED, key="room-b", data={"n": "b1"})
        publish(ctx, EventType.PARTICIPANT_JOINED, key="room-a", data={"n": "a3"})

        # a1 fails; a2 and a3 wait behind it, room b is not held up.
        assert await flush(client) == {"delivered": 1, "failed": 1, "pending": 3}
        assert sorted((r.json()["data"]["n"], r.status) for r in receiver.received()) == [
            ("a1", 500),
            ("b1", 200),
        ]

        ctx.clock.advance(1000)
        assert await flush(client) == {"delivered": 3, "failed": 0, "pending": 0}
        assert [r.json()["data"]["n"] for r in receiver.received()][2:] == ["a1", "a2", "a3"]


async def test_a_long_run_of_one_room_is_delivered_in_order_by_one_flush(
    app: PrefixDispatcher, client: httpx.AsyncClient, receiver: Receiver
) -> None:
    ctx = ctx_of(app)
    add_tenant(ctx, "acme")
    await add_endpoint(client, receiver.url)
    for n in range(12):
        publish(ctx, key="room-a" if n % 3 else "room-b", data={"n": n})
    assert await flush(client) == {"delivered": 12, "failed": 0, "pending": 0}
    got = [r.json()["data"]["n"] for r in receiver.received()]
    assert [n for n in got if n % 3] == [n for n in range(12) if n % 3]
    assert [n for n in got if not n % 3] == [0, 3, 6, 9]
