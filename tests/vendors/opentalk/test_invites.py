"""Room invite codes: /rooms/{room_id}/invites and POST /invite/verify."""

from __future__ import annotations

import uuid

import httpx
import pytest

from omnimeet.platform.web import PrefixDispatcher
from tests.vendors.opentalk.access_support import make_room, profile
from tests.vendors.opentalk.support import (
    BAD_REQUEST,
    FORBIDDEN,
    MINUTE_MS,
    NOT_FOUND,
    NOW,
    NOW_ISO,
    assert_error,
    assert_unauthorized,
    error,
)

pytestmark = pytest.mark.anyio

BAD_CODE = {
    "code": "validation_failed",
    "message": "Some provided values are invalid",
    "errors": [{"field": "invite_code", "code": "invalid_value", "message": "Bad invite code format"}],
}


def _invite(app: PrefixDispatcher, room_id: str, code: str, **changes: object) -> dict[str, object]:
    alice = profile(app)
    return {
        "invite_code": code,
        "created": NOW_ISO,
        "created_by": alice,
        "updated": NOW_ISO,
        "updated_by": alice,
        "room_id": room_id,
        "active": True,
        "expiration": None,
        **changes,
    }


async def test_create_get_and_list(app: PrefixDispatcher, ot: httpx.AsyncClient) -> None:
    room_id = make_room(app)
    created = await ot.post(f"/rooms/{room_id}/invites", json={})
    assert created.status_code == 200
    code = created.json()["invite_code"]
    assert str(uuid.UUID(code)) == code
    assert created.json() == _invite(app, room_id, code)
    expiring = await ot.post(f"/rooms/{room_id}/invites", json={"expiration": "2026-12-01T10:00:00+01:00"})
    assert expiring.json()["expiration"] == "2026-12-01T09:00:00Z"
    got = await ot.get(f"/rooms/{room_id}/invites/{code.upper()}")
    assert (got.status_code, got.json()) == (200, _invite(app, room_id, code))
    listed = await ot.get(f"/rooms/{room_id}/invites", params={"per_page": 1, "page": 2})
    assert listed.status_code == 200
    assert listed.json() == [expiring.json()]
    base = f"http://omnimeet.test/opentalk/v1/rooms/{room_id}/invites"
    assert listed.headers["link"] == (
        f"<{base}?per_page=1&page=1>; rel='first', <{base}?per_page=1&page=1>; rel='prev'"
    )


async def test_put_replaces_expiry_and_delete_withdraws(app: PrefixDispatcher, ot: httpx.AsyncClient) -> None:
    room_id = make_room(app)
    code = (await ot.post(f"/rooms/{room_id}/invites", json={})).json()["invite_code"]
    app.state.ctx.clock.set(NOW + MINUTE_MS)
    put = await ot.put(f"/rooms/{room_id}/invites/{code}", json={"expiration": "2027-01-01T00:00:00Z"})
    later = "2026-12-01T09:01:00Z"
    assert (put.status_code, put.json()) == (
        200,
        _invite(app, room_id, code, updated=later, expiration="2027-01-01T00:00:00Z"),
    )
    cleared = await ot.put(f"/rooms/{room_id}/invites/{code}", json={})
    assert cleared.json()["expiration"] is None
    deleted = await ot.delete(f"/rooms/{room_id}/invites/{code}")
    assert (deleted.status_code, deleted.content) == (204, b"")
    got = await ot.get(f"/rooms/{room_id}/invites/{code}")
    assert got.json() == _invite(app, room_id, code, updated=later, active=False)
    assert (await ot.delete(f"/rooms/{room_id}/invites/{code}")).status_code == 204
    verify = await ot.post("/invite/verify", json={"invite_code": code})
    assert_error(verify, 404, NOT_FOUND)


async def test_verify_needs_no_auth_and_tells_about_the_password(
    app: PrefixDispatcher, ot: httpx.AsyncClient, ot_for: object
) -> None:
    assert callable(ot_for)
    anonymous: httpx.AsyncClient = ot_for(app, bearer=None)
    open_room, locked_room = make_room(app), make_room(app, password="s3cret")
    open_code = (await ot.post(f"/rooms/{open_room}/invites", json={})).json()["invite_code"]
    locked_code = (await ot.post(f"/rooms/{locked_room}/invites", json={})).json()["invite_code"]
    first = await anonymous.post("/invite/verify", json={"invite_code": open_code})
    assert (first.status_code, first.json()) == (200, {"room_id": open_room, "password_required": False})
    second = await anonymous.post("/invite/verify", json={"invite_code": locked_code})
    assert second.json() == {"room_id": locked_room, "password_required": True}


async def test_verify_refuses_expired_unknown_and_malformed_codes(
    app: PrefixDispatcher, ot: httpx.AsyncClient
) -> None:
    room_id = make_room(app)
    expiring = await ot.post(f"/rooms/{room_id}/invites", json={"expiration": "2026-12-01T09:05:00Z"})
    code = expiring.json()["invite_code"]
    assert (await ot.post("/invite/verify", json={"invite_code": code})).status_code == 200
    app.state.ctx.clock.set(NOW + 5 * MINUTE_MS)
    assert_error(await ot.post("/invite/verify", json={"invite_code": code}), 404, NOT_FOUND)
    unknown = str(uuid.uuid4())
    assert_error(await ot.post("/invite/verify", json={"invite_code": unknown}), 404, NOT_FOUND)
    assert_error(await ot.post("/invite/verify", json={"invite_code": "not-a-code"}), 422, BAD_CODE)
    missing = await ot.post("/invite/verify", json={})
    assert_error(
        missing,
        422,
        {
            "code": "validation_failed",
            "message": "Some provided values are invalid",
            "errors": [{"field": "invite_code", "code": "value_required", "message": "Value is required"}],
        },
    )


async def test_only_the_rooms_creator_manages_its_codes(
    app: PrefixDispatcher, ot: httpx.AsyncClient, ot_bob: httpx.AsyncClient
) -> None:
    room_id = make_room(app)
    code = (await ot.post(f"/rooms/{room_id}/invites", json={})).json()["invite_code"]
    assert_error(await ot_bob.get(f"/rooms/{room_id}/invites"), 403, FORBIDDEN)
    assert_error(await ot_bob.post(f"/rooms/{room_id}/invites", json={}), 403, FORBIDDEN)
    assert_error(await ot_bob.get(f"/rooms/{room_id}/invites/{code}"), 403, FORBIDDEN)
    assert_error(await ot_bob.put(f"/rooms/{room_id}/invites/{code}", json={}), 403, FORBIDDEN)
    assert_error(await ot_bob.delete(f"/rooms/{room_id}/invites/{code}"), 403, FORBIDDEN)


async def test_unknown_rooms_codes_and_bad_input(app: PrefixDispatcher, ot: httpx.AsyncClient) -> None:
    room_id, other_room = make_room(app), make_room(app)
    code = (await ot.post(f"/rooms/{other_room}/invites", json={})).json()["invite_code"]
    assert_error(await ot.get(f"/rooms/{uuid.uuid4()}/invites"), 403, FORBIDDEN)
    assert_error(await ot.get(f"/rooms/{room_id}/invites/{code}"), 404, NOT_FOUND)
    assert_error(await ot.delete(f"/rooms/{room_id}/invites/{code}"), 404, NOT_FOUND)
    assert_error(await ot.get(f"/rooms/{room_id}/invites/nope"), 400, BAD_REQUEST)
    assert_error(await ot.get("/rooms/nope/invites"), 400, BAD_REQUEST)
    assert_error(await ot.get(f"/rooms/{room_id}/invites", params={"per_page": 0}), 400, BAD_REQUEST)
    naive = await ot.post(f"/rooms/{room_id}/invites", json={"expiration": "2026-12-01T10:00:00"})
    assert naive.status_code == 422
    assert naive.json()["errors"][0]["field"] == "expiration"
    # serde wants RFC 3339 text; pydantic alone would read a number as seconds since the epoch.
    for send in (
        ot.post(f"/rooms/{room_id}/invites", json={"expiration": 0}),
        ot.put(f"/rooms/{other_room}/invites/{code}", json={"expiration": 1893456000}),
    ):
        assert_error(
            await send,
            422,
            {
                **error("validation_failed", "Some provided values are invalid"),
                "errors": [
                    {
                        "field": "expiration",
                        "code": "invalid_value",
                        "message": "Input should be a valid datetime",
                    }
                ],
            },
        )
    not_json = await ot.post(
        f"/rooms/{room_id}/invites", content=b"{", headers={"content-type": "application/json"}
    )
    assert_error(not_json, 400, error("invalid_json", "Payload is not valid json"))


async def test_invites_need_a_token(app: PrefixDispatcher, ot_for: object) -> None:
    assert callable(ot_for)
    anonymous: httpx.AsyncClient = ot_for(app, bearer=None)
    room_id = make_room(app)
    assert_unauthorized(await anonymous.get(f"/rooms/{room_id}/invites"))
    assert_unauthorized(await anonymous.post(f"/rooms/{room_id}/invites", json={}))
