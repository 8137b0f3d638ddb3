"""OpenTalk tariffs and TURN over HTTP: the user's tariff from their deployment's plan, a room's tariff for
its owner, invitees and invite-code guests, and TURN credentials from the configured servers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from omnimeet.domain.invite_codes import InviteCodeService
from omnimeet.domain.rooms import Room, RoomService
from omnimeet.platform.web import PrefixDispatcher
from omnimeet.vendors.opentalk.tariff_rules import Plan, tariff_id
from tests.conftest import client_for
from tests.vendors.opentalk.conftest import MakeClient
from tests.vendors.opentalk.support import (
    BAD_REQUEST,
    CONTROL,
    FORBIDDEN,
    ISSUER,
    NOW,
    assert_error,
    assert_unauthorized,
    token,
)

pytestmark = pytest.mark.anyio

ROOM_ID = "5a1f6a0e-0c61-4f4e-9d1e-0b5f1d2c3e4f"
OTHER_ROOM_ID = "6b2a7b1f-1d72-4a5f-8e2f-1c6a2e3d4f5a"
INVALID_INVITE = 'InviteCode error="invalid_token", error_description="The provided invite code is invalid"'
INTERNAL = {"code": "internal_server_error", "message": "An internal server error occurred"}

EVERY_MODULE = {
    "core": {"features": ["call_in"]},
    "chat": {"features": []},
    "media": {"features": []},
    "moderation": {"features": []},
    "breakout": {"features": []},
    "polls": {"features": []},
    "automod": {"features": []},
    "timer": {"features": []},
    "whiteboard": {"features": []},
    "protocol": {"features": []},
    "legal_vote": {"features": []},
    "recording": {"features": ["record", "stream"]},
    "shared_folder": {"features": []},
}


def full_tariff(
    tenant_id: str, plan: str = "default", quotas: dict[str, int] | None = None
) -> dict[str, Any]:
    return {
        "id": tariff_id(Plan(tenant_id, plan, frozenset())),
        "name": plan,
        "quotas": quotas or {},
        "enabled_modules": list(EVERY_MODULE),
        "disabled_features": [],
        "modules": EVERY_MODULE,
    }


def tenant_of(app: PrefixDispatcher, issuer: str = ISSUER) -> str:
    principal = app.state.ctx.authenticate("opentalk", issuer)
    assert principal is not None
    tenant: str = principal.tenant_id
    return tenant


async def make_room(app: PrefixDispatcher, owner: httpx.AsyncClient, room_id: str = ROOM_ID) -> Room:
    owner_id = (await owner.get("/users/me")).json()["id"]
    ctx = app.state.ctx
    principal = ctx.authenticate("opentalk", ISSUER)
    with ctx.db.transaction() as tx:
        return RoomService(ctx.clock).create(tx, principal, room_id, {"owner_id": owner_id}).room


def invite_code(app: PrefixDispatcher, room: Room) -> str:
    ctx = app.state.ctx
    with ctx.db.transaction() as tx:
        code: str = InviteCodeService(ctx.clock, ctx.ids).create(tx, room, room.owner_id or "", None).code
    return code


# --- GET /users/me/tariff ----------------------------------------------------------------------------------


async def test_my_tariff_is_my_deployments_plan_with_every_module(
    app: PrefixDispatcher, ot: httpx.AsyncClient
) -> None:
    response = await ot.get("/users/me/tariff")
    assert (response.status_code, response.json()) == (200, full_tariff(tenant_of(app)))


async def test_quotas_come_from_the_settings(
    make_app: Callable[..., PrefixDispatcher], ot_for: MakeClient
) -> None:
    app = make_app(opentalk_tariff_quotas={"max_storage": 50_000, "room_time_limit_secs": 3600})
    response = await ot_for(app).get("/users/me/tariff")
    assert response.json() == full_tariff(
        tenant_of(app), quotas={"max_storage": 50_000, "room_time_limit_secs": 3600}
    )


async def test_a_plan_without_extras_enables_the_base_modules_and_named_features(
    app: PrefixDispatcher, ot: httpx.AsyncClient
) -> None:
    async with client_for(app) as control:
        moved = await control.post(
            f"{CONTROL}/principals",
            json={
                "vendor": "opentalk",
                "credential": ISSUER,
                "organization": "acme",
                "plan": "starter",
                "features": ["recording::record", "whiteboard"],
            },
        )
    assert moved.status_code == 201, moved.text
    response = await ot.get("/users/me/tariff")
    assert response.json() == {
        "id": tariff_id(Plan("org_acme", "starter", frozenset())),
        "name": "starter",
        "quotas": {},
        "enabled_modules": [
            "core",
            "chat",
            "media",
            "moderation",
            "breakout",
            "polls",
            "automod",
            "timer",
            "whiteboard",
            "recording",
        ],
        "disabled_features": ["core::call_in", "recording::stream"],
        "modules": {
            "core": {"features": []},
            **{name: EVERY_MODULE[name] for name in ("chat", "media", "moderation", "breakout", "polls")},
            "automod": {"features": []},
            "timer": {"features": []},
            "whiteboard": {"features": []},
            "recording": {"features": ["record"]},
        },
    }


async def test_my_tariff_needs_an_access_token(app: PrefixDispatcher, ot_for: MakeClient) -> None:
    assert_unauthorized(await ot_for(app, bearer=None).get("/users/me/tariff"))


# --- GET /rooms/{room_id}/tariff ---------------------------------------------------------------------------


async def test_a_rooms_tariff_is_its_creators_for_the_owner(
    app: PrefixDispatcher, ot: httpx.AsyncClient
) -> None:
    await make_room(app, ot)
    response = await ot.get(f"/rooms/{ROOM_ID}/tariff")
    assert (response.status_code, response.json()) == (200, full_tariff(tenant_of(app)))
    assert (await ot.get(f"/rooms/{ROOM_ID.upper()}/tariff")).status_code == 200


async def test_a_rooms_tariff_for_a_user_invited_to_its_event(
    app: PrefixDispatcher, ot: httpx.AsyncClient, ot_bob: httpx.AsyncClient, ot_for: MakeClient
) -> None:
    bob = (await ot_bob.get("/users/me")).json()["id"]
    event = await ot.post("/events", json={"title": "Retro", "description": "", "is_time_independent": True})
    assert event.status_code == 201, event.text
    room_id = event.json()["room"]["id"]
    invited = await ot.post(f"/events/{event.json()['id']}/invites", json={"invitee": bob})
    assert invited.status_code == 201, invited.text
    response = await ot_bob.get(f"/rooms/{room_id}/tariff")
    assert (response.status_code, response.json()) == (200, full_tariff(tenant_of(app)))
    assert_error(await ot_for(app, "carol").get(f"/rooms/{room_id}/tariff"), 403, FORBIDDEN)


async def test_a_rooms_tariff_for_an_invite_code_guest(
    app: PrefixDispatcher, ot: httpx.AsyncClient, ot_for: MakeClient
) -> None:
    room = await make_room(app, ot)
    other = await make_room(app, ot, OTHER_ROOM_ID)
    code, other_code = invite_code(app, room), invite_code(app, other)
    as_invite = ot_for(app, bearer=None)
    as_invite.headers["Authorization"] = f"InviteCode {code}"
    response = await as_invite.get(f"/rooms/{ROOM_ID}/tariff")
    assert (response.status_code, response.json()) == (200, full_tariff(tenant_of(app)))
    as_bearer = await ot_for(app, bearer=code).get(f"/rooms/{ROOM_ID}/tariff")
    assert as_bearer.json() == full_tariff(tenant_of(app))
    as_invite.headers["Authorization"] = f"InviteCode {other_code}"
    assert_error(await as_invite.get(f"/rooms/{ROOM_ID}/tariff"), 403, FORBIDDEN)
    as_invite.headers["Authorization"] = "InviteCode 00000000-0000-4000-8000-000000000000"
    assert_unauthorized(await as_invite.get(f"/rooms/{ROOM_ID}/tariff"), INVALID_INVITE)


async def test_a_rooms_tariff_is_forbidden_to_others_and_for_unknown_rooms(
    app: PrefixDispatcher, ot: httpx.AsyncClient, ot_bob: httpx.AsyncClient, ot_for: MakeClient
) -> None:
    await make_room(app, ot)
    assert_error(await ot_bob.get(f"/rooms/{ROOM_ID}/tariff"), 403, FORBIDDEN)
    assert_error(await ot.get(f"/rooms/{OTHER_ROOM_ID}/tariff"), 403, FORBIDDEN)
    stranger = ot_for(app, bearer=token("dave", iss="https://other.example"))
    assert_error(await stranger.get(f"/rooms/{ROOM_ID}/tariff"), 403, FORBIDDEN)
    assert_error(await ot.get("/rooms/not-a-room/tariff"), 400, BAD_REQUEST)
    assert_unauthorized(await ot_for(app, bearer=None).get(f"/rooms/{ROOM_ID}/tariff"))


# --- GET /turn ---------------------------------------------------------------------------------------------

TURN = [
    {
        "uris": ["turn:turn1.example.com:3478?transport=udp", "turns:turn1.example.com:5349"],
        "pre_shared_key": "k1",
    },
    {"uris": ["turn:turn2.example.com:3478"], "pre_shared_key": "k2"},
    {"uris": ["turn:turn3.example.com:3478"], "pre_shared_key": "k3"},
]
LIFETIME = 600
EXPIRES = NOW // 1000 + LIFETIME


def assert_credentials(entry: dict[str, Any], server: dict[str, Any]) -> None:
    """TURN REST credentials: the username carries the expiry and 16 random bytes, the password is its
    HMAC-SHA1 under the server's key."""
    username = entry["username"]
    assert re.fullmatch(rf"{EXPIRES}:turn_random_for_privacy_[A-Za-z0-9+/]{{22}}==", username), username
    digest = hmac.new(server["pre_shared_key"].encode(), username.encode(), hashlib.sha1).digest()
    assert entry == {
        "username": username,
        "password": base64.b64encode(digest).decode(),
        "ttl": str(EXPIRES),
        "uris": server["uris"],
    }


async def test_turn_without_servers_is_500(app: PrefixDispatcher, ot: httpx.AsyncClient) -> None:
    assert_error(await ot.get("/turn"), 500, INTERNAL)


async def test_turn_gives_credentials_for_one_server_and_lists_stun(
    make_app: Callable[..., PrefixDispatcher], ot_for: MakeClient
) -> None:
    app = make_app(
        opentalk_turn_servers=TURN[:1],
        opentalk_stun_uris=["stun:stun.example.com:3478"],
        opentalk_turn_lifetime_seconds=LIFETIME,
    )
    client = ot_for(app)
    first, second = (await client.get("/turn")).json(), (await client.get("/turn")).json()
    assert len(first) == 2
    assert_credentials(first[0], TURN[0])
    assert first[1] == {"uris": ["stun:stun.example.com:3478"]}
    assert first[0]["username"] != second[0]["username"]


async def test_turn_with_two_servers_answers_the_first_and_with_more_two_distinct(
    make_app: Callable[..., PrefixDispatcher], ot_for: MakeClient
) -> None:
    two = make_app(opentalk_turn_servers=TURN[:2], opentalk_turn_lifetime_seconds=LIFETIME)
    answer = (await ot_for(two).get("/turn")).json()
    assert len(answer) == 1
    assert_credentials(answer[0], TURN[0])
    three = make_app(opentalk_turn_servers=TURN, opentalk_turn_lifetime_seconds=LIFETIME)
    client = ot_for(three)
    seen: set[str] = set()
    for _ in range(12):
        answer = (await client.get("/turn")).json()
        assert len(answer) == 2
        servers = [next(s for s in TURN if s["uris"] == entry["uris"]) for entry in answer]
        assert servers[0] is not servers[1]
        for entry, server in zip(answer, servers, strict=True):
            assert_credentials(entry, server)
            seen.add(server["pre_shared_key"])
    assert seen == {"k1", "k2", "k3"}


async def test_turn_only_stun(make_app: Callable[..., PrefixDispatcher], ot_for: MakeClient) -> None:
    app = make_app(opentalk_stun_uris=["stun:a.example.com", "stuns:b.example.com"])
    response = await ot_for(app).get("/turn")
    assert (response.status_code, response.json()) == (
        200,
        [{"uris": ["stun:a.example.com", "stuns:b.example.com"]}],
    )


async def test_turn_for_invite_code_guests_and_not_for_strangers(
    make_app: Callable[..., PrefixDispatcher], ot_for: MakeClient, tmp_path: Path
) -> None:
    # Strict mode: an opaque Bearer token is no user, so only an invite code lets it in.
    path = tmp_path / "credentials.json"
    path.write_text(json.dumps({"principals": [{"api": "opentalk", "credential": ISSUER}]}))
    app = make_app(auth_mode="strict", credentials_file=path, opentalk_stun_uris=["stun:a.example.com"])
    ctx = app.state.ctx
    principal = ctx.authenticate("opentalk", ISSUER)
    with ctx.db.transaction() as tx:
        room = RoomService(ctx.clock).create(tx, principal, ROOM_ID, {"owner_id": "someone"}).room
    code = invite_code(app, room)
    response = await ot_for(app, bearer=code).get("/turn")
    assert (response.status_code, response.json()) == (200, [{"uris": ["stun:a.example.com"]}])
    guest = ot_for(app, bearer=None)
    guest.headers["Authorization"] = f"InviteCode {code}"
    assert (await guest.get("/turn")).json() == [{"uris": ["stun:a.example.com"]}]
    assert_unauthorized(await ot_for(app, bearer="00000000-0000-4000-8000-000000000000").get("/turn"))
    assert_unauthorized(await ot_for(app, bearer=None).get("/turn"))
    assert_unauthorized(await ot_for(app, bearer=token("alice")).get("/turn"))
