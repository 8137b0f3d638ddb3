"""OpenVidu Meet participants: tokens from a room secret (joining the live session), removal."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import httpx
import jwt
import pytest

from tests.vendors.openvidu_meet.support import (
    KEY_B,
    NOW,
    assert_answer,
    assert_no_content,
    create_room,
    invalid,
    room_not_found,
    room_state,
    secrets_of,
    token_for,
)

pytestmark = pytest.mark.anyio

SIX_HOURS_S = 6 * 3600


def decode(token: str, tenant: str, room_name: str) -> dict[str, Any]:
    """The token's claims, verified with the documented key: hex HMAC-SHA256 keyed by the tenant id over
    ``openvidu-meet:<roomName>``."""
    key = hmac.new(tenant.encode(), f"openvidu-meet:{room_name}".encode(), hashlib.sha256).hexdigest()
    claims: dict[str, Any] = jwt.decode(
        token,
        key,
        algorithms=["HS256"],
        options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
    )
    return claims


def not_found_in_room(participant: str, room: str) -> dict[str, str]:
    return {"name": "Participant Error", "message": f"'{participant}' not found in room '{room}'"}


@pytest.mark.parametrize(
    ("role", "publishes", "admin"),
    [("moderator", True, True), ("publisher", True, False), ("viewer", False, False)],
)
async def test_token_per_role(
    ovm: httpx.AsyncClient, client: httpx.AsyncClient, role: str, publishes: bool, admin: bool
) -> None:
    room = await create_room(ovm)
    name = room["roomName"]
    response = await token_for(ovm, room, "Alice", role)
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"token"}
    assert response.cookies["OvMeetParticipantToken"] == response.json()["token"]
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "Max-Age=21600" in cookie
    state = await room_state(client, name)
    claims = decode(response.json()["token"], state["room"]["tenant"], name)
    jti = claims.pop("jti")
    assert isinstance(jti, str)
    assert jti
    assert claims == {
        "iss": "openvidu-meet",
        "sub": "Alice",
        "name": "Alice",
        "iat": NOW // 1000,
        "nbf": NOW // 1000,
        "exp": NOW // 1000 + SIX_HOURS_S,
        "video": {
            "room": name,
            "roomJoin": True,
            "canPublish": publishes,
            "canPublishData": publishes,
            "canSubscribe": True,
            "roomAdmin": admin,
        },
        "metadata": json.dumps({"roomName": name, "role": role}, separators=(",", ":")),
    }
    assert state["session"]["status"] == "active"
    assert [(p["id"], p["name"], p["role"]) for p in state["participants"]] == [("Alice", "Alice", role)]


async def test_token_needs_no_api_key(app: Any, ovm_for: Any) -> None:
    room = await create_room(ovm_for(app))
    anonymous = ovm_for(app, None)
    assert (await token_for(anonymous, room, "Bob")).status_code == 200


async def test_tokens_of_two_rooms_have_different_keys(
    ovm: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    first, second = await create_room(ovm), await create_room(ovm)
    token = (await token_for(ovm, first, "Alice")).json()["token"]
    tenant = (await room_state(client, first["roomName"]))["room"]["tenant"]
    with pytest.raises(jwt.InvalidSignatureError):
        decode(token, tenant, second["roomName"])


async def test_wrong_secret(ovm: httpx.AsyncClient, client: httpx.AsyncClient) -> None:
    room = await create_room(ovm)
    name = room["roomName"]
    other = secrets_of(await create_room(ovm))["moderator"]
    for secret in ("", "nope", other, secrets_of(room)["moderator"].upper()):
        response = await ovm.post(
            "/participants/token", json={"roomName": name, "participantName": "Eve", "secret": secret}
        )
        assert_answer(
            response,
            406,
            {
                "name": "Participant Error",
                "message": f"Unauthorized generating token with received credentials in room '{name}'",
            },
        )
    assert (await room_state(client, name))["participants"] == []


async def test_token_for_unknown_room(ovm: httpx.AsyncClient) -> None:
    body = {"roomName": "nope", "participantName": "Eve", "secret": "0123456789"}
    assert_answer(await ovm.post("/participants/token", json=body), 404, room_not_found("nope"))


async def test_token_for_an_expired_room(ovm: httpx.AsyncClient, client: httpx.AsyncClient) -> None:
    room = await create_room(ovm)
    await client.post("/_omnimeet/clock", json={"advance_seconds": 3600})
    assert_answer(await token_for(ovm, room, "Late"), 404, room_not_found(room["roomName"]))


async def test_token_for_a_deleted_room(ovm: httpx.AsyncClient) -> None:
    room = await create_room(ovm)
    assert_no_content(await ovm.delete(f"/rooms/{room['roomName']}"))
    assert_answer(await token_for(ovm, room, "Late"), 404, room_not_found(room["roomName"]))


async def test_same_name_twice(ovm: httpx.AsyncClient, client: httpx.AsyncClient) -> None:
    room = await create_room(ovm)
    name = room["roomName"]
    assert (await token_for(ovm, room, "Alice")).status_code == 200
    response = await token_for(ovm, room, "Alice", "moderator")
    assert_answer(
        response, 409, {"name": "Participant Error", "message": f"'Alice' already exists in room '{name}'"}
    )
    assert len((await room_state(client, name))["participants"]) == 1


async def test_max_participants_is_enforced(ovm: httpx.AsyncClient, client: httpx.AsyncClient) -> None:
    room = await create_room(ovm, maxParticipants=2)
    name = room["roomName"]
    assert (await token_for(ovm, room, "A")).status_code == 200
    assert (await token_for(ovm, room, "B", "viewer")).status_code == 200
    full = {"name": "Room Error", "message": f"The room '{name}' is full: it admits at most 2 participant(s)"}
    assert_answer(await token_for(ovm, room, "C"), 409, full)
    assert_no_content(await ovm.delete("/participants/A", params={"roomName": name}))
    assert (await token_for(ovm, room, "C")).status_code == 200
    names = sorted(p["name"] for p in (await room_state(client, name))["participants"])
    assert names == ["B", "C"]


@pytest.mark.parametrize(
    ("body", "details"),
    [
        (
            {},
            [("roomName", "Required"), ("participantName", "Required"), ("secret", "Required")],
        ),
        (
            {"roomName": 1, "participantName": None, "secret": True},
            [
                ("roomName", "Expected string, received number"),
                ("participantName", "Expected string, received null"),
                ("secret", "Expected string, received boolean"),
            ],
        ),
        (
            {"roomName": "r", "participantName": "", "secret": "s"},
            [("participantName", "String must contain at least 1 character(s)")],
        ),
        (
            {"roomName": "r", "participantName": "x" * 129, "secret": "s"},
            [("participantName", "String must contain at most 128 character(s)")],
        ),
        (
            {"roomName": "r\x00", "participantName": "p", "secret": "s"},
            [("roomName", "String must not contain NUL characters")],
        ),
    ],
)
async def test_invalid_token_request(
    ovm: httpx.AsyncClient, body: dict[str, Any], details: list[tuple[str, str]]
) -> None:
    assert_answer(await ovm.post("/participants/token", json=body), 422, invalid(*details))


async def test_token_request_without_body(ovm: httpx.AsyncClient) -> None:
    response = await ovm.post("/participants/token")
    expected = invalid(("roomName", "Required"), ("participantName", "Required"), ("secret", "Required"))
    assert_answer(response, 422, expected)


# --- removal ----------------------------------------------------------------------------------------------


async def test_remove_participant(ovm: httpx.AsyncClient, client: httpx.AsyncClient) -> None:
    room = await create_room(ovm)
    name = room["roomName"]
    await token_for(ovm, room, "Alice")
    await token_for(ovm, room, "Bob", "viewer")
    assert_no_content(await ovm.delete("/participants/Alice", params={"roomName": name}))
    state = await room_state(client, name)
    assert [p["name"] for p in state["participants"]] == ["Bob"]
    assert state["session"]["status"] == "active"
    response = await ovm.delete("/participants/Alice", params={"roomName": name})
    assert_answer(response, 404, not_found_in_room("Alice", name))
    # Alice may come back once she has left.
    assert (await token_for(ovm, room, "Alice")).status_code == 200


@pytest.mark.parametrize("participant", ["Nobody", "x" * 200, "a%00b"])
async def test_remove_unknown_participant(ovm: httpx.AsyncClient, participant: str) -> None:
    room = await create_room(ovm)
    name = room["roomName"]
    response = await ovm.delete(f"/participants/{participant}", params={"roomName": name})
    decoded = httpx.URL(f"http://x/{participant}").path[1:]
    assert_answer(response, 404, not_found_in_room(decoded, name))


async def test_remove_from_unknown_room(ovm: httpx.AsyncClient) -> None:
    response = await ovm.delete("/participants/Alice", params={"roomName": "nope"})
    assert_answer(response, 404, room_not_found("nope"))


async def test_remove_needs_the_room_name(ovm: httpx.AsyncClient) -> None:
    response = await ovm.delete("/participants/Alice")
    assert_answer(response, 422, invalid(("roomName", "Required")))


async def test_remove_from_another_tenants_room(app: Any, ovm_for: Any) -> None:
    mine = ovm_for(app)
    room = await create_room(mine)
    await token_for(mine, room, "Alice")
    theirs = ovm_for(app, KEY_B)
    response = await theirs.delete("/participants/Alice", params={"roomName": room["roomName"]})
    assert_answer(response, 404, room_not_found(room["roomName"]))
