"""OpenTalk ``GET /rooms/{room_id}/event`` over HTTP: the event held in a room, for its owner, invitees and
guests with an invite code of that room; and a room made through the event API."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from omnimeet.domain import tables
from omnimeet.platform.web import PrefixDispatcher
from omnimeet.vendors.opentalk.guest_auth import INVALID_INVITE
from tests.vendors.opentalk.conftest import MakeClient
from tests.vendors.opentalk.room_support import UNKNOWN, create, hold_event, invite, invite_code, user_id
from tests.vendors.opentalk.support import (
    BAD_REQUEST,
    FORBIDDEN,
    NOT_FOUND,
    assert_error,
    assert_unauthorized,
)

pytestmark = pytest.mark.anyio


# --- the room's event ---------------------------------------------------------------------------------------


async def test_event_of_a_room_summarises_it(app: PrefixDispatcher, ot: httpx.AsyncClient) -> None:
    room = await create(ot, password="pw")
    event_id = hold_event(app, room["id"], "Weekly sync", adhoc=True)
    response = await ot.get(f"/rooms/{room['id']}/event")
    assert (response.status_code, response.headers["content-type"]) == (200, "application/json")
    assert response.json() == {
        "id": event_id,
        "room_id": room["id"],
        "title": "Weekly sync",
        "is_adhoc": True,
        "e2e_encryption": False,
        "password_required": True,
    }


async def test_an_invitee_reads_the_rooms_event(
    app: PrefixDispatcher, ot: httpx.AsyncClient, ot_bob: httpx.AsyncClient
) -> None:
    room = await create(ot)
    event_id = hold_event(app, room["id"])
    invite(app, event_id, await user_id(ot_bob))
    response = await ot_bob.get(f"/rooms/{room['id']}/event")
    assert response.json() == {
        "id": event_id,
        "room_id": room["id"],
        "title": "Planning",
        "is_adhoc": False,
        "e2e_encryption": False,
        "password_required": False,
    }


async def test_a_room_without_an_event_has_none(ot: httpx.AsyncClient) -> None:
    room = await create(ot)
    assert_error(await ot.get(f"/rooms/{room['id']}/event"), 404, NOT_FOUND)
    assert_error(await ot.get(f"/rooms/{UNKNOWN}/event"), 403, FORBIDDEN)
    assert_error(await ot.get("/rooms/nope/event"), 400, BAD_REQUEST)


async def test_a_guest_with_an_invite_code_reads_the_event(
    app: PrefixDispatcher, ot: httpx.AsyncClient, ot_for: MakeClient
) -> None:
    room = await create(ot, password="pw")
    event_id = hold_event(app, room["id"], "Town hall")
    guest = ot_for(app, bearer=None)
    code = invite_code(app, room["id"])
    for header in (f"InviteCode {code}", f"Bearer {code}"):
        response = await guest.get(f"/rooms/{room['id']}/event", headers={"Authorization": header})
        assert (response.status_code, response.json()) == (
            200,
            {
                "id": event_id,
                "room_id": room["id"],
                "title": "Town hall",
                "is_adhoc": False,
                "e2e_encryption": False,
                "password_required": True,
            },
        )


async def test_a_guest_sees_only_the_codes_room(
    app: PrefixDispatcher, ot: httpx.AsyncClient, ot_for: MakeClient
) -> None:
    room, other = await create(ot), await create(ot)
    hold_event(app, room["id"])
    hold_event(app, other["id"])
    guest = ot_for(app, bearer=None)
    headers = {"Authorization": f"InviteCode {invite_code(app, room['id'])}"}
    assert_error(await guest.get(f"/rooms/{other['id']}/event", headers=headers), 403, FORBIDDEN)
    assert_unauthorized(await guest.get(f"/rooms/{room['id']}", headers=headers))


async def test_an_unknown_invite_code_is_refused(
    app: PrefixDispatcher, ot: httpx.AsyncClient, ot_for: MakeClient
) -> None:
    room = await create(ot)
    hold_event(app, room["id"])
    guest = ot_for(app, bearer=None)
    response = await guest.get(
        f"/rooms/{room['id']}/event", headers={"Authorization": f"InviteCode {UNKNOWN}"}
    )
    assert_unauthorized(response, INVALID_INVITE)


async def test_through_the_event_api(
    app: PrefixDispatcher, ot: httpx.AsyncClient, ot_bob: httpx.AsyncClient
) -> None:
    """An event made through POST /events has its room; inviting Bob lets him list and read it; deleting the
    room deletes the event."""
    bob_id = await user_id(ot_bob)
    created = await ot.post(
        "/events",
        json={"title": "Sometime", "description": "", "is_time_independent": True, "is_adhoc": True},
    )
    assert created.status_code == 201
    event = created.json()
    room_id = event["room"]["id"]
    room = (await ot.get(f"/rooms/{room_id}")).json()
    assert (room["id"], room["password"], room["waiting_room"]) == (room_id, None, False)
    assert_error(await ot_bob.get(f"/rooms/{room_id}/event"), 403, FORBIDDEN)
    assert (await ot.post(f"/events/{event['id']}/invites", json={"invitee": bob_id})).status_code == 201
    assert [r["id"] for r in (await ot_bob.get("/rooms")).json()][1:] == [room_id]
    info = await ot_bob.get(f"/rooms/{room_id}/event")
    assert (info.status_code, info.json()) == (
        200,
        {
            "id": event["id"],
            "room_id": room_id,
            "title": "Sometime",
            "is_adhoc": True,
            "e2e_encryption": False,
            "password_required": False,
        },
    )
    assert (await ot.delete(f"/rooms/{room_id}")).status_code == 204
    events = tables.SCHEDULED_EVENTS
    with app.state.ctx.db.transaction(write=False) as tx:
        assert tx.fetch_one(select(events.c.seq).where(events.c.public_id == event["id"])) is None
