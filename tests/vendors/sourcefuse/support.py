"""Constants, tokens and assertions shared by the SourceFuse tests."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qs

import httpx
import jwt

ROOT = "http://omnimeet.test"
BASE_URL = f"{ROOT}/sourcefuse"
CONTROL = f"{ROOT}/_omnimeet"
SECRET = "omnimeet-sourcefuse-jwt-secret-for-hs256"
ISSUER = "sourcefuse"

NOW = 1_796_115_600_000
"""2026-12-01T09:00:00Z: where the tests freeze the virtual clock."""
NOW_ISO = "2026-12-01T09:00:00.000Z"
MINUTE_MS = 60_000
HOUR_MS = 3_600_000

ALL_PERMISSIONS = [
    "CreateMeetingSession",
    "GenerateMeetingToken",
    "EditMeeting",
    "StopMeeting",
    "GetMeetingAttendees",
    "GetMeetingArchives",
    "DeleteMeetingArchive",
    "SetMeetingUploadTarget",
]


def bearer(secret: str = SECRET, **claims: Any) -> str:
    """A signed JWT (HS256) with the given claims (``iss`` SourceFuse's unless given)."""
    payload = {"iss": ISSUER, "id": "user-1", **claims}
    return jwt.encode({k: v for k, v in payload.items() if v is not None}, secret, algorithm="HS256")


def iso(ms: int) -> str:
    from omnimeet.platform.clock import iso_ms

    return iso_ms(ms)


def loopback(status: int, name: str, message: str) -> dict[str, Any]:
    return {"error": {"statusCode": status, "name": name, "message": message}}


def bad_request(message: str) -> dict[str, Any]:
    return loopback(400, "BadRequestError", message)


def not_found(message: str) -> dict[str, Any]:
    return loopback(404, "NotFoundError", message)


def assert_answer(response: httpx.Response, status: int, body: Any) -> None:
    assert response.status_code == status, (status, response.status_code, response.text)
    assert response.headers["content-type"] == "application/json"
    assert response.json() == body, response.json()


def assert_no_content(response: httpx.Response) -> None:
    assert response.status_code == 204, response.text
    assert response.content == b""


async def create_session(client: httpx.AsyncClient, **body: Any) -> str:
    """POST /session (``isScheduled`` false unless given), asserting 200; returns the link id."""
    response = await client.post("/session", json={"isScheduled": False, **body})
    assert response.status_code == 200, response.text
    code: str = response.json()["code"]
    return code


async def token(client: httpx.AsyncClient, link: str, **body: Any) -> dict[str, Any]:
    response = await client.post(f"/session/{link}/token", json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def token_fields(token_: str) -> dict[str, str]:
    """The signed fields of a Vonage Video token (``T1==`` + base64 of ``partner_id=..&sig=..:<fields>``)."""
    assert token_.startswith("T1==")
    inner = base64.b64decode(token_[4:]).decode()
    head, _, fields = inner.partition(":")
    assert head.startswith("partner_id=47000001&sig=")
    return {key: values[0] for key, values in parse_qs(fields, keep_blank_values=True).items()}


def webhook(session_id: str, event: str, data: str, reason: str | None = None, **more: Any) -> dict[str, Any]:
    """A Vonage Video session-monitoring payload for the attendee ``data``."""
    connection = {"id": f"conn-{data}", "createdAt": NOW, "data": data}
    payload: dict[str, Any] = {
        "sessionId": session_id,
        "projectId": "47000001",
        "event": event,
        "timestamp": NOW,
        **more,
    }
    if event.startswith("stream"):
        payload["stream"] = {
            "id": f"stream-{data}",
            "connection": connection,
            "createdAt": NOW,
            "videoType": "camera",
        }
    else:
        payload["connection"] = connection
    if reason is not None:
        payload["reason"] = reason
    return payload


async def advance(control: httpx.AsyncClient, seconds: float) -> None:
    response = await control.post(f"{CONTROL}/clock", json={"advance_seconds": seconds})
    assert response.status_code == 200, response.text
