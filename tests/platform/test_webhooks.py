"""Webhook delivery through the control API: endpoints, the outbox, flush, retries on the virtual clock,
redelivery, signatures, filters, ordering per room, and the strict-mode allowlist, against a local
receiver."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from omnimeet.domain import tenancy
from omnimeet.domain.events import DomainEvent, EventType
from omnimeet.domain.webhooks import Delivery, Target
from omnimeet.platform.context import AppContext
from omnimeet.platform.vendors import VendorPlugin
from omnimeet.platform.web import PrefixDispatcher
from omnimeet.platform.webhooks import NeutralFormat, Rendered, iso_ms
from tests.conftest import client_for
from tests.platform.receiver import Receiver, running_receiver

pytestmark = pytest.mark.anyio

T0 = 1_800_000_000_000  # 2027-01-15T08:00:00.000Z: the frozen clock of these tests


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as r:
        yield r


def ctx_of(app: PrefixDispatcher) -> AppContext:
    ctx: AppContext = app.state.ctx
    return ctx


def freeze(ctx: AppContext, now_ms: int = T0) -> None:
    ctx.clock.set(now_ms)
    ctx.clock.freeze()


def add_tenant(ctx: AppContext, tenant_id: str) -> None:
    with ctx.db.transaction() as tx:
        tenancy.ensure_tenant(tx, tenancy.TenantSpec(tenant_id, tenant_id), ctx.clock.now_ms())


def publish(
    ctx: AppContext,
    type_: EventType = EventType.SESSION_STARTED,
    *,
    tenant: str = "acme",
    api: str = "telemost",
    key: str = "room-1",
    data: Mapping[str, Any] | None = None,
) -> None:
    event = DomainEvent(type_, tenant, api, key, ctx.clock.now_ms(), data or {"room_id": key})
    with ctx.db.transaction() as tx:
        ctx.events.publish(tx, event)


async def add_endpoint(client: httpx.AsyncClient, url: str, **fields: Any) -> dict[str, Any]:
    response = await client.post(
        "/_omnimeet/webhooks/endpoints", json={"vendor": "telemost", "url": url, **fields}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def flush(client: httpx.AsyncClient) -> dict[str, int]:
    response = await client.post("/_omnimeet/webhooks/flush")
    assert response.status_code == 200, response.text
    result: dict[str, int] = response.json()
    return result


async def deliveries(client: httpx.AsyncClient, **query: Any) -> list[dict[str, Any]]:
    response = await client.get("/_omnimeet/webhooks", params=query)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["deliveries"]
    return found


def without_durations(delivery: dict[str, Any]) -> dict[str, Any]:
    for attempt in delivery["attempts"]:
        assert isinstance(attempt.pop("duration_ms"), int)
    return delivery


# --- endpoints ----------------------------------------------------------------------------------------------


async def test_endpoints_are_created_listed_and_deleted(
    app: PrefixDispatcher, client: httpx.AsyncClient
) -> None:
    ctx = ctx_of(app)
    freeze(ctx)
    add_tenant(ctx, "acme")
    first = await add_endpoint(client, "https://hooks.example.com/a")
    second = await add_endpoint(
        client,
        "http://127.0.0.1:9/b",
        events=["session.started", "participant.joined"],
        tenant="acme",
        secret="s",
    )
    assert first == {
        "id": first["id"],
        "vendor": "telemost",
        "tenant": None,
        "url": "https://hooks.example.com/a",
        "events": ["*"],
        "created_at": "2027-01-15T08:00:00.000Z",
    }
    assert second == {
        "id": second["id"],
        "vendor": "telemost",
        "tenant": "acme",
        "url": "http://127.0.0.1:9/b",
        "events": ["session.started", "participant.joined"],
        "created_at": "2027-01-15T08:00:00.000Z",
    }
    assert "secret" not in second
    listed = await client.get("/_omnimeet/webhooks/endpoints")
    assert listed.status_code == 200
    assert listed.json() == {"endpoints": [first, second]}
    assert (await client.get("/_omnimeet/webhooks/endpoints", params={"tenant": "acme"})).json() == {
        "endpoints": [second]
    }
    assert (await client.get("/_omnimeet/webhooks/endpoints", params={"vendor": "zoom"})).json() == {
        "endpoints": []
    }

    deleted = await client.delete(f"/_omnimeet/webhooks/endpoints/{first['id']}")
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert (await client.get("/_omnimeet/webhooks/endpoints")).json() == {"endpoints": [second]}
    again = await client.delete(f"/_omnimeet/webhooks/endpoints/{first['id']}")
    assert again.status_code == 404
    assert again.json() == {
        "error": "not_found",
        "message": f"webhook_endpoint: not_found (id={first['id']})",
        "details": {"id": first["id"]},
    }


@pytest.mark.parametrize(
    ("fields", "status", "body"),
    [
        (
            {"vendor": "nobody", "url": "https://x.example/"},
            400,
            {"error": "invalid", "message": "Unknown vendor 'nobody'.", "details": {"field": "vendor"}},
        ),
        (
            {"vendor": "telemost", "url": "ftp://x.example/"},
            400,
            {
                "error": "invalid",
                "message": "webhook_endpoint: invalid (field=url, reason=not an http(s) URL)",
                "details": {"field": "url", "reason": "not an http(s) URL"},
            },
        ),
        (
            {
                "vendor": "telemost",
                "url": "https://x.example/",
                "events": ["session.started", "meeting.exploded"],
            },
            400,
            {
                "error": "invalid",
                "message": "webhook_endpoint: invalid (field=events, unknown=['meeting.exploded'])",
                "details": {"field": "events", "unknown": ["meeting.exploded"]},
            },
        ),
        (
            {"vendor": "telemost", "url": "https://x.example/", "events": []},
            400,
            {
                "error": "invalid",
                "message": "webhook_endpoint: invalid (field=events, reason=empty)",
                "details": {"field": "events", "reason": "empty"},
            },
        ),
        (
            {"vendor": "telemost", "url": "https://x.example/", "tenant": "ghost"},
            400,
            {
                "error": "invalid",
                "message": "webhook_endpoint: invalid (field=tenant, reason=no such tenant)",
                "details": {"field": "tenant", "reason": "no such tenant"},
            },
        ),
    ],
    ids=["unknown-vendor", "not-http", "unknown-event", "no-events", "unknown-tenant"],
)
async def test_bad_endpoints_are_refused(
    client: httpx.AsyncClient, fields: dict[str, Any], status: int, body: dict[str, Any]
) -> None:
    response = await client.post("/_omnimeet/webhooks/endpoints", json=fields)
    assert (response.status_code, response.json()) == (status, body)
    assert (await client.get("/_omnimeet/webhooks/endpoints")).json() == {"endpoints": []}


async def test_a_malformed_endpoint_request_is_a_400(client: httpx.AsyncClient) -> None:
    response = await client.post("/_omnimeet/webhooks/endpoints", json={"url": "https://x.example/"})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


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
                delays.append(_ms(due) - ctx.clock.now_ms())
                ctx.clock.set(_ms(due))
            assert delays == [1000, 2000, 3000, 3000, 3000]
            assert len(receiver.received()) == 5


def _ms(iso: str) -> int:
    from datetime import datetime

    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


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


async def test_endpoints_get_only_the_events_and_tenants_they_asked_for(
    app: PrefixDispatcher, client: httpx.AsyncClient, receiver: Receiver
) -> None:
    ctx = ctx_of(app)
    add_tenant(ctx, "acme")
    add_tenant(ctx, "globex")
    base = receiver.base
    await add_endpoint(client, f"{base}/all")
    await add_endpoint(client, f"{base}/joins", events=["participant.joined"])
    await add_endpoint(client, f"{base}/acme", tenant="acme")
    await add_endpoint(client, f"{base}/all")  # the same URL twice: one webhook per event, not two

    publish(ctx, EventType.SESSION_STARTED, tenant="acme")
    publish(ctx, EventType.PARTICIPANT_JOINED, tenant="globex")
    publish(ctx, EventType.SESSION_STARTED, tenant="zzz-unknown-api", api="zoom")  # no endpoint of that API
    assert (await flush(client))["delivered"] == 4

    got = sorted((r.path, r.json()["event"], r.json()["tenant"]) for r in receiver.received())
    assert got == [
        ("/acme", "session.started", "acme"),
        ("/all", "participant.joined", "globex"),
        ("/all", "session.started", "acme"),
        ("/joins", "participant.joined", "globex"),
    ]


async def test_deliveries_are_listed_with_filters(
    app: PrefixDispatcher, client: httpx.AsyncClient, receiver: Receiver
) -> None:
    ctx = ctx_of(app)
    add_tenant(ctx, "acme")
    add_tenant(ctx, "globex")
    await add_endpoint(client, receiver.url)
    publish(ctx, EventType.SESSION_STARTED, tenant="acme")
    await flush(client)
    publish(ctx, EventType.PARTICIPANT_JOINED, tenant="globex")
    publish(ctx, EventType.SESSION_ENDED, tenant="acme")

    everything = await client.get("/_omnimeet/webhooks")
    assert everything.json()["total"] == 3
    rows = everything.json()["deliveries"]
    assert [r["event"] for r in rows] == [
        "session.started",
        "participant.joined",
        "session.ended",
    ]  # oldest first
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)

    async def events(**query: Any) -> tuple[int, list[str]]:
        response = await client.get("/_omnimeet/webhooks", params=query)
        assert response.status_code == 200
        return response.json()["total"], [r["event"] for r in response.json()["deliveries"]]

    assert await events(status="pending") == (2, ["participant.joined", "session.ended"])
    assert await events(status="delivered") == (1, ["session.started"])
    assert await events(tenant="acme") == (2, ["session.started", "session.ended"])
    assert await events(event="session.ended") == (1, ["session.ended"])
    assert await events(vendor="telemost", tenant="acme", status="pending") == (1, ["session.ended"])
    assert await events(vendor="zoom") == (0, [])
    assert await events(limit=2) == (3, ["participant.joined", "session.ended"])  # the newest two
    assert await events(limit=0) == (3, [])
    bad = await client.get("/_omnimeet/webhooks", params={"status": "lost"})
    assert (bad.status_code, bad.json()["error"]) == (400, "invalid_request")


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


# --- vendors' own formats and targets -------------------------------------------------------------------


class FakeFormat(NeutralFormat):
    """A vendor that renames events, skips one, names a room's own callback URL and renders its own body."""

    def __init__(self, room_url: str) -> None:
        self.room_url = room_url

    def event_name(self, event_type: EventType) -> str | None:
        if event_type is EventType.SESSION_ENDED:
            return None
        return "fake:" + event_type.value.replace(".", "_")

    def room_targets(self, event: DomainEvent) -> Sequence[Target]:
        settings = json.loads(event.room_settings)
        return [(settings["callback"], "room-key")] if "callback" in settings else []

    def render(self, delivery: Delivery) -> Rendered:
        body = json.dumps({"kind": delivery.event, "facts": delivery.payload["data"]}).encode()
        return body, {"Content-Type": "application/json", "X-Fake-Secret": delivery.secret or ""}


def add_fake_vendor(ctx: AppContext, room_url: str) -> None:
    def unused(*_: Any) -> Any:
        raise AssertionError("not served")

    ctx.vendors["fake"] = VendorPlugin("fake", "/fake", "/", unused, unused, webhooks=FakeFormat(room_url))


async def test_a_vendor_format_names_renders_and_adds_room_targets(
    app: PrefixDispatcher, client: httpx.AsyncClient, receiver: Receiver
) -> None:
    ctx = ctx_of(app)
    add_tenant(ctx, "acme")
    add_fake_vendor(ctx, receiver.url)
    response = await client.post(
        "/_omnimeet/webhooks/endpoints",
        json={"vendor": "fake", "url": f"{receiver.base}/control", "events": ["fake:participant_joined"]},
    )
    assert response.status_code == 201
    # The vendor sends no webhook for this one, so it is not a name one can subscribe to.
    refused = await client.post(
        "/_omnimeet/webhooks/endpoints",
        json={"vendor": "fake", "url": receiver.url, "events": ["session.ended"]},
    )
    assert refused.status_code == 400

    for type_ in (EventType.PARTICIPANT_JOINED, EventType.SESSION_ENDED):
        event = DomainEvent(
            type_,
            "acme",
            "fake",
            "r1",
            ctx.clock.now_ms(),
            {"who": "ann"},
            json.dumps({"callback": receiver.url}),
        )
        with ctx.db.transaction() as tx:
            ctx.events.publish(tx, event)

    assert await flush(client) == {"delivered": 2, "failed": 0, "pending": 0}
    got = sorted(receiver.received(), key=lambda r: r.path)
    assert [(r.path, r.json(), r.headers["x-fake-secret"]) for r in got] == [
        ("/control", {"kind": "fake:participant_joined", "facts": {"who": "ann"}}, ""),
        ("/hook", {"kind": "fake:participant_joined", "facts": {"who": "ann"}}, "room-key"),
    ]
    assert {r["event"] for r in await deliveries(client, vendor="fake")} == {"fake:participant_joined"}


# --- strict mode ----------------------------------------------------------------------------------------


def strict_app(
    make_app: Callable[..., PrefixDispatcher], tmp_path: Path, allowed: list[str]
) -> PrefixDispatcher:
    credentials = tmp_path / "credentials.yaml"
    credentials.write_text(
        "organizations: [{id: acme, features: ['*']}]\n"
        "principals: [{api: telemost, credential: acme-token, organization: acme}]\n",
        encoding="utf-8",
    )
    return make_app(auth_mode="strict", credentials_file=credentials, webhook_allowed_targets=allowed)


async def test_strict_mode_allows_only_listed_targets(
    make_app: Callable[..., PrefixDispatcher], tmp_path: Path, receiver: Receiver
) -> None:
    app = strict_app(make_app, tmp_path, [f"{receiver.base}/allowed/*"])
    ctx = ctx_of(app)
    add_fake_vendor(ctx, f"{receiver.base}/internal")
    async with client_for(app) as client:
        refused = await client.post(
            "/_omnimeet/webhooks/endpoints",
            json={"vendor": "telemost", "url": "http://169.254.169.254/latest"},
        )
        assert refused.status_code == 400
        assert refused.json() == {
            "error": "target_not_allowed",
            "message": "Strict mode: the URL matches none of OMNIMEET_WEBHOOK_ALLOWED_TARGETS.",
            "details": {"field": "url"},
        }
        await add_endpoint(client, f"{receiver.base}/allowed/1")
        assert len((await client.get("/_omnimeet/webhooks/endpoints")).json()["endpoints"]) == 1

        publish(ctx, tenant="org_acme")
        # A room's own callback URL is not checked when the room is written, but is never contacted.
        room_settings = json.dumps({"callback": f"{receiver.base}/internal"})
        with ctx.db.transaction() as tx:
            ctx.events.publish(
                tx,
                DomainEvent(
                    EventType.SESSION_STARTED, "org_acme", "fake", "r", ctx.clock.now_ms(), {}, room_settings
                ),
            )
        assert await flush(client) == {"delivered": 1, "failed": 1, "pending": 0}
        assert [r.path for r in receiver.received()] == ["/allowed/1"]
        [refused_row] = await deliveries(client, vendor="fake")
        assert refused_row["status"] == "failed"
        assert without_durations(refused_row)["attempts"] == [
            {"at": refused_row["attempts"][0]["at"], "status_code": None, "error": "target not allowed"}
        ]


async def test_strict_mode_without_an_allowlist_allows_nothing(
    make_app: Callable[..., PrefixDispatcher], tmp_path: Path
) -> None:
    app = strict_app(make_app, tmp_path, [])
    async with client_for(app) as client:
        response = await client.post(
            "/_omnimeet/webhooks/endpoints", json={"vendor": "telemost", "url": "https://hooks.example.com/"}
        )
        assert (response.status_code, response.json()["error"]) == (400, "target_not_allowed")


async def test_permissive_mode_allows_any_target(client: httpx.AsyncClient) -> None:
    for url in ("http://169.254.169.254/latest", "http://localhost:1/x", "https://hooks.example.com/"):
        response = await client.post("/_omnimeet/webhooks/endpoints", json={"vendor": "telemost", "url": url})
        assert response.status_code == 201


# --- reset ----------------------------------------------------------------------------------------------


async def test_reset_empties_endpoints_and_deliveries(
    app: PrefixDispatcher, client: httpx.AsyncClient, receiver: Receiver
) -> None:
    ctx = ctx_of(app)
    add_tenant(ctx, "acme")
    await add_endpoint(client, receiver.url)
    publish(ctx)
    await flush(client)
    publish(ctx)
    assert (await client.get("/_omnimeet/webhooks")).json()["total"] == 2

    assert (await client.post("/_omnimeet/reset")).status_code == 204
    assert (await client.get("/_omnimeet/webhooks")).json() == {"total": 0, "deliveries": []}
    assert (await client.get("/_omnimeet/webhooks/endpoints")).json() == {"endpoints": []}
    assert await flush(client) == {"delivered": 0, "failed": 0, "pending": 0}
    assert len(receiver.received()) == 1
