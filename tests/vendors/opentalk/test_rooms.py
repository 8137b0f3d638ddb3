"""OpenTalk rooms over HTTP: list with page links, create, get, patch, delete; who may do what (owner,
invitee of the room's event, anyone else)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from omnimeet.domain import tables
from omnimeet.platform.web import PrefixDispatcher
from tests.vendors.opentalk.conftest import MakeClient
from tests.vendors.opentalk.room_support import (
    INVALID_JSON,
    UNKNOWN,
    add_asset,
    create,
    dial_in_of,
    hold_event,
    invite,
    user_id,
    validation,
)
from tests.vendors.opentalk.support import (
    BAD_REQUEST,
    BASE_URL,
    FORBIDDEN,
    NOW_ISO,
    assert_error,
    assert_unauthorized,
    token,
)

pytestmark = pytest.mark.anyio


# --- create -----------------------------------------------------------------------------------------------


async def test_create_answers_201_with_the_room(ot: httpx.AsyncClient) -> None:
    response = await ot.post("/rooms", json={"password": "s3cret", "enable_sip": False, "waiting_room": True})
    assert (response.status_code, response.headers["content-type"]) == (201, "application/json")
    room = response.json()
    assert room == {
        "id": room["id"],
        "created_by": room["created_by"],
        "created_at": NOW_ISO,
        "password": "s3cret",
        "waiting_room": True,
    }
    assert len(room["id"]) == 36
    assert room["id"] != room["created_by"]


async def test_create_with_an_empty_body_takes_the_defaults(ot: httpx.AsyncClient) -> None:
    response = await ot.post("/rooms", json={})
    assert response.status_code == 201
    assert response.json() == {
        "id": response.json()["id"],
        "created_by": response.json()["created_by"],
        "created_at": NOW_ISO,
        "password": None,
        "waiting_room": False,
    }


async def test_created_rooms_belong_to_the_caller(ot: httpx.AsyncClient, ot_bob: httpx.AsyncClient) -> None:
    alice_room, bob_room = await create(ot), await create(ot_bob)
    assert alice_room["created_by"] != bob_room["created_by"]
    assert (await create(ot))["created_by"] == alice_room["created_by"]


async def test_create_with_guest_access_shows_it(ot: httpx.AsyncClient) -> None:
    room = await create(ot, guest_access="direct_access", e2e_encryption=True)
    assert room["guest_access"] == "direct_access"
    assert set(room) == {"id", "created_by", "created_at", "password", "waiting_room", "guest_access"}


async def test_enable_sip_gives_the_room_a_dial_in(app: PrefixDispatcher, ot: httpx.AsyncClient) -> None:
    with_sip, without = await create(ot, enable_sip=True), await create(ot)
    dial_in = dial_in_of(app, with_sip["id"])
    assert dial_in is not None
    sip_id, pin, lobby = dial_in
    assert (len(sip_id), len(pin), sip_id.isdigit(), pin.isdigit(), lobby) == (10, 10, True, True, False)
    assert dial_in_of(app, without["id"]) is None


TOO_LONG = "String should have at most 255 characters"


@pytest.mark.parametrize(
    ("body", "field", "code", "message"),
    [
        ({"password": "x" * 256}, "password", "invalid_length", TOO_LONG),
        ({"password": ""}, "password", "invalid_length", "String should have at least 1 character"),
        ({"password": 12345}, "password", "invalid_value", "Input should be a valid string"),
        ({"enable_sip": "yes"}, "enable_sip", "invalid_value", "Input should be a valid boolean"),
        ({"enable_sip": None}, "enable_sip", "invalid_value", "Input should be a valid boolean"),
        ({"waiting_room": 1}, "waiting_room", "invalid_value", "Input should be a valid boolean"),
        (
            {"guest_access": "open"},
            "guest_access",
            "invalid_value",
            "Input should be 'disabled', 'waiting_room' or 'direct_access'",
        ),
        ({"password": "a\u0000b"}, "password", "invalid_value", "Value must not contain NUL characters"),
    ],
)
async def test_create_refuses_invalid_values(
    ot: httpx.AsyncClient, body: dict[str, Any], field: str, code: str, message: str
) -> None:
    response = await ot.post("/rooms", json=body)
    assert_error(response, 422, validation({"field": field, "code": code, "message": message}))
    assert (await ot.get("/rooms")).json() == []


async def test_create_accepts_the_longest_password(ot: httpx.AsyncClient) -> None:
    assert (await create(ot, password="x" * 255))["password"] == "x" * 255


async def test_create_refuses_a_body_that_is_not_json(ot: httpx.AsyncClient) -> None:
    response = await ot.post("/rooms", content=b"{", headers={"content-type": "application/json"})
    assert_error(response, 400, INVALID_JSON)


async def test_every_room_route_needs_a_token(app: PrefixDispatcher, ot_for: MakeClient) -> None:
    anonymous = ot_for(app, bearer=None)
    for method, path in [
        ("GET", "/rooms"),
        ("POST", "/rooms"),
        ("GET", f"/rooms/{UNKNOWN}"),
        ("PATCH", f"/rooms/{UNKNOWN}"),
        ("DELETE", f"/rooms/{UNKNOWN}"),
        ("GET", f"/rooms/{UNKNOWN}/event"),
        ("GET", "/rooms/not-a-uuid"),
    ]:
        response = await anonymous.request(method, path, json={} if method in ("POST", "PATCH") else None)
        assert_unauthorized(response)


async def test_a_malformed_token_is_refused(app: PrefixDispatcher, ot_for: MakeClient) -> None:
    assert_unauthorized(await ot_for(app, bearer="a.b.c").get("/rooms"))


# --- get ----------------------------------------------------------------------------------------------------


async def test_get_answers_the_room(ot: httpx.AsyncClient) -> None:
    room = await create(ot, password="pw", waiting_room=True)
    response = await ot.get(f"/rooms/{room['id']}")
    assert (response.status_code, response.headers["content-type"]) == (200, "application/json")
    assert response.json() == room


async def test_get_reads_an_upper_case_id(ot: httpx.AsyncClient) -> None:
    room = await create(ot)
    assert (await ot.get(f"/rooms/{room['id'].upper()}")).json() == room


async def test_get_of_an_unknown_room_is_forbidden(ot: httpx.AsyncClient) -> None:
    assert_error(await ot.get(f"/rooms/{UNKNOWN}"), 403, FORBIDDEN)


async def test_a_malformed_room_id_is_400(ot: httpx.AsyncClient) -> None:
    assert_error(await ot.get("/rooms/not-a-uuid"), 400, BAD_REQUEST)
    assert_error(await ot.patch("/rooms/1234", json={}), 400, BAD_REQUEST)
    assert_error(await ot.delete("/rooms/1234"), 400, BAD_REQUEST)


async def test_another_users_room_is_forbidden(ot: httpx.AsyncClient, ot_bob: httpx.AsyncClient) -> None:
    room = await create(ot)
    assert_error(await ot_bob.get(f"/rooms/{room['id']}"), 403, FORBIDDEN)
    assert_error(await ot_bob.get(f"/rooms/{room['id']}/event"), 403, FORBIDDEN)


async def test_another_deployments_room_is_forbidden(
    app: PrefixDispatcher, ot: httpx.AsyncClient, ot_for: MakeClient
) -> None:
    room = await create(ot)
    stranger = ot_for(app, bearer=token("alice", iss="https://other-idp.example/realms/x"))
    assert_error(await stranger.get(f"/rooms/{room['id']}"), 403, FORBIDDEN)
    assert_error(await stranger.delete(f"/rooms/{room['id']}"), 403, FORBIDDEN)
    assert (await ot.get(f"/rooms/{room['id']}")).json() == room


async def test_an_invitee_may_read_but_not_change(
    app: PrefixDispatcher, ot: httpx.AsyncClient, ot_bob: httpx.AsyncClient
) -> None:
    room = await create(ot, password="pw")
    invite(app, hold_event(app, room["id"]), await user_id(ot_bob), status="accepted")
    response = await ot_bob.get(f"/rooms/{room['id']}")
    assert (response.status_code, response.json()) == (200, room)
    assert_error(await ot_bob.patch(f"/rooms/{room['id']}", json={"password": None}), 403, FORBIDDEN)
    assert_error(await ot_bob.delete(f"/rooms/{room['id']}"), 403, FORBIDDEN)
    assert (await ot.get(f"/rooms/{room['id']}")).json()["password"] == "pw"


async def test_an_invitation_by_email_lets_that_user_read(
    app: PrefixDispatcher, ot: httpx.AsyncClient, ot_bob: httpx.AsyncClient, ot_for: MakeClient
) -> None:
    room = await create(ot)
    invite(app, hold_event(app, room["id"]), None, email="bob@example.com")
    assert (await ot_bob.get(f"/rooms/{room['id']}")).json() == room
    assert room in (await ot_bob.get("/rooms")).json()
    assert_error(await ot_for(app, "carol").get(f"/rooms/{room['id']}"), 403, FORBIDDEN)


# --- list ---------------------------------------------------------------------------------------------------


async def test_list_shows_own_and_invited_rooms_oldest_first(
    app: PrefixDispatcher, ot: httpx.AsyncClient, ot_bob: httpx.AsyncClient, ot_for: MakeClient
) -> None:
    carol = ot_for(app, "carol")
    bob_id = await user_id(ot_bob)  # Bob's first room
    alice_room = await create(ot)
    invited = await create(ot)
    invite(app, hold_event(app, invited["id"]), bob_id)
    await create(carol)
    response = await ot_bob.get("/rooms")
    assert response.status_code == 200
    rooms = response.json()
    assert [room["created_by"] for room in rooms] == [bob_id, invited["created_by"]]
    assert rooms[1] == invited
    assert alice_room not in rooms
    assert response.headers["link"] == f"<{BASE_URL}/rooms?per_page=30&page=1>; rel='first'"


async def test_list_of_a_new_user_is_empty(ot: httpx.AsyncClient) -> None:
    response = await ot.get("/rooms")
    assert (response.status_code, response.json()) == (200, [])
    assert response.headers["link"] == f"<{BASE_URL}/rooms?per_page=30&page=1>; rel='first'"


async def test_list_pages_with_links(ot: httpx.AsyncClient) -> None:
    created = [await create(ot) for _ in range(5)]
    first = await ot.get("/rooms", params={"per_page": 2})
    assert first.json() == created[:2]
    assert first.headers["link"] == ", ".join(
        [
            f"<{BASE_URL}/rooms?per_page=2&page=1>; rel='first'",
            f"<{BASE_URL}/rooms?per_page=2&page=2>; rel='next'",
            f"<{BASE_URL}/rooms?per_page=2&page=3>; rel='last'",
        ]
    )
    middle = await ot.get("/rooms", params={"per_page": 2, "page": 2})
    assert middle.json() == created[2:4]
    assert middle.headers["link"] == ", ".join(
        [
            f"<{BASE_URL}/rooms?per_page=2&page=1>; rel='first'",
            f"<{BASE_URL}/rooms?per_page=2&page=1>; rel='prev'",
            f"<{BASE_URL}/rooms?per_page=2&page=3>; rel='next'",
            f"<{BASE_URL}/rooms?per_page=2&page=3>; rel='last'",
        ]
    )
    last = await ot.get("/rooms", params={"per_page": 2, "page": 3})
    assert last.json() == created[4:]
    assert last.headers["link"] == ", ".join(
        [
            f"<{BASE_URL}/rooms?per_page=2&page=1>; rel='first'",
            f"<{BASE_URL}/rooms?per_page=2&page=2>; rel='prev'",
        ]
    )
    beyond = await ot.get("/rooms", params={"per_page": 2, "page": 9})
    assert beyond.json() == []
    far = await ot.get("/rooms", params={"per_page": 100, "page": 2**63 - 1})
    assert (far.status_code, far.json()) == (200, [])
    # The controller reads the page as a 64-bit integer.
    assert_error(await ot.get("/rooms", params={"page": 2**63}), 400, BAD_REQUEST)


@pytest.mark.parametrize("query", ["per_page=0", "per_page=101", "page=0", "page=x", "per_page=-1"])
async def test_list_refuses_bad_page_values(ot: httpx.AsyncClient, query: str) -> None:
    assert_error(await ot.get(f"/rooms?{query}"), 400, BAD_REQUEST)


# --- patch --------------------------------------------------------------------------------------------------


async def test_patch_changes_the_given_fields_only(ot: httpx.AsyncClient) -> None:
    room = await create(ot, password="old", waiting_room=False)
    response = await ot.patch(f"/rooms/{room['id']}", json={"waiting_room": True})
    assert (response.status_code, response.json()) == (200, {**room, "waiting_room": True})
    response = await ot.patch(f"/rooms/{room['id']}", json={"password": "new"})
    assert response.json() == {**room, "waiting_room": True, "password": "new"}
    assert (await ot.get(f"/rooms/{room['id']}")).json() == response.json()


async def test_patch_with_a_null_password_removes_it(ot: httpx.AsyncClient) -> None:
    room = await create(ot, password="old", waiting_room=True)
    response = await ot.patch(f"/rooms/{room['id']}", json={"password": None, "waiting_room": None})
    assert response.json() == {**room, "password": None}


async def test_patch_with_an_empty_body_changes_nothing(ot: httpx.AsyncClient) -> None:
    room = await create(ot, password="pw")
    response = await ot.patch(f"/rooms/{room['id']}", json={})
    assert (response.status_code, response.json()) == (200, room)


async def test_patch_sets_guest_access_and_encryption(app: PrefixDispatcher, ot: httpx.AsyncClient) -> None:
    room = await create(ot)
    hold_event(app, room["id"], "Retro")
    response = await ot.patch(
        f"/rooms/{room['id']}", json={"guest_access": "waiting_room", "e2e_encryption": True}
    )
    assert response.json() == {**room, "guest_access": "waiting_room"}
    assert (await ot.get(f"/rooms/{room['id']}/event")).json()["e2e_encryption"] is True


async def test_patch_refuses_invalid_values(ot: httpx.AsyncClient) -> None:
    room = await create(ot)
    response = await ot.patch(f"/rooms/{room['id']}", json={"password": "y" * 256})
    assert_error(
        response, 422, validation({"field": "password", "code": "invalid_length", "message": TOO_LONG})
    )
    response = await ot.patch(f"/rooms/{room['id']}", json={"waiting_room": "on"})
    entry = {"field": "waiting_room", "code": "invalid_value", "message": "Input should be a valid boolean"}
    assert_error(response, 422, validation(entry))
    assert (await ot.get(f"/rooms/{room['id']}")).json() == room


async def test_patch_of_someone_elses_room_is_forbidden(
    ot: httpx.AsyncClient, ot_bob: httpx.AsyncClient
) -> None:
    room = await create(ot, password="pw")
    assert_error(await ot_bob.patch(f"/rooms/{room['id']}", json={"password": None}), 403, FORBIDDEN)
    assert (await ot.get(f"/rooms/{room['id']}")).json() == room


async def test_patch_of_an_unknown_room_is_forbidden(ot: httpx.AsyncClient) -> None:
    assert_error(await ot.patch(f"/rooms/{UNKNOWN}", json={}), 403, FORBIDDEN)


# --- delete -------------------------------------------------------------------------------------------------


async def test_delete_removes_the_room_its_event_invites_and_dial_in(
    app: PrefixDispatcher, ot: httpx.AsyncClient, ot_bob: httpx.AsyncClient
) -> None:
    bob_id = await user_id(ot_bob)
    room = await create(ot, enable_sip=True)
    invite(app, hold_event(app, room["id"]), bob_id)
    response = await ot.delete(
        f"/rooms/{room['id']}",
        params={
            "force_delete_reference_if_external_services_fail": "true",
            "suppress_email_notification": "false",
        },
    )
    assert (response.status_code, response.content) == (204, b"")
    assert_error(await ot.get(f"/rooms/{room['id']}"), 403, FORBIDDEN)
    assert dial_in_of(app, room["id"]) is None
    with app.state.ctx.db.transaction(write=False) as tx:
        assert tx.fetch_all(select(tables.SCHEDULED_EVENTS.c.seq)) == []
        assert tx.fetch_all(select(tables.INVITES.c.seq)) == []
    assert [r["created_by"] for r in (await ot_bob.get("/rooms")).json()] == [bob_id]


async def test_delete_removes_the_rooms_assets(app: PrefixDispatcher, ot: httpx.AsyncClient) -> None:
    room, kept_room = await create(ot), await create(ot)
    gone, kept = add_asset(app, room["id"]), add_asset(app, kept_room["id"])
    assert (await ot.delete(f"/rooms/{room['id']}")).status_code == 204
    assets = tables.ASSETS
    with app.state.ctx.db.transaction(write=False) as tx:
        assert [row[0] for row in tx.fetch_all(select(assets.c.public_id))] == [kept]
    assert gone != kept


async def test_delete_refuses_a_bad_flag(ot: httpx.AsyncClient) -> None:
    room = await create(ot)
    response = await ot.delete(f"/rooms/{room['id']}", params={"suppress_email_notification": "maybe"})
    assert_error(response, 400, BAD_REQUEST)
    assert (await ot.get(f"/rooms/{room['id']}")).status_code == 200


async def test_delete_of_someone_elses_room_is_forbidden(
    ot: httpx.AsyncClient, ot_bob: httpx.AsyncClient
) -> None:
    room = await create(ot)
    assert_error(await ot_bob.delete(f"/rooms/{room['id']}"), 403, FORBIDDEN)
    assert (await ot.get(f"/rooms/{room['id']}")).json() == room


async def test_delete_of_an_unknown_room_is_forbidden(ot: httpx.AsyncClient) -> None:
    assert_error(await ot.delete(f"/rooms/{UNKNOWN}"), 403, FORBIDDEN)
