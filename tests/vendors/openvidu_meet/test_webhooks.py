"""OpenVidu Meet webhooks: recording events in the vendor's envelope, signed with the endpoint's secret, at a
local receiver; none without a configured endpoint."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import httpx
import pytest

from tests.platform.receiver import Received, running_receiver
from tests.vendors.openvidu_meet.recording_support import advance_recording, pace, read, start
from tests.vendors.openvidu_meet.support import (
    CONTROL,
    KEY_A,
    NOW,
    advance,
    assert_no_content,
    create_room,
    token_for,
)

pytestmark = pytest.mark.anyio


async def add_endpoint(client: httpx.AsyncClient, url: str, **fields: Any) -> None:
    response = await client.post(
        f"{CONTROL}/webhooks/endpoints", json={"vendor": "openvidu-meet", "url": url, **fields}
    )
    assert response.status_code == 201, response.text


async def flush(client: httpx.AsyncClient) -> dict[str, int]:
    response = await client.post(f"{CONTROL}/webhooks/flush")
    assert response.status_code == 200, response.text
    result: dict[str, int] = response.json()
    return result


def events(received: list[Received]) -> list[tuple[str, str]]:
    return [(r.json()["event"], r.json()["data"]["status"]) for r in received]


def signed(secret: str, request: Received) -> str:
    return hmac.new(
        secret.encode(), request.headers["x-timestamp"].encode() + b"." + request.body, hashlib.sha256
    ).hexdigest()


async def test_a_recording_from_start_to_ready(ovm: httpx.AsyncClient, client: httpx.AsyncClient) -> None:
    with running_receiver() as receiver:
        await add_endpoint(client, receiver.url, secret=KEY_A)
        room = await create_room(ovm)
        assert (await token_for(ovm, room, "Alice")).status_code == 200  # not a webhook of this vendor's
        recording = await start(ovm, room["roomName"])
        await advance(client, 10)
        assert_no_content(await ovm.put(f"/recordings/{recording['id']}"))
        final = await read(ovm, recording["id"])
        assert await flush(client) == {"delivered": 7, "failed": 0, "pending": 0}
        received = receiver.received()

    assert events(received) == [
        ("recordingUpdated", "STARTING"),
        ("recordingUpdated", "STARTED"),
        ("recordingStarted", "STARTED"),
        ("recordingUpdated", "STOPPING"),
        ("recordingUpdated", "STOPPED"),
        ("recordingUpdated", "READY"),
        ("recordingEnded", "READY"),
    ]
    assert received[2].json() == {"event": "recordingStarted", "creationDate": NOW, "data": recording}
    ended = received[-1]
    assert ended.json() == {"event": "recordingEnded", "creationDate": NOW + 10_000, "data": final}
    assert ended.headers["x-timestamp"] == str(NOW + 10_000)
    assert ended.headers["content-type"] == "application/json"
    for request in received:
        assert request.path == "/hook"
        assert request.headers["x-signature"] == signed(KEY_A, request)
        assert request.json()["data"]["id"] == recording["id"]
    first = received[0].json()["data"]
    assert first == {**recording, "status": "STARTING"}


async def test_only_the_events_asked_for_and_a_failure_ends_it(
    ovm: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    with running_receiver() as receiver:
        await add_endpoint(client, receiver.url, events=["recordingEnded"])
        await pace(client, "manual")
        room = await create_room(ovm)
        recording = await start(ovm, room["roomName"])
        await advance_recording(client, recording["id"])
        await advance(client, 4)
        await advance_recording(client, recording["id"], "failed")
        await flush(client)
        received = receiver.received()
    assert events(received) == [("recordingEnded", "FAILED")]
    (request,) = received
    assert "x-signature" not in request.headers  # the endpoint has no secret
    assert request.json()["data"] == await read(ovm, recording["id"])
    assert request.json()["data"]["endedAt"] == NOW + 4000


async def test_nothing_is_sent_without_an_endpoint(ovm: httpx.AsyncClient, client: httpx.AsyncClient) -> None:
    room = await create_room(ovm)
    await start(ovm, room["roomName"])
    assert await flush(client) == {"delivered": 0, "failed": 0, "pending": 0}
    listed = await client.get(f"{CONTROL}/webhooks")
    assert listed.json()["deliveries"] == []


async def test_unknown_event_names_are_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{CONTROL}/webhooks/endpoints",
        json={"vendor": "openvidu-meet", "url": "http://127.0.0.1:9/x", "events": ["roomFinished"]},
    )
    assert response.status_code == 400, response.text
