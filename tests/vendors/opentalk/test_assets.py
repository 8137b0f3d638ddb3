"""OpenTalk room assets over HTTP: list (paged, Link), the bytes, delete; the user's own assets (sorted, with
room and event ids) and their used_storage; who may do what (owner, event invitee, anyone else)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from omnimeet.platform.web import PrefixDispatcher
from tests.conftest import client_for
from tests.vendors.opentalk.asset_support import CONTROL_ROOMS, add_asset, create_room, hold_event, invite
from tests.vendors.opentalk.conftest import MakeClient
from tests.vendors.opentalk.support import (
    BAD_REQUEST,
    BASE_URL,
    FORBIDDEN,
    NOT_FOUND,
    NOW,
    NOW_ISO,
    assert_error,
    assert_unauthorized,
    token,
)

pytestmark = pytest.mark.anyio

UNKNOWN = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
async def control(app: PrefixDispatcher) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as client:
        yield client


def resource(asset: dict[str, object], created_at: str = NOW_ISO) -> dict[str, object]:
    """The AssetResource the API shows for an asset the control plane answered with."""
    return {
        "id": asset["id"],
        "filename": asset["filename"],
        "namespace": asset["namespace"],
        "created_at": created_at,
        "kind": asset["kind"],
        "size": asset["size"],
    }


# --- a room's assets ---------------------------------------------------------------------------------------


async def test_list_get_and_delete(
    app: PrefixDispatcher, ot: httpx.AsyncClient, control: httpx.AsyncClient
) -> None:
    room = await create_room(ot)
    first = await add_asset(
        control, room["id"], b"%PDF-1", "notes.pdf", kind="meetingnotes_pdf", namespace="meeting_notes"
    )
    app.state.ctx.clock.set(NOW + 1000)
    second = await add_asset(control, room["id"], b"\x00\x01\x02", "recording.webm")
    assert (first["room_id"], first["created_by"], first["size"]) == (room["id"], room["created_by"], 6)

    response = await ot.get(f"/rooms/{room['id']}/assets")
    assert response.status_code == 200
    assert response.json() == [resource(first), resource(second, "2026-12-01T09:00:01Z")]
    assert (
        response.headers["link"] == f"<{BASE_URL}/rooms/{room['id']}/assets?per_page=30&page=1>; rel='first'"
    )

    response = await ot.get(f"/rooms/{room['id']}/assets/{second['id']}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.content == b"\x00\x01\x02"

    response = await ot.delete(f"/rooms/{room['id']}/assets/{first['id']}")
    assert (response.status_code, response.content) == (204, b"")
    assert_error(await ot.get(f"/rooms/{room['id']}/assets/{first['id']}"), 404, NOT_FOUND)
    assert_error(await ot.delete(f"/rooms/{room['id']}/assets/{first['id']}"), 404, NOT_FOUND)
    assert (await ot.get(f"/rooms/{room['id']}/assets")).json() == [resource(second, "2026-12-01T09:00:01Z")]


async def test_an_asset_without_namespace_shows_none(
    ot: httpx.AsyncClient, control: httpx.AsyncClient
) -> None:
    room = await create_room(ot)
    asset = await add_asset(control, room["id"], b"", "empty.txt", kind="note", namespace=None)
    response = await ot.get(f"/rooms/{room['id']}/assets")
    assert response.json() == [
        {"id": asset["id"], "filename": "empty.txt", "created_at": NOW_ISO, "kind": "note", "size": 0}
    ]
    response = await ot.get(f"/rooms/{room['id']}/assets/{asset['id']}")
    assert (response.status_code, response.content) == (200, b"")


async def test_pages_and_links(ot: httpx.AsyncClient, control: httpx.AsyncClient) -> None:
    room = await create_room(ot)
    assets = [await add_asset(control, room["id"], bytes([n]), f"f{n}.bin") for n in range(5)]
    url = f"{BASE_URL}/rooms/{room['id']}/assets"
    response = await ot.get(f"/rooms/{room['id']}/assets", params={"per_page": 2, "page": 2})
    assert response.json() == [resource(assets[2]), resource(assets[3])]
    assert response.headers["link"] == (
        f"<{url}?per_page=2&page=1>; rel='first', <{url}?per_page=2&page=1>; rel='prev', "
        f"<{url}?per_page=2&page=3>; rel='next', <{url}?per_page=2&page=3>; rel='last'"
    )
    response = await ot.get(f"/rooms/{room['id']}/assets", params={"per_page": 2, "page": 3})
    assert response.json() == [resource(assets[4])]
    for bad in ({"per_page": 0}, {"per_page": 101}, {"page": 0}, {"page": "x"}):
        assert_error(await ot.get(f"/rooms/{room['id']}/assets", params=bad), 400, BAD_REQUEST)


async def test_an_event_invitee_reads_but_does_not_delete(
    app: PrefixDispatcher, ot: httpx.AsyncClient, ot_bob: httpx.AsyncClient, control: httpx.AsyncClient
) -> None:
    room = await create_room(ot)
    bob = (await ot_bob.get("/users/me")).json()["id"]
    invite(app, hold_event(app, room["id"]), bob, status="declined")
    asset = await add_asset(control, room["id"], b"abc")
    assert (await ot_bob.get(f"/rooms/{room['id']}/assets")).json() == [resource(asset)]
    assert (await ot_bob.get(f"/rooms/{room['id']}/assets/{asset['id']}")).content == b"abc"
    assert_error(await ot_bob.delete(f"/rooms/{room['id']}/assets/{asset['id']}"), 403, FORBIDDEN)
    assert_error(await ot_bob.delete(f"/rooms/{room['id']}/assets/{UNKNOWN}"), 403, FORBIDDEN)
    assert_error(await ot_bob.get(f"/rooms/{room['id']}/assets/{UNKNOWN}"), 404, NOT_FOUND)
    assert (await ot.get(f"/rooms/{room['id']}/assets/{asset['id']}")).status_code == 200


async def test_others_are_forbidden_known_room_or_not(
    app: PrefixDispatcher, ot: httpx.AsyncClient, ot_for: MakeClient, control: httpx.AsyncClient
) -> None:
    room = await create_room(ot)
    asset = await add_asset(control, room["id"], b"abc")
    carol = ot_for(app, "carol")
    for room_id in (room["id"], UNKNOWN):
        assert_error(await carol.get(f"/rooms/{room_id}/assets"), 403, FORBIDDEN)
        assert_error(await carol.get(f"/rooms/{room_id}/assets/{asset['id']}"), 403, FORBIDDEN)
        assert_error(await carol.delete(f"/rooms/{room_id}/assets/{asset['id']}"), 403, FORBIDDEN)
    assert_error(await ot.get(f"/rooms/{UNKNOWN}/assets"), 403, FORBIDDEN)
    # Another deployment (issuer) does not see the room at all.
    stranger = ot_for(app, bearer=token("alice", iss="https://other.example/realms/x"))
    assert_error(await stranger.get(f"/rooms/{room['id']}/assets"), 403, FORBIDDEN)
    assert (await ot.get(f"/rooms/{room['id']}/assets/{asset['id']}")).content == b"abc"


async def test_an_asset_of_another_room_is_not_found(
    ot: httpx.AsyncClient, control: httpx.AsyncClient
) -> None:
    room, other = await create_room(ot), await create_room(ot)
    asset = await add_asset(control, other["id"], b"abc")
    assert_error(await ot.get(f"/rooms/{room['id']}/assets/{asset['id']}"), 404, NOT_FOUND)
    assert_error(await ot.delete(f"/rooms/{room['id']}/assets/{asset['id']}"), 404, NOT_FOUND)
    assert (await ot.get(f"/rooms/{other['id']}/assets/{asset['id']}")).content == b"abc"


async def test_malformed_ids_and_missing_tokens(
    app: PrefixDispatcher, ot: httpx.AsyncClient, ot_for: MakeClient
) -> None:
    room = await create_room(ot)
    assert_error(await ot.get("/rooms/not-a-uuid/assets"), 400, BAD_REQUEST)
    assert_error(await ot.get(f"/rooms/{room['id']}/assets/not-a-uuid"), 400, BAD_REQUEST)
    assert_error(await ot.delete(f"/rooms/{room['id']}/assets/not-a-uuid"), 400, BAD_REQUEST)
    anonymous = ot_for(app, bearer=None)
    assert_unauthorized(await anonymous.get(f"/rooms/{room['id']}/assets"))
    assert_unauthorized(await anonymous.get(f"/rooms/{room['id']}/assets/{UNKNOWN}"))
    assert_unauthorized(await anonymous.delete(f"/rooms/{room['id']}/assets/{UNKNOWN}"))
    assert_unauthorized(await anonymous.get("/users/me/assets"))


# --- the user's own ----------------------------------------------------------------------------------------


async def test_me_assets_lists_the_assets_of_my_rooms(
    app: PrefixDispatcher, ot: httpx.AsyncClient, ot_bob: httpx.AsyncClient, control: httpx.AsyncClient
) -> None:
    with_event, plain, bobs = await create_room(ot), await create_room(ot), await create_room(ot_bob)
    event_id = hold_event(app, with_event["id"])
    big = await add_asset(control, with_event["id"], b"x" * 9, "b.webm")
    app.state.ctx.clock.set(NOW + 2000)
    small = await add_asset(control, plain["id"], b"x", "a.webm")
    await add_asset(control, bobs["id"], b"x" * 50, "bob.webm")

    def owned(asset: dict[str, object], created_at: str, event: str | None = None) -> dict[str, object]:
        body = {**resource(asset, created_at), "room_id": asset["room_id"]}
        return {**body, "event_id": event} if event else body

    big_json, small_json = owned(big, NOW_ISO, event_id), owned(small, "2026-12-01T09:00:02Z")
    response = await ot.get("/users/me/assets")
    assert response.status_code == 200
    assert response.json() == {"owned_assets": [small_json, big_json]}  # newest first
    assert response.headers["link"] == f"<{BASE_URL}/users/me/assets?per_page=30&page=1>; rel='first'"
    sorted_by = {
        ("created_at", "ascending"): [big_json, small_json],
        ("size", "descending"): [big_json, small_json],
        ("size", "ascending"): [small_json, big_json],
        ("filename", "ascending"): [small_json, big_json],
        ("filename", "descending"): [big_json, small_json],
    }
    for (sort, order), expected in sorted_by.items():
        response = await ot.get("/users/me/assets", params={"sort": sort, "order": order})
        assert response.json() == {"owned_assets": expected}, (sort, order)
    response = await ot.get("/users/me/assets", params={"per_page": 1, "page": 2})
    assert response.json() == {"owned_assets": [big_json]}
    url = f"{BASE_URL}/users/me/assets"
    assert response.headers["link"] == (
        f"<{url}?per_page=1&page=1>; rel='first', <{url}?per_page=1&page=1>; rel='prev'"
    )
    for bad in ({"sort": "colour"}, {"order": "up"}, {"per_page": 0}):
        assert_error(await ot.get("/users/me/assets", params=bad), 400, BAD_REQUEST)

    assert (await ot.get("/users/me")).json()["used_storage"] == 10
    assert (await ot_bob.get("/users/me")).json()["used_storage"] == 50
    await ot.delete(f"/rooms/{with_event['id']}/assets/{big['id']}")
    assert (await ot.get("/users/me")).json()["used_storage"] == 1


async def test_control_plane_refuses_unknown_rooms_and_bad_content(
    ot: httpx.AsyncClient, control: httpx.AsyncClient
) -> None:
    room = await create_room(ot)
    response = await control.post(f"{CONTROL_ROOMS}/{UNKNOWN}/assets", json={"filename": "a"})
    assert (response.status_code, response.json()["error"]) == (404, "not_found")
    response = await control.post(
        f"{CONTROL_ROOMS}/{room['id']}/assets", json={"filename": "a", "content_base64": "%%%"}
    )
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_request", "message": "content_base64 is not base64."}
    response = await control.post(
        f"/_omnimeet/vendors/nope/rooms/{room['id']}/assets", json={"filename": "a"}
    )
    assert (response.status_code, response.json()["error"]) == (404, "not_found")


async def test_pages_far_beyond_the_end_are_empty(ot: httpx.AsyncClient, control: httpx.AsyncClient) -> None:
    room = await create_room(ot)
    asset = await add_asset(control, room["id"], b"abc")
    for page in (2, 10**12, 2**63 - 1):
        response = await ot.get(f"/rooms/{room['id']}/assets", params={"page": page})
        assert (response.status_code, response.json()) == (200, []), page
        response = await ot.get("/users/me/assets", params={"page": page})
        assert (response.status_code, response.json()) == (200, {"owned_assets": []}), page
    assert (await ot.get(f"/rooms/{room['id']}/assets")).json() == [resource(asset)]
