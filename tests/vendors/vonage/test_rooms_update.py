"""Vonage PATCH /rooms/{room_id}: long_term rooms change through ``update_details`` (the spec, the Python SDK)
or ``update_options`` (the Node SDK); instant rooms cannot; every error text. Also a room's expiry while
people are in it."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import httpx
import pytest

from omnimeet.domain.meeting_records import RoomKey, lock_room
from omnimeet.domain.tables import ROOMS
from omnimeet.platform.web import PrefixDispatcher
from omnimeet.vendors.vonage.auth import API
from tests.vendors.vonage.rooms_support import (
    DEFAULT_FEATURES,
    INSTANT_EXPIRY_ISO,
    LATER_ISO,
    advance,
    control,
    create_long_term,
    create_room,
    expected_room,
    make_theme,
)
from tests.vendors.vonage.support import CONTROL, MINUTE_MS, assert_answer, error

pytestmark = pytest.mark.anyio

NO_FEATURES = {"is_recording_available": False, "is_chat_available": False, "is_whiteboard_available": False}


def invalid(message: str) -> dict[str, Any]:
    return error(400, "InputValidationError", message)


def long_term(room: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "display_name": "test_long_term_room",
        "type": "long_term",
        "expires_at": LATER_ISO,
    }
    return expected_room(room, **{**fields, **overrides})


async def patch(client: httpx.AsyncClient, room: dict[str, Any], **details: Any) -> dict[str, Any]:
    response = await client.patch(f"/rooms/{room['id']}", json={"update_details": details})
    assert response.status_code == 200, response.text
    updated: dict[str, Any] = response.json()
    return updated


@pytest.fixture
async def room(vonage: httpx.AsyncClient) -> dict[str, Any]:
    return await create_long_term(vonage, display_name="test_long_term_room")


# --- changes ---------------------------------------------------------------------------------------------


async def test_update_details(vonage: httpx.AsyncClient, room: dict[str, Any]) -> None:
    response = await vonage.patch(
        f"/rooms/{room['id']}", json={"update_details": {"available_features": NO_FEATURES}}
    )
    expected = long_term(room, available_features={**DEFAULT_FEATURES, **NO_FEATURES})
    assert_answer(response, 200, expected)
    assert_answer(await vonage.get(f"/rooms/{room['id']}"), 200, expected)


async def test_update_options_as_the_node_sdk_sends_them(
    vonage: httpx.AsyncClient, room: dict[str, Any]
) -> None:
    body = {
        "update_options": {
            "display_name": "renamed",  # not updatable: ignored
            "type": "instant",  # idem
            "metadata": "m",  # idem
            "expire_after_use": True,
            "join_approval_level": "after_owner_only",
        }
    }
    response = await vonage.patch(f"/rooms/{room['id']}", json=body)
    assert_answer(
        response, 200, long_term(room, expire_after_use=True, join_approval_level="after_owner_only")
    )


async def test_update_details_wins_over_update_options(
    vonage: httpx.AsyncClient, room: dict[str, Any]
) -> None:
    body = {"update_details": {"join_approval_level": "none"}, "update_options": {"expire_after_use": True}}
    assert_answer(await vonage.patch(f"/rooms/{room['id']}", json=body), 200, long_term(room))


async def test_every_updatable_field(
    app: PrefixDispatcher, vonage: httpx.AsyncClient, room: dict[str, Any]
) -> None:
    theme_id = await make_theme(app, "brand", short_company_url="updated_company_url")
    updated = await patch(
        vonage,
        room,
        expires_at="2027-06-01T12:00:00.250Z",
        expire_after_use=True,
        theme_id=theme_id,
        join_approval_level="explicit_approval",
        callback_urls={"rooms_callback_url": "https://example.com/rooms"},
        available_features={"is_whiteboard_available": False},
        initial_join_options={"microphone_state": "on"},
    )
    expected = long_term(
        room,
        short_url="updated_company_url",
        expires_at="2027-06-01T12:00:00.250Z",
        expire_after_use=True,
        theme_id=theme_id,
        join_approval_level="explicit_approval",
        callback_urls={"rooms_callback_url": "https://example.com/rooms"},
        available_features={**DEFAULT_FEATURES, "is_whiteboard_available": False},
        initial_join_options={"microphone_state": "on"},
    )
    assert updated == expected
    assert_answer(await vonage.get(f"/rooms/{room['id']}"), 200, expected)


async def test_objects_are_merged_key_by_key(vonage: httpx.AsyncClient, room: dict[str, Any]) -> None:
    await patch(vonage, room, callback_urls={"rooms_callback_url": "https://example.com/r"})
    updated = await patch(vonage, room, callback_urls={"sessions_callback_url": "https://example.com/s"})
    assert updated["callback_urls"] == {
        "rooms_callback_url": "https://example.com/r",
        "sessions_callback_url": "https://example.com/s",
    }
    updated = await patch(
        vonage, room, callback_urls={"rooms_callback_url": None, "sessions_callback_url": None}
    )
    assert "callback_urls" not in updated
    await patch(vonage, room, available_features={"is_chat_available": False})
    updated = await patch(vonage, room, available_features={"is_recording_available": False})
    assert updated["available_features"] == {
        **DEFAULT_FEATURES,
        "is_chat_available": False,
        "is_recording_available": False,
    }


async def test_theme_set_and_removed(
    app: PrefixDispatcher, vonage: httpx.AsyncClient, room: dict[str, Any]
) -> None:
    theme_id = await make_theme(app, "brand", short_company_url="acme")
    updated = await patch(vonage, room, theme_id=theme_id)
    assert updated == long_term(room, short_url="acme", theme_id=theme_id)
    updated = await patch(vonage, room, theme_id=None)
    assert updated == long_term(room)


async def test_a_patch_that_changes_nothing_answers_the_room(
    vonage: httpx.AsyncClient, room: dict[str, Any]
) -> None:
    assert await patch(vonage, room, expire_after_use=False) == long_term(room)


async def test_through_the_beta_base(
    app: PrefixDispatcher, vonage: httpx.AsyncClient, room: dict[str, Any]
) -> None:
    async with control(app) as client:
        url = f"{CONTROL.removesuffix('/_omnimeet')}/vonage/beta/meetings/rooms/{room['id']}"
        response = await client.patch(
            url, json={"update_details": {"expire_after_use": True}}, headers=vonage.headers
        )
    assert_answer(response, 200, long_term(room, expire_after_use=True))


# --- refusals --------------------------------------------------------------------------------------------


async def test_an_instant_room_cannot_be_updated(vonage: httpx.AsyncClient) -> None:
    instant = await create_room(vonage)
    for key in ("update_details", "update_options"):
        response = await vonage.patch(f"/rooms/{instant['id']}", json={key: {"expire_after_use": True}})
        message = f"The room with id: {instant['id']} could not be updated because of its type: temporary"
        assert_answer(response, 400, error(400, "BadRequestError", message))
    assert_answer(await vonage.get(f"/rooms/{instant['id']}"), 200, instant)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"update_details": {}}, '"update_details" must have at least 1 key'),
        ({"update_options": {}}, '"update_options" must have at least 1 key'),
        ({"update_options": {"display_name": "x"}}, '"update_options" must have at least 1 key'),
        ({}, '"update_details" is required'),
        ({"update_details": None}, '"update_details" is required'),
        ({"update_details": "x"}, '"update_details" must be of type object'),
        (
            {"update_details": {"expire_after_use": "x"}},
            '"update_details.expire_after_use" must be a boolean',
        ),
        ({"update_details": {"expires_at": "soon"}}, '"update_details.expires_at" must be a valid date'),
        (
            {"update_details": {"join_approval_level": "all"}},
            '"update_details.join_approval_level" must be one of [none, after_owner_only, explicit_approval]',
        ),
        (
            {"update_options": {"initial_join_options": {"microphone_state": "mute"}}},
            '"update_options.initial_join_options.microphone_state" must be one of [on, off, default]',
        ),
        (
            {"update_details": {"available_features": {"is_chat_available": 3}}},
            '"update_details.available_features.is_chat_available" must be a boolean',
        ),
        (
            {"update_details": {"callback_urls": {"sessions_callback_url": "example.com"}}},
            '"update_details.callback_urls.sessions_callback_url" with value "example.com" fails to match '
            "the required pattern: /^https?:\\/\\/.*$/",
        ),
        ({"update_details": {"theme_id": 5}}, '"update_details.theme_id" must be a string'),
        (
            {"update_details": {"expires_at": "2026-12-01T08:59:59.999Z"}},
            '"update_details.expires_at" must be greater than "now"',
        ),
        (
            {"update_details": {"expires_at": "2027-12-01T09:00:00.001Z"}},
            '"update_details.expires_at" must be less than or equal to "2027-12-01T09:00:00.000Z"',
        ),
    ],
)
async def test_invalid_changes(
    vonage: httpx.AsyncClient, room: dict[str, Any], body: dict[str, Any], message: str
) -> None:
    assert_answer(await vonage.patch(f"/rooms/{room['id']}", json=body), 400, invalid(message))
    assert_answer(await vonage.get(f"/rooms/{room['id']}"), 200, room)


async def test_validation_comes_before_the_room_lookup(vonage: httpx.AsyncClient) -> None:
    response = await vonage.patch("/rooms/b3142c46-d1c1-4405-baa6-85683827ed69", json={"update_details": {}})
    assert_answer(response, 400, invalid('"update_details" must have at least 1 key'))
    past = {"update_options": {"expires_at": "2020-01-01T00:00:00Z"}}
    response = await vonage.patch("/rooms/b3142c46-d1c1-4405-baa6-85683827ed69", json=past)
    assert_answer(response, 400, invalid('"update_options.expires_at" must be greater than "now"'))
    instant = await create_room(vonage)
    response = await vonage.patch(f"/rooms/{instant['id']}", json=past)
    assert_answer(response, 400, invalid('"update_options.expires_at" must be greater than "now"'))


@pytest.mark.parametrize("room_id", ["b3142c46-d1c1-4405-baa6-85683827ed69", "nope"])
async def test_an_unknown_room(vonage: httpx.AsyncClient, room_id: str) -> None:
    response = await vonage.patch(f"/rooms/{room_id}", json={"update_details": {"expire_after_use": True}})
    assert_answer(response, 404, error(404, "NotFoundError", f"Room {room_id} was not found"))


@pytest.mark.parametrize("theme_id", ["90a21428-b74a-4221-adc3-783935d654dc", "not-a-uuid"])
async def test_an_unknown_theme(vonage: httpx.AsyncClient, room: dict[str, Any], theme_id: str) -> None:
    response = await vonage.patch(f"/rooms/{room['id']}", json={"update_details": {"theme_id": theme_id}})
    message = f"Failed to update room because theme id {theme_id} not found"
    assert_answer(response, 400, error(400, "BadRequestError", message))


# --- expiry ----------------------------------------------------------------------------------------------


async def test_a_new_expiry_is_the_one_that_counts(
    app: PrefixDispatcher, vonage: httpx.AsyncClient, room: dict[str, Any]
) -> None:
    updated = await patch(vonage, room, expires_at="2026-12-01T10:00:00Z")
    assert updated["expires_at"] == "2026-12-01T10:00:00.000Z"
    await advance(app, 60 * MINUTE_MS - 1)
    assert (await vonage.get(f"/rooms/{room['id']}")).json()["is_available"] is True
    await advance(app, 1)
    assert_answer(await vonage.get(f"/rooms/{room['id']}"), 200, {**updated, "is_available": False})


async def test_an_occupied_instant_room_keeps_its_announced_expiry(
    app: PrefixDispatcher, vonage: httpx.AsyncClient
) -> None:
    room = await create_room(vonage)
    async with control(app) as client:
        joined = await client.post(
            f"{CONTROL}/vendors/vonage/rooms/{room['id']}/participants", json={"name": "Ann"}
        )
        assert joined.status_code == 201, joined.text
        await advance(app, 30 * MINUTE_MS)
        # Still open while Ann is in it, showing the expiry it announced.
        assert_answer(await vonage.get(f"/rooms/{room['id']}"), 200, room)
        assert room["expires_at"] == INSTANT_EXPIRY_ISO
        left = await client.delete(
            f"{CONTROL}/vendors/vonage/rooms/{room['id']}/participants/{joined.json()['id']}"
        )
        assert left.status_code == 200, left.text
    # Ten minutes after the last one leaves.
    after_leaving = {**room, "expires_at": "2026-12-01T09:40:00.000Z"}
    assert_answer(await vonage.get(f"/rooms/{room['id']}"), 200, after_leaving)
    await advance(app, 10 * MINUTE_MS)
    assert_answer(await vonage.get(f"/rooms/{room['id']}"), 200, {**after_leaving, "is_available": False})


async def test_a_patch_waits_for_a_concurrent_change(
    app: PrefixDispatcher, vonage: httpx.AsyncClient, room: dict[str, Any]
) -> None:
    """Another unit of work changing the room's settings holds the room's lock: the PATCH waits for it and
    changes the settings as they are then (on PostgreSQL, without the lock, one change would be lost)."""
    ctx = app.state.ctx
    changed = threading.Event()

    def concurrent() -> None:
        with ctx.db.transaction() as tx:
            stored = lock_room(tx, RoomKey(API, room["id"]))
            settings = json.loads(stored.settings)
            settings["join_approval_level"] = "explicit_approval"
            tx.update(ROOMS, {"seq": stored.seq}, {"settings": json.dumps(settings)})
            changed.set()
            time.sleep(0.3)  # holds the lock while the request tries

    thread = threading.Thread(target=concurrent)
    thread.start()
    assert changed.wait(10)
    updated = await patch(vonage, room, expire_after_use=True)
    thread.join(30)
    assert updated == long_term(room, expire_after_use=True, join_approval_level="explicit_approval")
