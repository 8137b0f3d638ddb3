"""The walk of every secured OpenTalk operation (test_auth_walk.py): the operations of openapi/opentalk.yaml,
requests built from them, and Alice's things (created through the API) for other users to aim at."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from omnimeet.platform.web import PrefixDispatcher
from tests.conftest import client_for

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


def spec() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(SPEC.read_text())
    return document


def secured() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec()["paths"].items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None or operation.get("security") == []:
                continue
            if "101" in operation.get("responses", {}):
                continue  # a WebSocket upgrade
            yield method.upper(), path, operation


OPERATIONS = list(secured())
"""(method, path, operation) of every walked operation."""
IDS = [f"{method} {path}" for method, path, _ in OPERATIONS]


def required_query(operation: dict[str, Any], values: dict[str, str]) -> dict[str, str]:
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


def path_of(path: str, ids: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in ids, f"no value for path parameter {name} of {path}: add it to the walk"
        return ids[name]

    return re.sub(r"\{([^}]+)\}", value, path.removeprefix("/v1"))


def unknown_ids() -> dict[str, str]:
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


async def send(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    operation: dict[str, Any],
    ids: dict[str, str],
    bodies: dict[str, Any] | None = None,
) -> httpx.Response:
    url = path_of(path, ids)
    params = required_query(operation, {"q": "alice", "room_id": ids["room_id"]})
    key = f"{method} {path}"
    if "requestBody" not in operation:
        return await client.request(method, url, params=params)
    body = (bodies or {}).get(key, {})
    return await client.request(method, url, params=params, json=body)


# --- 1. no Authorization header ------------------------------------------------------------------------


def valid_bodies(sip_id: str, pin: str) -> dict[str, Any]:
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


def created(response: httpx.Response, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


async def alice_world(app: PrefixDispatcher, ot_for: Callable[..., httpx.AsyncClient]) -> AliceWorld:
    alice = ot_for(app, "alice")
    bob = ot_for(app, "bob")
    alice_id = (created(await alice.get("/users/me"), 200))["id"]
    bob_id = (created(await bob.get("/users/me"), 200))["id"]

    room = created(await alice.post("/rooms", json={"password": "alicesecret", "enable_sip": True}))
    room_id = room["id"]
    target = created(await alice.post(f"/rooms/{room_id}/streaming_targets", json=STREAM), 200)
    code = (created(await alice.post(f"/rooms/{room_id}/invites", json={}), 200))["invite_code"]
    sip = created(await alice.get(f"/rooms/{room_id}/sip"), 200)
    async with client_for(app) as control:
        asset = created(
            await control.post(
                f"/_omnimeet/vendors/opentalk/rooms/{room_id}/assets",
                json={"filename": "alice-minutes.pdf", "content_base64": "JVBERi0x"},
            )
        )
    event = created(await alice.post("/events", json=EVENT))
    event_id = event["id"]
    created(await alice.post(f"/events/{event_id}/invites", json={"invitee": bob_id, "role": "user"}))
    created(await alice.post(f"/events/{event_id}/invites", json={"email": GUEST, "role": "guest"}))
    created(await alice.put(f"/events/{event_id}/shared_folder"))
    created(await alice.put(f"/users/me/event_favorites/{event_id}"))
    created(await alice.get(f"/events/{event_id}/instances/{INSTANCE}"), 200)

    ids = {
        "room_id": room_id,
        "event_id": event_id,
        "streaming_target_id": target["id"],
        "invite_code": code,
        "asset_id": asset["id"],
        "user_id": alice_id,
        "instance_id": INSTANCE,
    }
    bodies = valid_bodies(sip["sip_id"], sip["password"])
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
