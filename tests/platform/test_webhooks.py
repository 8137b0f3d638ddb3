"""Webhook endpoints, listing deliveries, and reset, through the control API."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from omnimeet.domain.events import EventType
from omnimeet.platform.web import PrefixDispatcher
from tests.platform.receiver import Receiver
from tests.platform.webhook_support import (
    add_endpoint,
    add_tenant,
    ctx_of,
    flush,
    freeze,
    publish,
)

pytestmark = pytest.mark.anyio


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


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/_omnimeet/webhooks/{id}"),
        ("POST", "/_omnimeet/webhooks/{id}/redeliver"),
        ("DELETE", "/_omnimeet/webhooks/endpoints/{id}"),
    ],
)
@pytest.mark.parametrize("row_id", ["0", "-2", str(2**63), "34857143570850379726848", "x"])
async def test_ids_outside_64_bit_keys_are_a_400(
    client: httpx.AsyncClient, method: str, path: str, row_id: str
) -> None:
    response = await client.request(method, path.format(id=row_id))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


async def test_the_largest_64_bit_id_is_simply_unknown(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/_omnimeet/webhooks/{2**63 - 1}")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
