"""Fault injection: ``/_omnimeet/faults`` rules on real Telemost routes, in process and on a real server."""

from __future__ import annotations

import contextlib
import logging
import re
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import func, select

from omnimeet.domain.tables import metadata
from omnimeet.platform.context import AppContext
from omnimeet.platform.faults import ConnectionDropped
from omnimeet.platform.web import PrefixDispatcher
from tests.conftest import client_for
from tests.vendors.telemost.support import BASE_URL, RID, TOKEN_A

pytestmark = pytest.mark.anyio

CONFERENCES = "/telemost/v1/telemost-api/conferences"
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


def telemost_client(app: PrefixDispatcher) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url=BASE_URL,
        headers={"Authorization": f"OAuth {TOKEN_A}"},
    )


@pytest.fixture
async def telemost(app: PrefixDispatcher) -> AsyncIterator[httpx.AsyncClient]:
    async with telemost_client(app) as client:
        yield client


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


# --- dropped connections -----------------------------------------------------------------------------------


async def test_a_dropped_connection_in_process_raises(
    app: PrefixDispatcher, client: httpx.AsyncClient, telemost: httpx.AsyncClient
) -> None:
    await add_fault(client, method="POST", drop_connection=True, times=1)
    with pytest.raises(ConnectionDropped):
        await telemost.post("/conferences", json={})
    assert room_count(app) == 0
    [entry] = await journal(client)
    assert (entry["status"], entry["method"], entry["request"]["body"]) == (None, "POST", "{}")
    assert entry["response"] == {"headers": {}, "body": "", "truncated": False}
    assert (await telemost.post("/conferences", json={})).status_code == 201


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def serving(app: PrefixDispatcher, http: str, loop: str) -> Iterator[str]:
    """``app`` under a real uvicorn server in a background thread; yields its base URL."""
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, http=http, loop=loop, log_config=None)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert thread.is_alive(), "the server stopped"
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.mark.parametrize(
    ("http", "loop"), [("httptools", "uvloop"), ("h11", "asyncio"), ("httptools", "asyncio")]
)
def test_a_dropped_connection_on_a_real_server_gets_no_answer(
    app: PrefixDispatcher, http: str, loop: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="uvicorn")
    headers = {"Authorization": f"OAuth {TOKEN_A}"}
    with serving(app, http, loop) as base:
        with httpx.Client(base_url=base, timeout=10) as control:
            assert (
                control.post(
                    "/_omnimeet/faults", json={"vendor": "telemost", "drop_connection": True, "times": 1}
                ).status_code
                == 201
            )
        with (
            httpx.Client(base_url=base, timeout=10, headers=headers) as telemost,
            pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)),
        ):
            telemost.post(CONFERENCES, json={})
        with httpx.Client(base_url=base, timeout=10, headers=headers) as telemost:
            assert telemost.post(CONFERENCES, json={}).status_code == 201
        with httpx.Client(base_url=base, timeout=10) as control:
            entries = control.get("/_omnimeet/requests").json()["requests"]
    assert [(e["method"], e["status"]) for e in entries] == [("POST", None), ("POST", 201)]
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert errors == []  # uvicorn did not try to answer in the app's place
    assert room_count(app) == 1


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
        "details": {"vendors": ["telemost"]},
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
