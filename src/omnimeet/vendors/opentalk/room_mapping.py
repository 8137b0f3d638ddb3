"""Rooms and streaming targets between OpenTalk's wire names and the domain's rows.

Room extras the ``rooms`` table has no column for (``e2e_encryption``, ``guest_access``) live in its
``settings`` JSON. A streaming target is a ``live_streams`` row: name -> ``title``, ``streaming_endpoint`` ->
``endpoint_url``, ``streaming_key`` -> ``stream_key``.
"""

from __future__ import annotations

import json
from typing import Any

from omnimeet.domain.room_access import RoomEvent
from omnimeet.domain.rooms import LiveStream, Room
from omnimeet.vendors.opentalk.mapping import timestamp
from omnimeet.vendors.opentalk.room_schemas import (
    PatchRoomsBody,
    PostRoomsBody,
    StreamingTargetBody,
    StreamingTargetPatch,
)

E2E = "e2e_encryption"
GUEST_ACCESS = "guest_access"
STREAM_KIND = "custom"


def settings_of(room: Room) -> dict[str, Any]:
    try:
        value = json.loads(room.settings or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _dump(settings: dict[str, Any]) -> str:
    return json.dumps(settings, separators=(",", ":"), sort_keys=True)


def create_fields(body: PostRoomsBody, owner: str) -> dict[str, Any]:
    """The ``rooms`` columns of a new room owned by ``owner`` (a user id)."""
    settings: dict[str, Any] = {E2E: body.e2e_encryption}
    if body.guest_access is not None:
        settings[GUEST_ACCESS] = body.guest_access
    return {
        "owner_id": owner,
        "password": body.password,
        "waiting_room": body.waiting_room,
        "settings": _dump(settings),
    }


def patch_fields(body: PatchRoomsBody, room: Room) -> dict[str, Any]:
    """The columns a PATCH changes: given fields only; ``password: null`` clears the password."""
    sent = body.model_fields_set
    changes: dict[str, Any] = {}
    if "password" in sent:
        changes["password"] = body.password
    if body.waiting_room is not None:
        changes["waiting_room"] = body.waiting_room
    settings = settings_of(room)
    updated = dict(settings)
    if body.e2e_encryption is not None:
        updated[E2E] = body.e2e_encryption
    if body.guest_access is not None:
        updated[GUEST_ACCESS] = body.guest_access
    if updated != settings:
        changes["settings"] = _dump(updated)
    return changes


def room(value: Room) -> dict[str, Any]:
    """``Room``: the seed's five fields, and ``guest_access`` once a client set it."""
    out: dict[str, Any] = {
        "id": value.public_id,
        "created_by": value.owner_id,
        "created_at": timestamp(value.created_at_ms),
        "password": value.password,
        "waiting_room": value.waiting_room,
    }
    guest_access = settings_of(value).get(GUEST_ACCESS)
    if isinstance(guest_access, str):
        out["guest_access"] = guest_access
    return out


def event_info(event: RoomEvent, value: Room) -> dict[str, Any]:
    return {
        "id": event.public_id,
        "room_id": value.public_id,
        "title": event.title or "",
        "is_adhoc": event.is_adhoc,
        "e2e_encryption": bool(settings_of(value).get(E2E, False)),
        "password_required": value.password is not None,
    }


def stream_fields(body: StreamingTargetBody) -> dict[str, Any]:
    return {
        "kind": body.kind,
        "title": body.name,
        "endpoint_url": body.streaming_endpoint,
        "stream_key": body.streaming_key,
        "public_url": body.public_url,
    }


def stream_changes(body: StreamingTargetPatch) -> dict[str, Any]:
    values = {
        "kind": body.kind,
        "title": body.name,
        "endpoint_url": body.streaming_endpoint,
        "stream_key": body.streaming_key,
        "public_url": body.public_url,
    }
    return {name: value for name, value in values.items() if value is not None}


def streaming_target(stream: LiveStream) -> dict[str, Any]:
    return {
        "id": stream.public_id,
        "name": stream.title or "",
        "kind": stream.kind or STREAM_KIND,
        "streaming_endpoint": stream.endpoint_url or "",
        "streaming_key": stream.stream_key or "",
        "public_url": stream.public_url or "",
    }
