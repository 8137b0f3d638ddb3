"""Helpers of the webhook tests: a frozen clock, tenants, publishing events, the webhook control routes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx

from omnimeet.domain import tenancy
from omnimeet.domain.events import DomainEvent, EventType
from omnimeet.platform.context import AppContext
from omnimeet.platform.web import PrefixDispatcher

T0 = 1_800_000_000_000  # 2027-01-15T08:00:00.000Z: the frozen clock of these tests


def ctx_of(app: PrefixDispatcher) -> AppContext:
    ctx: AppContext = app.state.ctx
    return ctx


def freeze(ctx: AppContext, now_ms: int = T0) -> None:
    # Freeze first: set-then-freeze would let a millisecond pass in between on a loaded machine.
    ctx.clock.freeze()
    ctx.clock.set(now_ms)


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


def ms_of(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)
