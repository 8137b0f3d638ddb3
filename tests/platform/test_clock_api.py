"""The control API's clock and progression modes, and the due work that moving the clock runs."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from omnimeet.domain import tables
from omnimeet.main import vendor_mounts
from omnimeet.platform.context import AppContext
from omnimeet.platform.scheduler import due_work_loop, run_due_work
from omnimeet.platform.web import PrefixDispatcher

pytestmark = pytest.mark.anyio

START = "2030-01-01T00:00:00.000Z"
START_MS = 1_893_456_000_000
AUTH = {"Authorization": "OAuth clock-test-token"}


def ctx_of(app: PrefixDispatcher) -> AppContext:
    ctx: AppContext = app.state.ctx
    return ctx


async def frozen_at_start(client: httpx.AsyncClient) -> None:
    response = await client.post("/_omnimeet/clock", json={"now": START, "freeze": True})
    assert response.status_code == 200
    assert response.json() == {"now": START, "now_ms": START_MS, "frozen": True}


async def conference(client: httpx.AsyncClient) -> str:
    response = await client.post("/telemost/v1/telemost-api/conferences", json={}, headers=AUTH)
    assert response.status_code == 201
    conference_id: str = response.json()["id"]
    return conference_id


def room_row(app: PrefixDispatcher, public_id: str) -> dict[str, Any]:
    r = tables.ROOMS
    with ctx_of(app).db.transaction(write=False) as tx:
        row = tx.fetch_one(select(r).where(r.c.public_id == public_id))
    assert row is not None
    return dict(zip(r.c.keys(), row, strict=True))


def set_expiry(app: PrefixDispatcher, public_id: str, expires_at_ms: int) -> None:
    with ctx_of(app).db.transaction() as tx:
        tx.update(tables.ROOMS, {"public_id": public_id}, {"expires_at_ms": expires_at_ms})


# --- the clock -----------------------------------------------------------------------------------


async def test_get_clock_follows_real_time(client: httpx.AsyncClient, app: PrefixDispatcher) -> None:
    before = ctx_of(app).clock.now_ms()
    response = await client.get("/_omnimeet/clock")
    after = ctx_of(app).clock.now_ms()
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"now", "now_ms", "frozen"}
    assert before <= body["now_ms"] <= after
    assert body["frozen"] is False
    assert body["now"].endswith("Z")
    assert len(body["now"]) == len(START)


async def test_advance_set_freeze_and_unfreeze(client: httpx.AsyncClient, app: PrefixDispatcher) -> None:
    await frozen_at_start(client)
    response = await client.post("/_omnimeet/clock", json={"advance_seconds": 90.5})
    assert response.json() == {"now": "2030-01-01T00:01:30.500Z", "now_ms": START_MS + 90_500, "frozen": True}
    response = await client.post("/_omnimeet/clock", json={"advance_seconds": -0.5})
    assert response.json()["now_ms"] == START_MS + 90_000
    response = await client.post("/_omnimeet/clock", json={"now": "2031-06-15T12:30:00+02:00"})
    assert response.json() == {"now": "2031-06-15T10:30:00.000Z", "now_ms": 1_939_285_800_000, "frozen": True}
    response = await client.post("/_omnimeet/clock", json={"now": "2031-06-15T12:30:00.123"})  # UTC
    assert response.json()["now"] == "2031-06-15T12:30:00.123Z"
    assert (await client.get("/_omnimeet/clock")).json()["now"] == "2031-06-15T12:30:00.123Z"

    response = await client.post("/_omnimeet/clock", json={"freeze": False})
    assert response.status_code == 200
    body = response.json()
    assert body["frozen"] is False
    assert 1_939_293_000_123 <= body["now_ms"] < 1_939_293_000_123 + 60_000
    assert not ctx_of(app).clock.frozen


async def test_a_move_combines_with_freeze(client: httpx.AsyncClient, app: PrefixDispatcher) -> None:
    response = await client.post("/_omnimeet/clock", json={"now": START, "freeze": True})
    assert response.json() == {"now": START, "now_ms": START_MS, "frozen": True}
    response = await client.post("/_omnimeet/clock", json={"advance_seconds": 60, "freeze": False})
    body = response.json()
    assert body["frozen"] is False
    assert START_MS + 60_000 <= body["now_ms"] < START_MS + 120_000
    response = await client.post("/_omnimeet/clock", json={"advance_seconds": 3600, "freeze": True})
    body = response.json()
    assert body["frozen"] is True
    assert START_MS + 3_660_000 <= body["now_ms"] < START_MS + 3_720_000
    assert ctx_of(app).clock.now_ms() == body["now_ms"]


async def test_advancing_a_running_clock(client: httpx.AsyncClient, app: PrefixDispatcher) -> None:
    before = ctx_of(app).clock.now_ms()
    response = await client.post("/_omnimeet/clock", json={"advance_seconds": 86_400})
    body = response.json()
    assert body["frozen"] is False
    assert before + 86_400_000 <= body["now_ms"] < before + 86_460_000


@pytest.mark.parametrize(
    ("body", "location"),
    [
        ({}, "body"),
        ({"advance_seconds": 1, "now": START}, "body"),
        ({"advance_seconds": "soon"}, "body.advance_seconds"),
        ({"advance_seconds": 1e12}, "body.advance_seconds"),
        ({"now": "yesterday"}, "body.now"),
        ({"freeze": "yes"}, "body.freeze"),
        ({"freeze": None, "later": 1}, "body.later"),
        ([1], "body"),
    ],
)
async def test_bad_clock_requests_are_400(
    client: httpx.AsyncClient, body: Any, location: str, app: PrefixDispatcher
) -> None:
    before = ctx_of(app).clock.offset_ms
    response = await client.post("/_omnimeet/clock", json=body)
    assert response.status_code == 400
    answer = response.json()
    assert (answer["error"], answer["message"]) == (
        "invalid_request",
        "The request does not match the control API.",
    )
    assert location in [detail["location"] for detail in answer["details"]]
    assert ctx_of(app).clock.offset_ms == before


async def test_bad_clock_json_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/_omnimeet/clock", content=b"{", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


@pytest.mark.parametrize("body", [{"now": "1969-12-31T23:59:59Z"}, {"advance_seconds": -3_000_000_000}])
async def test_the_clock_stays_within_range(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    await client.post("/_omnimeet/clock", json={"now": "1970-01-01T00:00:00Z", "freeze": True})
    response = await client.post("/_omnimeet/clock", json=body)
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "message": "The clock must stay between 1970-01-01 and 9999-12-31 (UTC).",
    }
    assert (await client.get("/_omnimeet/clock")).json()["now_ms"] == 0


# --- due work ------------------------------------------------------------------------------------


async def test_moving_the_clock_expires_rooms_before_answering(
    client: httpx.AsyncClient, app: PrefixDispatcher
) -> None:
    await frozen_at_start(client)
    soon, later = await conference(client), await conference(client)
    set_expiry(app, soon, START_MS + 60_000)
    set_expiry(app, later, START_MS + 120_000)
    joined = await client.post(f"/_omnimeet/vendors/telemost/rooms/{soon}/participants", json={"name": "Ann"})
    assert joined.status_code == 201

    await client.post("/_omnimeet/clock", json={"advance_seconds": 59.999})
    assert room_row(app, soon)["expired_at_ms"] is None
    await client.post("/_omnimeet/clock", json={"advance_seconds": 0.001})
    assert room_row(app, soon)["expired_at_ms"] == START_MS + 60_000
    assert room_row(app, later)["expired_at_ms"] is None

    state = (await client.get(f"/_omnimeet/vendors/telemost/rooms/{soon}")).json()
    assert state["room"]["expired"] is True
    assert state["room"]["expires_at"] == "2030-01-01T00:01:00.000Z"
    assert (state["session"], state["participants"]) == (None, [])

    await client.post("/_omnimeet/clock", json={"now": "2030-01-02T00:00:00Z"})
    assert room_row(app, later)["expired_at_ms"] == START_MS + 86_400_000
    # Expired rooms stay: the vendor's own API decides how to show them.
    response = await client.get(f"/telemost/v1/telemost-api/conferences/{soon}", headers=AUTH)
    assert response.status_code == 200


async def test_moving_the_clock_moves_recordings_on(client: httpx.AsyncClient) -> None:
    await frozen_at_start(client)
    room = await conference(client)
    base = f"/_omnimeet/vendors/telemost/rooms/{room}"
    put = await client.put("/_omnimeet/progression/telemost/recording", json={"mode": "after", "seconds": 10})
    assert put.status_code == 200
    await client.post(f"{base}/participants", json={"name": "Ann"})
    recording = (await client.post(f"{base}/recordings")).json()
    assert recording["status"] == "starting"
    path = f"/_omnimeet/vendors/telemost/recordings/{recording['id']}"

    await client.post("/_omnimeet/clock", json={"advance_seconds": 10})
    assert (await client.get(path)).json()["status"] == "active"
    await client.post(f"{path}/stop")
    await client.post("/_omnimeet/clock", json={"advance_seconds": 25})  # stopped at +10 s, ready at +20 s
    done = (await client.get(path)).json()
    assert (done["status"], done["started_at"], done["ended_at"]) == (
        "ready",
        "2030-01-01T00:00:10.000Z",
        "2030-01-01T00:00:10.000Z",
    )


async def test_run_due_work_with_nothing_due_writes_nothing(app: PrefixDispatcher) -> None:
    ctx = ctx_of(app)
    run_due_work(ctx)  # no rooms, no recordings: a read, no write transaction
    with ctx.db.transaction(write=False) as tx:
        assert tx.fetch_all(select(tables.ROOMS)) == []


async def test_the_background_loop_runs_due_work(client: httpx.AsyncClient, app: PrefixDispatcher) -> None:
    ctx = ctx_of(app)
    assert any(getattr(loop, "func", None) is due_work_loop for loop in ctx.background)
    await frozen_at_start(client)
    room = await conference(client)
    set_expiry(app, room, START_MS + 1_000)
    ctx.clock.advance(1_000)  # time passes without the control API
    task = asyncio.create_task(due_work_loop(ctx, interval_s=0))
    try:
        for _ in range(100):
            await asyncio.sleep(0)
            if room_row(app, room)["expired_at_ms"] is not None:
                break
    finally:
        task.cancel()
    assert room_row(app, room)["expired_at_ms"] == START_MS + 1_000


async def test_the_background_loop_survives_errors(
    app: PrefixDispatcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    def failing(*args: object) -> None:
        calls.append(1)
        raise RuntimeError("database away")

    monkeypatch.setattr("omnimeet.platform.scheduler.run_due_work", failing)
    task = asyncio.create_task(due_work_loop(ctx_of(app), interval_s=0))
    try:
        for _ in range(20):
            await asyncio.sleep(0)
    finally:
        task.cancel()
    assert len(calls) >= 2


# --- progression ---------------------------------------------------------------------------------


def default_modes(**changed: dict[str, Any]) -> list[dict[str, Any]]:
    """Every vendor's recording mode (by vendor name): the default, or ``changed[vendor]``."""
    names = sorted(mount.name for mount in vendor_mounts())
    default = {"machine": "recording", "mode": "immediate", "seconds": None}
    return [changed.get(name) or {"vendor": name, **default} for name in names]


async def test_progression_modes_default_to_immediate(client: httpx.AsyncClient) -> None:
    response = await client.get("/_omnimeet/progression")
    assert response.status_code == 200
    assert response.json() == {"modes": default_modes()}


@pytest.mark.parametrize(
    ("body", "entry"),
    [
        ({"mode": "manual"}, {"mode": "manual", "seconds": None}),
        ({"mode": "after", "seconds": 30}, {"mode": "after", "seconds": 30}),
        ({"mode": "after", "seconds": 0.25}, {"mode": "after", "seconds": 0.25}),
        ({"mode": "immediate", "seconds": 4}, {"mode": "immediate", "seconds": None}),
    ],
)
async def test_set_a_progression_mode(
    client: httpx.AsyncClient, body: dict[str, Any], entry: dict[str, Any]
) -> None:
    response = await client.put("/_omnimeet/progression/telemost/recording", json=body)
    assert response.status_code == 200
    expected = {"vendor": "telemost", "machine": "recording", **entry}
    assert response.json() == expected
    assert (await client.get("/_omnimeet/progression")).json() == {"modes": default_modes(telemost=expected)}


async def test_bad_progression_requests(client: httpx.AsyncClient) -> None:
    path = "/_omnimeet/progression/telemost/recording"
    response = await client.put(path, json={"mode": "after"})
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid",
        "message": "progression: invalid (field=seconds)",
        "details": {"field": "seconds"},
    }
    for body in ({"mode": "sometimes"}, {"mode": "after", "seconds": -1}, {"mode": "manual", "x": 1}, {}):
        response = await client.put(path, json=body)
        assert (response.status_code, response.json()["error"]) == (400, "invalid_request")
    response = await client.put("/_omnimeet/progression/zoomish/recording", json={"mode": "manual"})
    assert response.status_code == 404
    assert response.json() == {
        "error": "not_found",
        "message": "No vendor named 'zoomish'.",
        "details": {"vendor": "zoomish"},
    }
    response = await client.put("/_omnimeet/progression/telemost/meeting", json={"mode": "manual"})
    assert response.status_code == 404
    assert response.json() == {
        "error": "not_found",
        "message": "machine: not_found (machine=meeting)",
        "details": {"machine": "meeting"},
    }


async def test_reset_restores_progression_defaults_and_the_clock(
    client: httpx.AsyncClient, app: PrefixDispatcher
) -> None:
    await frozen_at_start(client)
    await client.put("/_omnimeet/progression/telemost/recording", json={"mode": "manual"})
    assert (await client.post("/_omnimeet/reset")).status_code == 204
    modes = (await client.get("/_omnimeet/progression")).json()["modes"]
    assert modes == default_modes()
    clock = (await client.get("/_omnimeet/clock")).json()
    assert clock["frozen"] is False
    assert ctx_of(app).clock.offset_ms == 0
