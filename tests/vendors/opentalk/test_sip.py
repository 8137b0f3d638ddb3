"""A room's SIP config: GET/PUT/DELETE /rooms/{room_id}/sip."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

from omnimeet.platform.web import PrefixDispatcher
from tests.vendors.opentalk.access_support import make_room
from tests.vendors.opentalk.support import (
    BAD_REQUEST,
    FORBIDDEN,
    NOT_FOUND,
    assert_error,
    assert_unauthorized,
)

pytestmark = pytest.mark.anyio

TEN_DIGITS = re.compile(r"^[0-9]{10}$")


def _invalid(field: str | None, code: str, message: str) -> dict[str, object]:
    return {
        "code": "validation_failed",
        "message": "Some provided values are invalid",
        "errors": [{"field": field, "code": code, "message": message}],
    }


async def test_put_creates_then_modifies(app: PrefixDispatcher, ot: httpx.AsyncClient) -> None:
    room_id = make_room(app)
    assert_error(await ot.get(f"/rooms/{room_id}/sip"), 404, NOT_FOUND)
    created = await ot.put(f"/rooms/{room_id}/sip", json={"lobby": True})
    assert created.status_code == 201
    body = created.json()
    assert TEN_DIGITS.match(body["sip_id"])
    assert TEN_DIGITS.match(body["password"])
    assert body == {"room": room_id, "sip_id": body["sip_id"], "password": body["password"], "lobby": True}
    got = await ot.get(f"/rooms/{room_id}/sip")
    assert (got.status_code, got.json()) == (200, body)
    changed = await ot.put(f"/rooms/{room_id}/sip", json={"password": "0123456789"})
    assert (changed.status_code, changed.json()) == (200, {**body, "password": "0123456789"})
    unlocked = await ot.put(f"/rooms/{room_id}/sip", json={"lobby": False})
    assert unlocked.json() == {**body, "password": "0123456789", "lobby": False}


async def test_put_with_a_password_on_creation(app: PrefixDispatcher, ot: httpx.AsyncClient) -> None:
    room_id = make_room(app)
    created = await ot.put(f"/rooms/{room_id}/sip", json={"password": "5555555555"})
    assert created.status_code == 201
    assert (created.json()["password"], created.json()["lobby"]) == ("5555555555", False)


async def test_delete_removes_it(app: PrefixDispatcher, ot: httpx.AsyncClient) -> None:
    room_id = make_room(app)
    await ot.put(f"/rooms/{room_id}/sip", json={"lobby": False})
    deleted = await ot.delete(f"/rooms/{room_id}/sip")
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert_error(await ot.get(f"/rooms/{room_id}/sip"), 404, NOT_FOUND)
    assert (await ot.delete(f"/rooms/{room_id}/sip")).status_code == 204
    again = await ot.put(f"/rooms/{room_id}/sip", json={"lobby": False})
    assert again.status_code == 201


async def test_bad_bodies(app: PrefixDispatcher, ot: httpx.AsyncClient) -> None:
    room_id = make_room(app)
    path = f"/rooms/{room_id}/sip"
    assert_error(
        await ot.put(path, json={}), 422, _invalid(None, "missing_values", "At least one value is required")
    )
    assert_error(
        await ot.put(path, json={"password": "12345"}),
        422,
        _invalid("password", "invalid_length", "The password must have 10 digits"),
    )
    assert_error(
        await ot.put(path, json={"password": "12345abcde"}),
        422,
        _invalid("password", "invalid_value", "The password must be numeric"),
    )
    # serde takes only true and false for a bool (pydantic's lax mode would read 0 and "yes").
    for lobby in (0, "yes"):
        assert_error(
            await ot.put(path, json={"lobby": lobby}),
            422,
            _invalid("lobby", "invalid_value", "Input should be a valid boolean"),
        )
    assert_error(await ot.get(f"/rooms/{room_id}/sip"), 404, NOT_FOUND)


async def test_access(
    app: PrefixDispatcher, ot: httpx.AsyncClient, ot_bob: httpx.AsyncClient, ot_for: object
) -> None:
    assert callable(ot_for)
    room_id = make_room(app)
    await ot.put(f"/rooms/{room_id}/sip", json={"lobby": False})
    assert_error(await ot_bob.get(f"/rooms/{room_id}/sip"), 403, FORBIDDEN)
    assert_error(await ot_bob.put(f"/rooms/{room_id}/sip", json={"lobby": True}), 403, FORBIDDEN)
    assert_error(await ot_bob.delete(f"/rooms/{room_id}/sip"), 403, FORBIDDEN)
    assert_error(await ot.get(f"/rooms/{uuid.uuid4()}/sip"), 403, FORBIDDEN)
    assert_error(await ot.get("/rooms/not-a-room/sip"), 400, BAD_REQUEST)
    assert_unauthorized(await ot_for(app, bearer=None).get(f"/rooms/{room_id}/sip"))
    assert (await ot.get(f"/rooms/{room_id}/sip")).json()["lobby"] is False
