"""OpenVidu Meet rooms: create, list, read (with ``fields``), change preferences, delete, expire."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from omnimeet.domain.rooms import RoomService
from omnimeet.platform.web import PrefixDispatcher
from tests.vendors.openvidu_meet.conftest import MakeClient
from tests.vendors.openvidu_meet.support import (
    ALL_ENABLED,
    KEY_B,
    LATER,
    NOW,
    assert_answer,
    assert_no_content,
    create_room,
    expected_room,
    invalid,
    name_pattern,
    room_not_found,
    room_state,
    secrets_of,
)

pytestmark = pytest.mark.anyio


# --- create ----------------------------------------------------------------------------------------------


async def test_create_with_defaults(ovm: httpx.AsyncClient) -> None:
    response = await ovm.post("/rooms", json={"expirationDate": LATER})
    assert response.status_code == 200, response.text
    room = response.json()
    assert name_pattern().fullmatch(room["roomName"]), room
    assert room == expected_room(room)


async def test_create_with_everything(ovm: httpx.AsyncClient) -> None:
    preferences = {
        "chatPreferences": {"enabled": False},
        "recordingPreferences": {"enabled": True},
        "virtualBackgroundPreferences": {"enabled": False},
    }
    room = await create_room(ovm, roomNamePrefix="OpenVidu", maxParticipants=10, preferences=preferences)
    assert name_pattern("OpenVidu").fullmatch(room["roomName"]), room
    assert room == expected_room(room, prefix="OpenVidu", max_participants=10, preferences=preferences)


async def test_preferences_left_out_are_enabled(ovm: httpx.AsyncClient) -> None:
    room = await create_room(
        ovm, preferences={"chatPreferences": {"enabled": False}, "recordingPreferences": {}}
    )
    assert room["preferences"] == {**ALL_ENABLED, "chatPreferences": {"enabled": False}}


@pytest.mark.parametrize(
    ("prefix", "base"),
    [
        ("My  great\troom", "My-great-room"),
        ("sala: año 2025!", "sala-ao-2025"),
        ("trailing -- ", "trailing"),
        ("dash-", "dash"),
        (" lead", "-lead"),
        ("!!!", ""),
        ("", ""),
    ],
)
async def test_room_name_from_prefix(ovm: httpx.AsyncClient, prefix: str, base: str) -> None:
    room = await create_room(ovm, roomNamePrefix=prefix)
    assert name_pattern(base).fullmatch(room["roomName"]), room["roomName"]
    assert room == expected_room(room, prefix=prefix)


async def test_a_long_prefix_is_cut_in_the_name(ovm: httpx.AsyncClient) -> None:
    room = await create_room(ovm, roomNamePrefix="x" * 300)
    assert room["roomName"] == "x" * 112 + "-" + room["roomName"][-15:]
    assert room["roomNamePrefix"] == "x" * 300
    assert (await ovm.get(f"/rooms/{room['roomName']}")).json() == room


async def test_names_and_secrets_are_unique(ovm: httpx.AsyncClient) -> None:
    rooms = [await create_room(ovm, roomNamePrefix="same") for _ in range(5)]
    assert len({room["roomName"] for room in rooms}) == 5
    secrets = [secret for room in rooms for secret in secrets_of(room).values()]
    assert len(set(secrets)) == 15


async def test_fractional_expiration_is_kept_to_the_next_ms(ovm: httpx.AsyncClient) -> None:
    room = await create_room(ovm, expirationDate=LATER + 0.25)
    assert room["expirationDate"] == LATER + 1


async def test_public_url_is_configurable(
    make_app: Callable[..., PrefixDispatcher], ovm_for: MakeClient
) -> None:
    client = ovm_for(make_app(openvidu_meet_public_url="https://meet.example.com/"))
    room = await create_room(client)
    assert room == expected_room(room, public_url="https://meet.example.com")


# --- validation --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({}, [("expirationDate", "Required")]),
        ({"roomNamePrefix": "x"}, [("expirationDate", "Required")]),
        ({"expirationDate": "1900000000000"}, [("expirationDate", "Expected number, received string")]),
        ({"expirationDate": True}, [("expirationDate", "Expected number, received boolean")]),
        ({"expirationDate": None}, [("expirationDate", "Expected number, received null")]),
        ({"expirationDate": NOW}, [("expirationDate", "Expiration date must be in the future")]),
        ({"expirationDate": NOW - 1}, [("expirationDate", "Expiration date must be in the future")]),
        ({"expirationDate": -5}, [("expirationDate", "Expiration date must be in the future")]),
        ({"expirationDate": 1e300}, [("expirationDate", "Expiration date must be in the future")]),
        (
            {"expirationDate": LATER, "roomNamePrefix": 5},
            [("roomNamePrefix", "Expected string, received number")],
        ),
        (
            {"expirationDate": LATER, "maxParticipants": 0},
            [("maxParticipants", "Max participants must be a positive integer")],
        ),
        (
            {"expirationDate": LATER, "maxParticipants": -3},
            [("maxParticipants", "Max participants must be a positive integer")],
        ),
        (
            {"expirationDate": LATER, "maxParticipants": "10"},
            [("maxParticipants", "Expected number, received string")],
        ),
        (
            {"expirationDate": LATER, "maxParticipants": 2.5},
            [("maxParticipants", "Expected integer, received float")],
        ),
        (
            {"expirationDate": LATER, "maxParticipants": True},
            [("maxParticipants", "Expected number, received boolean")],
        ),
        (
            {"expirationDate": LATER, "maxParticipants": 2**31},
            [("maxParticipants", "Number must be less than or equal to 2147483647")],
        ),
        (
            {"expirationDate": LATER, "preferences": {"chatPreferences": {"enabled": "true"}}},
            [("preferences.chatPreferences.enabled", "Expected boolean, received string")],
        ),
        (
            {"expirationDate": LATER, "preferences": []},
            [("preferences", "Expected object, received array")],
        ),
        (
            {"expirationDate": "soon", "maxParticipants": 0, "roomNamePrefix": None},
            [
                ("expirationDate", "Expected number, received string"),
                ("roomNamePrefix", "Expected string, received null"),
                ("maxParticipants", "Max participants must be a positive integer"),
            ],
        ),
        ([1, 2], [("", "Expected object, received array")]),
        ("room", [("", "Expected object, received string")]),
    ],
)
async def test_invalid_create(ovm: httpx.AsyncClient, body: object, details: list[tuple[str, str]]) -> None:
    assert_answer(await ovm.post("/rooms", json=body), 422, invalid(*details))
    assert (await ovm.get("/rooms")).json() == []


async def test_no_body_is_an_empty_object(ovm: httpx.AsyncClient) -> None:
    response = await ovm.post("/rooms")
    assert_answer(response, 422, invalid(("expirationDate", "Required")))


async def test_prefix_with_nul_is_refused(ovm: httpx.AsyncClient) -> None:
    response = await ovm.post("/rooms", json={"expirationDate": LATER, "roomNamePrefix": "a\x00b"})
    assert_answer(response, 422, invalid(("roomNamePrefix", "String must not contain NUL characters")))


async def test_unknown_keys_are_ignored(ovm: httpx.AsyncClient) -> None:
    room = await create_room(ovm, color="blue", preferences={"chatPreferences": {"enabled": True, "x": 1}})
    assert room == expected_room(room)


async def test_integral_numbers_are_integers(ovm: httpx.AsyncClient) -> None:
    room = await create_room(ovm, maxParticipants=3.0)
    assert room == expected_room(room, max_participants=3)


async def test_null_participants_means_no_limit(ovm: httpx.AsyncClient) -> None:
    room = await create_room(ovm, maxParticipants=None)
    assert room == expected_room(room)


# --- list and read ----------------------------------------------------------------------------------------


async def test_list_oldest_first(ovm: httpx.AsyncClient) -> None:
    first = await create_room(ovm, roomNamePrefix="first")
    second = await create_room(ovm, roomNamePrefix="second", maxParticipants=2)
    assert_answer(await ovm.get("/rooms"), 200, [first, second])


async def test_list_with_fields(ovm: httpx.AsyncClient) -> None:
    first = await create_room(ovm, roomNamePrefix="first")
    second = await create_room(ovm, roomNamePrefix="second", maxParticipants=2)
    response = await ovm.get("/rooms", params={"fields": "roomName, maxParticipants,nothing"})
    assert_answer(
        response,
        200,
        [
            {"roomName": first["roomName"], "maxParticipants": None},
            {"roomName": second["roomName"], "maxParticipants": 2},
        ],
    )


@pytest.mark.parametrize("fields", ["", " , "])
async def test_empty_fields_select_everything(ovm: httpx.AsyncClient, fields: str) -> None:
    room = await create_room(ovm)
    assert_answer(await ovm.get("/rooms", params={"fields": fields}), 200, [room])


async def test_list_is_per_api_key(app: PrefixDispatcher, ovm_for: MakeClient) -> None:
    mine = ovm_for(app)
    theirs = ovm_for(app, KEY_B)
    room = await create_room(mine)
    assert_answer(await theirs.get("/rooms"), 200, [])
    assert_answer(await mine.get("/rooms"), 200, [room])


async def test_get(ovm: httpx.AsyncClient) -> None:
    room = await create_room(ovm, roomNamePrefix="abc", maxParticipants=3)
    assert_answer(await ovm.get(f"/rooms/{room['roomName']}"), 200, room)


async def test_get_with_fields(ovm: httpx.AsyncClient) -> None:
    room = await create_room(ovm)
    response = await ovm.get(f"/rooms/{room['roomName']}", params={"fields": "preferences,viewerURL"})
    assert_answer(response, 200, {"preferences": ALL_ENABLED, "viewerURL": room["viewerURL"]})
    response = await ovm.get(f"/rooms/{room['roomName']}", params={"fields": "unknown"})
    assert_answer(response, 200, {})


@pytest.mark.parametrize("name", ["nope", "x" * 200, "a%00b", "%20"])
async def test_get_unknown(ovm: httpx.AsyncClient, name: str) -> None:
    response = await ovm.get(f"/rooms/{name}")
    decoded = httpx.URL(f"http://x/{name}").path[1:]
    assert_answer(response, 404, room_not_found(decoded))


async def test_another_tenants_room_does_not_exist(app: PrefixDispatcher, ovm_for: MakeClient) -> None:
    room = await create_room(ovm_for(app))
    theirs = ovm_for(app, KEY_B)
    name = room["roomName"]
    for method in ("GET", "PUT", "DELETE"):
        response = await theirs.request(method, f"/rooms/{name}", json={} if method == "PUT" else None)
        assert_answer(response, 404, room_not_found(name))


# --- preferences ------------------------------------------------------------------------------------------


async def test_put_changes_the_named_preferences(ovm: httpx.AsyncClient) -> None:
    room = await create_room(ovm, maxParticipants=4)
    name = room["roomName"]
    response = await ovm.put(f"/rooms/{name}", json={"recordingPreferences": {"enabled": False}})
    changed = {**ALL_ENABLED, "recordingPreferences": {"enabled": False}}
    assert_answer(response, 200, {**room, "preferences": changed})
    response = await ovm.put(f"/rooms/{name}", json={"chatPreferences": {"enabled": False}})
    changed = {**changed, "chatPreferences": {"enabled": False}}
    assert_answer(response, 200, {**room, "preferences": changed})
    assert_answer(await ovm.get(f"/rooms/{name}"), 200, {**room, "preferences": changed})


async def test_put_accepts_wrapped_preferences(ovm: httpx.AsyncClient) -> None:
    room = await create_room(ovm)
    body = {"preferences": {"virtualBackgroundPreferences": {"enabled": False}}}
    response = await ovm.put(f"/rooms/{room['roomName']}", json=body)
    expected = {**ALL_ENABLED, "virtualBackgroundPreferences": {"enabled": False}}
    assert_answer(response, 200, {**room, "preferences": expected})


async def test_put_with_nothing_keeps_everything(ovm: httpx.AsyncClient) -> None:
    room = await create_room(ovm)
    assert_answer(await ovm.put(f"/rooms/{room['roomName']}", json={}), 200, room)


@pytest.mark.parametrize(
    ("body", "details"),
    [
        (
            {"recordingPreferences": {"enabled": "no"}},
            [("recordingPreferences.enabled", "Expected boolean, received string")],
        ),
        ({"chatPreferences": True}, [("chatPreferences", "Expected object, received boolean")]),
        (
            {"preferences": {"chatPreferences": {"enabled": 1}}},
            [("preferences.chatPreferences.enabled", "Expected boolean, received number")],
        ),
    ],
)
async def test_invalid_put(ovm: httpx.AsyncClient, body: object, details: list[tuple[str, str]]) -> None:
    room = await create_room(ovm)
    assert_answer(await ovm.put(f"/rooms/{room['roomName']}", json=body), 422, invalid(*details))
    assert (await ovm.get(f"/rooms/{room['roomName']}")).json() == room


async def test_put_unknown_room(ovm: httpx.AsyncClient) -> None:
    assert_answer(await ovm.put("/rooms/nope", json={}), 404, room_not_found("nope"))


# --- delete -----------------------------------------------------------------------------------------------


async def test_delete(ovm: httpx.AsyncClient) -> None:
    keep = await create_room(ovm)
    room = await create_room(ovm)
    name = room["roomName"]
    assert_no_content(await ovm.delete(f"/rooms/{name}"))
    assert_answer(await ovm.get(f"/rooms/{name}"), 404, room_not_found(name))
    assert_answer(await ovm.delete(f"/rooms/{name}"), 404, room_not_found(name))
    assert_answer(await ovm.put(f"/rooms/{name}", json={}), 404, room_not_found(name))
    assert_answer(await ovm.get("/rooms"), 200, [keep])


async def test_delete_ends_the_live_session(ovm: httpx.AsyncClient, client: httpx.AsyncClient) -> None:
    room = await create_room(ovm)
    secret = secrets_of(room)["publisher"]
    body = {"roomName": room["roomName"], "participantName": "Alice", "secret": secret}
    assert (await ovm.post("/participants/token", json=body)).status_code == 200
    assert_no_content(await ovm.delete(f"/rooms/{room['roomName']}"))
    state = await room_state(client, room["roomName"])
    assert state["session"] is None
    assert state["participants"] == []


async def test_delete_unknown(ovm: httpx.AsyncClient) -> None:
    assert_answer(await ovm.delete("/rooms/nope"), 404, room_not_found("nope"))


# --- expiry -----------------------------------------------------------------------------------------------


async def test_room_is_gone_once_the_clock_reaches_its_expiration(
    ovm: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    keep = await create_room(ovm, expirationDate=LATER + 1)
    room = await create_room(ovm)
    name = room["roomName"]
    await client.post("/_omnimeet/clock", json={"advance_seconds": 3599.999})
    assert_answer(await ovm.get(f"/rooms/{name}"), 200, room)
    await client.post("/_omnimeet/clock", json={"advance_seconds": 0.001})
    assert_answer(await ovm.get(f"/rooms/{name}"), 404, room_not_found(name))
    assert_answer(await ovm.put(f"/rooms/{name}", json={}), 404, room_not_found(name))
    assert_answer(await ovm.delete(f"/rooms/{name}"), 404, room_not_found(name))
    assert_answer(await ovm.get("/rooms"), 200, [keep])
    assert (await room_state(client, name))["room"]["expired"] is True


async def test_expiry_is_read_even_before_the_sweep(app: PrefixDispatcher, ovm: httpx.AsyncClient) -> None:
    room = await create_room(ovm)
    app.state.ctx.clock.set(LATER)  # moved without running the due work
    assert_answer(await ovm.get(f"/rooms/{room['roomName']}"), 404, room_not_found(room["roomName"]))
    assert_answer(await ovm.get("/rooms"), 200, [])


async def test_crash_keeps_the_envelope(
    app: PrefixDispatcher, ovm_for: MakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*_: object, **__: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(RoomService, "list_rooms", crash)
    response = await ovm_for(app, raise_app_exceptions=False).get("/rooms")
    assert_answer(response, 500, {"message": "Internal server error"})
