"""Constants, tokens and assertions shared by the OpenTalk tests."""

from __future__ import annotations

import json
from typing import Any

import httpx
import jwt

ROOT = "http://omnimeet.test"
BASE_URL = f"{ROOT}/opentalk/v1"
CONTROL = f"{ROOT}/_omnimeet"
ISSUER = "https://keycloak.example/realms/opentalk"

NOW = 1_796_115_600_000
"""2026-12-01T09:00:00Z: where the tests freeze the virtual clock."""
NOW_ISO = "2026-12-01T09:00:00Z"
MINUTE_MS = 60_000
HOUR_MS = 3_600_000

ERROR_TYPE = "text/json; charset=utf-8"
INVALID_TOKEN = 'Bearer error="invalid_token", error_description="The provided access token is invalid"'

PEOPLE: dict[str, dict[str, str]] = {
    "alice": {"email": "alice@example.com", "given_name": "Alice", "family_name": "Adams"},
    "bob": {"email": "bob@example.com", "given_name": "Bob", "family_name": "Baker"},
    "carol": {"email": "carol@example.com", "given_name": "Carol", "family_name": "Clark"},
}


def token(
    sub: str = "alice",
    *,
    iss: str | None = ISSUER,
    key: str = "not-checked-in-permissive-mode-32b",
    **claims: Any,
) -> str:
    """An access/id token (HS256; permissive mode does not check signatures) for ``sub``, with the
    person's e-mail and names from ``PEOPLE`` unless overridden."""
    payload: dict[str, Any] = {"sub": sub, "iss": iss, **PEOPLE.get(sub, {}), **claims}
    return jwt.encode({k: v for k, v in payload.items() if v is not None}, key, algorithm="HS256")


def error(code: str, message: str) -> dict[str, Any]:
    return {"code": code, "message": message}


NOT_FOUND = error("not_found", "A requested resource could not be found")
FORBIDDEN = error("forbidden", "Access to the requested resource is forbidden")
UNAUTHORIZED = error("unauthorized", "Authentication failed")
BAD_REQUEST = error("bad_request", "Invalid request due to malformed syntax")


def assert_error(response: httpx.Response, status: int, body: dict[str, Any]) -> None:
    """An error answer: exact status, the controller's ``text/json`` content type, exact body."""
    assert (response.status_code, response.headers["content-type"]) == (status, ERROR_TYPE), response.text
    assert json.loads(response.content) == body


def assert_unauthorized(response: httpx.Response, www_authenticate: str = INVALID_TOKEN) -> None:
    assert_error(response, 401, UNAUTHORIZED)
    assert response.headers["www-authenticate"] == www_authenticate
