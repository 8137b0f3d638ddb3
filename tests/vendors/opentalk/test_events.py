"""OpenTalk events over HTTP: create (with its room), get, list with filters and cursor pages, patch,
delete, and who may do what."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from omnimeet.domain import tables
from omnimeet.domain.dial_ins import DialInService
from omnimeet.domain.rooms import RoomService
from omnimeet.platform.web import PrefixDispatcher
from tests.vendors.opentalk.conftest import MakeClient
from tests.vendors.opentalk.event_support import at, create, favorite, invite, profile, user_id, weekly_body
from tests.vendors.opentalk.support import (
    BAD_REQUEST,
    BASE_URL,
    FORBIDDEN,
    ISSUER,
    NOW_ISO,
    assert_error,
    error,
)

pytestmark = pytest.mark.anyio

UNKNOWN = "00000000-0000-4000-8000-000000000000"


def validation(field: str, code: str, message: str) -> dict[str, Any]:
    return {
        **error("validation_failed", "Some provided values are invalid"),
        "errors": [{"field": field, "code": code, "message": message}],
    }


def expected(created: dict[str, Any], alice: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": created["id"],
        "created_by": profile("alice", alice),
        "created_at": NOW_ISO,
        "updated_by": profile("alice", alice),
        "updated_at": NOW_ISO,
        "title": "Weekly",
        "description": "Team sync",
        "room": {"id": created["room"]["id"], "waiting_room": False},
        "invitees_truncated": True,
        "invitees": [],
        "is_time_independent": False,
        "is_all_day": False,
        "starts_at": at("2027-03-22T09:00:00Z"),
        "ends_at": at("2027-03-22T10:00:00Z"),
        "recurrence_pattern": ["RRULE:FREQ=WEEKLY;COUNT=3"],
        "is_adhoc": False,
        "type": "recurring",
        "status": "ok",
        "invite_status": "accepted",
        "is_favorite": False,
    }
    body.update(overrides)
    return body


def count(app: PrefixDispatcher, table: Any) -> int:
    with app.state.ctx.db.transaction(write=False) as tx:
        row = tx.fetch_one(select(func.count()).select_from(table))
    assert row is not None
    return int(row[0])


async def test_create_a_series_with_its_room(app: PrefixDispatcher, ot: httpx.AsyncClient) -> None:
    response = await ot.post("/events", json=weekly_body(password="s3cret", waiting_room=True))
    assert response.status_code == 201
    created = response.json()
    alice = user_id(app, "alice")
    assert created == expected(
        created, alice, room={"id": created["room"]["id"], "password": "s3cret", "waiting_room": True}
    )
    rooms = tables.ROOMS
    with app.state.ctx.db.transaction(write=False) as tx:
        row = tx.fetch_one(
            select(rooms.c.owner_id, rooms.c.password, rooms.c.waiting_room).where(
                rooms.c.public_id == created["room"]["id"]
            )
        )
    assert row == (alice, "s3cret", True)
    got = await ot.get(f"/events/{created['id']}")
    assert (got.status_code, got.json()) == (200, created)


async def test_create_a_time_independent_event(app: PrefixDispatcher, ot: httpx.AsyncClient) -> None:
    response = await ot.post(
        "/events",
        json={"title": "Sometime", "description": "", "is_time_independent": True, "is_adhoc": True},
    )
    assert response.status_code == 201
    created = response.json()
    alice = user_id(app, "alice")
    assert created == {
        "id": created["id"],
        "created_by": profile("alice", alice),
        "created_at": NOW_ISO,
        "updated_by": profile("alice", alice),
        "updated_at": NOW_ISO,
        "title": "Sometime",
        "description": "",
        "room": {"id": created["room"]["id"], "waiting_room": False},
        "invitees_truncated": True,
        "invitees": [],
        "is_time_independent": True,
        "is_adhoc": True,
        "type": "single",
        "status": "ok",
        "invite_status": "accepted",
        "is_favorite": False,
    }


async def test_create_a_single_all_day_event_with_a_shared_folder(
    app: PrefixDispatcher, ot: httpx.AsyncClient
) -> None:
    created = await create(
        ot,
        is_all_day=True,
        starts_at=at("2027-03-22T00:00:00Z"),
        ends_at=at("2027-03-23T00:00:00Z"),
        recurrence_pattern=[],
        has_shared_folder=True,
    )
    folder = created["shared_folder"]
    assert set(folder) == {"read", "read_write"}
    assert folder["read"]["url"].startswith("https://cloud.opentalk.example/s/")
    expected_body = expected(
        created,
        user_id(app, "alice"),
        is_all_day=True,
        starts_at=at("2027-03-22T00:00:00Z"),
        ends_at=at("2027-03-23T00:00:00Z"),
        type="single",
        shared_folder=folder,
    )
    del expected_body["recurrence_pattern"]
    assert created == expected_body


async def test_create_refusals(ot: httpx.AsyncClient) -> None:
    missing = weekly_body()
    del missing["starts_at"]
    assert_error(
        await ot.post("/events", json=missing),
        422,
        validation("starts_at", "value_required", "Value is required"),
    )
    assert_error(
        await ot.post("/events", json=weekly_body(recurrence_pattern=["DTSTART:20270322T090000Z"])),
        422,
        validation("recurrence_pattern", "invalid_value", "Invalid recurrence pattern"),
    )
    assert_error(
        await ot.post(
            "/events", json=weekly_body(recurrence_pattern=["RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"])
        ),
        422,
        validation("recurrence_pattern", "invalid_value", "Invalid recurrence pattern"),
    )
    assert_error(
        await ot.post("/events", json=weekly_body(starts_at=at("2027-03-22T09:00:00Z", "Mars/Olympus"))),
        422,
        validation("starts_at", "invalid_value", "Unknown time zone"),
    )
    for flag in ("is_adhoc", "waiting_room", "is_time_independent"):
        assert_error(
            await ot.post("/events", json=weekly_body(**{flag: 0})),
            422,
            validation(flag, "invalid_value", "Input should be a valid boolean"),
        )
    assert_error(
        await ot.post("/events", json=weekly_body(is_all_day=True)),
        422,
        {
            **error("validation_failed", "Some provided values are invalid"),
            "errors": [{"field": "starts_at", "code": "invalid_value"}],
        },
    )
    assert_error(
        await ot.post("/events", json=weekly_body(ends_at=at("2027-03-22T08:00:00Z"))),
        422,
        {
            **error("validation_failed", "Some provided values are invalid"),
            "errors": [{"field": "ends_at", "code": "invalid_value"}],
        },
    )


async def test_only_the_creator_and_invitees_see_an_event(
    app: PrefixDispatcher, ot: httpx.AsyncClient, ot_bob: httpx.AsyncClient, ot_for: MakeClient
) -> None:
    created = await create(ot)
    assert_error(await ot_bob.get(f"/events/{created['id']}"), 403, FORBIDDEN)
    assert_error(await ot.get(f"/events/{UNKNOWN}"), 403, FORBIDDEN)
    assert_error(await ot.get("/events/not-a-uuid"), 400, BAD_REQUEST)
    bob = user_id(app, "bob")
    invite(app, created["id"], bob, "tentative")
    seen = await ot_bob.get(f"/events/{created['id']}")
    assert seen.status_code == 200
    assert seen.json() == expected(created, user_id(app, "alice"), invite_status="tentative")
    # Alice, with invitees.
    with_invitees = await ot.get(f"/events/{created['id']}", params={"invitees_max": 5})
    assert with_invitees.json()["invitees"] == [
        {"profile": {"kind": "registered", **profile("bob", bob), "role": "user"}, "status": "tentative"}
    ]
    assert with_invitees.json()["invitees_truncated"] is False
    # Invitees may read but not change or delete.
    assert_error(await ot_bob.patch(f"/events/{created['id']}", json={"title": "x"}), 403, FORBIDDEN)
    assert_error(await ot_bob.delete(f"/events/{created['id']}"), 403, FORBIDDEN)
    carol = ot_for(app, "carol")
    assert_error(await carol.get(f"/events/{created['id']}/instances"), 403, FORBIDDEN)


async def test_list_pages_with_a_cursor(app: PrefixDispatcher, ot: httpx.AsyncClient) -> None:
    first = await create(
        ot, title="A", starts_at=at("2027-03-01T09:00:00Z"), ends_at=at("2027-03-01T10:00:00Z")
    )
    second = await create(
        ot, title="B", starts_at=at("2027-03-02T09:00:00Z"), ends_at=at("2027-03-02T10:00:00Z")
    )
    third = await create(
        ot, title="C", starts_at=at("2027-03-03T09:00:00Z"), ends_at=at("2027-03-03T10:00:00Z")
    )
    page = await ot.get("/events", params={"per_page": 2})
    assert page.status_code == 200
    assert [item["id"] for item in page.json()] == [first["id"], second["id"]]
    link = page.headers["link"]
    assert link.startswith(f"<{BASE_URL}/events?per_page=2&after=")
    assert link.endswith(">; rel='next'")
    rest = await ot.get(link[1 : link.index(">")])
    assert [item["id"] for item in rest.json()] == [third["id"]]
    assert "link" not in rest.headers
    assert_error(await ot.get("/events", params={"after": "bm9wZQ"}), 400, BAD_REQUEST)


async def test_list_filters(app: PrefixDispatcher, ot: httpx.AsyncClient, ot_bob: httpx.AsyncClient) -> None:
    series = await create(ot)  # 2027-03-22, 03-29, 04-05
    late = await create(
        ot,
        title="Late",
        starts_at=at("2027-06-01T09:00:00Z"),
        ends_at=at("2027-06-01T10:00:00Z"),
        recurrence_pattern=[],
        is_adhoc=True,
    )
    loose = (
        await ot.post("/events", json={"title": "Loose", "description": "", "is_time_independent": True})
    ).json()
    bobs = await create(ot_bob, title="Bob's")

    async def ids(**params: Any) -> list[str]:
        response = await ot.get("/events", params=params)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()]

    assert await ids() == [loose["id"], series["id"], late["id"]]
    # The series' last occurrence is 2027-04-05 10:00-11:00 Berlin summer time: 08:00-09:00Z.
    assert await ids(time_min="2027-04-05T08:30:00Z") == [series["id"], late["id"]]
    assert await ids(time_min="2027-04-05T09:00:00Z") == [late["id"]]
    assert await ids(time_max="2027-06-01T09:00:00Z") == [series["id"]]
    assert await ids(adhoc="true") == [late["id"]]
    assert await ids(adhoc="false") == [loose["id"], series["id"]]
    assert await ids(time_independent="true") == [loose["id"]]
    alice = user_id(app, "alice")
    favorite(app, late["id"], alice)
    assert await ids(favorites="true") == [late["id"]]
    invite(app, bobs["id"], alice, "declined")
    assert await ids(invite_status="declined") == [bobs["id"]]
    assert await ids(invite_status="accepted") == [loose["id"], series["id"], late["id"]]
    assert_error(await ot.get("/events", params={"invite_status": "maybe"}), 400, BAD_REQUEST)
    assert_error(await ot.get("/events", params={"time_min": "yesterday"}), 400, BAD_REQUEST)
    assert_error(await ot.get("/events", params={"per_page": 0}), 400, BAD_REQUEST)
    listed = (await ot.get("/events", params={"favorites": "true"})).json()
    assert listed[0]["is_favorite"] is True


async def test_patch_changes_fields_and_room(app: PrefixDispatcher, ot: httpx.AsyncClient) -> None:
    created = await create(ot)
    app.state.ctx.clock.set(app.state.ctx.clock.now_ms() + 60_000)
    response = await ot.patch(
        f"/events/{created['id']}",
        json={"title": "Renamed", "password": "pw", "waiting_room": True, "is_adhoc": True},
    )
    assert response.status_code == 200
    assert response.json() == expected(
        created,
        user_id(app, "alice"),
        title="Renamed",
        is_adhoc=True,
        updated_at="2026-12-01T09:01:00Z",
        room={"id": created["room"]["id"], "password": "pw", "waiting_room": True},
    )
    empty = await ot.patch(f"/events/{created['id']}", json={})
    assert (empty.status_code, empty.content) == (204, b"")
    assert_error(await ot.patch(f"/events/{UNKNOWN}", json={"title": "x"}), 403, FORBIDDEN)


async def test_patch_times_and_make_time_independent(app: PrefixDispatcher, ot: httpx.AsyncClient) -> None:
    created = await create(ot)
    moved = await ot.patch(
        f"/events/{created['id']}",
        json={
            "starts_at": at("2027-03-23T08:00:00Z"),
            "ends_at": at("2027-03-23T08:30:00Z"),
            "recurrence_pattern": ["RRULE:FREQ=DAILY;COUNT=2"],
        },
    )
    assert moved.status_code == 200
    body = moved.json()
    assert (body["starts_at"], body["ends_at"], body["recurrence_pattern"]) == (
        at("2027-03-23T08:00:00Z"),
        at("2027-03-23T08:30:00Z"),
        ["RRULE:FREQ=DAILY;COUNT=2"],
    )
    loose = await ot.patch(f"/events/{created['id']}", json={"is_time_independent": True})
    expected_body = expected(created, user_id(app, "alice"), is_time_independent=True, type="single")
    for name in ("is_all_day", "starts_at", "ends_at", "recurrence_pattern"):
        del expected_body[name]
    assert (loose.status_code, loose.json()) == (200, expected_body)
    assert_error(
        await ot.patch(f"/events/{created['id']}", json={"is_time_independent": False}),
        422,
        validation("starts_at", "value_required", "Value is required"),
    )


async def test_a_new_pattern_drops_the_exceptions(app: PrefixDispatcher, ot: httpx.AsyncClient) -> None:
    created = await create(ot)
    changed = await ot.patch(f"/events/{created['id']}/instances/20270329T080000Z", json={"title": "Moved"})
    assert changed.status_code == 200
    assert count(app, tables.EVENT_EXCEPTIONS) == 1
    same = await ot.patch(
        f"/events/{created['id']}", json={"recurrence_pattern": created["recurrence_pattern"]}
    )
    assert same.status_code == 200
    assert count(app, tables.EVENT_EXCEPTIONS) == 1
    new = await ot.patch(
        f"/events/{created['id']}", json={"recurrence_pattern": ["RRULE:FREQ=WEEKLY;COUNT=2"]}
    )
    assert new.status_code == 200
    assert count(app, tables.EVENT_EXCEPTIONS) == 0


async def test_delete_removes_the_room(app: PrefixDispatcher, ot: httpx.AsyncClient) -> None:
    created = await create(ot)
    assert count(app, tables.ROOMS) == 1
    response = await ot.delete(f"/events/{created['id']}")
    assert (response.status_code, response.content) == (204, b"")
    assert (count(app, tables.ROOMS), count(app, tables.SCHEDULED_EVENTS)) == (0, 0)
    assert_error(await ot.get(f"/events/{created['id']}"), 403, FORBIDDEN)


async def test_create_with_streaming_targets(app: PrefixDispatcher, ot: httpx.AsyncClient) -> None:
    target = {
        "name": "Live",
        "kind": "custom",
        "streaming_endpoint": "https://ingress.example.com/live",
        "streaming_key": "k3y",
        "public_url": "https://watch.example.com/live",
    }
    created = await create(ot, streaming_targets=[target])
    (stream,) = created["streaming_targets"]
    assert stream == {"id": stream["id"], **target}
    assert created == expected(created, user_id(app, "alice"), streaming_targets=[stream])
    assert (await ot.get(f"/events/{created['id']}")).json() == created
    response = await ot.delete(f"/events/{created['id']}")
    assert response.status_code == 204
    assert (count(app, tables.LIVE_STREAMS), count(app, tables.ROOMS)) == (0, 0)


async def test_the_room_shows_its_dial_in(app: PrefixDispatcher, ot: httpx.AsyncClient) -> None:
    created = await create(ot)
    ctx = app.state.ctx
    with ctx.db.transaction() as tx:
        principal = ctx.authenticate("opentalk", ISSUER)
        room = RoomService(ctx.clock).get(tx, principal, created["room"]["id"])
        dial_in = DialInService(ctx.clock, ctx.ids).create_for_room(tx, principal, room)
    got = (await ot.get(f"/events/{created['id']}")).json()
    assert got["room"] == {
        "id": created["room"]["id"],
        "sip_id": dial_in.dial_in_id,
        "sip_password": dial_in.pin,
        "waiting_room": False,
    }
