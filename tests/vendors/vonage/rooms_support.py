"""Helpers of the Vonage room tests: rooms and themes to start from, the expected room answer, the clock."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import jwt

from omnimeet.platform.web import PrefixDispatcher
from tests.vendors.vonage.support import APP_A, CONTROL, MINUTE_MS, NOW, NOW_ISO, PUBLIC_URL, ROOT, app_jwt

INSTANT_EXPIRY_ISO = "2026-12-01T09:10:00.000Z"
"""NOW + 10 minutes: when an instant room made at NOW expires."""
LATER_ISO = "2027-01-30T00:47:04.000Z"
"""A valid long_term expiry (within a year of NOW)."""
LATER_MS = 1_801_270_024_000
DEFAULT_FEATURES = {
    "is_recording_available": True,
    "is_chat_available": True,
    "is_whiteboard_available": True,
    "is_locale_switcher_available": False,
    "is_captions_available": False,
}
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


async def create_room(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    """POST /rooms (``display_name`` defaults to ``my_test_room``); asserts the 201 and gives the room."""
    fields.setdefault("display_name", "my_test_room")
    response = await client.post("/rooms", json=fields)
    assert response.status_code == 201, response.text
    room: dict[str, Any] = response.json()
    return room


async def create_long_term(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    return await create_room(client, type="long_term", expires_at=LATER_ISO, **fields)


def host_token(room: dict[str, Any]) -> str:
    href: str = room["_links"]["host_url"]["href"]
    return href.rsplit("participant_token=", 1)[1]


def expected_room(room: dict[str, Any], short_url: str | None = None, **overrides: Any) -> dict[str, Any]:
    """The full answer for ``room`` (its id, meeting code and token taken from it) with the defaults of an
    instant room created at NOW, changed by ``overrides``."""
    code = room["meeting_code"]
    base = f"{PUBLIC_URL}/{short_url}" if short_url else PUBLIC_URL
    body: dict[str, Any] = {
        "id": room["id"],
        "display_name": "my_test_room",
        "metadata": None,
        "type": "instant",
        "expires_at": INSTANT_EXPIRY_ISO,
        "recording_options": {"auto_record": False, "record_only_owner": False},
        "meeting_code": code,
        "_links": {
            "host_url": {"href": f"{base}/?room_token={code}&participant_token={host_token(room)}"},
            "guest_url": {"href": f"{base}/{code}"},
        },
        "created_at": NOW_ISO,
        "is_available": True,
        "expire_after_use": False,
        "theme_id": None,
        "initial_join_options": {"microphone_state": "default"},
        "join_approval_level": "none",
        "ui_settings": {"language": "default"},
        "available_features": dict(DEFAULT_FEATURES),
    }
    body.update(overrides)
    return body


def assert_well_formed(room: dict[str, Any], issued_ms: int = NOW) -> None:
    """The generated parts: a uuid4 id, a 9-digit code, an HS256 host token ``{participantId, iat}``."""
    assert UUID4.fullmatch(room["id"]), room["id"]
    assert re.fullmatch(r"[1-9]\d{8}", room["meeting_code"]), room["meeting_code"]
    token = host_token(room)
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "HS256"
    assert header["typ"] == "JWT"
    assert uuid.UUID(header["kid"])
    claims = jwt.decode(token, options={"verify_signature": False})
    assert set(claims) == {"participantId", "iat"}
    assert UUID4.fullmatch(claims["participantId"])
    assert claims["iat"] == issued_ms // 1000


def control(app: PrefixDispatcher) -> httpx.AsyncClient:
    """A plain client of the app (for the control plane): nothing is checked against the spec."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ROOT)


async def advance(app: PrefixDispatcher, ms: int) -> None:
    """Moves the virtual clock through the control API (which runs the due work)."""
    async with control(app) as client:
        response = await client.post(f"{CONTROL}/clock", json={"advance_seconds": ms / 1000})
    assert response.status_code == 200, response.text


def _as(app: PrefixDispatcher, application_id: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url=f"{ROOT}/vonage/v1/meetings",
        headers={"Authorization": f"Bearer {app_jwt(application_id)}"},
    )


async def make_theme(
    app: PrefixDispatcher, name: str, short_company_url: str | None = None, application_id: str = APP_A
) -> str:
    """A theme of the application (POST /themes); gives its id."""
    body = {"theme_name": name, "main_color": "#12f64e", "brand_text": name}
    if short_company_url is not None:
        body["short_company_url"] = short_company_url
    async with _as(app, application_id) as client:
        response = await client.post("/themes", json=body)
    assert response.status_code == 201, response.text
    theme_id: str = response.json()["theme_id"]
    return theme_id


async def set_default_theme(app: PrefixDispatcher, theme_id: str, application_id: str = APP_A) -> None:
    """Makes the theme the application's default (PATCH /applications)."""
    async with _as(app, application_id) as client:
        response = await client.patch(
            "/applications", json={"update_details": {"default_theme_id": theme_id}}
        )
    assert response.status_code == 200, response.text


__all__ = ["MINUTE_MS", "NOW"]
