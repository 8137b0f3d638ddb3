"""SourceFuse sessions over HTTP: create, edit, end and tokens, with every message the service answers."""

from __future__ import annotations

import re

import httpx
import pytest

from omnimeet.platform.web import PrefixDispatcher
from tests.vendors.sourcefuse.conftest import MakeClient
from tests.vendors.sourcefuse.support import (
    HOUR_MS,
    MINUTE_MS,
    NOW,
    assert_answer,
    assert_no_content,
    bad_request,
    create_session,
    iso,
    not_found,
    token,
    token_fields,
)

pytestmark = pytest.mark.anyio

LINK = re.compile(r"^[A-Za-z0-9_-]{10}$")
SESSION_ID = re.compile(r"^1_MX4[A-Za-z0-9_-]+$")


# --- create ------------------------------------------------------------------------------------------------


async def test_create_answers_a_ten_character_link(sf: httpx.AsyncClient) -> None:
    response = await sf.post("/session", json={"isScheduled": False})
    assert response.status_code == 200
    assert list(response.json()) == ["code"]
    assert LINK.match(response.json()["code"])
    assert await create_session(sf) != response.json()["code"]


async def test_create_a_scheduled_meeting(sf: httpx.AsyncClient) -> None:
    link = await create_session(sf, isScheduled=True, scheduleTime=iso(NOW + HOUR_MS))
    assert LINK.match(link)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"isScheduled": True}, "Schedule time is not set."),
        ({"isScheduled": True, "scheduleTime": "next tuesday"}, "Scheduled time is not in correct format."),
        (
            {"isScheduled": True, "scheduleTime": iso(NOW - MINUTE_MS)},
            "Meeting can't be scheduled with schedule time in past!",
        ),
        (
            {"isScheduled": False, "enableArchiving": True, "endToEndEncryption": True},
            "End to end Encryption along with archiving is not possible",
        ),
    ],
)
async def test_create_refusals(sf: httpx.AsyncClient, body: dict[str, object], message: str) -> None:
    assert_answer(await sf.post("/session", json=body), 400, bad_request(message))


async def test_encryption_alone_and_archiving_alone_are_fine(sf: httpx.AsyncClient) -> None:
    await create_session(sf, endToEndEncryption=True)
    await create_session(sf, enableArchiving=True)


# --- tokens ------------------------------------------------------------------------------------------------


async def test_token_looks_like_a_vonage_video_one(sf: httpx.AsyncClient) -> None:
    link = await create_session(sf)
    answer = await token(sf, link, role="moderator", data="alice", expireTime=iso(NOW + HOUR_MS))
    assert list(answer) == ["sessionId", "token"]
    assert SESSION_ID.match(answer["sessionId"])
    fields = token_fields(answer["token"])
    assert fields["session_id"] == answer["sessionId"]
    assert fields["role"] == "moderator"
    assert fields["connection_data"] == "alice"
    assert fields["create_time"] == str(NOW // 1000)
    assert fields["expire_time"] == str((NOW + HOUR_MS) // 1000)


async def test_token_defaults_and_same_session(sf: httpx.AsyncClient) -> None:
    link = await create_session(sf)
    first = await token(sf, link)
    second = await token(sf, link, data="bob")
    assert first["sessionId"] == second["sessionId"]
    fields = token_fields(first["token"])
    assert (fields["role"], fields["connection_data"]) == ("publisher", "")
    assert fields["expire_time"] == str(NOW // 1000 + 86_400)
    other = await token(sf, await create_session(sf))
    assert other["sessionId"] != first["sessionId"]


async def test_token_without_a_body(sf: httpx.AsyncClient) -> None:
    link = await create_session(sf)
    response = await sf.post(f"/session/{link}/token")
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"expireTime": "soon"}, "Expire time is not in correct format."),
        ({"expireTime": iso(NOW - 1000)}, "Expire time cannot be in the past."),
    ],
)
async def test_token_expiry_refusals(sf: httpx.AsyncClient, body: dict[str, object], message: str) -> None:
    link = await create_session(sf)
    assert_answer(await sf.post(f"/session/{link}/token", json=body), 400, bad_request(message))


async def test_token_for_an_unknown_link_is_a_400(sf: httpx.AsyncClient) -> None:
    response = await sf.post("/session/abcdefghij/token", json={})
    assert_answer(response, 400, bad_request("Session does not exist"))


async def test_token_for_a_blank_link(sf: httpx.AsyncClient) -> None:
    response = await sf.post("/session/%20/token", json={})
    assert_answer(response, 400, bad_request("Meeting link should be a valid string"))


async def test_token_after_the_end(sf: httpx.AsyncClient) -> None:
    link = await create_session(sf)
    assert_no_content(await sf.patch(f"/session/{link}/end"))
    response = await sf.post(f"/session/{link}/token", json={})
    assert_answer(response, 400, bad_request("This meeting has been expired"))


async def test_scheduled_meeting_takes_tokens_from_time_to_start(
    app: PrefixDispatcher, sf: httpx.AsyncClient
) -> None:
    link = await create_session(sf, isScheduled=True, scheduleTime=iso(NOW + HOUR_MS))
    response = await sf.post(f"/session/{link}/token", json={})
    assert_answer(
        response, 400, bad_request("Meeting can only be started 30 minutes before the scheduled time")
    )
    app.state.ctx.clock.set(NOW + 30 * MINUTE_MS)
    await token(sf, link)


async def test_time_to_start_is_a_setting(make_app: object, sf_for: MakeClient) -> None:
    app = make_app(sourcefuse_time_to_start_minutes=5)  # type: ignore[operator]
    sf = sf_for(app)
    link = await create_session(sf, isScheduled=True, scheduleTime=iso(NOW + 6 * MINUTE_MS))
    message = "Meeting can only be started 5 minutes before the scheduled time"
    assert_answer(await sf.post(f"/session/{link}/token", json={}), 400, bad_request(message))
    app.state.ctx.clock.set(NOW + MINUTE_MS)
    await token(sf, link)


async def test_token_with_an_unknown_role_is_invalid(sf: httpx.AsyncClient) -> None:
    link = await create_session(sf)
    response = await sf.post(f"/session/{link}/token", json={"role": "owner"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "VALIDATION_FAILED"


# --- edit --------------------------------------------------------------------------------------------------


async def test_edit_reschedules(app: PrefixDispatcher, sf: httpx.AsyncClient) -> None:
    link = await create_session(sf, isScheduled=True, scheduleTime=iso(NOW + HOUR_MS))
    later = iso(NOW + 3 * HOUR_MS)
    assert_no_content(await sf.patch(f"/session/{link}", json={"isScheduled": True, "scheduleTime": later}))
    app.state.ctx.clock.set(NOW + 2 * HOUR_MS)
    message = "Meeting can only be started 30 minutes before the scheduled time"
    assert_answer(await sf.post(f"/session/{link}/token", json={}), 400, bad_request(message))


async def test_edit_without_is_scheduled_moves_the_schedule_to_now(sf: httpx.AsyncClient) -> None:
    link = await create_session(sf, isScheduled=True, scheduleTime=iso(NOW + HOUR_MS))
    assert_no_content(await sf.patch(f"/session/{link}", json={}))
    await token(sf, link)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"isScheduled": True}, "Schedule Time is required if isScheduled is set to true"),
        ({"isScheduled": True, "scheduleTime": "later"}, "Schedule Time is Not in correct format"),
        ({"isScheduled": True, "scheduleTime": iso(NOW - 1)}, "Schedule Time cannot be set in the past"),
    ],
)
async def test_edit_refusals(sf: httpx.AsyncClient, body: dict[str, object], message: str) -> None:
    link = await create_session(sf)
    assert_answer(await sf.patch(f"/session/{link}", json=body), 400, bad_request(message))


async def test_edit_an_unknown_link(sf: httpx.AsyncClient) -> None:
    response = await sf.patch("/session/abcdefghij", json={})
    assert_answer(response, 404, not_found("Meeting link abcdefghij not found"))


# --- end ---------------------------------------------------------------------------------------------------


async def test_end_twice(sf: httpx.AsyncClient) -> None:
    link = await create_session(sf)
    assert_no_content(await sf.patch(f"/session/{link}/end"))
    response = await sf.patch(f"/session/{link}/end")
    assert_answer(response, 400, bad_request("Meeting has already been ended!"))


async def test_end_an_unknown_or_blank_link(sf: httpx.AsyncClient) -> None:
    assert_answer(await sf.patch("/session/abcdefghij/end"), 404, not_found("Meeting Not Found"))
    response = await sf.patch("/session/%20/end")
    assert_answer(response, 400, bad_request("Meeting link should be a valid string."))


async def test_meetings_are_per_tenant(
    sf: httpx.AsyncClient, app: PrefixDispatcher, sf_for: MakeClient
) -> None:
    from tests.vendors.sourcefuse.support import bearer

    link = await create_session(sf)
    other = sf_for(app, bearer(tenantId="tenant-b"))
    assert_answer(await other.patch(f"/session/{link}/end"), 404, not_found("Meeting Not Found"))
    assert_answer(
        await other.post(f"/session/{link}/token", json={}), 400, bad_request("Session does not exist")
    )
