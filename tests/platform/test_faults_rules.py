"""Fault injection: managing ``/_omnimeet/faults`` rules (echo, delete, reset) and rejecting bad rules."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from omnimeet.main import vendor_mounts
from omnimeet.platform.web import PrefixDispatcher
from tests.platform.faults_support import add_fault, faults, journal, telemost_client

pytestmark = pytest.mark.anyio


@pytest.fixture
async def telemost(app: PrefixDispatcher) -> AsyncIterator[httpx.AsyncClient]:
    async with telemost_client(app) as client:
        yield client


# --- managing rules ----------------------------------------------------------------------------------------


async def test_delete_one_rule(client: httpx.AsyncClient, telemost: httpx.AsyncClient) -> None:
    first = await add_fault(client, status=502)
    second = await add_fault(client, status=503)

    response = await client.delete(f"/_omnimeet/faults/{first['id']}")
    assert (response.status_code, response.content) == (204, b"")
    assert [r["id"] for r in await faults(client)] == [second["id"]]
    assert (await telemost.get("/conferences/1")).status_code == 503

    for unknown in (str(first["id"]), "999", "abc"):
        response = await client.delete(f"/_omnimeet/faults/{unknown}")
        assert response.status_code == 404
        assert response.json() == {"error": "not_found", "message": f"No fault rule {unknown}."}


async def test_delete_every_rule(client: httpx.AsyncClient, telemost: httpx.AsyncClient) -> None:
    await add_fault(client, status=502)
    await add_fault(client, status=503)
    response = await client.delete("/_omnimeet/faults")
    assert (response.status_code, response.content) == (204, b"")
    assert await faults(client) == []
    assert (await telemost.get("/conferences/1")).status_code == 404
    assert (await client.delete("/_omnimeet/faults")).status_code == 204  # nothing left: still fine


async def test_reset_clears_rules_and_journal(client: httpx.AsyncClient, telemost: httpx.AsyncClient) -> None:
    await add_fault(client, status=502)
    assert (await telemost.get("/conferences/1")).status_code == 502
    assert len(await journal(client)) == 1

    assert (await client.post("/_omnimeet/reset")).status_code == 204

    assert await faults(client) == []
    assert await journal(client) == []
    assert (await telemost.get("/conferences/1")).status_code == 404


async def test_every_field_is_echoed(client: httpx.AsyncClient) -> None:
    spec = {
        "method": "get",
        "path": "/telemost/*",
        "status": 503,
        "body": {"a": 1},
        "headers": {"Retry-After": "1"},
        "delay_ms": 5,
        "times": 3,
        "probability": 0.25,
        "seed": 9,
    }
    rule = await add_fault(client, **spec)
    assert rule == {
        **spec,
        "id": rule["id"],
        "vendor": "telemost",
        "method": "GET",
        "remaining": 3,
        "drop_connection": False,
        "hits": 0,
    }
    assert await faults(client) == [rule]


# --- validation --------------------------------------------------------------------------------------------


async def test_an_unknown_vendor_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post("/_omnimeet/faults", json={"vendor": "skype", "status": 500})
    assert response.status_code == 400
    assert response.json() == {
        "error": "unknown_vendor",
        "message": "No vendor named 'skype'.",
        "details": {"vendors": sorted(mount.name for mount in vendor_mounts())},
    }


@pytest.mark.parametrize(
    "rule",
    [
        {},
        {"delay_ms": 0},
        {"body": None},
        {"status": 99},
        {"status": 100},
        {"status": 600},
        {"status": 500, "probability": 1.5},
        {"status": 500, "probability": -0.1},
        {"status": 500, "times": 0},
        {"delay_ms": -1},
        {"delay_ms": 600_001},
        {"drop_connection": True, "status": 500},
        {"drop_connection": True, "body": {}},
        {"drop_connection": True, "headers": {"X-A": "b"}},
        {"status": 204, "body": {}},
        {"status": 500, "headers": {"Bad Name": "x"}},
        {"status": 500, "headers": {"X-A": "two\r\nlines"}},
        {"status": 500, "headers": {"Content-Length": "3"}},
        {"status": 500, "method": "G T"},
        {"status": 500, "path": ""},
        {"status": 500, "colour": "red"},
        {"status": "many"},
    ],
)
async def test_a_bad_rule_is_400(client: httpx.AsyncClient, rule: dict[str, Any]) -> None:
    response = await client.post("/_omnimeet/faults", json={"vendor": "telemost", **rule})
    assert response.status_code == 400, response.text
    body = response.json()
    assert (body["error"], body["message"]) == (
        "invalid_request",
        "The request does not match the control API.",
    )
    assert body["details"]
    assert await faults(client) == []


async def test_a_rule_without_a_vendor_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post("/_omnimeet/faults", json={"status": 500})
    assert response.status_code == 400
    assert response.json()["details"] == [{"location": "body.vendor", "message": "Field required"}]
