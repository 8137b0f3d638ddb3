"""Bad request bodies on POST and PATCH: always a 400 in Telemost's envelope, never a 500 or
FastAPI's ``{"detail": ...}``, and a refused PATCH changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.vendors.telemost.support import (
    assert_error,
    assert_exact_error,
    assert_field_error,
    bad_request,
    create,
    read,
)

pytestmark = pytest.mark.anyio

JSON = {"Content-Type": "application/json"}
NOT_JSON = bad_request("Request body is not valid JSON.")
NOT_AN_OBJECT = bad_request("Request body must be a JSON object.")


@dataclass
class Target:
    """Where a body goes: POST /conferences, or PATCH of an existing conference (kept for comparison)."""

    client: httpx.AsyncClient
    method: str
    url: str
    before: dict[str, Any] | None = None

    async def send(self, **kwargs: Any) -> httpx.Response:
        return await self.client.request(self.method, self.url, **kwargs)

    async def unchanged(self) -> None:
        if self.before is not None:
            assert await read(self.client, self.before["id"]) == self.before


@pytest.fixture(params=["POST", "PATCH"])
async def target(request: pytest.FixtureRequest, telemost: httpx.AsyncClient) -> AsyncIterator[Target]:
    if request.param == "POST":
        yield Target(telemost, "POST", "/conferences")
        return
    created = await create(telemost, {"access_level": "ORGANIZATION", "live_stream": {"title": "Kept"}})
    before = await read(telemost, created["id"])
    target = Target(telemost, "PATCH", f"/conferences/{created['id']}", before)
    yield target
    await target.unchanged()


@pytest.mark.parametrize(
    "content",
    [
        b"{bad",
        b'{"access_level": "PUBLIC",}',
        b"{'access_level': 'PUBLIC'}",
        b'{"a": 1} trailing',
        b"\xff\xfe",
    ],
)
async def test_invalid_json(target: Target, content: bytes) -> None:
    assert_exact_error(await target.send(content=content, headers=JSON), 400, NOT_JSON)


@pytest.mark.parametrize(
    "content", [b"[]", b'[{"access_level": "PUBLIC"}]', b'"x"', b"5", b"1.5", b"true", b"null"]
)
async def test_json_that_is_not_an_object(target: Target, content: bytes) -> None:
    assert_exact_error(await target.send(content=content, headers=JSON), 400, NOT_AN_OBJECT)


@pytest.mark.parametrize("headers", [{}, JSON], ids=["no-content-type", "json-content-type"])
async def test_missing_body(target: Target, headers: dict[str, str]) -> None:
    assert_exact_error(await target.send(headers=headers), 400, NOT_AN_OBJECT)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"access_level": 5}, "access_level"),
        ({"access_level": True}, "access_level"),
        ({"access_level": ["PUBLIC"]}, "access_level"),
        ({"live_stream": "x"}, "live_stream"),
        ({"live_stream": []}, "live_stream"),
        ({"live_stream": 1}, "live_stream"),
        ({"live_stream": {"title": 7}}, "live_stream.title"),
        ({"live_stream": {"title": {"text": "x"}}}, "live_stream.title"),
        ({"live_stream": {"description": False}}, "live_stream.description"),
        ({"live_stream": {"access_level": 1}}, "live_stream.access_level"),
    ],
)
async def test_wrong_types(target: Target, body: dict[str, Any], field: str) -> None:
    assert_field_error(await target.send(json=body), field)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"access_level": None}, "access_level"),
        ({"live_stream": None}, "live_stream"),
        ({"live_stream": {"access_level": None}}, "live_stream.access_level"),
        ({"live_stream": {"title": None}}, "live_stream.title"),
        ({"live_stream": {"description": None}}, "live_stream.description"),
    ],
)
async def test_null_values(target: Target, body: dict[str, Any], field: str) -> None:
    assert_field_error(await target.send(json=body), field)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"access_level": "EVERYONE"}, "access_level"),
        ({"access_level": "public"}, "access_level"),
        ({"access_level": " PUBLIC"}, "access_level"),
        ({"live_stream": {"access_level": "ADMINS"}}, "live_stream.access_level"),
    ],
)
async def test_unknown_enum_values(target: Target, body: dict[str, Any], field: str) -> None:
    assert_field_error(await target.send(json=body), field)


@pytest.mark.parametrize("field", ["title", "description"])
async def test_nul_characters_are_refused(target: Target, field: str) -> None:
    """U+0000 cannot be stored in PostgreSQL text: it is a field error on every backend, not a 500."""
    assert_field_error(await target.send(json={"live_stream": {field: "a\u0000b"}}), f"live_stream.{field}")


async def test_every_invalid_field_is_listed(target: Target) -> None:
    body = {"access_level": "X", "live_stream": {"access_level": "Y", "title": 1, "description": 2}}
    error = assert_field_error(await target.send(json=body), "access_level")
    assert set(error["details"]["fields"]) == {
        "access_level",
        "live_stream.access_level",
        "live_stream.title",
        "live_stream.description",
    }
    assert all(isinstance(message, str) and message for message in error["details"]["fields"].values())


@pytest.mark.parametrize(
    ("field", "limit"), [("title", 1024), ("description", 2048)], ids=["title", "description"]
)
@pytest.mark.parametrize("char", ["x", "я", "😀"], ids=["ascii", "cyrillic", "astral"])
async def test_length_limits_count_characters(target: Target, field: str, limit: int, char: str) -> None:
    too_long = {"live_stream": {field: char * (limit + 1)}}
    assert_field_error(await target.send(json=too_long), f"live_stream.{field}")
    await target.unchanged()

    longest = char * limit
    response = await target.send(json={"live_stream": {field: longest}})
    assert response.status_code == (201 if target.method == "POST" else 200), response.text
    conference_id = response.json()["id"]
    assert (await read(target.client, conference_id))["live_stream"][field] == longest
    target.before = None  # this PATCH was meant to apply


async def test_empty_object_is_fine(target: Target) -> None:
    response = await target.send(json={})
    assert response.status_code == (201 if target.method == "POST" else 200), response.text


async def test_validation_never_leaks_framework_errors(target: Target) -> None:
    """A grab bag of odd bodies: each gets Telemost's 400 envelope."""
    for content in (b"{}" * 2, b'{"live_stream": {"title": "\\ud800"}}', b"\x00", b"{" * 5000):
        response = await target.send(content=content, headers=JSON)
        body = assert_error(response, 400, response.json().get("error", "?"))
        assert body["error"] in {"BadRequestError", "FieldValidationError"}, body
