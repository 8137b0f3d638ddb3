"""Rooms, events, invites and assets for the asset tests: rooms through the API, events and invites as their
areas store them, assets through the control plane (as a recorder's upload would leave them)."""

from __future__ import annotations

import base64
from typing import Any

import httpx
from sqlalchemy import select

from omnimeet.domain import tables
from omnimeet.platform.web import PrefixDispatcher
from tests.vendors.opentalk.support import NOW

CONTROL_ROOMS = "/_omnimeet/vendors/opentalk/rooms"


async def create_room(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.post("/rooms", json={"password": None, "enable_sip": False})
    assert response.status_code == 201, response.text
    room: dict[str, Any] = response.json()
    return room


async def add_asset(
    control: httpx.AsyncClient, room_id: str, data: bytes, filename: str = "notes.pdf", **fields: Any
) -> dict[str, Any]:
    body = {"filename": filename, "content_base64": base64.b64encode(data).decode(), **fields}
    response = await control.post(f"{CONTROL_ROOMS}/{room_id}/assets", json=body)
    assert response.status_code == 201, response.text
    asset: dict[str, Any] = response.json()
    return asset


def hold_event(app: PrefixDispatcher, room_id: str, title: str = "Planning") -> str:
    """Puts an event into the room (as creating an event does); returns the event's id."""
    ctx = app.state.ctx
    event_id = ctx.ids.uuid4()
    rooms = tables.ROOMS
    with ctx.db.transaction() as tx:
        row = tx.fetch_one(select(rooms.c.seq, rooms.c.tenant_id).where(rooms.c.public_id == room_id))
        assert row is not None
        values = {
            "tenant_id": row[1], "room_seq": row[0], "public_id": event_id, "title": title,
            "is_all_day": False, "status": "ok", "created_at_ms": NOW, "updated_at_ms": NOW, "settings": "{}",
            "is_adhoc": False, "is_time_independent": True,
        }  # fmt: skip
        tx.insert(tables.SCHEDULED_EVENTS, values)
    return event_id


def invite(app: PrefixDispatcher, event_id: str, invitee: str, status: str = "pending") -> None:
    """Invites a user to the event (as the event invite API does)."""
    ctx = app.state.ctx
    events = tables.SCHEDULED_EVENTS
    with ctx.db.transaction() as tx:
        row = tx.fetch_one(select(events.c.seq, events.c.tenant_id).where(events.c.public_id == event_id))
        assert row is not None
        values = {
            "tenant_id": row[1], "event_seq": row[0], "invitee_ref": invitee, "role": "user",
            "status": status, "created_at_ms": NOW, "updated_at_ms": NOW,
        }  # fmt: skip
        tx.insert(tables.INVITES, values)
