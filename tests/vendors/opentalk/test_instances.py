"""OpenTalk event instances over HTTP: the occurrences of a series across a DST change, cursor pages, one
occurrence, and changing or cancelling one (an exception, also listed among the events)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from omnimeet.platform.web import PrefixDispatcher
from tests.vendors.opentalk.event_support import at, create, profile, user_id
from tests.vendors.opentalk.support import BAD_REQUEST, BASE_URL, FORBIDDEN, NOT_FOUND, NOW_ISO, assert_error

pytestmark = pytest.mark.anyio


def instance(event: dict[str, Any], alice: str, start: str, end: str, **overrides: Any) -> dict[str, Any]:
    instance_id = start.replace("-", "").replace(":", "")
    body: dict[str, Any] = {
        "id": f"{event['id']}_{instance_id}",
        "recurring_event_id": event["id"],
        "instance_id": instance_id,
        "created_by": profile("alice", alice),
        "created_at": NOW_ISO,
        "updated_by": profile("alice", alice),
        "updated_at": NOW_ISO,
        "title": "Weekly",
        "description": "Team sync",
        "room": {"id": event["room"]["id"], "waiting_room": False},
        "invitees_truncated": True,
        "invitees": [],
        "is_all_day": False,
        "starts_at": at(start),
        "ends_at": at(end),
        "type": "instance",
        "status": "ok",
        "invite_status": "accepted",
        "is_favorite": False,
    }
    body.update(overrides)
    return body


async def test_instances_follow_local_time_across_the_dst_change(
    app: PrefixDispatcher, ot: httpx.AsyncClient
) -> None:
    event = await create(ot)  # Mondays 10:00 Berlin from 2027-03-22; summer time from 2027-03-28.
    alice = user_id(app, "alice")
    response = await ot.get(f"/events/{event['id']}/instances")
    assert response.status_code == 200
    assert "link" not in response.headers
    assert response.json() == [
        instance(event, alice, "2027-03-22T09:00:00Z", "2027-03-22T10:00:00Z"),
        instance(event, alice, "2027-03-29T08:00:00Z", "2027-03-29T09:00:00Z"),
        instance(event, alice, "2027-04-05T08:00:00Z", "2027-04-05T09:00:00Z"),
    ]


async def test_instances_page_and_window(ot: httpx.AsyncClient) -> None:
    event = await create(ot, recurrence_pattern=["RRULE:FREQ=DAILY", "EXDATE:20270323T090000Z"])
    first = await ot.get(f"/events/{event['id']}/instances", params={"per_page": 2})
    assert [item["instance_id"] for item in first.json()] == ["20270322T090000Z", "20270324T090000Z"]
    link = first.headers["link"]
    assert link.startswith(f"<{BASE_URL}/events/{event['id']}/instances?per_page=2&after=")
    assert link.endswith(">; rel='next'")
    second = await ot.get(link[1 : link.index(">")])
    assert [item["instance_id"] for item in second.json()] == ["20270325T090000Z", "20270326T090000Z"]
    window = await ot.get(
        f"/events/{event['id']}/instances",
        params={"time_min": "2027-03-28T00:00:00Z", "time_max": "2027-03-30T00:00:00Z"},
    )
    assert [item["instance_id"] for item in window.json()] == ["20270328T080000Z", "20270329T080000Z"]
    assert "link" not in window.headers
    assert_error(await ot.get(f"/events/{event['id']}/instances", params={"after": "x"}), 400, BAD_REQUEST)


async def test_a_single_event_has_one_instance_and_a_loose_one_none(ot: httpx.AsyncClient) -> None:
    single = await create(ot, recurrence_pattern=[])
    listed = await ot.get(f"/events/{single['id']}/instances")
    assert [item["instance_id"] for item in listed.json()] == ["20270322T090000Z"]
    loose = (
        await ot.post("/events", json={"title": "Loose", "description": "", "is_time_independent": True})
    ).json()
    empty = await ot.get(f"/events/{loose['id']}/instances")
    assert (empty.status_code, empty.json()) == (200, [])


async def test_get_one_instance(app: PrefixDispatcher, ot: httpx.AsyncClient) -> None:
    event = await create(ot)
    alice = user_id(app, "alice")
    found = await ot.get(f"/events/{event['id']}/instances/20270329T080000Z")
    assert (found.status_code, found.json()) == (
        200,
        instance(event, alice, "2027-03-29T08:00:00Z", "2027-03-29T09:00:00Z"),
    )
    # 09:00Z is where the occurrence would be without the DST change: no occurrence there.
    assert_error(await ot.get(f"/events/{event['id']}/instances/20270329T090000Z"), 404, NOT_FOUND)
    assert_error(await ot.get(f"/events/{event['id']}/instances/2027-03-29"), 400, BAD_REQUEST)


async def test_patch_an_instance_records_an_exception(
    app: PrefixDispatcher, ot: httpx.AsyncClient, ot_bob: httpx.AsyncClient
) -> None:
    event = await create(ot)
    alice = user_id(app, "alice")
    app.state.ctx.clock.set(app.state.ctx.clock.now_ms() + 60_000)
    url = f"/events/{event['id']}/instances/20270329T080000Z"
    moved = await ot.patch(
        url,
        json={
            "title": "Moved",
            "starts_at": at("2027-03-30T12:00:00Z"),
            "ends_at": at("2027-03-30T13:00:00Z"),
        },
    )
    expected = instance(
        event,
        alice,
        "2027-03-29T08:00:00Z",
        "2027-03-29T09:00:00Z",
        title="Moved",
        starts_at=at("2027-03-30T12:00:00Z"),
        ends_at=at("2027-03-30T13:00:00Z"),
        updated_at="2026-12-01T09:01:00Z",
    )
    assert (moved.status_code, moved.json()) == (200, expected)
    assert (await ot.get(url)).json() == expected
    cancelled = await ot.patch(
        f"/events/{event['id']}/instances/20270405T080000Z", json={"status": "cancelled"}
    )
    assert cancelled.json()["status"] == "cancelled"
    listed = await ot.get(f"/events/{event['id']}/instances")
    assert [(item["instance_id"], item["status"]) for item in listed.json()] == [
        ("20270322T090000Z", "ok"),
        ("20270329T080000Z", "ok"),
        ("20270405T080000Z", "cancelled"),
    ]
    events = (await ot.get("/events")).json()
    assert events[1:] == [
        {
            "id": f"{event['id']}_20270329T080000Z",
            "recurring_event_id": event["id"],
            "instance_id": "20270329T080000Z",
            "created_by": profile("alice", alice),
            "created_at": "2026-12-01T09:01:00Z",
            "updated_by": profile("alice", alice),
            "updated_at": "2026-12-01T09:01:00Z",
            "title": "Moved",
            "starts_at": at("2027-03-30T12:00:00Z"),
            "ends_at": at("2027-03-30T13:00:00Z"),
            "original_starts_at": at("2027-03-29T08:00:00Z"),
            "type": "exception",
            "status": "ok",
        },
        {
            "id": f"{event['id']}_20270405T080000Z",
            "recurring_event_id": event["id"],
            "instance_id": "20270405T080000Z",
            "created_by": profile("alice", alice),
            "created_at": "2026-12-01T09:01:00Z",
            "updated_by": profile("alice", alice),
            "updated_at": "2026-12-01T09:01:00Z",
            "original_starts_at": at("2027-04-05T08:00:00Z"),
            "type": "exception",
            "status": "cancelled",
        },
    ]
    later = (await ot.get("/events", params={"time_min": "2027-04-01T00:00:00Z"})).json()
    assert [item["id"] for item in later] == [event["id"], f"{event['id']}_20270405T080000Z"]
    empty = await ot.patch(url, json={})
    assert (empty.status_code, empty.content) == (204, b"")
    assert_error(await ot_bob.patch(url, json={"title": "x"}), 403, FORBIDDEN)
    assert_error(
        await ot.patch(f"/events/{event['id']}/instances/20270329T090000Z", json={"title": "x"}),
        404,
        NOT_FOUND,
    )
