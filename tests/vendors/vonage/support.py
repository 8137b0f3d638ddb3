"""Constants and helpers shared by the Vonage Meetings tests."""

from __future__ import annotations

from typing import Any

import httpx
import jwt

ROOT = "http://omnimeet.test"
BASE_URL = f"{ROOT}/vonage/v1/meetings"
BETA_URL = f"{ROOT}/vonage/beta/meetings"
CONTROL = f"{ROOT}/_omnimeet"
APP_A = "0c7a5a1e-1b1f-4f7e-9b47-aaaaaaaaaaaa"
APP_B = "0c7a5a1e-1b1f-4f7e-9b47-bbbbbbbbbbbb"

NOW = 1_796_115_600_000
"""2026-12-01T09:00:00Z: where the tests freeze the virtual clock."""
NOW_ISO = "2026-12-01T09:00:00.000Z"
MINUTE_MS = 60_000
PUBLIC_URL = "https://meetings.vonage.com"

UNAUTHORIZED = {"title": "Unauthorized", "detail": "You did not provide correct credentials"}


def app_jwt(application_id: str = APP_A, **claims: Any) -> str:
    """An application JWT as an SDK makes it (signed with some key: permissive mode checks no signature)."""
    payload = {"application_id": application_id, "iat": NOW // 1000, "jti": "test-jti", **claims}
    payload.setdefault("exp", NOW // 1000 + 900)
    return jwt.encode(payload, "not-the-applications-key-just-some-hs256-secret", algorithm="HS256")


def error(status: int, name: str, message: str, errors: list[Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"message": message, "name": name}
    if errors is not None:
        body["errors"] = errors
    body["status"] = status
    return body


def assert_answer(response: httpx.Response, status: int, body: Any) -> None:
    assert response.status_code == status, (status, response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == body, response.json()


def assert_no_content(response: httpx.Response) -> None:
    assert response.status_code == 204, response.text
    assert response.content == b""
