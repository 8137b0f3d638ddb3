"""Helpers of the Vonage recording, session, webhook and expiry tests: the control plane's simulation
(sessions, participants, recordings), the clock, and what a recording answer looks like."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from omnimeet.platform.web import PrefixDispatcher
from tests.vendors.vonage.support import APP_A, BETA_URL, CONTROL, app_jwt

SIMULATE = f"{CONTROL}/vendors/vonage"
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
LATER_ISO = "2027-01-30T00:47:04.000Z"
"""A long_term expiry within a year of NOW."""
LATER_MS = 1_801_270_024_000
SESSION_ID = re.compile(r"^1_MX4[A-Za-z0-9_-]+$")
PRESIGNED = re.compile(
    r"^http://omnimeet\.test/vonage/recordings/(?P<account>\d{8})/(?P<id>[0-9a-f-]{36})/archive\.mp4"
    r"\?AWSAccessKeyId=ASIA[A-Z2-7]{16}&Expires=(?P<expires>\d+)&Signature=[A-Za-z0-9%]+"
    r"&response-content-disposition=attachment%3B%20filename%3D%22[^&]+%22&response-content-type=video%2Fmp4$"
)


async def create_room(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    """POST /rooms (``display_name`` defaults to ``my_test_room``); asserts the 201 and gives the room."""
    fields.setdefault("display_name", "my_test_room")
    response = await client.post("/rooms", json=fields)
    assert response.status_code == 201, response.text
    room: dict[str, Any] = response.json()
    return room


def beta(app: PrefixDispatcher, application_id: str = APP_A) -> httpx.AsyncClient:
    """A plain client of ``/vonage/beta/meetings`` (not in the OpenAPI document), as the application."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url=BETA_URL,
        headers={"Authorization": f"Bearer {app_jwt(application_id)}"},
    )


async def control(client: httpx.AsyncClient, method: str, path: str, status: int = 200, **kw: Any) -> Any:
    response = await client.request(method, f"{SIMULATE}{path}", **kw)
    assert response.status_code == status, response.text
    return response.json()


async def start_session(client: httpx.AsyncClient, room_id: str) -> dict[str, Any]:
    found: dict[str, Any] = await control(client, "POST", f"/rooms/{room_id}/session", 201)
    return found


async def end_session(client: httpx.AsyncClient, room_id: str) -> dict[str, Any]:
    found: dict[str, Any] = await control(client, "DELETE", f"/rooms/{room_id}/session")
    return found


async def join(client: httpx.AsyncClient, room_id: str, name: str, **fields: Any) -> dict[str, Any]:
    found: dict[str, Any] = await control(
        client, "POST", f"/rooms/{room_id}/participants", 201, json={"name": name, **fields}
    )
    return found


async def leave(client: httpx.AsyncClient, room_id: str, participant_id: str) -> dict[str, Any]:
    found: dict[str, Any] = await control(client, "DELETE", f"/rooms/{room_id}/participants/{participant_id}")
    return found


async def start_recording(client: httpx.AsyncClient, room_id: str) -> dict[str, Any]:
    found: dict[str, Any] = await control(client, "POST", f"/rooms/{room_id}/recordings", 201)
    return found


async def stop_recording(client: httpx.AsyncClient, recording_id: str) -> dict[str, Any]:
    found: dict[str, Any] = await control(client, "POST", f"/recordings/{recording_id}/stop")
    return found


async def advance_recording(
    client: httpx.AsyncClient, recording_id: str, status: str | None = None
) -> dict[str, Any]:
    body = {"status": status} if status is not None else {}
    found: dict[str, Any] = await control(client, "POST", f"/recordings/{recording_id}/advance", json=body)
    return found


async def pace(client: httpx.AsyncClient, mode: str, **fields: Any) -> None:
    response = await client.put(f"{CONTROL}/progression/vonage/recording", json={"mode": mode, **fields})
    assert response.status_code == 200, response.text


async def advance_clock(client: httpx.AsyncClient, ms: int) -> None:
    """Moves the virtual clock through the control API (which runs the due work)."""
    response = await client.post(f"{CONTROL}/clock", json={"advance_seconds": ms / 1000})
    assert response.status_code == 200, response.text


async def flush(client: httpx.AsyncClient) -> dict[str, int]:
    response = await client.post(f"{CONTROL}/webhooks/flush")
    assert response.status_code == 200, response.text
    result: dict[str, int] = response.json()
    return result


def link_of(body: dict[str, Any]) -> str:
    href: str = body["_links"]["url"]["href"]
    return href


def without_link(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` with its presigned href checked (shape) and taken out."""
    assert PRESIGNED.fullmatch(link_of(body)), link_of(body)
    return {key: value for key, value in body.items() if key != "_links"}


def query_of(href: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(href).query).items()}
