"""Vonage room expiry on the virtual clock: instant rooms ten minutes after creation when nobody joins and ten
minutes after the last participant leaves; long_term rooms at their expires_at, or ten minutes after use with
expire_after_use (never past expires_at); an expired room takes no new session and nobody."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.platform.receiver import running_receiver
from tests.vendors.vonage.recordings_support import (
    SIMULATE,
    advance_clock,
    control,
    create_room,
    flush,
    join,
    leave,
    start_session,
)
from tests.vendors.vonage.support import NOW_ISO

pytestmark = pytest.mark.anyio

MINUTE = 60_000
HOUR_LATER = "2026-12-01T10:00:00.000Z"


async def available(vonage: httpx.AsyncClient, room_id: str) -> bool:
    response = await vonage.get(f"/rooms/{room_id}")
    assert response.status_code == 200, response.text
    value: bool = response.json()["is_available"]
    return value


async def state(client: httpx.AsyncClient, room_id: str) -> dict[str, Any]:
    found: dict[str, Any] = await control(client, "GET", f"/rooms/{room_id}")
    return found


async def test_an_instant_room_nobody_joins_expires_after_ten_minutes(
    vonage: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    with running_receiver() as receiver:
        room = await create_room(vonage, callback_urls={"rooms_callback_url": receiver.url})
        await advance_clock(client, 10 * MINUTE - 1)
        assert await available(vonage, room["id"])
        await advance_clock(client, 1)
        assert not await available(vonage, room["id"])
        assert (await state(client, room["id"]))["room"]["expired"] is True
        await flush(client)
        [expired] = receiver.received()
    assert expired.json() == {
        "event": "room:expired",
        "room_id": room["id"],
        "room_type": "instant",
        "expires_at": "2026-12-01T09:10:00.000Z",
        "created_at": NOW_ISO,
    }


async def test_an_instant_room_expires_ten_minutes_after_the_last_leave(
    vonage: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    room = await create_room(vonage)
    alice = await join(client, room["id"], "Alice")
    bob = await join(client, room["id"], "Bob")
    await advance_clock(client, 30 * MINUTE)  # in use: no expiry
    assert await available(vonage, room["id"])
    await leave(client, room["id"], alice["id"])
    await advance_clock(client, 20 * MINUTE)
    assert await available(vonage, room["id"])  # Bob is still there
    await leave(client, room["id"], bob["id"])
    assert (await state(client, room["id"]))["room"]["expires_at"] == "2026-12-01T10:00:00.000Z"
    await advance_clock(client, 10 * MINUTE - 1)
    carol = await join(client, room["id"], "Carol")  # back in time: the expiry is cleared
    await advance_clock(client, 30 * MINUTE)
    assert await available(vonage, room["id"])
    await leave(client, room["id"], carol["id"])
    await advance_clock(client, 10 * MINUTE)
    assert not await available(vonage, room["id"])


async def test_an_expired_room_takes_no_session_and_nobody(
    vonage: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    room = await create_room(vonage)
    await advance_clock(client, 10 * MINUTE)
    for path, body in (
        (f"/rooms/{room['id']}/session", None),
        (f"/rooms/{room['id']}/participants", {"name": "A"}),
    ):
        response = await client.post(f"{SIMULATE}{path}", json=body)
        assert response.status_code == 409, response.text


async def test_a_long_term_room_lasts_until_its_expires_at(
    vonage: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    room = await create_room(vonage, type="long_term", expires_at=HOUR_LATER)
    alice = await join(client, room["id"], "Alice")
    await leave(client, room["id"], alice["id"])
    await advance_clock(client, 60 * MINUTE - 1)
    assert await available(vonage, room["id"])  # no expiry after use
    await advance_clock(client, 1)
    assert not await available(vonage, room["id"])


async def test_a_long_term_room_with_expire_after_use(
    vonage: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    room = await create_room(vonage, type="long_term", expires_at=HOUR_LATER, expire_after_use=True)
    await advance_clock(client, 20 * MINUTE)
    assert await available(vonage, room["id"])  # unused: not ten minutes after creation
    alice = await join(client, room["id"], "Alice")
    assert (await state(client, room["id"]))["room"]["expires_at"] == HOUR_LATER  # the limit stays
    await leave(client, room["id"], alice["id"])
    await advance_clock(client, 10 * MINUTE - 1)
    assert await available(vonage, room["id"])
    await advance_clock(client, 1)
    assert not await available(vonage, room["id"])


async def test_expire_after_use_never_passes_expires_at(
    vonage: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    room = await create_room(vonage, type="long_term", expires_at=HOUR_LATER, expire_after_use=True)
    alice = await join(client, room["id"], "Alice")
    await advance_clock(client, 55 * MINUTE)
    await leave(client, room["id"], alice["id"])
    assert (await state(client, room["id"]))["room"]["expires_at"] == HOUR_LATER
    await advance_clock(client, 5 * MINUTE)
    assert not await available(vonage, room["id"])


async def test_a_session_in_use_ends_when_the_long_term_room_expires(
    vonage: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    room = await create_room(vonage, type="long_term", expires_at=HOUR_LATER, expire_after_use=True)
    await start_session(client, room["id"])
    await join(client, room["id"], "Alice")
    await advance_clock(client, 60 * MINUTE)
    found = await state(client, room["id"])
    assert (found["room"]["expired"], found["session"], found["participants"]) == (True, None, [])
