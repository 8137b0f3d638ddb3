"""OpenVidu Meet errors outside the operations' own rules: unknown routes, methods, media types, malformed
or oversized bodies, injected faults. Each is an exact status and body, never FastAPI's ``detail``."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from omnimeet.platform.web import PrefixDispatcher
from tests.vendors.openvidu_meet.conftest import MakeClient
from tests.vendors.openvidu_meet.support import (
    CONTROL,
    LATER,
    NO_ROUTE,
    ROOT,
    assert_answer,
    create_room,
    invalid,
)

pytestmark = pytest.mark.anyio

BAD_JSON = {"error": "Bad Request", "message": "Malformed request body"}
NOT_JSON = {"message": "Unsupported Media Type"}
TOO_LARGE = {"message": "Request entity too large"}


async def test_every_response_is_checked_against_the_spec(
    ovm: httpx.AsyncClient, spec_checked: list[httpx.Response]
) -> None:
    await ovm.post("/rooms", json={"expirationDate": LATER})
    await ovm.get(f"{ROOT}/openvidu/nope")
    assert [r.status_code for r in spec_checked] == [200, 404]


@pytest.mark.parametrize(
    "path",
    [
        "/openvidu",
        "/openvidu/",
        "/openvidu/nope",
        "/openvidu/meet/api/v1",
        "/openvidu/meet/api/v1/",
        "/openvidu/meet/api/v2/rooms",
        "/openvidu/meet/api/v1/room",
        "/openvidu/meet/api/v1/rooms/x/y",
        "/openvidu/meet/api/v1/participants",
    ],
)
async def test_unknown_route(ovm: httpx.AsyncClient, path: str) -> None:
    assert_answer(await ovm.get(f"{ROOT}{path}"), 404, NO_ROUTE)


async def test_unknown_route_needs_no_key(app: PrefixDispatcher, ovm_for: MakeClient) -> None:
    assert_answer(await ovm_for(app, None).post(f"{ROOT}/openvidu/nope", json={}), 404, NO_ROUTE)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PATCH", "/rooms"),
        ("PUT", "/rooms"),
        ("DELETE", "/rooms"),
        ("POST", "/rooms/{room}"),
        ("PATCH", "/rooms/{room}"),
        ("GET", "/participants/token"),
        ("GET", "/participants/Alice"),
        ("HEAD", "/rooms/{room}"),
    ],
)
async def test_unserved_method_is_an_unknown_route(ovm: httpx.AsyncClient, method: str, path: str) -> None:
    room = await create_room(ovm)
    response = await ovm.request(method, path.format(room=room["roomName"]))
    assert response.status_code == 404
    if method != "HEAD":
        assert response.json() == NO_ROUTE


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
)
@pytest.mark.parametrize("path", ["/rooms", "/participants/token", "/rooms/{room}"])
async def test_body_that_is_not_json(ovm: httpx.AsyncClient, content_type: str, path: str) -> None:
    room = await create_room(ovm)
    body = json.dumps({"expirationDate": LATER}).encode()
    method = "PUT" if "{room}" in path else "POST"
    response = await ovm.request(
        method, path.format(room=room["roomName"]), content=body, headers={"Content-Type": content_type}
    )
    assert_answer(response, 415, NOT_JSON)


@pytest.mark.parametrize("body", [b"{", b"{'a': 1}", b"nul"])
async def test_json_that_does_not_parse(ovm: httpx.AsyncClient, body: bytes) -> None:
    response = await ovm.post("/rooms", content=body, headers={"Content-Type": "application/json"})
    assert_answer(response, 400, BAD_JSON)


@pytest.mark.parametrize("number", [b"NaN", b"Infinity", b"-Infinity", b"1e400"])
async def test_non_finite_numbers(ovm: httpx.AsyncClient, number: bytes) -> None:
    response = await ovm.post(
        "/rooms", content=b'{"expirationDate": ' + number + b"}", headers={"Content-Type": "application/json"}
    )
    assert_answer(response, 422, invalid(("expirationDate", "Expected number, received nan")))


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "application/vnd.api+json"])
async def test_json_media_types(ovm: httpx.AsyncClient, content_type: str) -> None:
    body = json.dumps({"expirationDate": LATER}).encode()
    response = await ovm.post("/rooms", content=body, headers={"Content-Type": content_type})
    assert response.status_code == 200, response.text


LIMIT = 1000


@pytest.fixture
def small(make_app: Callable[..., PrefixDispatcher], ovm_for: MakeClient) -> httpx.AsyncClient:
    return ovm_for(make_app(max_body_bytes=LIMIT))


def body_of_size(size: int) -> bytes:
    skeleton = json.dumps({"expirationDate": LATER, "roomNamePrefix": ""}).encode()
    body = json.dumps({"expirationDate": LATER, "roomNamePrefix": "x" * (size - len(skeleton))}).encode()
    assert len(body) == size
    return body


async def test_body_over_the_limit(small: httpx.AsyncClient) -> None:
    response = await small.post(
        "/rooms", content=body_of_size(LIMIT + 1), headers={"Content-Type": "application/json"}
    )
    assert_answer(response, 413, TOO_LARGE)
    assert_answer(await small.get("/rooms"), 200, [])


async def test_body_at_the_limit(small: httpx.AsyncClient) -> None:
    response = await small.post(
        "/rooms", content=body_of_size(LIMIT), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (401, {"message": "Unauthorized"}),
        (404, {"error": "Not found"}),
        (500, {"message": "Internal server error"}),
        (503, {"message": "Service Unavailable"}),
        (429, {"message": "Too Many Requests"}),
    ],
)
async def test_injected_fault_speaks_the_vendors_format(
    app: PrefixDispatcher, client: httpx.AsyncClient, status: int, body: dict[str, str]
) -> None:
    rule = {"vendor": "openvidu-meet", "method": "GET", "path": "*/rooms", "status": status, "times": 1}
    assert (await client.post(f"{CONTROL}/faults", json=rule)).status_code == 201
    response = await client.get("/openvidu/meet/api/v1/rooms", headers={"X-API-KEY": "k"})
    assert_answer(response, status, body)
    assert (await client.get("/openvidu/meet/api/v1/rooms", headers={"X-API-KEY": "k"})).status_code == 200
