"""Every secured operation of openapi/opentalk.yaml, walked twice:

- without an Authorization header: the controller's 401 (``unauthorized``, ``text/json``,
  ``WWW-Authenticate``), whatever the path's ids;
- by a user of another OpenTalk deployment (another token issuer, so another tenant) against what Alice
  created through the API (a room with SIP, a streaming target, an invite code, an asset, an event with
  invitees, a shared folder and a favourite): the answer is 403 or 404 in the controller's envelope, the
  same answer as for ids that exist nowhere (no existence oracle), nothing of Alice's shows, and Alice's
  things are unchanged afterwards. Operations without ids in the path answer the other user about their own
  deployment only.

Open operations (``security: []``) and WebSocket routes (a ``101`` answer) are not walked.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from omnimeet.platform.web import PrefixDispatcher
from omnimeet.vendors.opentalk.guest_auth import INVALID_INVITE
from tests.conftest import client_for
from tests.vendors.opentalk.support import ERROR_TYPE, INVALID_TOKEN, UNAUTHORIZED, assert_unauthorized, token

pytestmark = pytest.mark.anyio

SPEC = Path(__file__).resolve().parents[3] / "openapi" / "opentalk.yaml"
OTHER_ISSUER = "https://login.other-deployment.example/realms/opentalk"
TURN = [{"uris": ["turn:turn.example.com:3478"], "pre_shared_key": "walk"}]
METHODS = ("get", "post", "put", "patch", "delete")
INSTANCE = "20270322T080000Z"
"""The first instance of Alice's weekly event (09:00 Berlin on 2027-03-22 is 08:00 UTC)."""

STREAM = {
    "name": "Alice's private stream",
    "kind": "custom",
    "streaming_endpoint": "rtmp://ingest.alice.example/live",
    "streaming_key": "alicestreamkey0123",
    "public_url": "https://watch.alice.example/stream",
}
EVENT = {
    "title": "Alice quarterly board meeting",
    "description": "Alice confidential agenda",
    "password": "alicepass",
    "is_time_independent": False,
    "is_all_day": False,
    "starts_at": {"datetime": "2027-03-22T08:00:00Z", "timezone": "Europe/Berlin"},
    "ends_at": {"datetime": "2027-03-22T09:00:00Z", "timezone": "Europe/Berlin"},
    "recurrence_pattern": ["RRULE:FREQ=WEEKLY;COUNT=3"],
}
GUEST = "dave.guest@alice-partner.example"


def _spec() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(SPEC.read_text())
    return document


def _secured() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in _spec()["paths"].items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None or operation.get("security") == []:
                continue
            if "101" in operation.get("responses", {}):
                continue  # a WebSocket upgrade
            yield method.upper(), path, operation


OPERATIONS = list(_secured())
IDS = [f"{method} {path}" for method, path, _ in OPERATIONS]


def test_the_walk_covers_the_document() -> None:
    """The document lists the controller's secured operations (a broken load would walk nothing)."""
    walked = set(IDS)
    assert {"GET /v1/rooms/{room_id}", "DELETE /v1/events/{event_id}", "GET /v1/users/me"} <= walked
    assert not walked & {"POST /v1/auth/login", "POST /v1/invite/verify", "GET /v1/signaling"}
    assert len(OPERATIONS) >= 50


def _query(operation: dict[str, Any], values: dict[str, str]) -> dict[str, str]:
    """A value for each required query parameter (``values`` by name first)."""
    query: dict[str, str] = {}
    for parameter in operation.get("parameters", []):
        if parameter["in"] != "query" or not parameter.get("required"):
            continue
        name = parameter["name"]
        schema = parameter.get("schema", {})
        if name in values:
            query[name] = values[name]
        elif "enum" in schema:
            query[name] = str(schema["enum"][0])
        elif schema.get("type") == "integer":
            query[name] = "1"
        elif schema.get("type") == "boolean":
            query[name] = "true"
        else:
            query[name] = "alice"
    return query


def _url(path: str, ids: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in ids, f"no value for path parameter {name} of {path}: add it to the walk"
        return ids[name]

    return re.sub(r"\{([^}]+)\}", value, path.removeprefix("/v1"))


def _unknown_ids() -> dict[str, str]:
    """Syntactically valid ids that name nothing."""
    return {
        "room_id": str(uuid.uuid4()),
        "event_id": str(uuid.uuid4()),
        "streaming_target_id": str(uuid.uuid4()),
        "invite_code": str(uuid.uuid4()),
        "asset_id": str(uuid.uuid4()),
        "user_id": str(uuid.uuid4()),
        "instance_id": INSTANCE,
    }


async def _send(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    operation: dict[str, Any],
    ids: dict[str, str],
    bodies: dict[str, Any] | None = None,
) -> httpx.Response:
    url = _url(path, ids)
    params = _query(operation, {"q": "alice", "room_id": ids["room_id"]})
    key = f"{method} {path}"
    if "requestBody" not in operation:
        return await client.request(method, url, params=params)
    body = (bodies or {}).get(key, {})
    return await client.request(method, url, params=params, json=body)


# --- 1. no Authorization header ------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=IDS)
async def test_without_a_token_every_secured_operation_is_401(
    make_app: Callable[..., PrefixDispatcher],
    ot_for: Callable[..., httpx.AsyncClient],
    method: str,
    path: str,
    operation: dict[str, Any],
) -> None:
    app = make_app(opentalk_turn_servers=TURN)
    anonymous = ot_for(app, bearer=None)
    response = await _send(anonymous, method, path, operation, _unknown_ids())
    assert_unauthorized(response)
    assert (response.headers["content-type"], response.json()) == (ERROR_TYPE, UNAUTHORIZED)


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=IDS)
async def test_a_bearer_scheme_without_token_is_401_too(
    make_app: Callable[..., PrefixDispatcher],
    ot_for: Callable[..., httpx.AsyncClient],
    method: str,
    path: str,
    operation: dict[str, Any],
) -> None:
    """``Authorization: Bearer`` with nothing after it, or another scheme: refused like no header at all."""
    app = make_app(opentalk_turn_servers=TURN)
    client = ot_for(app, bearer=None)
    for header in ("Bearer", "Bearer ", "Basic YWxpY2U6c2VjcmV0"):
        client.headers["Authorization"] = header
        assert_unauthorized(await _send(client, method, path, operation, _unknown_ids()))


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=IDS)
async def test_an_unknown_invite_code_is_401(
    make_app: Callable[..., PrefixDispatcher],
    ot_for: Callable[..., httpx.AsyncClient],
    method: str,
    path: str,
    operation: dict[str, Any],
) -> None:
    """``Authorization: InviteCode <code>`` of no room: refused as an invalid invite code where the operation
    accepts guests, as an invalid access token everywhere else."""
    app = make_app(opentalk_turn_servers=TURN)
    client = ot_for(app, bearer=None)
    client.headers["Authorization"] = f"InviteCode {uuid.uuid4()}"
    response = await _send(client, method, path, operation, _unknown_ids())
    guests = any("InviteCode" in requirement for requirement in operation["security"])
    assert_unauthorized(response, INVALID_INVITE if guests else INVALID_TOKEN)


# --- 2. another deployment's user against Alice's things --------------------------------------------------


def _bodies(sip_id: str, pin: str) -> dict[str, Any]:
    """Valid bodies for the walked operations that take one (so the walk reaches the access check)."""
    return {
        "PATCH /v1/users/me": {"display_name": "Mallory M."},
        "POST /v1/rooms": {"password": None, "enable_sip": False},
        "PATCH /v1/rooms/{room_id}": {"password": "taken-over", "waiting_room": True},
        "POST /v1/rooms/{room_id}/streaming_targets": {**STREAM, "name": "Mallory's stream"},
        "PATCH /v1/rooms/{room_id}/streaming_targets/{streaming_target_id}": {"name": "hijacked"},
        "POST /v1/rooms/{room_id}/invites": {},
        "PUT /v1/rooms/{room_id}/invites/{invite_code}": {"expiration": "2027-01-01T00:00:00Z"},
        "PUT /v1/rooms/{room_id}/sip": {"lobby": True},
        "POST /v1/rooms/{room_id}/start": {},
        "POST /v1/services/call_in/start": {"id": sip_id, "pin": pin},
        "POST /v1/events": {**EVENT, "title": "Mallory's event", "description": "", "password": None},
        "PATCH /v1/events/{event_id}": {"title": "hijacked"},
        "PATCH /v1/events/{event_id}/instances/{instance_id}": {"title": "hijacked"},
        "POST /v1/events/{event_id}/invites": {"email": "mallory@other.example", "role": "guest"},
        "PATCH /v1/events/{event_id}/invites/email": {"email": GUEST, "role": "moderator"},
        "DELETE /v1/events/{event_id}/invites/email": {"email": GUEST},
        "PATCH /v1/events/{event_id}/invites/{user_id}": {"role": "moderator"},
    }


@dataclass
class AliceWorld:
    ids: dict[str, str]
    """Path values naming Alice's things."""
    bodies: dict[str, Any]
    """Valid bodies for the operations that take one (so the walk reaches the access check)."""
    secrets: list[str]
    """Texts that only Alice's things contain."""
    snapshot: Callable[[], Any]


def _created(response: httpx.Response, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


async def _alice_world(app: PrefixDispatcher, ot_for: Callable[..., httpx.AsyncClient]) -> AliceWorld:
    alice = ot_for(app, "alice")
    bob = ot_for(app, "bob")
    alice_id = (_created(await alice.get("/users/me"), 200))["id"]
    bob_id = (_created(await bob.get("/users/me"), 200))["id"]

    room = _created(await alice.post("/rooms", json={"password": "alicesecret", "enable_sip": True}))
    room_id = room["id"]
    target = _created(await alice.post(f"/rooms/{room_id}/streaming_targets", json=STREAM), 200)
    code = (_created(await alice.post(f"/rooms/{room_id}/invites", json={}), 200))["invite_code"]
    sip = _created(await alice.get(f"/rooms/{room_id}/sip"), 200)
    async with client_for(app) as control:
        asset = _created(
            await control.post(
                f"/_omnimeet/vendors/opentalk/rooms/{room_id}/assets",
                json={"filename": "alice-minutes.pdf", "content_base64": "JVBERi0x"},
            )
        )
    event = _created(await alice.post("/events", json=EVENT))
    event_id = event["id"]
    _created(await alice.post(f"/events/{event_id}/invites", json={"invitee": bob_id, "role": "user"}))
    _created(await alice.post(f"/events/{event_id}/invites", json={"email": GUEST, "role": "guest"}))
    _created(await alice.put(f"/events/{event_id}/shared_folder"))
    _created(await alice.put(f"/users/me/event_favorites/{event_id}"))
    _created(await alice.get(f"/events/{event_id}/instances/{INSTANCE}"), 200)

    ids = {
        "room_id": room_id,
        "event_id": event_id,
        "streaming_target_id": target["id"],
        "invite_code": code,
        "asset_id": asset["id"],
        "user_id": alice_id,
        "instance_id": INSTANCE,
    }
    bodies = _bodies(sip["sip_id"], sip["password"])
    secrets = [
        alice_id,
        bob_id,
        room_id,
        event_id,
        event["room"]["id"],
        target["id"],
        code,
        asset["id"],
        sip["sip_id"],
        sip["password"],
        "alice@example.com",
        "bob@example.com",
        GUEST,
        "Adams",
        "alicesecret",
        "alicepass",
        "alicestreamkey0123",
        "alice-minutes",
        "Alice quarterly",
        "confidential",
    ]

    reads = [
        "/users/me",
        f"/rooms/{room_id}",
        f"/rooms/{room_id}/streaming_targets",
        f"/rooms/{room_id}/invites",
        f"/rooms/{room_id}/sip",
        f"/rooms/{room_id}/assets",
        f"/events/{event_id}",
        f"/events/{event_id}/instances",
        f"/events/{event_id}/invites",
        f"/events/{event_id}/shared_folder",
        "/events",
        "/rooms",
    ]

    async def snapshot() -> list[Any]:
        seen = []
        for read in reads:
            response = await alice.get(read)
            seen.append((read, response.status_code, response.json()))
        pending = await bob.get("/users/me/pending_invites")
        seen.append(("bob pending", pending.status_code, pending.json()))
        return seen

    return AliceWorld(ids, bodies, secrets, snapshot)


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=IDS)
async def test_another_deployments_user_never_reaches_alices_things(
    make_app: Callable[..., PrefixDispatcher],
    ot_for: Callable[..., httpx.AsyncClient],
    method: str,
    path: str,
    operation: dict[str, Any],
) -> None:
    app = make_app(opentalk_turn_servers=TURN)
    world = await _alice_world(app, ot_for)
    before = await world.snapshot()
    mallory = ot_for(app, bearer=token("mallory", iss=OTHER_ISSUER, email="mallory@other.example"))

    unknown = _unknown_ids()
    if "{" in path:
        # The same question about ids that name nothing: the answer must not tell them apart.
        blind = await _send(mallory, method, path, operation, unknown, world.bodies)
        response = await _send(mallory, method, path, operation, world.ids, world.bodies)
        assert response.status_code in (403, 404), response.text
        assert response.headers["content-type"] == ERROR_TYPE
        assert set(response.json()) == {"code", "message"}
        assert (response.status_code, response.json()) == (blind.status_code, blind.json())
    else:
        response = await _send(mallory, method, path, operation, world.ids, world.bodies)
        assert response.status_code < 500, response.text
        if path == "/v1/services/call_in/start":
            # Alice's dial-in id and pin, keyed in on another deployment's phone gateway: unknown there.
            assert response.status_code == 400, response.text

    text = response.content.decode()
    leaked = [secret for secret in world.secrets if secret in text]
    assert not leaked, f"{method} {path} shows Alice's {leaked}: {text}"
    assert await world.snapshot() == before


SAME_DEPLOYMENT_EXCEPTIONS = {
    "GET /v1/users/{user_id}": "users of one deployment see each other's profiles",
    "PUT /v1/users/me/event_favorites/{event_id}": "lead: /users/me routes answer 404 for unknown events",
    "DELETE /v1/users/me/event_favorites/{event_id}": "lead: /users/me routes answer 404 for unknown events",
}
"""Where a same-deployment stranger's answer legitimately differs from an unknown id's."""
BY_ID = [
    pytest.param(m, p, op, id=f"{m} {p}")
    for m, p, op in OPERATIONS
    if "{" in p and f"{m} {p}" not in SAME_DEPLOYMENT_EXCEPTIONS
]


@pytest.mark.parametrize(("method", "path", "operation"), BY_ID)
async def test_a_stranger_of_the_same_deployment_cannot_tell_alices_ids_from_unknown_ones(
    make_app: Callable[..., PrefixDispatcher],
    ot_for: Callable[..., httpx.AsyncClient],
    method: str,
    path: str,
    operation: dict[str, Any],
) -> None:
    """Carol (same issuer, invited to nothing) gets 403 or 404, exactly what an id that names nothing gets."""
    app = make_app(opentalk_turn_servers=TURN)
    world = await _alice_world(app, ot_for)
    before = await world.snapshot()
    carol = ot_for(app, "carol")
    blind = await _send(carol, method, path, operation, _unknown_ids(), world.bodies)
    response = await _send(carol, method, path, operation, world.ids, world.bodies)
    assert response.status_code in (403, 404), response.text
    assert response.headers["content-type"] == ERROR_TYPE
    assert (response.status_code, response.json()) == (blind.status_code, blind.json())
    assert await world.snapshot() == before


async def test_other_deployments_lists_and_searches_hold_nothing_of_alices(
    app: PrefixDispatcher, ot_for: Callable[..., httpx.AsyncClient]
) -> None:
    """Exact answers: the other deployment sees no rooms, events, invitations or users but its own."""
    await _alice_world(app, ot_for)
    mallory = ot_for(app, bearer=token("mallory", iss=OTHER_ISSUER, email="mallory@other.example"))
    me = (await mallory.get("/users/me")).json()
    for path in ("/rooms", "/events"):
        response = await mallory.get(path)
        assert (response.status_code, response.json()) == (200, []), path
    assets = await mallory.get("/users/me/assets")
    assert (assets.status_code, assets.json()) == (200, {"owned_assets": []})
    pending = await mallory.get("/users/me/pending_invites")
    assert (pending.status_code, pending.json()) == (200, {"total_pending_invites": 0})
    for query in ("alice", "Adams", "alice@example.com", "bob"):
        response = await mallory.get("/users/find", params={"q": query})
        assert (response.status_code, response.json()) == (200, []), query
    found = await mallory.get("/users/find", params={"q": "mallory"})
    assert [user["id"] for user in found.json()] == [me["id"]]


def test_bodies_cover_every_walked_operation_with_a_body() -> None:
    """A walked operation with a body needs a valid one here, or the walk would stop at its 422."""
    with_body = {f"{m} {p}" for m, p, op in OPERATIONS if op.get("requestBody", {}).get("required")}
    assert with_body <= set(_bodies("0123456789", "0123456789")), sorted(with_body - set(_bodies("", "")))
