"""Vonage errors outside the room rules: unknown routes and methods, bodies that are not objects or not
JSON, oversized bodies, odd ids, injected faults. Each is an exact status and ``{message, name, status}``
body, never FastAPI's ``detail``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from omnimeet.platform.web import PrefixDispatcher
from tests.vendors.vonage.conftest import MakeClient
from tests.vendors.vonage.rooms_support import control, create_long_term, create_room
from tests.vendors.vonage.support import BASE_URL, CONTROL, ROOT, app_jwt, assert_answer, error

pytestmark = pytest.mark.anyio

NOT_FOUND = error(404, "NotFoundError", "Not Found")
JSON = {"content-type": "application/json"}


def invalid(message: str) -> dict[str, Any]:
    return error(400, "InputValidationError", message)


async def test_every_response_is_checked_against_the_spec(
    vonage: httpx.AsyncClient, spec_checked: list[httpx.Response]
) -> None:
    room = await create_room(vonage)
    await vonage.get(f"/rooms/{room['id']}")
    await vonage.get("/nope")
    assert [r.status_code for r in spec_checked] == [201, 200, 404]


@pytest.mark.parametrize(
    "path",
    [
        "/vonage",
        "/vonage/",
        "/vonage/v1",
        "/vonage/v1/meetings",
        "/vonage/v2/meetings/rooms",
        "/vonage/v1/meetings/room",
        "/vonage/v1/meetings/rooms/x/y",
        "/vonage/v1/meetings/themes/x/rooms/y",
        "/vonage/beta/meetings/nope",
    ],
)
@pytest.mark.parametrize("authorised", [True, False])
async def test_unknown_route(
    app: PrefixDispatcher, vonage_for: MakeClient, path: str, authorised: bool
) -> None:
    client = vonage_for(app) if authorised else vonage_for(app, None)
    assert_answer(await client.get(f"{ROOT}{path}"), 404, NOT_FOUND)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", "/rooms/b3142c46-d1c1-4405-baa6-85683827ed69"),  # removed from the API in 0.1.3
        ("PUT", "/rooms/b3142c46-d1c1-4405-baa6-85683827ed69"),
        ("PUT", "/rooms"),
        ("DELETE", "/rooms"),
        ("POST", "/themes/90a21428-b74a-4221-adc3-783935d654db/rooms"),
    ],
)
async def test_an_unserved_method_is_not_found(vonage: httpx.AsyncClient, method: str, path: str) -> None:
    assert_answer(await vonage.request(method, path), 404, NOT_FOUND)


@pytest.mark.parametrize("body", [b"[]", b'"room"', b"5", b"true", b"[{}]"])
@pytest.mark.parametrize("method", ["POST", "PATCH"])
async def test_a_body_that_is_not_an_object(vonage: httpx.AsyncClient, body: bytes, method: str) -> None:
    room = await create_long_term(vonage)
    path = "/rooms" if method == "POST" else f"/rooms/{room['id']}"
    response = await vonage.request(method, path, content=body, headers=JSON)
    assert_answer(response, 400, invalid('"value" must be of type object'))


@pytest.mark.parametrize("headers", [JSON, {}])
async def test_no_body_is_an_empty_object(vonage: httpx.AsyncClient, headers: dict[str, str]) -> None:
    room = await create_long_term(vonage)
    response = await vonage.post("/rooms", content=b"", headers=headers)
    assert_answer(response, 400, invalid('"display_name" is required'))
    response = await vonage.patch(f"/rooms/{room['id']}", content=b"", headers=headers)
    assert_answer(response, 400, invalid('"update_details" is required'))


async def test_a_body_that_is_not_json(vonage: httpx.AsyncClient) -> None:
    room = await create_long_term(vonage)
    form = {"content-type": "application/x-www-form-urlencoded"}
    response = await vonage.post("/rooms", content=b"display_name=x", headers=form)
    assert_answer(response, 400, invalid('"display_name" is required'))
    response = await vonage.patch(f"/rooms/{room['id']}", content=b"update_details=x", headers=form)
    assert_answer(response, 400, invalid('"value" must be of type object'))


async def test_a_null_patch_body(vonage: httpx.AsyncClient) -> None:
    room = await create_long_term(vonage)
    response = await vonage.patch(f"/rooms/{room['id']}", content=b"null", headers=JSON)
    assert_answer(response, 400, invalid('"update_details" is required'))


@pytest.mark.parametrize("body", [b"{", b'{"display_name": }', b"{'display_name': 'x'}", b"\xff\xfe"])
async def test_json_that_does_not_parse(vonage: httpx.AsyncClient, body: bytes) -> None:
    response = await vonage.post("/rooms", content=body, headers=JSON)
    assert_answer(response, 400, error(400, "BadRequestError", "Unexpected token in JSON body"))


async def test_a_duplicated_key_counts_once(vonage: httpx.AsyncClient) -> None:
    body = b'{"display_name": "first", "display_name": 5}'
    response = await vonage.post("/rooms", content=body, headers=JSON)
    assert_answer(response, 400, invalid('"display_name" must be a string'))


async def test_a_body_too_large(make_app: Callable[..., PrefixDispatcher], vonage_for: MakeClient) -> None:
    client = vonage_for(make_app(max_body_bytes=2_000))
    response = await client.post("/rooms", json={"display_name": "x", "metadata": "m" * 5_000})
    assert_answer(response, 413, error(413, "PayloadTooLargeError", "Request Entity Too Large"))
    assert (await client.get("/rooms")).json()["total_items"] == 0


@pytest.mark.parametrize("room_id", ["%00", "%E2%9C%93", "a%2Fb", "x" * 300, "%20"])
async def test_odd_room_ids_are_not_found(vonage: httpx.AsyncClient, room_id: str) -> None:
    response = await vonage.get(f"/rooms/{room_id}")
    assert response.status_code == 404, response.text
    body = response.json()
    assert body["name"] == "NotFoundError"
    assert body["status"] == 404
    assert body["message"].startswith("Room ") or body == NOT_FOUND


@pytest.mark.parametrize(
    ("status", "name", "message"),
    [
        (500, "InternalServerError", "Internal Server Error"),
        (503, "ServiceUnavailableError", "Service Unavailable"),
        (429, "TooManyRequestsError", "Too Many Requests"),
        (403, "ForbiddenError", "Forbidden"),
    ],
)
async def test_an_injected_fault(app: PrefixDispatcher, status: int, name: str, message: str) -> None:
    async with control(app) as client:
        fault = {
            "vendor": "vonage",
            "method": "POST",
            "path": "/v1/meetings/rooms",
            "status": status,
            "times": 1,
        }
        assert (await client.post(f"{CONTROL}/faults", json=fault)).status_code == 201
        headers = {"Authorization": f"Bearer {app_jwt()}"}
        response = await client.post(f"{BASE_URL}/rooms", json={"display_name": "x"}, headers=headers)
        assert_answer(response, status, error(status, name, message))
        again = await client.post(f"{BASE_URL}/rooms", json={"display_name": "x"}, headers=headers)
        assert again.status_code == 201, again.text
