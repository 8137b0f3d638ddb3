"""The control API's ``GET /_omnimeet/overview`` (what the dashboard polls): rooms with their live session,
present participants and recordings, and scheduled events, per vendor and tenant."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from omnimeet.platform.clock import iso_ms
from omnimeet.platform.control import overview
from omnimeet.platform.web import PrefixDispatcher
from tests.conftest import client_for
from tests.vendors.opentalk.support import token as opentalk_token

pytestmark = pytest.mark.anyio

NOW_MS = 1_800_000_000_000
NOW = iso_ms(NOW_MS)
LATER = iso_ms(NOW_MS + 90_000)
VENDORS = ["opentalk", "openvidu-meet", "sourcefuse", "telemost", "vonage"]
TELEMOST = "/telemost/v1/telemost-api"
CONTROL = "/_omnimeet"


@pytest.fixture
def frozen_app(app: PrefixDispatcher) -> PrefixDispatcher:
    clock = app.state.ctx.clock
    clock.freeze()
    clock.set(NOW_MS)
    return app


@pytest.fixture
async def client(frozen_app: PrefixDispatcher) -> Any:
    async with client_for(frozen_app) as c:
        yield c


async def telemost_room(client: httpx.AsyncClient, token: str) -> tuple[str, str]:
    """A Telemost conference created through the vendor API: (room id, tenant id)."""
    created = await client.post(
        f"{TELEMOST}/conferences", json={}, headers={"Authorization": f"OAuth {token}"}
    )
    assert created.status_code == 201, created.text
    room_id = created.json()["id"]
    state = await client.get(f"{CONTROL}/vendors/telemost/rooms/{room_id}")
    assert state.status_code == 200
    return room_id, state.json()["room"]["tenant"]


async def control(client: httpx.AsyncClient, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    response = await client.request(method, CONTROL + path, **kwargs)
    assert response.status_code in (200, 201), response.text
    body: dict[str, Any] = response.json()
    return body


async def get_overview(client: httpx.AsyncClient, **params: str) -> dict[str, Any]:
    response = await client.get(f"{CONTROL}/overview", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    return body


def empty(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "now": NOW,
        "vendors": VENDORS,
        "tenants": [],
        "room_limit": 200,
        "rooms_total": 0,
        "rooms": [],
        "event_limit": 200,
        "events_truncated": False,
        "events": [],
    }
    body.update(changes)
    return body


def bare_room(vendor: str, tenant: str, room_id: str, **changes: Any) -> dict[str, Any]:
    room: dict[str, Any] = {
        "vendor": vendor,
        "tenant": tenant,
        "id": room_id,
        "name": None,
        "created_at": NOW,
        "expires_at": None,
        "expired": False,
        "session": None,
        "recordings": [],
    }
    room.update(changes)
    return room


async def test_an_empty_emulator_has_nothing_to_show(client: httpx.AsyncClient) -> None:
    assert await get_overview(client) == empty()


async def test_rooms_show_their_live_session_present_participants_and_recordings(
    client: httpx.AsyncClient, frozen_app: PrefixDispatcher
) -> None:
    busy, tenant_a = await telemost_room(client, "token-a")
    quiet, tenant_b = await telemost_room(client, "token-b")
    assert tenant_a != tenant_b

    ann = await control(
        client, "POST", f"/vendors/telemost/rooms/{busy}/participants", json={"name": "Ann", "role": "host"}
    )
    bob = await control(client, "POST", f"/vendors/telemost/rooms/{busy}/participants", json={"name": "Bob"})
    first = await control(client, "POST", f"/vendors/telemost/rooms/{busy}/recordings")
    frozen_app.state.ctx.clock.advance(90_000)
    await control(client, "DELETE", f"/vendors/telemost/rooms/{busy}/participants/{bob['id']}")
    stopped = await control(client, "POST", f"/vendors/telemost/recordings/{first['id']}/stop")
    second = await control(client, "POST", f"/vendors/telemost/rooms/{busy}/recordings")
    session_id = ann["session_id"]

    assert await get_overview(client) == empty(
        now=LATER,
        tenants=sorted(
            [
                {"vendor": "telemost", "tenant": tenant_a, "rooms": 1},
                {"vendor": "telemost", "tenant": tenant_b, "rooms": 1},
            ],
            key=lambda t: t["tenant"],
        ),
        rooms_total=2,
        rooms=[
            bare_room("telemost", tenant_b, quiet),
            bare_room(
                "telemost",
                tenant_a,
                busy,
                session={
                    "id": session_id,
                    "status": "active",
                    "started_at": NOW,
                    "participants": [
                        {"id": ann["id"], "name": "Ann", "role": "host", "joined_at": NOW},
                    ],
                },
                recordings=[
                    {
                        "id": first["id"],
                        "session_id": session_id,
                        "status": stopped["status"],
                        "started_at": NOW,
                        "ended_at": LATER,
                        "size": stopped["size"],
                        "filename": stopped["filename"],
                    },
                    {
                        "id": second["id"],
                        "session_id": session_id,
                        "status": "active",
                        "started_at": LATER,
                        "ended_at": None,
                        "size": None,
                        "filename": None,
                    },
                ],
            ),
        ],
    )
    assert stopped["status"] in {"stopped", "ready"}

    # The session ends: no live session any more, the recordings stay (the running one stopped).
    await control(client, "DELETE", f"/vendors/telemost/rooms/{busy}/session")
    room = (await get_overview(client, tenant=tenant_a))["rooms"][0]
    assert room["session"] is None
    assert [r["id"] for r in room["recordings"]] == [first["id"], second["id"]]
    assert room["recordings"][1]["status"] != "active"


async def test_scheduled_events_come_with_their_room_and_vendor(client: httpx.AsyncClient) -> None:
    headers = {"Authorization": f"Bearer {opentalk_token()}"}
    created = await client.post(
        "/opentalk/v1/events",
        json={"title": "Retro", "description": "", "is_time_independent": True},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    event = created.json()
    body = await get_overview(client, vendor="opentalk")
    tenant = body["tenants"][0]["tenant"]
    assert body["tenants"] == [{"vendor": "opentalk", "tenant": tenant, "rooms": 1}]
    assert body["rooms"] == [bare_room("opentalk", tenant, event["room"]["id"])]
    assert body["events"] == [
        {
            "vendor": "opentalk",
            "tenant": tenant,
            "id": event["id"],
            "room_id": event["room"]["id"],
            "title": "Retro",
            "status": "ok",
            "starts_at": None,
            "ends_at": None,
            "recurring": False,
        }
    ]


async def test_filters_by_vendor_and_tenant(client: httpx.AsyncClient) -> None:
    room_a, tenant_a = await telemost_room(client, "token-a")
    room_b, tenant_b = await telemost_room(client, "token-b")
    created = await client.post(
        "/opentalk/v1/events",
        json={"title": "Retro", "description": "", "is_time_independent": True},
        headers={"Authorization": f"Bearer {opentalk_token()}"},
    )
    assert created.status_code == 201

    def listed(body: dict[str, Any]) -> list[tuple[str, str]]:
        return [(room["vendor"], room["id"]) for room in body["rooms"]]

    everything = await get_overview(client)
    assert len(everything["tenants"]) == 3
    assert everything["rooms_total"] == 3
    assert len(everything["events"]) == 1

    telemost = await get_overview(client, vendor="telemost")
    assert listed(telemost) == [("telemost", room_b), ("telemost", room_a)]
    assert (telemost["rooms_total"], telemost["events"]) == (2, [])
    assert telemost["tenants"] == everything["tenants"]  # the selectors' choices are never filtered

    only_a = await get_overview(client, tenant=tenant_a)
    assert listed(only_a) == [("telemost", room_a)]
    assert only_a["rooms_total"] == 1
    both = await get_overview(client, vendor="telemost", tenant=tenant_b)
    assert listed(both) == [("telemost", room_b)]
    assert await get_overview(client, vendor="vonage") == empty(tenants=everything["tenants"])
    assert await get_overview(client, tenant="no-such-tenant") == empty(tenants=everything["tenants"])


async def test_only_the_newest_rooms_are_listed(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(overview, "ROOM_LIMIT", 2)
    monkeypatch.setattr(overview, "EVENT_LIMIT", 1)
    rooms = [(await telemost_room(client, "token-a"))[0] for _ in range(3)]
    body = await get_overview(client)
    assert [room["id"] for room in body["rooms"]] == [rooms[2], rooms[1]]
    assert (body["room_limit"], body["rooms_total"]) == (2, 3)
    for title in ("One", "Two"):
        created = await client.post(
            "/opentalk/v1/events",
            json={"title": title, "description": "", "is_time_independent": True},
            headers={"Authorization": f"Bearer {opentalk_token()}"},
        )
        assert created.status_code == 201
    body = await get_overview(client, vendor="opentalk")
    assert [event["title"] for event in body["events"]] == ["Two"]
    assert (body["event_limit"], body["events_truncated"]) == (1, True)


async def test_invalid_filters_are_refused_in_the_control_envelope(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{CONTROL}/overview", params={"vendor": "x" * 65})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


async def test_strict_mode_needs_the_control_token(make_app: Callable[..., PrefixDispatcher]) -> None:
    app = make_app(control_token="s3cret")
    async with client_for(app) as client:
        for headers in ({}, {"Authorization": "Bearer wrong"}):
            response = await client.get(f"{CONTROL}/overview", headers=headers)
            assert response.status_code == 401
            assert response.json() == {
                "error": "unauthorized",
                "message": "The control API needs 'Authorization: Bearer <token>'.",
            }
        response = await client.get(f"{CONTROL}/overview", headers={"Authorization": "Bearer s3cret"})
        assert response.status_code == 200
        assert response.json()["rooms"] == []


async def test_the_overview_is_documented_in_the_control_openapi(client: httpx.AsyncClient) -> None:
    spec = (await client.get(f"{CONTROL}/openapi.json")).json()
    operation = spec["paths"]["/overview"]["get"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Overview"
    }
    assert {p["name"] for p in operation["parameters"]} == {"vendor", "tenant"}
