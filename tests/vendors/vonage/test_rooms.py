"""Vonage rooms: create (both types, every field, every validation error), read, other applications, expiry
on the virtual clock."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import pytest

from omnimeet.platform.web import PrefixDispatcher
from omnimeet.vendors.vonage.auth import API
from omnimeet.vendors.vonage.mapping import token_key
from tests.vendors.vonage.conftest import MakeClient
from tests.vendors.vonage.rooms_support import (
    DEFAULT_FEATURES,
    LATER_ISO,
    advance,
    assert_well_formed,
    control,
    create_long_term,
    create_room,
    expected_room,
    host_token,
    make_theme,
    set_default_theme,
)
from tests.vendors.vonage.support import APP_A, APP_B, BETA_URL, CONTROL, MINUTE_MS, NOW, assert_answer, error

pytestmark = pytest.mark.anyio


def invalid(message: str) -> dict[str, Any]:
    return error(400, "InputValidationError", message)


def room_not_found(room_id: str) -> dict[str, Any]:
    return error(404, "NotFoundError", f"Room {room_id} was not found")


# --- create ----------------------------------------------------------------------------------------------


async def test_create_an_instant_room(vonage: httpx.AsyncClient) -> None:
    response = await vonage.post("/rooms", json={"display_name": "my_test_room"})
    assert response.status_code == 201, response.text
    room = response.json()
    assert_well_formed(room)
    assert room == expected_room(room)
    assert list(room) == list(expected_room(room))  # the recorded key order


async def test_create_a_long_term_room(vonage: httpx.AsyncClient) -> None:
    body = {
        "display_name": "test_long_term_room",
        "type": "long_term",
        "expires_at": "2027-01-30T00:47:04+0000",
    }
    response = await vonage.post("/rooms", json=body)
    assert response.status_code == 201, response.text
    room = response.json()
    assert_well_formed(room)
    assert room == expected_room(
        room, display_name="test_long_term_room", type="long_term", expires_at=LATER_ISO
    )


async def test_create_with_every_field(vonage: httpx.AsyncClient) -> None:
    callback_urls = {
        "rooms_callback_url": "https://example.com/rooms",
        "sessions_callback_url": "http://example.com/sessions",
        "recordings_callback_url": "https://example.com/recordings",
    }
    room = await create_room(
        vonage,
        display_name="Board meeting",
        metadata="quarterly",
        type="long_term",
        expires_at="2027-01-30T00:47:04.000Z",
        recording_options={"auto_record": True, "record_only_owner": True},
        expire_after_use=True,
        join_approval_level="explicit_approval",
        initial_join_options={"microphone_state": "off"},
        callback_urls=callback_urls,
        available_features={"is_chat_available": False, "is_captions_available": True},
        ui_settings={"language": "es"},
        unknown_key="ignored",
    )
    assert room == expected_room(
        room,
        display_name="Board meeting",
        metadata="quarterly",
        type="long_term",
        expires_at=LATER_ISO,
        recording_options={"auto_record": True, "record_only_owner": True},
        expire_after_use=True,
        join_approval_level="explicit_approval",
        initial_join_options={"microphone_state": "off"},
        ui_settings={"language": "es"},
        available_features={**DEFAULT_FEATURES, "is_chat_available": False, "is_captions_available": True},
        callback_urls=callback_urls,
    )


async def test_some_callback_urls(vonage: httpx.AsyncClient) -> None:
    room = await create_room(vonage, callback_urls={"sessions_callback_url": "https://example.com/s"})
    assert room["callback_urls"] == {"sessions_callback_url": "https://example.com/s"}
    room = await create_room(vonage, callback_urls={})
    assert "callback_urls" not in room


@pytest.mark.parametrize(
    ("expires_at", "answered"),
    [
        ("2027-01-30T00:47:04.123456Z", "2027-01-30T00:47:04.123Z"),
        ("2027-01-30T02:47:04+02:00", "2027-01-30T00:47:04.000Z"),
        ("2027-01-30T00:47:04", "2027-01-30T00:47:04.000Z"),
        ("2027-01-30", "2027-01-30T00:00:00.000Z"),
        ("2027-12-01T09:00:00.000Z", "2027-12-01T09:00:00.000Z"),  # exactly a year ahead
        ("2026-12-01T09:00:00.001Z", "2026-12-01T09:00:00.001Z"),
    ],
)
async def test_long_term_expiry_formats(vonage: httpx.AsyncClient, expires_at: str, answered: str) -> None:
    room = await create_room(vonage, type="long_term", expires_at=expires_at)
    assert room["expires_at"] == answered


async def test_each_room_gets_its_own_ids(vonage: httpx.AsyncClient) -> None:
    first = await create_room(vonage)
    second = await create_room(vonage)
    assert first["id"] != second["id"]
    assert first["meeting_code"] != second["meeting_code"]
    assert first["_links"] != second["_links"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, '"display_name" is required'),
        ({"display_name": ""}, '"display_name" is not allowed to be empty'),
        ({"display_name": 5}, '"display_name" must be a string'),
        ({"display_name": None}, '"display_name" must be a string'),
        (
            {"display_name": "x" * 201},
            '"display_name" length must be less than or equal to 200 characters long',
        ),
        ({"display_name": "a\x00b"}, '"display_name" must not contain null characters'),
        ({"metadata": "m" * 501}, '"metadata" length must be less than or equal to 500 characters long'),
        ({"type": "weekly"}, '"type" must be one of [instant, long_term]'),
        ({"expires_at": LATER_ISO}, '"expires_at" is not allowed'),
        ({"type": "instant", "expires_at": LATER_ISO}, '"expires_at" is not allowed'),
        ({"type": "long_term"}, '"expires_at" is required'),
        ({"type": "long_term", "expires_at": None}, '"expires_at" is required'),
        ({"type": "long_term", "expires_at": "tomorrow"}, '"expires_at" must be a valid date'),
        ({"type": "long_term", "expires_at": 5}, '"expires_at" must be a string'),
        (
            {"type": "long_term", "expires_at": "2026-12-01T09:00:00.000Z"},
            '"expires_at" must be greater than "now"',
        ),
        (
            {"type": "long_term", "expires_at": "2020-01-01T00:00:00Z"},
            '"expires_at" must be greater than "now"',
        ),
        (
            {"type": "long_term", "expires_at": "2027-12-01T09:00:00.001Z"},
            '"expires_at" must be less than or equal to "2027-12-01T09:00:00.000Z"',
        ),
        ({"expire_after_use": "often"}, '"expire_after_use" must be a boolean'),
        # Joi's boolean() takes no numbers (pydantic's lax mode would read 0 and 1).
        ({"expire_after_use": 0}, '"expire_after_use" must be a boolean'),
        ({"expire_after_use": "yes"}, '"expire_after_use" must be a boolean'),
        (
            {"recording_options": {"record_only_owner": 1}},
            '"recording_options.record_only_owner" must be a boolean',
        ),
        (
            {"available_features": {"is_captions_available": 0}},
            '"available_features.is_captions_available" must be a boolean',
        ),
        ({"recording_options": "yes"}, '"recording_options" must be of type object'),
        ({"recording_options": {"auto_record": "x"}}, '"recording_options.auto_record" must be a boolean'),
        (
            {"join_approval_level": "anyone"},
            '"join_approval_level" must be one of [none, after_owner_only, explicit_approval]',
        ),
        (
            {"initial_join_options": {"microphone_state": "loud"}},
            '"initial_join_options.microphone_state" must be one of [on, off, default]',
        ),
        (
            {"callback_urls": {"rooms_callback_url": "ftp://example.com"}},
            '"callback_urls.rooms_callback_url" with value "ftp://example.com" fails to match the required '
            "pattern: /^https?:\\/\\/.*$/",
        ),
        (
            {"available_features": {"is_chat_available": "maybe"}},
            '"available_features.is_chat_available" must be a boolean',
        ),
        (
            {"ui_settings": {"language": "fr"}},
            '"ui_settings.language" must be one of [default, en, he, es, pt, it]',
        ),
        ({"theme_id": 7}, '"theme_id" must be a string'),
    ],
)
async def test_invalid_bodies(vonage: httpx.AsyncClient, body: dict[str, Any], message: str) -> None:
    if body:
        body = {"display_name": "my_test_room", **body} if "display_name" not in body else body
    assert_answer(await vonage.post("/rooms", json=body), 400, invalid(message))


async def test_booleans_may_be_sent_as_text_in_any_case(vonage: httpx.AsyncClient) -> None:
    body = {
        "display_name": "x",
        "expire_after_use": "TRUE",
        "available_features": {"is_chat_available": "false"},
    }
    response = await vonage.post("/rooms", json=body)

    assert response.status_code == 201
    room = response.json()
    assert (room["expire_after_use"], room["available_features"]["is_chat_available"]) == (True, False)


async def test_a_body_that_is_not_json_is_an_empty_object(vonage: httpx.AsyncClient) -> None:
    response = await vonage.post("/rooms", content=b"display_name=x", headers={"content-type": "text/plain"})
    assert_answer(response, 400, invalid('"display_name" is required'))


async def test_json_that_does_not_parse(vonage: httpx.AsyncClient) -> None:
    response = await vonage.post("/rooms", content=b"{", headers={"content-type": "application/json"})
    assert_answer(response, 400, error(400, "BadRequestError", "Unexpected token in JSON body"))


async def test_nothing_is_created_by_a_refused_request(vonage: httpx.AsyncClient) -> None:
    await vonage.post("/rooms", json={"display_name": "x", "type": "long_term"})
    await vonage.post(
        "/rooms", json={"display_name": "x", "theme_id": "90a21428-b74a-4221-adc3-783935d654dc"}
    )
    page = (await vonage.get("/rooms")).json()
    assert page["total_items"] == 0


# --- themes on create ------------------------------------------------------------------------------------


async def test_create_with_a_theme(app: PrefixDispatcher, vonage: httpx.AsyncClient) -> None:
    theme_id = await make_theme(app, "brand", short_company_url="updated_company_url")
    room = await create_long_term(vonage, theme_id=theme_id)
    assert room == expected_room(
        room, short_url="updated_company_url", type="long_term", expires_at=LATER_ISO, theme_id=theme_id
    )


async def test_a_theme_without_short_company_url_keeps_the_plain_urls(
    app: PrefixDispatcher, vonage: httpx.AsyncClient
) -> None:
    theme_id = await make_theme(app, "plain")
    room = await create_room(vonage, theme_id=theme_id)
    assert room == expected_room(room, theme_id=theme_id)


@pytest.mark.parametrize("theme_id", ["90a21428-b74a-4221-adc3-783935d654dc", "not-a-uuid", ""])
async def test_create_with_an_unknown_theme(vonage: httpx.AsyncClient, theme_id: str) -> None:
    response = await vonage.post("/rooms", json={"display_name": "x", "theme_id": theme_id})
    message = f"Failed to create room because theme id {theme_id} not found"
    assert_answer(response, 400, error(400, "BadRequestError", message))


async def test_another_applications_theme_is_unknown(
    app: PrefixDispatcher, vonage: httpx.AsyncClient
) -> None:
    theirs = await make_theme(app, "theirs", application_id=APP_B)
    response = await vonage.post("/rooms", json={"display_name": "x", "theme_id": theirs})
    message = f"Failed to create room because theme id {theirs} not found"
    assert_answer(response, 400, error(400, "BadRequestError", message))


async def test_the_default_theme_applies_without_theme_id(
    app: PrefixDispatcher, vonage: httpx.AsyncClient
) -> None:
    other = await make_theme(app, "other", short_company_url="other")
    default = await make_theme(app, "default", short_company_url="acme")
    await set_default_theme(app, default)
    room = await create_room(vonage)
    assert room == expected_room(room, short_url="acme", theme_id=default)
    chosen = await create_room(vonage, theme_id=other)
    assert chosen == expected_room(chosen, short_url="other", theme_id=other)


# --- read ------------------------------------------------------------------------------------------------


async def test_get_a_room(vonage: httpx.AsyncClient) -> None:
    room = await create_long_term(vonage, metadata="m")
    assert_answer(await vonage.get(f"/rooms/{room['id']}"), 200, room)


async def test_get_through_the_beta_base(
    app: PrefixDispatcher, vonage: httpx.AsyncClient, vonage_for: MakeClient
) -> None:
    room = await create_room(vonage)
    client = vonage_for(app, base_url=BETA_URL)
    assert_answer(await client.get(f"/rooms/{room['id']}"), 200, room)
    created = await client.post("/rooms", json={"display_name": "beta"})
    assert created.status_code == 201
    assert_answer(await vonage.get(f"/rooms/{created.json()['id']}"), 200, created.json())


@pytest.mark.parametrize(
    "room_id", ["b3142c46-d1c1-4405-baa6-85683827ed69", "not-a-uuid", "B3142C46-D1C1-4405-BAA6-85683827ED69"]
)
async def test_get_an_unknown_room(vonage: httpx.AsyncClient, room_id: str) -> None:
    assert_answer(await vonage.get(f"/rooms/{room_id}"), 404, room_not_found(room_id))


async def test_another_applications_room_is_not_found(
    app: PrefixDispatcher, vonage: httpx.AsyncClient, vonage_for: MakeClient
) -> None:
    theirs = await create_room(vonage_for(app, APP_B))
    assert_answer(await vonage.get(f"/rooms/{theirs['id']}"), 404, room_not_found(theirs["id"]))
    body = {"update_details": {"expire_after_use": True}}
    assert_answer(await vonage.patch(f"/rooms/{theirs['id']}", json=body), 404, room_not_found(theirs["id"]))


# --- on the clock ----------------------------------------------------------------------------------------


async def test_an_instant_room_expires_ten_minutes_after_creation(
    app: PrefixDispatcher, vonage: httpx.AsyncClient
) -> None:
    room = await create_room(vonage)
    await advance(app, 10 * MINUTE_MS - 1)
    assert_answer(await vonage.get(f"/rooms/{room['id']}"), 200, room)
    await advance(app, 1)
    assert_answer(await vonage.get(f"/rooms/{room['id']}"), 200, {**room, "is_available": False})
    await advance(app, 60 * MINUTE_MS)
    assert_answer(await vonage.get(f"/rooms/{room['id']}"), 200, {**room, "is_available": False})


async def test_a_long_term_room_expires_at_its_time(app: PrefixDispatcher, vonage: httpx.AsyncClient) -> None:
    room = await create_room(vonage, type="long_term", expires_at="2026-12-02T09:00:00Z")
    await advance(app, 24 * 60 * MINUTE_MS - 1)
    assert (await vonage.get(f"/rooms/{room['id']}")).json()["is_available"] is True
    await advance(app, 1)
    assert_answer(await vonage.get(f"/rooms/{room['id']}"), 200, {**room, "is_available": False})


# --- the public base of room URLs ------------------------------------------------------------------------


async def test_room_urls_follow_the_configured_base(
    make_app: Callable[..., PrefixDispatcher], vonage_for: MakeClient
) -> None:
    app = make_app(vonage_meetings_url="https://meet.example.test/")
    client = vonage_for(app)
    theme_id = await make_theme(app, "brand", short_company_url="acme")
    for theme, prefix in ((None, "https://meet.example.test"), (theme_id, "https://meet.example.test/acme")):
        room = await create_room(client, theme_id=theme)
        code, token = room["meeting_code"], host_token(room)
        assert room["_links"] == {
            "host_url": {"href": f"{prefix}/?room_token={code}&participant_token={token}"},
            "guest_url": {"href": f"{prefix}/{code}"},
        }
        assert_answer(await client.get(f"/rooms/{room['id']}"), 200, room)


async def test_the_host_token_is_signed_with_the_applications_key(
    app: PrefixDispatcher, vonage: httpx.AsyncClient
) -> None:
    room = await create_room(vonage)
    principal = app.state.ctx.authenticate(API, APP_A)
    # Issued at the virtual clock's time, which may be ahead of the wall clock.
    claims = jwt.decode(
        host_token(room), token_key(principal.tenant_id), algorithms=["HS256"], options={"verify_iat": False}
    )
    assert claims["iat"] == NOW // 1000
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(
            host_token(room), token_key("another-tenant"), algorithms=["HS256"], options={"verify_iat": False}
        )


async def test_theme_changes_reach_the_rooms(app: PrefixDispatcher, vonage: httpx.AsyncClient) -> None:
    theme_id = await make_theme(app, "brand", short_company_url="acme")
    room = await create_long_term(vonage, theme_id=theme_id)
    changed = await vonage.patch(
        f"/themes/{theme_id}", json={"update_details": {"short_company_url": "renamed"}}
    )
    assert changed.status_code == 200, changed.text
    renamed = expected_room(
        room, short_url="renamed", type="long_term", expires_at=LATER_ISO, theme_id=theme_id
    )
    assert_answer(await vonage.get(f"/rooms/{room['id']}"), 200, renamed)
    deleted = await vonage.delete(f"/themes/{theme_id}", params={"force": "true"})
    assert deleted.status_code == 204, deleted.text
    plain = expected_room(room, type="long_term", expires_at=LATER_ISO)
    assert_answer(await vonage.get(f"/rooms/{room['id']}"), 200, plain)


async def test_a_rooms_sessions_carry_the_applications_account(
    app: PrefixDispatcher, vonage: httpx.AsyncClient
) -> None:
    """One account id per application: the digits in a session id of the room are the ``account_id`` the
    themes answers show for the same application."""
    theme = await vonage.post("/themes", json={"main_color": "#12f64e", "brand_text": "Acme"})
    assert theme.status_code == 201, theme.text
    room = await create_room(vonage)
    async with control(app) as client:
        started = await client.post(f"{CONTROL}/vendors/vonage/rooms/{room['id']}/session")
    assert started.status_code == 201, started.text
    session_id: str = started.json()["id"]
    assert session_id.startswith("1_")
    raw = base64.urlsafe_b64decode(session_id[2:] + "=" * (-len(session_id[2:]) % 4)).decode()
    assert raw.split("~")[1] == theme.json()["account_id"]
