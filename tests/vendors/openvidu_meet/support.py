"""Constants and assertions shared by the OpenVidu Meet tests."""

from __future__ import annotations

import re
from typing import Any

import httpx

ROOT = "http://omnimeet.test"
BASE_URL = f"{ROOT}/openvidu/meet/api/v1"
CONTROL = f"{ROOT}/_omnimeet"
KEY_A = "api-key-of-tenant-a"
KEY_B = "api-key-of-tenant-b"

NOW = 1_796_115_600_000
"""2026-12-01T09:00:00Z: where the tests freeze the virtual clock."""
HOUR_MS = 3_600_000
LATER = NOW + HOUR_MS
"""A valid expirationDate: an hour from NOW."""
PUBLIC_URL = "http://localhost:6080"

ALL_ENABLED = {
    "chatPreferences": {"enabled": True},
    "recordingPreferences": {"enabled": True},
    "virtualBackgroundPreferences": {"enabled": True},
}
ROLES = {"moderatorURL": "moderator", "publisherURL": "publisher", "viewerURL": "viewer"}

UNAUTHORIZED = {"message": "Unauthorized"}
INVALID_KEY = {"message": "Invalid API key"}
NO_ROUTE = {"error": "Not found"}


def room_not_found(name: str) -> dict[str, str]:
    return {"name": "Room Error", "message": f"The room '{name}' does not exist"}


def invalid(*details: tuple[str, str]) -> dict[str, Any]:
    return {
        "error": "Unprocessable Entity",
        "message": "Invalid request body",
        "details": [{"field": field, "message": message} for field, message in details],
    }


def assert_answer(response: httpx.Response, status: int, body: Any) -> None:
    assert response.status_code == status, (status, response.status_code, response.text)
    assert response.headers["content-type"] == "application/json"
    assert response.json() == body, response.json()


def assert_no_content(response: httpx.Response) -> None:
    assert response.status_code == 204, response.text
    assert response.content == b""


def name_pattern(prefix: str = "") -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(prefix + '-' if prefix else '')}[0-9a-f]{{15}}$")


def secrets_of(room: dict[str, Any], public_url: str = PUBLIC_URL) -> dict[str, str]:
    """The role -> secret of a room's three URLs, after checking each is
    ``<public url>/meet/<roomName>/?secret=<10 hex>`` and the secrets differ."""
    found = {}
    for key, role in ROLES.items():
        match = re.fullmatch(
            rf"{re.escape(public_url)}/meet/{re.escape(room['roomName'])}/\?secret=([0-9a-f]{{10}})",
            room[key],
        )
        assert match, room[key]
        found[role] = match.group(1)
    assert len(set(found.values())) == 3, found
    return found


def expected_room(
    room: dict[str, Any],
    *,
    prefix: str = "",
    expiration: float = LATER,
    max_participants: int | None = None,
    preferences: dict[str, Any] | None = None,
    created: int = NOW,
    public_url: str = PUBLIC_URL,
) -> dict[str, Any]:
    """The exact room answer expected, given the generated name and URLs of ``room`` (checked here)."""
    secrets_of(room, public_url)
    return {
        "roomName": room["roomName"],
        "creationDate": created,
        "expirationDate": expiration,
        "roomNamePrefix": prefix,
        "preferences": preferences or ALL_ENABLED,
        "maxParticipants": max_participants,
        "moderatorURL": room["moderatorURL"],
        "publisherURL": room["publisherURL"],
        "viewerURL": room["viewerURL"],
    }


async def create_room(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    """POST /rooms (``expirationDate`` LATER unless given), asserting 200; returns the room."""
    response = await client.post("/rooms", json={"expirationDate": LATER, **body})
    assert response.status_code == 200, response.text
    room: dict[str, Any] = response.json()
    return room


async def token_for(
    client: httpx.AsyncClient, room: dict[str, Any], participant: str, role: str = "publisher"
) -> httpx.Response:
    secret = secrets_of(room)[role]
    return await client.post(
        "/participants/token",
        json={"roomName": room["roomName"], "participantName": participant, "secret": secret},
    )


async def room_state(control: httpx.AsyncClient, room_name: str) -> dict[str, Any]:
    """The control plane's view of the room (session, participants present), through a plain client."""
    response = await control.get(f"{CONTROL}/vendors/openvidu-meet/rooms/{room_name}")
    assert response.status_code == 200, response.text
    state: dict[str, Any] = response.json()
    return state


async def advance(control: httpx.AsyncClient, seconds: float) -> None:
    """Moves the virtual clock through the control API (which runs the due work)."""
    response = await control.post(f"{CONTROL}/clock", json={"advance_seconds": seconds})
    assert response.status_code == 200, response.text
