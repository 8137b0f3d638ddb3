"""Bad input at the envelope level: whatever the request, the answer is the controller's ``{code, message}``
as ``text/json`` with the status the controller gives, and never a 500.

- A body that is not JSON: ``400 invalid_json``; a body of another content type: ``400
  invalid_content_type``; JSON of the wrong shape: ``422 validation_failed``.
- A body over the app's ``max_body_bytes`` (declared or streamed): ``413 payload_overflow``.
- Unknown routes: ``404 not_found``; a method the route does not serve: ``405 method_not_allowed``.
- Huge or malformed query strings and path ids: an answer in the envelope (``400 bad_request``) or the
  ordinary answer, never a 5xx.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from omnimeet.platform.web import PrefixDispatcher
from tests.conftest import client_for
from tests.vendors.opentalk.support import (
    BAD_REQUEST,
    ERROR_TYPE,
    NOT_FOUND,
    assert_error,
    assert_unauthorized,
    error,
    token,
)

pytestmark = pytest.mark.anyio

SPEC = Path(__file__).resolve().parents[3] / "openapi" / "opentalk.yaml"
LIMIT = 4096
"""``max_body_bytes`` of the apps below."""
JSON = {"content-type": "application/json"}
ROOM = {"password": None, "enable_sip": False}

INVALID_JSON = error("invalid_json", "Payload is not valid json")
INVALID_CONTENT_TYPE = error("invalid_content_type", "Payload must be of content type application/json")
TOO_LARGE = error("payload_overflow", "The request payload is too large")
NOT_ALLOWED = error("method_not_allowed", "The method is not allowed for the requested resource")


def invalid(field: str | None, message: str, code: str = "invalid_value") -> dict[str, Any]:
    return {
        "code": "validation_failed",
        "message": "Some provided values are invalid",
        "errors": [{"field": field, "code": code, "message": message}],
    }


@pytest.fixture
def small(make_app: Callable[..., PrefixDispatcher]) -> PrefixDispatcher:
    return make_app(max_body_bytes=LIMIT)


@pytest.fixture
def alice(small: PrefixDispatcher, ot_for: Callable[..., httpx.AsyncClient]) -> httpx.AsyncClient:
    return ot_for(small)


@pytest.fixture
async def raw(small: PrefixDispatcher) -> AsyncIterator[httpx.AsyncClient]:
    """Alice at the server's root (outside the document's base): for the mount itself."""
    async with client_for(small) as client:
        client.headers["Authorization"] = f"Bearer {token('alice')}"
        yield client


async def _room(alice: httpx.AsyncClient) -> str:
    response = await alice.post("/rooms", json=ROOM)
    assert response.status_code == 201, response.text
    room_id: str = response.json()["id"]
    return room_id


async def _event(alice: httpx.AsyncClient) -> str:
    body = {"title": "Sync", "description": "", "is_time_independent": True, "is_all_day": False}
    response = await alice.post("/events", json=body)
    assert response.status_code == 201, response.text
    event_id: str = response.json()["id"]
    return event_id


async def _targets(alice: httpx.AsyncClient) -> list[tuple[str, str]]:
    """(method, path) of operations that read a JSON body, on Alice's own things."""
    room_id = await _room(alice)
    event_id = await _event(alice)
    return [
        ("POST", "/rooms"),
        ("PATCH", f"/rooms/{room_id}"),
        ("PUT", f"/rooms/{room_id}/sip"),
        ("POST", f"/rooms/{room_id}/invites"),
        ("POST", f"/rooms/{room_id}/streaming_targets"),
        ("POST", "/events"),
        ("PATCH", f"/events/{event_id}"),
        ("POST", f"/events/{event_id}/invites"),
        ("PATCH", "/users/me"),
    ]


# --- bodies ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body", [b"{nope", b'{"password": null,}', b"{", b"\x00", b'{"a": 1} trailing', b"   "]
)
async def test_a_body_that_is_not_json_is_invalid_json(alice: httpx.AsyncClient, body: bytes) -> None:
    for method, path in await _targets(alice):
        response = await alice.request(method, path, content=body, headers=JSON)
        assert_error(response, 400, INVALID_JSON)


async def test_an_empty_json_body_is_invalid_json(alice: httpx.AsyncClient) -> None:
    for method, path in await _targets(alice):
        assert_error(await alice.request(method, path, content=b"", headers=JSON), 400, INVALID_JSON)


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
        None,
    ],
)
async def test_a_body_of_another_content_type_is_refused(
    alice: httpx.AsyncClient, content_type: str | None
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    for method, path in await _targets(alice):
        response = await alice.request(method, path, content=b'{"title": "x"}', headers=headers)
        assert_error(response, 400, INVALID_CONTENT_TYPE)


async def test_json_with_a_charset_or_a_json_suffix_is_json(alice: httpx.AsyncClient) -> None:
    body = b'{"password": null, "enable_sip": false}'
    for content_type in ("application/json; charset=utf-8", "application/vnd.opentalk+json"):
        response = await alice.post("/rooms", content=body, headers={"content-type": content_type})
        assert response.status_code == 201, response.text


@pytest.mark.parametrize("body", [b"[]", b'"room"', b"null", b"42", b"true"])
async def test_json_that_is_not_an_object_is_a_validation_failure(
    alice: httpx.AsyncClient, body: bytes
) -> None:
    response = await alice.post("/rooms", content=body, headers=JSON)
    assert_error(
        response, 422, invalid(None, "Input should be a valid dictionary or object to extract fields from")
    )


async def test_a_value_of_the_wrong_type_names_its_field(alice: httpx.AsyncClient) -> None:
    response = await alice.post("/rooms", json={**ROOM, "enable_sip": "maybe"})
    assert_error(response, 422, invalid("enable_sip", "Input should be a valid boolean"))


@pytest.mark.parametrize("depth", [1_000, 100_000])
async def test_deeply_nested_json_is_refused_not_a_crash(
    make_app: Callable[..., PrefixDispatcher], ot_for: Any, depth: int
) -> None:
    alice = ot_for(make_app(max_body_bytes=1_048_576))
    for body in (b"[" * depth + b"]" * depth, b'{"a":' * depth + b"1" + b"}" * depth):
        response = await alice.post("/rooms", content=body, headers=JSON)
        assert response.status_code in (400, 422), response.text
        assert response.headers["content-type"] == ERROR_TYPE
        assert response.json()["code"] in ("bad_request", "invalid_json", "validation_failed")


# --- size --------------------------------------------------------------------------------------------------


async def test_a_body_at_the_limit_is_read(alice: httpx.AsyncClient) -> None:
    body = b'{"password": null, "enable_sip": false}'
    padded = body + b" " * (LIMIT - len(body))
    assert len(padded) == LIMIT
    assert (await alice.post("/rooms", content=padded, headers=JSON)).status_code == 201


async def test_an_oversized_body_is_413_in_the_envelope(
    raw: httpx.AsyncClient, alice: httpx.AsyncClient
) -> None:
    room_id = await _room(alice)
    oversized = b'{"password": "' + b"x" * LIMIT + b'"}'
    for method, path in (("POST", "/rooms"), ("PATCH", f"/rooms/{room_id}"), ("POST", "/events")):
        response = await alice.request(method, path, content=oversized, headers=JSON)
        assert_error(response, 413, TOO_LARGE)
    # Not even half-read: nothing was created or changed.
    rooms = await alice.get("/rooms")
    assert [room["id"] for room in rooms.json()] == [room_id]
    assert (await alice.get(f"/rooms/{room_id}")).json()["password"] is None


async def test_a_streamed_body_over_the_limit_is_413(
    raw: httpx.AsyncClient, alice: httpx.AsyncClient
) -> None:
    """No Content-Length (chunked): refused once the bytes pass the limit, before any handler runs."""

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"password": "'
        for _ in range(LIMIT // 256 + 1):
            yield b"y" * 256
        yield b'", "enable_sip": false}'

    response = await alice.post("/rooms", content=chunks(), headers=JSON)
    assert_error(response, 413, TOO_LARGE)
    assert (await alice.get("/rooms")).json() == []


async def test_an_oversized_body_of_someone_without_a_token_is_refused(small: PrefixDispatcher) -> None:
    """Whatever comes first (size or token), nothing is created and the answer is in the envelope."""
    async with client_for(small) as anonymous:
        response = await anonymous.post(
            "/opentalk/v1/rooms", content=b"[" + b" " * LIMIT + b"]", headers=JSON
        )
    assert response.status_code in (401, 413)
    assert response.headers["content-type"] == ERROR_TYPE
    assert response.json() in ({"code": "unauthorized", "message": "Authentication failed"}, TOO_LARGE)


def test_oversized_bodies_are_documented() -> None:
    """Every operation that reads a body lists the 413 its server answers, so checked clients accept it."""
    document = yaml.safe_load(SPEC.read_text())
    missing = [
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "requestBody" in operation and "413" not in operation["responses"]
    ]
    assert missing == []


# --- routes and methods ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/no/such/route",
        "/ROOMS",
        "/rooms/x/y/z/w",
        "/v1/rooms",
        "//rooms",
        "/events/x/nope",
        "/%00",
        "/" + "a" * 5000,
    ],
)
async def test_unknown_routes_are_404_with_or_without_a_token(
    small: PrefixDispatcher, ot_for: Callable[..., httpx.AsyncClient], path: str
) -> None:
    for client in (ot_for(small), ot_for(small, bearer=None)):
        assert_error(await client.get(path), 404, NOT_FOUND)
        assert_error(await client.post(path, json={}), 404, NOT_FOUND)


@pytest.mark.parametrize(
    "path", ["/opentalk", "/opentalk/", "/opentalk/v1", "/opentalk/v1/", "/opentalk/v2/rooms"]
)
async def test_the_mount_and_other_versions_are_404(raw: httpx.AsyncClient, path: str) -> None:
    assert_error(await raw.get(path), 404, NOT_FOUND)


async def test_a_trailing_slash_is_another_route(alice: httpx.AsyncClient) -> None:
    """The controller matches paths exactly: ``/v1/rooms/`` is not ``/v1/rooms`` (no redirect)."""
    room_id = await _room(alice)
    for method, path in (
        ("GET", "/rooms/"),
        ("POST", "/events/"),
        ("GET", f"/rooms/{room_id}/"),
        ("GET", "/users/me/"),
    ):
        assert_error(await alice.request(method, path, json={}), 404, NOT_FOUND)


async def test_a_method_the_route_does_not_serve_is_405(small: PrefixDispatcher, ot_for: Any) -> None:
    alice = ot_for(small)
    for method, path in (("PUT", "/rooms"), ("DELETE", "/events"), ("POST", "/users/me"), ("PATCH", "/turn")):
        response = await alice.request(method, path, json={})
        assert (response.status_code, response.headers["content-type"]) == (405, ERROR_TYPE)
        assert response.json() == NOT_ALLOWED


# --- query strings and path ids ----------------------------------------------------------------------------


async def test_a_huge_unknown_query_parameter_is_ignored(alice: httpx.AsyncClient) -> None:
    room_id = await _room(alice)
    response = await alice.get("/rooms", params={"filler": "x" * 60_000})
    assert response.status_code == 200
    assert [room["id"] for room in response.json()] == [room_id]
    many = await alice.get("/rooms?" + "&".join(f"p{n}=1" for n in range(3000)))
    assert [room["id"] for room in many.json()] == [room_id]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/rooms", {"per_page": "9" * 40}),
        ("/rooms", {"page": "9" * 40}),
        ("/rooms", {"per_page": "0"}),
        ("/rooms", {"page": "-1"}),
        ("/rooms", {"page": "1\x00"}),
        ("/rooms", {"per_page": "x" * 60_000}),
        ("/events", {"time_min": "x" * 60_000}),
        ("/events", {"per_page": "9" * 40}),
        ("/events", {"after": "!" * 5000}),
        ("/users/me/assets", {"page": "9" * 40}),
        ("/users", {"per_page": "-5"}),
    ],
)
async def test_bad_query_values_are_400(alice: httpx.AsyncClient, path: str, params: dict[str, str]) -> None:
    assert_error(await alice.get(path, params=params), 400, BAD_REQUEST)


@pytest.mark.parametrize("q", ["x" * 50_000, "_" * 30_000, "%" * 20_000, "\x00" * 1000, "é" * 10_000, "ab"])
async def test_a_huge_search_query_is_answered_in_the_envelope(alice: httpx.AsyncClient, q: str) -> None:
    """``/users/find`` with a ``q`` of up to tens of thousands of characters (SQLite refuses LIKE patterns
    over 50,000 bytes): nobody matches, or a 400 in the envelope; never a 500."""
    await alice.get("/users/me")
    response = await alice.get("/users/find", params={"q": q})
    if response.status_code == 200:
        assert response.json() == []
    else:
        assert_error(response, 400, BAD_REQUEST)


@pytest.mark.parametrize(
    "path",
    [
        "/rooms/not-a-uuid",
        "/rooms/%00",
        "/rooms/" + "a" * 60_000,
        "/events/" + "1" * 5000,
        "/events/3fa85f64-5717-4562-b3fc-2c963f66afa6/instances/" + "1" * 5000,
        "/rooms/3fa85f64-5717-4562-b3fc-2c963f66afa6/streaming_targets/%20",
    ],
)
async def test_malformed_path_ids_are_400(alice: httpx.AsyncClient, path: str) -> None:
    assert_error(await alice.get(path), 400, BAD_REQUEST)


async def test_without_a_token_bad_input_is_never_a_500(small: PrefixDispatcher, ot_for: Any) -> None:
    anonymous = ot_for(small, bearer=None)
    assert_unauthorized(await anonymous.get("/rooms", params={"per_page": "x" * 60_000}))
    assert_unauthorized(await anonymous.get("/rooms/not-a-uuid"))
    response = await anonymous.post("/rooms", content=b"{nope", headers=JSON)
    assert response.status_code in (400, 401)
    assert response.headers["content-type"] == ERROR_TYPE
