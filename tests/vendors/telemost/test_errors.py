"""Telemost errors outside body validation: unknown routes, wrong methods, oversized or non-JSON bodies,
odd conference ids, crashes. Each is exact status + ``{error, message, description}`` + request id."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from omnimeet.domain.rooms import RoomService
from omnimeet.platform.web import PrefixDispatcher
from tests.vendors.telemost.conftest import MakeTelemostClient
from tests.vendors.telemost.support import (
    BASE_URL,
    NOT_FOUND,
    RID,
    TOKEN_A,
    assert_error,
    assert_exact_error,
    assert_request_id,
    create,
    read,
)

pytestmark = pytest.mark.anyio

ROOT = "http://omnimeet.test"
NO_ROUTE = {"error": "NotFoundError", "message": "Ресурс не найден.", "description": "Resource not found."}
NO_METHOD = {
    "error": "MethodNotAllowedError",
    "message": "Метод не поддерживается.",
    "description": "Method not allowed.",
}
TOO_LARGE = {
    "error": "RequestEntityTooLargeError",
    "message": "Слишком большой запрос.",
    "description": "Request entity too large.",
}
NOT_JSON_MEDIA = {
    "error": "UnsupportedMediaTypeError",
    "message": "Неподдерживаемый тип данных.",
    "description": "Request body must be JSON (Content-Type: application/json).",
}


async def test_every_response_is_checked_against_the_spec(
    telemost: httpx.AsyncClient, spec_checked: list[httpx.Response]
) -> None:
    await telemost.post("/conferences", json={})
    await telemost.get(f"{ROOT}/telemost/nope")
    assert [r.status_code for r in spec_checked] == [201, 404]


@pytest.mark.parametrize(
    "path",
    [
        "/telemost/nope",
        "/telemost/",
        "/telemost/v1/telemost-api",
        "/telemost/v1/telemost-api/",
        "/telemost/v1/telemost-api/conference",
        "/telemost/v1/telemost-api/conferences/12345678901234/cohosts",
        "/telemost/v2/telemost-api/conferences",
    ],
)
async def test_unknown_route(telemost: httpx.AsyncClient, path: str) -> None:
    assert_exact_error(await telemost.get(f"{ROOT}{path}"), 404, NO_ROUTE)


async def test_unknown_route_needs_no_auth(app: PrefixDispatcher, telemost_for: MakeTelemostClient) -> None:
    anonymous = telemost_for(app, token=None)
    assert_exact_error(await anonymous.post(f"{ROOT}/telemost/nope", json={}), 404, NO_ROUTE)


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/conferences/{id}", "DELETE, GET, PATCH"),
        ("POST", "/conferences/{id}", "DELETE, GET, PATCH"),
        ("OPTIONS", "/conferences/{id}", "DELETE, GET, PATCH"),
        ("GET", "/conferences", "POST"),
        ("PUT", "/conferences", "POST"),
        ("PATCH", "/conferences", "POST"),
        ("DELETE", "/conferences", "POST"),
    ],
)
async def test_wrong_method(telemost: httpx.AsyncClient, method: str, path: str, allow: str) -> None:
    created = await create(telemost)
    response = await telemost.request(method, path.format(id=created["id"]), json={})
    assert_exact_error(response, 405, NO_METHOD)
    assert response.headers["allow"] == allow
    assert (await read(telemost, created["id"]))["id"] == created["id"]


async def test_head_is_not_served(telemost: httpx.AsyncClient) -> None:
    created = await create(telemost)
    response = await telemost.head(f"/conferences/{created['id']}")
    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET, PATCH"
    assert_request_id(response)


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml"],
)
@pytest.mark.parametrize("method", ["POST", "PATCH"])
async def test_body_that_is_not_declared_json(
    telemost: httpx.AsyncClient, content_type: str, method: str
) -> None:
    created = await create(telemost)
    path = "/conferences" if method == "POST" else f"/conferences/{created['id']}"
    body = b'{"access_level": "ORGANIZATION"}'
    response = await telemost.request(method, path, content=body, headers={"Content-Type": content_type})
    assert_exact_error(response, 415, NOT_JSON_MEDIA)
    assert (await read(telemost, created["id"]))["access_level"] == "PUBLIC"


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "application/merge-patch+json"])
async def test_json_media_types(telemost: httpx.AsyncClient, content_type: str) -> None:
    body = b'{"access_level": "ORGANIZATION"}'
    response = await telemost.post("/conferences", content=body, headers={"Content-Type": content_type})
    assert response.status_code == 201, response.text


# --- request size ------------------------------------------------------------------------------------------

LIMIT = 1000


@pytest.fixture
def small(make_app: Callable[..., PrefixDispatcher], telemost_for: MakeTelemostClient) -> httpx.AsyncClient:
    return telemost_for(make_app(max_body_bytes=LIMIT))


def body_of_size(size: int) -> bytes:
    skeleton = json.dumps({"live_stream": {"description": ""}}).encode()
    body = json.dumps({"live_stream": {"description": "x" * (size - len(skeleton))}}).encode()
    assert len(body) == size
    return body


@pytest.mark.parametrize("method", ["POST", "PATCH"])
async def test_body_over_the_limit(small: httpx.AsyncClient, method: str) -> None:
    created = await create(small)
    path = "/conferences" if method == "POST" else f"/conferences/{created['id']}"
    response = await small.request(
        method, path, content=body_of_size(LIMIT + 1), headers={"Content-Type": "application/json"}
    )
    assert_exact_error(response, 413, TOO_LARGE)
    assert "live_stream" not in await read(small, created["id"])


async def test_body_at_the_limit(small: httpx.AsyncClient) -> None:
    response = await small.post(
        "/conferences", content=body_of_size(LIMIT), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 201, response.text


async def test_chunked_body_over_the_limit(small: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        body = body_of_size(3 * LIMIT)
        for start in range(0, len(body), 100):
            yield body[start : start + 100]

    response = await small.post(
        "/conferences", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert_exact_error(response, 413, TOO_LARGE)


async def test_declared_length_over_the_limit_without_auth(
    make_app: Callable[..., PrefixDispatcher], telemost_for: MakeTelemostClient
) -> None:
    anonymous = telemost_for(make_app(max_body_bytes=LIMIT), token=None)
    response = await anonymous.post("/conferences", content=body_of_size(LIMIT * 5))
    assert_exact_error(response, 413, TOO_LARGE)


# --- conference ids ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
@pytest.mark.parametrize("conference_id", ["1" * 65, "a%00b"], ids=["too-long", "nul"])
async def test_impossible_conference_ids(
    telemost: httpx.AsyncClient, method: str, conference_id: str
) -> None:
    response = await telemost.request(
        method, f"/conferences/{conference_id}", json={} if method == "PATCH" else None
    )
    assert_error(response, 400, "FieldValidationError")


@pytest.mark.parametrize("conference_id", ["1" * 64, "%20", "%D1%8F", "12345678901234%3Fx"])
async def test_odd_but_possible_ids_are_not_found(telemost: httpx.AsyncClient, conference_id: str) -> None:
    assert_exact_error(await telemost.get(f"/conferences/{conference_id}"), 404, NOT_FOUND)


# --- crashes -----------------------------------------------------------------------------------------------


async def test_internal_error_keeps_the_envelope(
    app: PrefixDispatcher, telemost_for: MakeTelemostClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """5XX is deliberately not in the spec, so the checked client must refuse it; a raw client shows the
    answer a crash still gets: Telemost's envelope and the request id."""
    created = await create(telemost_for(app))

    def crash(*_: object, **__: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(RoomService, "get_view", crash)
    with pytest.raises(AssertionError, match="status 500 is not documented"):
        await telemost_for(app, raise_app_exceptions=False).get(f"/conferences/{created['id']}")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    headers = {"Authorization": f"OAuth {TOKEN_A}"}
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, headers=headers) as raw:
        response = await raw.get(f"/conferences/{created['id']}")
    assert_exact_error(
        response,
        500,
        {
            "error": "InternalServerError",
            "message": "Внутренняя ошибка сервера.",
            "description": "Internal server error.",
        },
    )
    assert RID in response.headers
