"""A 405's ``Allow`` names every method served at the path, not just the first matching route's."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.anyio

OPENTALK_TOKEN = (
    # {"iss": "https://routing.example/realms/opentalk", "sub": "routing-user"}, unsigned (permissive mode).
    "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0."
    "eyJpc3MiOiJodHRwczovL3JvdXRpbmcuZXhhbXBsZS9yZWFsbXMvb3BlbnRhbGsiLCJzdWIiOiJyb3V0aW5nLXVzZXIifQ."
)


async def test_control_api_405_allows_get_and_post_on_the_clock(client: httpx.AsyncClient) -> None:
    response = await client.put("/_omnimeet/clock", json={})

    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert response.json() == {"error": "method_not_allowed", "message": "Method Not Allowed"}


async def test_telemost_405_allows_every_method_of_the_conference_path(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/telemost/v1/telemost-api/conferences/123", json={}, headers={"Authorization": "OAuth routing"}
    )

    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET, PATCH"


async def test_opentalk_405_allows_get_and_post_on_rooms(client: httpx.AsyncClient) -> None:
    response = await client.put(
        "/opentalk/v1/rooms", json={}, headers={"Authorization": f"Bearer {OPENTALK_TOKEN}"}
    )

    assert response.status_code == 405
    assert response.headers.get("allow") == "GET, POST"
