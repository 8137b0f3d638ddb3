"""Helpers of the fault-injection tests: a Telemost client, adding and listing fault rules, the journal, and
counting the rooms the vendor's routes created."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select

from omnimeet.domain.tables import metadata
from omnimeet.platform.context import AppContext
from omnimeet.platform.web import PrefixDispatcher
from tests.vendors.telemost.support import BASE_URL, TOKEN_A


def telemost_client(app: PrefixDispatcher) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url=BASE_URL,
        headers={"Authorization": f"OAuth {TOKEN_A}"},
    )


async def add_fault(client: httpx.AsyncClient, **rule: Any) -> dict[str, Any]:
    response = await client.post("/_omnimeet/faults", json={"vendor": "telemost", **rule})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def faults(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    response = await client.get("/_omnimeet/faults")
    assert response.status_code == 200
    found: list[dict[str, Any]] = response.json()["faults"]
    return found


async def journal(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    response = await client.get("/_omnimeet/requests")
    assert response.status_code == 200
    entries: list[dict[str, Any]] = response.json()["requests"]
    return entries


def room_count(app: PrefixDispatcher) -> int:
    ctx: AppContext = app.state.ctx
    with ctx.db.transaction(write=False) as tx:
        row = tx.fetch_one(select(func.count()).select_from(metadata.tables["rooms"]))
    assert row is not None
    return int(row[0])
