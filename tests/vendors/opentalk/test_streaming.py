"""OpenTalk streaming targets over HTTP: list with page links, create (200), get, patch, delete (204); the
room's owner only."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from omnimeet.platform.web import PrefixDispatcher
from tests.vendors.opentalk.conftest import MakeClient
from tests.vendors.opentalk.room_support import UNKNOWN, create, hold_event, invite, user_id, validation
from tests.vendors.opentalk.support import (
    BAD_REQUEST,
    BASE_URL,
    FORBIDDEN,
    NOT_FOUND,
    assert_error,
    assert_unauthorized,
)

pytestmark = pytest.mark.anyio

TARGET = {
    "name": "Owncast",
    "kind": "custom",
    "streaming_endpoint": "rtmp://ingest.example.com/live",
    "streaming_key": "aabbccddeeff",
    "public_url": "https://watch.example.com/stream",
}


async def add(client: httpx.AsyncClient, room_id: str, **changes: Any) -> dict[str, Any]:
    response = await client.post(f"/rooms/{room_id}/streaming_targets", json={**TARGET, **changes})
    assert response.status_code == 200, response.text
    target: dict[str, Any] = response.json()
    return target


async def test_create_answers_200_with_the_target(ot: httpx.AsyncClient) -> None:
    room = await create(ot)
    response = await ot.post(
        f"/rooms/{room['id']}/streaming_targets", params={"suppress_email_notification": "true"}, json=TARGET
    )
    assert (response.status_code, response.headers["content-type"]) == (200, "application/json")
    target = response.json()
    assert target == {"id": target["id"], **TARGET}
    assert len(target["id"]) == 36


async def test_get_answers_the_target(ot: httpx.AsyncClient) -> None:
    room = await create(ot)
    target = await add(ot, room["id"])
    response = await ot.get(f"/rooms/{room['id']}/streaming_targets/{target['id']}")
    assert (response.status_code, response.json()) == (200, target)


async def test_list_pages_with_links(ot: httpx.AsyncClient) -> None:
    room = await create(ot)
    targets = [await add(ot, room["id"], name=f"Stream {n}") for n in range(3)]
    await add(ot, (await create(ot))["id"], name="Elsewhere")
    base = f"{BASE_URL}/rooms/{room['id']}/streaming_targets"
    whole = await ot.get(f"/rooms/{room['id']}/streaming_targets")
    assert (whole.status_code, whole.json()) == (200, targets)
    assert whole.headers["link"] == f"<{base}?per_page=30&page=1>; rel='first'"
    first = await ot.get(f"/rooms/{room['id']}/streaming_targets", params={"per_page": 2})
    assert first.json() == targets[:2]
    assert first.headers["link"] == (
        f"<{base}?per_page=2&page=1>; rel='first', <{base}?per_page=2&page=2>; rel='next', "
        f"<{base}?per_page=2&page=2>; rel='last'"
    )
    far = await ot.get(f"/rooms/{room['id']}/streaming_targets", params={"page": 2**63 - 1})
    assert (far.status_code, far.json()) == (200, [])
    second = await ot.get(f"/rooms/{room['id']}/streaming_targets", params={"per_page": 2, "page": 2})
    assert second.json() == targets[2:]
    assert second.headers["link"] == (
        f"<{base}?per_page=2&page=1>; rel='first', <{base}?per_page=2&page=1>; rel='prev'"
    )


async def test_list_of_a_room_without_targets_is_empty(ot: httpx.AsyncClient) -> None:
    room = await create(ot)
    response = await ot.get(f"/rooms/{room['id']}/streaming_targets")
    assert (response.status_code, response.json()) == (200, [])


async def test_list_refuses_bad_page_values(ot: httpx.AsyncClient) -> None:
    room = await create(ot)
    response = await ot.get(f"/rooms/{room['id']}/streaming_targets", params={"per_page": 101})
    assert_error(response, 400, BAD_REQUEST)


async def test_patch_changes_the_given_fields(ot: httpx.AsyncClient) -> None:
    room = await create(ot)
    target = await add(ot, room["id"])
    path = f"/rooms/{room['id']}/streaming_targets/{target['id']}"
    response = await ot.patch(path, json={"name": "Renamed", "streaming_key": "k2", "public_url": None})
    assert (response.status_code, response.json()) == (
        200,
        {**target, "name": "Renamed", "streaming_key": "k2"},
    )
    assert (await ot.get(path)).json() == response.json()
    unchanged = await ot.patch(path, json={}, params={"suppress_email_notification": "false"})
    assert unchanged.json() == response.json()


async def test_delete_removes_the_target(ot: httpx.AsyncClient) -> None:
    room = await create(ot)
    kept, gone = await add(ot, room["id"]), await add(ot, room["id"], name="Gone")
    path = f"/rooms/{room['id']}/streaming_targets/{gone['id']}"
    response = await ot.delete(path, params={"suppress_email_notification": "true"})
    assert (response.status_code, response.content) == (204, b"")
    assert_error(await ot.get(path), 404, NOT_FOUND)
    assert_error(await ot.delete(path), 404, NOT_FOUND)
    assert (await ot.get(f"/rooms/{room['id']}/streaming_targets")).json() == [kept]


async def test_an_unknown_target_is_404(ot: httpx.AsyncClient) -> None:
    room = await create(ot)
    other_room = await create(ot)
    foreign = await add(ot, other_room["id"])
    for target_id in (UNKNOWN, foreign["id"]):
        path = f"/rooms/{room['id']}/streaming_targets/{target_id}"
        assert_error(await ot.get(path), 404, NOT_FOUND)
        assert_error(await ot.patch(path, json={"name": "x"}), 404, NOT_FOUND)
        assert_error(await ot.delete(path), 404, NOT_FOUND)


async def test_malformed_ids_are_400(ot: httpx.AsyncClient) -> None:
    room = await create(ot)
    assert_error(await ot.get("/rooms/nope/streaming_targets"), 400, BAD_REQUEST)
    assert_error(await ot.get(f"/rooms/{room['id']}/streaming_targets/nope"), 400, BAD_REQUEST)
    assert_error(await ot.delete(f"/rooms/{room['id']}/streaming_targets/12"), 400, BAD_REQUEST)


async def test_only_the_owner_manages_targets(
    app: PrefixDispatcher, ot: httpx.AsyncClient, ot_bob: httpx.AsyncClient
) -> None:
    room = await create(ot)
    invite(app, hold_event(app, room["id"]), await user_id(ot_bob))  # even an invitee may not
    target = await add(ot, room["id"])
    base = f"/rooms/{room['id']}/streaming_targets"
    assert_error(await ot_bob.get(base), 403, FORBIDDEN)
    assert_error(await ot_bob.post(base, json=TARGET), 403, FORBIDDEN)
    assert_error(await ot_bob.get(f"{base}/{target['id']}"), 403, FORBIDDEN)
    assert_error(await ot_bob.patch(f"{base}/{target['id']}", json={"name": "x"}), 403, FORBIDDEN)
    assert_error(await ot_bob.delete(f"{base}/{target['id']}"), 403, FORBIDDEN)
    assert (await ot.get(base)).json() == [target]


async def test_targets_of_an_unknown_room_are_forbidden(ot: httpx.AsyncClient) -> None:
    assert_error(await ot.get(f"/rooms/{UNKNOWN}/streaming_targets"), 403, FORBIDDEN)
    assert_error(await ot.post(f"/rooms/{UNKNOWN}/streaming_targets", json=TARGET), 403, FORBIDDEN)


async def test_deleting_the_room_deletes_its_targets(ot: httpx.AsyncClient) -> None:
    room = await create(ot)
    target = await add(ot, room["id"])
    assert (await ot.delete(f"/rooms/{room['id']}")).status_code == 204
    assert_error(await ot.get(f"/rooms/{room['id']}/streaming_targets/{target['id']}"), 403, FORBIDDEN)


async def test_every_target_route_needs_a_token(app: PrefixDispatcher, ot_for: MakeClient) -> None:
    anonymous = ot_for(app, bearer=None)
    base = f"/rooms/{UNKNOWN}/streaming_targets"
    for method, path in [
        ("GET", base),
        ("POST", base),
        ("GET", f"{base}/{UNKNOWN}"),
        ("PATCH", f"{base}/{UNKNOWN}"),
        ("DELETE", f"{base}/{UNKNOWN}"),
    ]:
        response = await anonymous.request(method, path, json=TARGET if method in ("POST", "PATCH") else None)
        assert_unauthorized(response)


URL_MESSAGE = "Input should be a valid URL"


@pytest.mark.parametrize(
    ("changes", "field", "code", "message"),
    [
        ({"name": None}, "name", "invalid_value", "Input should be a valid string"),
        ({"kind": "youtube"}, "kind", "invalid_value", "Input should be 'custom'"),
        ({"streaming_endpoint": "not a url"}, "streaming_endpoint", "invalid_url", URL_MESSAGE),
        ({"public_url": "mailto:x@example.com"}, "public_url", "invalid_url", URL_MESSAGE),
        ({"streaming_key": 5}, "streaming_key", "invalid_value", "Input should be a valid string"),
    ],
)
async def test_create_refuses_invalid_values(
    ot: httpx.AsyncClient, changes: dict[str, Any], field: str, code: str, message: str
) -> None:
    room = await create(ot)
    response = await ot.post(f"/rooms/{room['id']}/streaming_targets", json={**TARGET, **changes})
    assert_error(response, 422, validation({"field": field, "code": code, "message": message}))
    assert (await ot.get(f"/rooms/{room['id']}/streaming_targets")).json() == []


async def test_create_needs_every_field(ot: httpx.AsyncClient) -> None:
    room = await create(ot)
    response = await ot.post(f"/rooms/{room['id']}/streaming_targets", json={"name": "Only a name"})
    required = [
        {"field": name, "code": "value_required", "message": "Value is required"}
        for name in ("kind", "streaming_endpoint", "streaming_key", "public_url")
    ]
    assert_error(response, 422, validation(*required))


async def test_patch_refuses_invalid_values(ot: httpx.AsyncClient) -> None:
    room = await create(ot)
    target = await add(ot, room["id"])
    path = f"/rooms/{room['id']}/streaming_targets/{target['id']}"
    response = await ot.patch(path, json={"public_url": "nope"})
    assert_error(
        response, 422, validation({"field": "public_url", "code": "invalid_url", "message": URL_MESSAGE})
    )
    assert (await ot.get(path)).json() == target
