"""Every secured operation of openapi/opentalk.yaml, walked (the walk itself: walk_support.py):

- without an Authorization header, with an empty or foreign scheme, with an unknown invite code: the
  controller's 401 (``unauthorized``, ``text/json``, ``WWW-Authenticate``), whatever the path's ids;
- by a user of another OpenTalk deployment (another token issuer, so another tenant) against what Alice
  created through the API (a room with SIP, a streaming target, an invite code, an asset, an event with
  invitees, a shared folder and a favourite): the answer is 403 or 404 in the controller's envelope, the
  same answer as for ids that exist nowhere (no existence oracle), nothing of Alice's shows, and Alice's
  things are unchanged afterwards. Operations without ids in the path answer the other user about their own
  deployment only;
- by a stranger of Alice's own deployment (invited to nothing): the same answer as for unknown ids.

Open operations (``security: []``) and WebSocket routes (a ``101`` answer) are not walked.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from omnimeet.platform.web import PrefixDispatcher
from omnimeet.vendors.opentalk.guest_auth import INVALID_INVITE
from tests.vendors.opentalk.support import ERROR_TYPE, INVALID_TOKEN, UNAUTHORIZED, assert_unauthorized, token
from tests.vendors.opentalk.walk_support import (
    IDS,
    OPERATIONS,
    OTHER_ISSUER,
    TURN,
    alice_world,
    send,
    unknown_ids,
    valid_bodies,
)

pytestmark = pytest.mark.anyio


def test_the_walk_covers_the_document() -> None:
    """The document lists the controller's secured operations (a broken load would walk nothing)."""
    walked = set(IDS)
    assert {"GET /v1/rooms/{room_id}", "DELETE /v1/events/{event_id}", "GET /v1/users/me"} <= walked
    assert not walked & {"POST /v1/auth/login", "POST /v1/invite/verify", "GET /v1/signaling"}
    assert len(OPERATIONS) >= 50


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
    response = await send(anonymous, method, path, operation, unknown_ids())
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
        assert_unauthorized(await send(client, method, path, operation, unknown_ids()))


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
    response = await send(client, method, path, operation, unknown_ids())
    guests = any("InviteCode" in requirement for requirement in operation["security"])
    assert_unauthorized(response, INVALID_INVITE if guests else INVALID_TOKEN)


# --- 2. another deployment's user against Alice's things --------------------------------------------------


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=IDS)
async def test_another_deployments_user_never_reaches_alices_things(
    make_app: Callable[..., PrefixDispatcher],
    ot_for: Callable[..., httpx.AsyncClient],
    method: str,
    path: str,
    operation: dict[str, Any],
) -> None:
    app = make_app(opentalk_turn_servers=TURN)
    world = await alice_world(app, ot_for)
    before = await world.snapshot()
    mallory = ot_for(app, bearer=token("mallory", iss=OTHER_ISSUER, email="mallory@other.example"))

    unknown = unknown_ids()
    if "{" in path:
        # The same question about ids that name nothing: the answer must not tell them apart.
        blind = await send(mallory, method, path, operation, unknown, world.bodies)
        response = await send(mallory, method, path, operation, world.ids, world.bodies)
        assert response.status_code in (403, 404), response.text
        assert response.headers["content-type"] == ERROR_TYPE
        assert set(response.json()) == {"code", "message"}
        assert (response.status_code, response.json()) == (blind.status_code, blind.json())
    else:
        response = await send(mallory, method, path, operation, world.ids, world.bodies)
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
    world = await alice_world(app, ot_for)
    before = await world.snapshot()
    carol = ot_for(app, "carol")
    blind = await send(carol, method, path, operation, unknown_ids(), world.bodies)
    response = await send(carol, method, path, operation, world.ids, world.bodies)
    assert response.status_code in (403, 404), response.text
    assert response.headers["content-type"] == ERROR_TYPE
    assert (response.status_code, response.json()) == (blind.status_code, blind.json())
    assert await world.snapshot() == before


async def test_other_deployments_lists_and_searches_hold_nothing_of_alices(
    app: PrefixDispatcher, ot_for: Callable[..., httpx.AsyncClient]
) -> None:
    """Exact answers: the other deployment sees no rooms, events, invitations or users but its own."""
    await alice_world(app, ot_for)
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
    assert with_body <= set(valid_bodies("0", "0")), sorted(with_body - set(valid_bodies("0", "0")))
