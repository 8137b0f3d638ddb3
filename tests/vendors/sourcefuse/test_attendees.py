"""SourceFuse attendees: the session-monitoring webhook and the control plane's participants keep them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from omnimeet.platform.web import PrefixDispatcher
from tests.conftest import client_for
from tests.vendors.sourcefuse.conftest import MakeClient
from tests.vendors.sourcefuse.support import (
    CONTROL,
    MINUTE_MS,
    NOW,
    NOW_ISO,
    assert_answer,
    assert_no_content,
    create_session,
    iso,
    not_found,
    token,
    webhook,
)

pytestmark = pytest.mark.anyio


async def meeting(sf: httpx.AsyncClient, **body: Any) -> tuple[str, str]:
    """A new meeting's link and Vonage session id."""
    link = await create_session(sf, **body)
    return link, (await token(sf, link))["sessionId"]


async def hook(sf: httpx.AsyncClient, payload: dict[str, Any]) -> None:
    assert_no_content(await sf.post("/webhooks/session", json=payload))


def attendee(
    session_id: str,
    seq: int,
    name: str,
    deleted: bool = False,
    payload: dict[str, Any] | None = None,
    **more: Any,
) -> dict[str, Any]:
    body = {
        "id": seq,
        "sessionId": session_id,
        "attendee": name,
        "createdOn": NOW_ISO,
        **more,
        "isDeleted": deleted,
    }
    if payload is not None:
        body["extMetadata"] = {"webhookPayload": payload}
    return body


async def test_no_attendees_yet(sf: httpx.AsyncClient) -> None:
    link, _ = await meeting(sf)
    assert_answer(await sf.get(f"/session/{link}/attendees"), 200, [])


async def test_connection_created_and_destroyed(app: PrefixDispatcher, sf: httpx.AsyncClient) -> None:
    link, session_id = await meeting(sf)
    alice_in, bob_in = (webhook(session_id, "connectionCreated", name) for name in ("alice", "bob"))
    await hook(sf, alice_in)
    await hook(sf, bob_in)
    await hook(sf, alice_in)  # present already: nothing changes
    response = await sf.get(f"/session/{link}/attendees")
    alice_id, bob_id = (row["id"] for row in response.json())
    alice = attendee(session_id, alice_id, "alice", payload=alice_in)
    assert_answer(response, 200, [alice, attendee(session_id, bob_id, "bob", payload=bob_in)])
    app.state.ctx.clock.set(NOW + MINUTE_MS)
    bob_out = webhook(session_id, "connectionDestroyed", "bob")
    await hook(sf, bob_out)
    gone = attendee(session_id, bob_id, "bob", deleted=True, payload=bob_out, modifiedOn=iso(NOW + MINUTE_MS))
    assert_answer(await sf.get(f"/session/{link}/attendees"), 200, [alice, gone])
    response = await sf.get(f"/session/{link}/attendees", params={"active": "true"})
    assert_answer(response, 200, [alice])
    response = await sf.get(f"/session/{link}/attendees", params={"active": "false"})
    assert len(response.json()) == 2


async def test_an_attendee_comes_back(app: PrefixDispatcher, sf: httpx.AsyncClient) -> None:
    link, session_id = await meeting(sf)
    await hook(sf, webhook(session_id, "connectionCreated", "alice"))
    app.state.ctx.clock.set(NOW + MINUTE_MS)
    await hook(sf, webhook(session_id, "connectionDestroyed", "alice"))
    app.state.ctx.clock.set(NOW + 2 * MINUTE_MS)
    again = webhook(session_id, "connectionCreated", "alice")
    await hook(sf, again)
    response = await sf.get(f"/session/{link}/attendees")
    seq = response.json()[0]["id"]
    assert_answer(
        response,
        200,
        [attendee(session_id, seq, "alice", payload=again, modifiedOn=iso(NOW + 2 * MINUTE_MS))],
    )


async def test_stream_created_touches_the_attendee(app: PrefixDispatcher, sf: httpx.AsyncClient) -> None:
    link, session_id = await meeting(sf)
    await hook(sf, webhook(session_id, "connectionCreated", "alice"))
    app.state.ctx.clock.set(NOW + MINUTE_MS)
    stream = webhook(session_id, "streamCreated", "alice")
    await hook(sf, stream)
    response = await sf.get(f"/session/{link}/attendees")
    seq = response.json()[0]["id"]
    assert_answer(
        response, 200, [attendee(session_id, seq, "alice", payload=stream, modifiedOn=iso(NOW + MINUTE_MS))]
    )


@pytest.mark.parametrize(
    ("reason", "deleted"),
    [("forceUnpublished", False), ("mediaStopped", False), ("clientDisconnected", True), (None, True)],
)
async def test_stream_destroyed(sf: httpx.AsyncClient, reason: str | None, deleted: bool) -> None:
    link, session_id = await meeting(sf)
    await hook(sf, webhook(session_id, "connectionCreated", "alice"))
    await hook(sf, webhook(session_id, "streamCreated", "alice"))
    await hook(sf, webhook(session_id, "streamDestroyed", "alice", reason=reason))
    response = await sf.get(f"/session/{link}/attendees")
    assert [row["isDeleted"] for row in response.json()] == [deleted]


async def test_events_that_change_nothing(sf: httpx.AsyncClient) -> None:
    link, session_id = await meeting(sf)
    await hook(sf, webhook(session_id, "connectionDestroyed", "nobody"))
    await hook(sf, webhook(session_id, "streamCreated", "nobody"))
    await hook(sf, webhook(session_id, "archiveStatus", "alice"))
    await hook(sf, webhook("2_MX4somebody-else", "connectionCreated", "alice"))
    await hook(sf, {"event": "connectionCreated"})
    assert_answer(await sf.get(f"/session/{link}/attendees"), 200, [])


async def test_webhook_needs_no_token(
    app: PrefixDispatcher, sf: httpx.AsyncClient, sf_for: MakeClient
) -> None:
    link, session_id = await meeting(sf)
    anonymous = sf_for(app, None)
    await hook(anonymous, webhook(session_id, "connectionCreated", "alice"))
    assert len((await sf.get(f"/session/{link}/attendees")).json()) == 1


async def test_an_ended_meeting_takes_nobody(sf: httpx.AsyncClient) -> None:
    link, session_id = await meeting(sf)
    await hook(sf, webhook(session_id, "connectionCreated", "alice"))
    assert_no_content(await sf.patch(f"/session/{link}/end"))
    await hook(sf, webhook(session_id, "connectionCreated", "bob"))
    response = await sf.get(f"/session/{link}/attendees")
    assert [(row["attendee"], row["isDeleted"]) for row in response.json()] == [("alice", True)]


async def test_control_plane_participants_are_attendees(app: PrefixDispatcher, sf: httpx.AsyncClient) -> None:
    link, session_id = await meeting(sf)
    async with client_for(app) as control:
        joined = await control.post(
            f"{CONTROL}/vendors/sourcefuse/rooms/{link}/participants", json={"name": "carol"}
        )
        assert joined.status_code == 201, joined.text
        response = await sf.get(f"/session/{link}/attendees", params={"active": "true"})
        assert_answer(response, 200, [attendee(session_id, response.json()[0]["id"], "carol")])
        app.state.ctx.clock.set(NOW + MINUTE_MS)
        left = await control.delete(
            f"{CONTROL}/vendors/sourcefuse/rooms/{link}/participants/{joined.json()['id']}"
        )
        assert left.status_code == 200, left.text
    assert_answer(await sf.get(f"/session/{link}/attendees", params={"active": "true"}), 200, [])
    response = await sf.get(f"/session/{link}/attendees")
    assert response.json()[0]["isDeleted"] is True
    assert response.json()[0]["modifiedOn"] == iso(NOW + MINUTE_MS)


async def test_attendees_of_an_unknown_meeting(sf: httpx.AsyncClient) -> None:
    assert_answer(await sf.get("/session/abcdefghij/attendees"), 404, not_found("Meeting Not Found"))


async def test_a_failing_webhook_is_the_services_500(
    sf: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from omnimeet.domain.errors import DomainError, ErrorCode
    from omnimeet.domain.meetings import MeetingService

    _, session_id = await meeting(sf)

    def refuse(*_: object, **__: object) -> None:
        raise DomainError(ErrorCode.INVALID, "participant", field="name")

    monkeypatch.setattr(MeetingService, "join", refuse)
    response = await sf.post("/webhooks/session", json=webhook(session_id, "connectionCreated", "alice"))
    assert response.status_code == 500
    assert response.json()["error"]["name"] == "InternalServerError"
    assert response.json()["error"]["message"].startswith("Error occured triggering webhook event ")
