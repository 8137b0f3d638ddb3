"""Fault injection: what ``/_omnimeet/faults`` rules answer on real Telemost routes, which requests they
match, delays, and the journal of faulted requests."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from omnimeet.platform.web import PrefixDispatcher
from tests.conftest import client_for
from tests.platform.faults_support import add_fault, faults, journal, room_count, telemost_client
from tests.vendors.telemost.support import RID

pytestmark = pytest.mark.anyio

REQUEST_ID = re.compile(r"^[0-9a-f]{32}$")
TOO_MANY = {
    "error": "TooManyRequestsError",
    "message": "Слишком много запросов.",
    "description": "Too many requests.",
}
NOT_FOUND = {
    "error": "ConferenceNotFound",
    "message": "Видео встреча не найдена.",
    "description": "Conference not found.",
}
RULE_DEFAULTS: dict[str, Any] = {
    "method": None,
    "path": None,
    "status": None,
    "body": None,
    "headers": {},
    "delay_ms": 0,
    "times": None,
    "remaining": None,
    "probability": None,
    "seed": None,
    "drop_connection": False,
    "hits": 0,
}


@pytest.fixture
async def telemost(app: PrefixDispatcher) -> AsyncIterator[httpx.AsyncClient]:
    async with telemost_client(app) as client:
        yield client


# --- answers -----------------------------------------------------------------------------------------------


async def test_a_status_alone_answers_in_the_vendors_error_envelope(
    app: PrefixDispatcher, client: httpx.AsyncClient, telemost: httpx.AsyncClient
) -> None:
    rule = await add_fault(client, status=429)
    assert rule == {**RULE_DEFAULTS, "id": rule["id"], "vendor": "telemost", "status": 429}
    assert isinstance(rule["id"], int)

    response = await telemost.post("/conferences", json={})

    assert response.status_code == 429
    assert response.json() == TOO_MANY
    assert response.headers["content-type"] == "application/json"
    assert REQUEST_ID.match(response.headers[RID])
    assert room_count(app) == 0  # the vendor's route never ran
    assert await faults(client) == [{**rule, "hits": 1}]


async def test_a_body_is_sent_as_is_with_the_status_and_the_vendors_headers(
    client: httpx.AsyncClient, telemost: httpx.AsyncClient
) -> None:
    await add_fault(client, status=418, body={"oops": [1, "два", None]}, times=1)
    response = await telemost.get("/conferences/1")
    assert response.status_code == 418
    assert response.json() == {"oops": [1, "два", None]}
    assert response.headers["content-type"] == "application/json"
    assert REQUEST_ID.match(response.headers[RID])
    assert int(response.headers["content-length"]) == len(response.content)


async def test_a_body_without_a_status_is_a_500(
    client: httpx.AsyncClient, telemost: httpx.AsyncClient
) -> None:
    rule = await add_fault(client, body="plain string")
    assert (rule["status"], rule["body"]) == (None, "plain string")
    response = await telemost.get("/conferences/1")
    assert (response.status_code, response.json()) == (500, "plain string")


async def test_a_status_without_a_body_answers_with_no_body(
    client: httpx.AsyncClient, telemost: httpx.AsyncClient
) -> None:
    await add_fault(client, status=204)
    response = await telemost.get("/conferences/1")
    assert (response.status_code, response.content) == (204, b"")
    assert REQUEST_ID.match(response.headers[RID])
    assert "content-type" not in response.headers


async def test_headers_are_added_to_an_injected_answer(
    client: httpx.AsyncClient, telemost: httpx.AsyncClient
) -> None:
    rule = await add_fault(client, status=503, headers={"Retry-After": "7", RID: "fixed-id"})
    assert rule["headers"] == {"Retry-After": "7", RID: "fixed-id"}
    response = await telemost.get("/conferences/1")
    assert response.status_code == 503
    assert response.json() == {
        "error": "ServiceUnavailableError",
        "message": "Сервис временно недоступен.",
        "description": "Service unavailable.",
    }
    assert response.headers["retry-after"] == "7"
    assert response.headers.get_list(RID) == ["fixed-id"]  # replaces the vendor's own


# --- which requests ----------------------------------------------------------------------------------------


async def test_times_counts_down_and_the_rule_disappears(
    client: httpx.AsyncClient, telemost: httpx.AsyncClient
) -> None:
    rule = await add_fault(client, status=429, times=2)
    assert (rule["times"], rule["remaining"], rule["hits"]) == (2, 2, 0)

    assert (await telemost.get("/conferences/1")).status_code == 429
    [listed] = await faults(client)
    assert (listed["times"], listed["remaining"], listed["hits"]) == (2, 1, 1)

    assert (await telemost.get("/conferences/1")).status_code == 429
    assert await faults(client) == []
    response = await telemost.get("/conferences/1")
    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert (await client.delete(f"/_omnimeet/faults/{rule['id']}")).status_code == 404


async def test_method_and_path_narrow_a_rule(client: httpx.AsyncClient, telemost: httpx.AsyncClient) -> None:
    await add_fault(client, method="delete", status=500)
    await add_fault(client, path="/v1/telemost-api/conferences/7*", status=502)
    await add_fault(client, method="PATCH", path="/telemost/*/conferences/?", status=503)
    listed = await faults(client)
    assert [(r["method"], r["path"]) for r in listed] == [
        ("DELETE", None),
        (None, "/v1/telemost-api/conferences/7*"),
        ("PATCH", "/telemost/*/conferences/?"),
    ]

    assert (await telemost.delete("/conferences/1")).status_code == 500
    assert (await telemost.get("/conferences/70")).status_code == 502
    assert (await telemost.get("/conferences/1")).status_code == 404
    assert (await telemost.patch("/conferences/1", json={})).status_code == 503
    assert (await telemost.patch("/conferences/12", json={})).status_code == 404
    assert (await telemost.post("/conferences", json={})).status_code == 201
    assert [r["hits"] for r in await faults(client)] == [1, 1, 1]


async def test_the_first_matching_rule_applies_alone(
    client: httpx.AsyncClient, telemost: httpx.AsyncClient
) -> None:
    first = await add_fault(client, method="GET", status=502, times=1)
    second = await add_fault(client, status=503)
    assert second["id"] > first["id"]
    assert (await telemost.get("/conferences/1")).status_code == 502
    assert (await telemost.get("/conferences/1")).status_code == 503
    assert [(r["id"], r["hits"]) for r in await faults(client)] == [(second["id"], 1)]


async def test_rules_of_another_vendor_or_path_leave_requests_alone(
    client: httpx.AsyncClient, telemost: httpx.AsyncClient
) -> None:
    await add_fault(client, path="/zoom/*", status=500)
    await add_fault(client, path="/conferences/*", status=500)  # a glob matches a whole path
    assert (await telemost.get("/conferences/1")).status_code == 404
    assert (await client.get("/_omnimeet/health")).status_code == 200  # the control API has no faults


async def hit_pattern(make_app: Callable[..., PrefixDispatcher], **rule: Any) -> list[bool]:
    app = make_app()
    async with client_for(app) as client, telemost_client(app) as telemost:
        await add_fault(client, status=503, **rule)
        return [(await telemost.get("/conferences/1")).status_code == 503 for _ in range(24)]


async def test_a_seeded_probability_hits_the_same_requests_every_time(
    make_app: Callable[..., PrefixDispatcher],
) -> None:
    pattern = await hit_pattern(make_app, probability=0.5, seed=42)
    assert True in pattern
    assert False in pattern
    assert await hit_pattern(make_app, probability=0.5, seed=42) == pattern
    assert await hit_pattern(make_app, probability=0.5, seed=7) != pattern
    assert await hit_pattern(make_app, probability=0.0, seed=1) == [False] * 24
    assert await hit_pattern(make_app, probability=1.0) == [True] * 24


async def test_a_miss_leaves_times_alone_and_falls_through(
    client: httpx.AsyncClient, telemost: httpx.AsyncClient
) -> None:
    await add_fault(client, status=502, probability=0.0, times=1)
    await add_fault(client, status=503, times=1)
    assert (await telemost.get("/conferences/1")).status_code == 503
    [rule] = await faults(client)
    assert (rule["status"], rule["remaining"], rule["hits"]) == (502, 1, 0)


# --- delays ------------------------------------------------------------------------------------------------


async def test_a_delay_with_a_status_answers_late(
    client: httpx.AsyncClient, telemost: httpx.AsyncClient
) -> None:
    await add_fault(client, status=429, delay_ms=50)
    started = time.monotonic()
    response = await telemost.get("/conferences/1")
    assert time.monotonic() - started >= 0.05
    assert (response.status_code, response.json()) == (429, TOO_MANY)


async def test_a_delay_alone_lets_the_vendor_answer_late_with_extra_headers(
    app: PrefixDispatcher, client: httpx.AsyncClient, telemost: httpx.AsyncClient
) -> None:
    await add_fault(client, method="POST", delay_ms=50, headers={"X-Slow": "yes"})
    started = time.monotonic()
    response = await telemost.post("/conferences", json={})
    assert time.monotonic() - started >= 0.05
    assert response.status_code == 201
    assert response.headers["x-slow"] == "yes"
    assert REQUEST_ID.match(response.headers[RID])
    assert room_count(app) == 1
    [entry] = await journal(client)
    assert entry["status"] == 201
    assert entry["duration_ms"] >= 50
    assert entry["response"]["headers"]["x-slow"] == "yes"


# --- the journal sees faults -------------------------------------------------------------------------------


async def test_a_faulted_request_is_journalled_with_the_injected_answer(
    client: httpx.AsyncClient, telemost: httpx.AsyncClient
) -> None:
    await add_fault(client, status=429)
    response = await telemost.post("/conferences", json={"access_level": "PUBLIC"})

    [entry] = await journal(client)
    assert (entry["status"], entry["tenant"], entry["method"]) == (429, None, "POST")
    assert entry["request"]["body"] == '{"access_level":"PUBLIC"}'
    assert entry["response"]["body"] == response.text
    assert entry["response"]["headers"][RID.lower()] == response.headers[RID]


async def test_faults_apply_with_the_journal_off(make_app: Callable[..., PrefixDispatcher]) -> None:
    app = make_app(journal_size=0)
    async with client_for(app) as client, telemost_client(app) as telemost:
        await add_fault(client, status=429, times=1)
        await add_fault(client, delay_ms=1, headers={"X-Slow": "yes"})
        assert (await telemost.get("/conferences/1")).json() == TOO_MANY
        response = await telemost.get("/conferences/1")
        assert (response.status_code, response.headers["x-slow"]) == (404, "yes")
        assert await journal(client) == []
