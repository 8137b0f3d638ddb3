"""Helpers of the OpenTalk rooms tests: creating rooms over HTTP, and putting events, invitations, invite
codes and assets beside them (as the event, invite and upload areas do)."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from omnimeet.domain import tables
from omnimeet.domain.assets import AssetService
from omnimeet.domain.invite_codes import InviteCodeService
from omnimeet.domain.rooms import Room
from omnimeet.platform.web import PrefixDispatcher
from tests.vendors.opentalk.support import NOW, error

UNKNOWN = "00000000-0000-4000-8000-000000000000"
INVALID_JSON = error("invalid_json", "Payload is not valid json")


def validation(*entries: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": "validation_failed",
        "message": "Some provided values are invalid",
        "errors": list(entries),
    }


async def create(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await client.post("/rooms", json={"password": None, "enable_sip": False, **body})
    assert response.status_code == 201, response.text
    room: dict[str, Any] = response.json()
    return room


async def user_id(client: httpx.AsyncClient) -> str:
    """The caller's user id (the ``created_by`` of a room they create)."""
    return str((await create(client))["created_by"])


def hold_event(app: PrefixDispatcher, room_id: str, title: str = "Planning", *, adhoc: bool = False) -> str:
    """Puts an event into the room (as creating an event does); returns the event's id."""
    ctx = app.state.ctx
    event_id = ctx.ids.uuid4()
    rooms = tables.ROOMS
    with ctx.db.transaction() as tx:
        row = tx.fetch_one(select(rooms.c.seq, rooms.c.tenant_id).where(rooms.c.public_id == room_id))
        assert row is not None
        tx.insert(
            tables.SCHEDULED_EVENTS,
            {
                "tenant_id": row[1],
                "room_seq": row[0],
                "public_id": event_id,
                "title": title,
                "is_all_day": False,
                "status": "ok",
                "created_at_ms": NOW,
                "updated_at_ms": NOW,
                "settings": "{}",
                "is_adhoc": adhoc,
                "is_time_independent": True,
            },
        )
    return event_id


def invite(
    app: PrefixDispatcher,
    event_id: str,
    invitee: str | None,
    status: str = "pending",
    email: str | None = None,
) -> None:
    """Invites a user to the event (as the event invite API does)."""
    ctx = app.state.ctx
    events = tables.SCHEDULED_EVENTS
    with ctx.db.transaction() as tx:
        row = tx.fetch_one(select(events.c.seq, events.c.tenant_id).where(events.c.public_id == event_id))
        assert row is not None
        tx.insert(
            tables.INVITES,
            {
                "tenant_id": row[1],
                "event_seq": row[0],
                "invitee_ref": invitee,
                "email": email,
                "role": "participant",
                "status": status,
                "created_at_ms": NOW,
                "updated_at_ms": NOW,
            },
        )


def dial_in_of(app: PrefixDispatcher, room_id: str) -> tuple[str, str, bool] | None:
    rooms, dial_ins = tables.ROOMS, tables.ROOM_DIAL_INS
    stmt = (
        select(dial_ins.c.dial_in_id, dial_ins.c.pin, dial_ins.c.lobby)
        .select_from(dial_ins.join(rooms, rooms.c.seq == dial_ins.c.room_seq))
        .where(rooms.c.public_id == room_id)
    )
    with app.state.ctx.db.transaction(write=False) as tx:
        row = tx.fetch_one(stmt)
    return None if row is None else (str(row[0]), str(row[1]), bool(row[2]))


def add_asset(app: PrefixDispatcher, room_id: str) -> str:
    """A recording of the room (as the upload socket stores one); returns the asset's id."""
    ctx = app.state.ctx
    rooms = tables.ROOMS
    asset_id = ctx.ids.uuid4()
    with ctx.db.transaction() as tx:
        row = tx.fetch_one(select(rooms.c.tenant_id).where(rooms.c.public_id == room_id))
        assert row is not None
        AssetService(ctx.clock).add(
            tx, row[0], "opentalk", asset_id, b"webm", owner_ref=room_id, filename="r.webm", kind="recording"
        )
    return asset_id


def invite_code(app: PrefixDispatcher, room_id: str, *, expires_at_ms: int | None = None) -> str:
    """An invite code of the room (as POST /rooms/{id}/invites makes)."""
    ctx = app.state.ctx
    rooms = tables.ROOMS
    with ctx.db.transaction() as tx:
        row = tx.fetch_one(select(rooms).where(rooms.c.public_id == room_id))
        assert row is not None
        room = Room.from_row(row)
        code = InviteCodeService(ctx.clock, ctx.ids).create(tx, room, room.owner_id or "", expires_at_ms)
    return code.code
