"""Constants and assertions shared by the Telemost tests."""

from __future__ import annotations

import re
from typing import Any

import httpx

RID = "Yandex-Cloud-Request-ID"
BASE_URL = "http://omnimeet.test/telemost/v1/telemost-api"
TOKEN_A = "token-of-organisation-a"
TOKEN_B = "token-of-organisation-b"

DEFAULT_HOST = "https://telemost.yandex.ru"
ID = re.compile(r"^\d{14}$")

ERROR_KEYS = {"error", "message", "description"}

NOT_FOUND = {
    "error": "ConferenceNotFound",
    "message": "Видео встреча не найдена.",
    "description": "Conference not found.",
}
OTHER_ORGANISATION = {
    "error": "ConferenceAccessForbidden",
    "message": "Нет доступа к этой видеовстрече.",
    "description": "Conference belongs to another organization.",
}
NOT_AN_ORGANISATION = {
    "error": "ApiRestrictedToOrganizations",
    "message": "API доступен только организациям Яндекс 360 для бизнеса.",
    "description": "Only users of Yandex 360 for business organizations may use this API.",
}
NO_LIVE_STREAMS = {
    "error": "PaymentRequiredToUseLiveStreams",
    "message": "Трансляции недоступны на вашем тарифе.",
    "description": "Live streams are not available in your tariff plan.",
}
UNAUTHORIZED_MESSAGE = "Не авторизован."
BAD_REQUEST_MESSAGE = "Некорректный запрос."


def unauthorized(description: str) -> dict[str, str]:
    return {"error": "UnauthorizedError", "message": UNAUTHORIZED_MESSAGE, "description": description}


def bad_request(description: str) -> dict[str, str]:
    return {"error": "BadRequestError", "message": BAD_REQUEST_MESSAGE, "description": description}


def assert_request_id(response: httpx.Response) -> str:
    value: str | None = response.headers.get(RID)
    assert value, f"{RID} missing on {response.status_code}: {dict(response.headers)}"
    return value


def assert_error(response: httpx.Response, status: int, error: str) -> dict[str, Any]:
    """Status, the request id and the ``{error, message, description[, details]}`` envelope, with ``error``
    exactly as given. Returns the body for further checks."""
    assert response.status_code == status, (status, response.status_code, response.text)
    assert_request_id(response)
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert isinstance(body, dict), body
    assert ERROR_KEYS <= set(body) <= ERROR_KEYS | {"details"}, body
    assert "detail" not in body
    assert body["error"] == error, body
    for key in ("message", "description"):
        assert isinstance(body[key], str), body
        assert body[key], body
    return body


def assert_exact_error(response: httpx.Response, status: int, expected: dict[str, Any]) -> None:
    assert assert_error(response, status, expected["error"]) == expected


def assert_field_error(response: httpx.Response, field: str) -> dict[str, Any]:
    """400 ``FieldValidationError`` naming ``field`` (dotted, e.g. ``live_stream.title``)."""
    body = assert_error(response, 400, "FieldValidationError")
    assert set(body) == ERROR_KEYS | {"details"}, body
    assert field in body["details"]["fields"], body
    first = next(iter(body["details"]["fields"]))
    assert body["message"] == f"Ошибка проверки поля «{first}».", body
    assert body["description"].startswith(f'Error validating field "{first}": '), body
    return body


def join_url(conference_id: str, host: str = DEFAULT_HOST) -> str:
    """The expected join_url (``conference_id`` itself is checked against ``ID``)."""
    return f"{host}/j/{conference_id}"


def watch_url_of(body: dict[str, Any], host: str = DEFAULT_HOST) -> str:
    """The live stream's watch_url, after checking it is ``<host>/live/<32 hex>``."""
    url = body["live_stream"]["watch_url"]
    assert isinstance(url, str), url
    assert re.fullmatch(rf"{re.escape(host)}/live/[0-9a-f]{{32}}", url), url
    return url


def conference_id_of(body: dict[str, Any]) -> str:
    conference_id = body["id"]
    assert isinstance(conference_id, str), conference_id
    assert ID.fullmatch(conference_id), conference_id
    return conference_id


def assert_short(
    body: dict[str, Any], *, stream: bool, join_host: str = DEFAULT_HOST, watch_host: str = DEFAULT_HOST
) -> dict[str, Any]:
    """A ConferenceShort, exactly: ``{id, join_url[, live_stream: {watch_url}]}``."""
    conference_id = conference_id_of(body)
    expected: dict[str, Any] = {"id": conference_id, "join_url": join_url(conference_id, join_host)}
    if stream:
        expected["live_stream"] = {"watch_url": watch_url_of(body, watch_host)}
    assert body == expected
    return body


async def create(client: httpx.AsyncClient, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """POST /conferences, asserting 201 and the exact ConferenceShort shape."""
    response = await client.post("/conferences", json={} if body is None else body)
    assert response.status_code == 201, response.text
    assert_request_id(response)
    return assert_short(response.json(), stream=bool(body and "live_stream" in body))


async def read(client: httpx.AsyncClient, conference_id: str) -> dict[str, Any]:
    response = await client.get(f"/conferences/{conference_id}")
    assert response.status_code == 200, response.text
    assert_request_id(response)
    body: dict[str, Any] = response.json()
    return body
