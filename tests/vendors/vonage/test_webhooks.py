"""Vonage webhooks at a local receiver: every event's exact body, sent to the room's own callback URLs by
kind, or to the application's default endpoints (control plane, signed with its secret); the recording link
of ``recording:ready`` downloads the file."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest

from omnimeet.platform.media import mp4_bytes
from omnimeet.platform.web import PrefixDispatcher
from omnimeet.vendors.vonage.webhooks import VonageWebhooks
from tests.platform.receiver import Receiver, running_receiver
from tests.vendors.vonage.conftest import MakeClient
from tests.vendors.vonage.recordings_support import (
    PRESIGNED,
    advance_clock,
    create_room,
    end_session,
    flush,
    join,
    leave,
    start_recording,
    stop_recording,
)
from tests.vendors.vonage.support import CONTROL, NOW_ISO

pytestmark = pytest.mark.anyio

SECRET = "a-signature-secret-of-32-bytes!!"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A local HTTP server recording the webhooks it receives (as tests/platform/conftest.py's)."""
    with running_receiver() as r:
        yield r


def at(ms: int) -> str:
    from omnimeet.platform.clock import iso_ms
    from tests.vendors.vonage.support import NOW

    return iso_ms(NOW + ms)


async def add_endpoint(client: httpx.AsyncClient, url: str, **fields: Any) -> None:
    response = await client.post(
        f"{CONTROL}/webhooks/endpoints", json={"vendor": "vonage", "url": url, **fields}
    )
    assert response.status_code == 201, response.text


def bodies(receiver: Receiver, path: str) -> list[dict[str, Any]]:
    return [r.json() for r in receiver.received() if r.path == path]


async def test_every_event_at_the_rooms_callback_urls(
    vonage: httpx.AsyncClient, client: httpx.AsyncClient, receiver: Receiver
) -> None:
    urls = {
        "rooms_callback_url": f"{receiver.base}/rooms",
        "sessions_callback_url": f"{receiver.base}/sessions",
        "recordings_callback_url": f"{receiver.base}/recordings",
    }
    room = await create_room(vonage, callback_urls=urls)
    rid = room["id"]
    alice = await join(client, rid, "Alice", role="host")
    sid = alice["session_id"]
    bob = await join(client, rid, "Bob")
    recording = await start_recording(client, rid)
    await advance_clock(client, 42_500)
    await stop_recording(client, recording["id"])
    await leave(client, rid, bob["id"])
    await leave(client, rid, alice["id"])  # the room expires ten minutes later
    await advance_clock(client, 600_000)
    assert (await flush(client))["failed"] == 0

    person = {"session_id": sid, "room_id": rid}
    alice_facts = {**person, "participant_id": alice["id"], "name": "Alice", "type": "Host", "is_host": True}
    bob_facts = {**person, "participant_id": bob["id"], "name": "Bob", "type": "Guest", "is_host": False}
    assert bodies(receiver, "/sessions") == [
        {"event": "session:started", "session_id": sid, "room_id": rid, "started_at": NOW_ISO},
        {"event": "session:participant:joined", **alice_facts},
        {"event": "session:participant:joined", **bob_facts},
        {"event": "session:participant:left", **bob_facts},
        {"event": "session:participant:left", **alice_facts},
        {
            "event": "session:ended",
            "session_id": sid,
            "room_id": rid,
            "started_at": NOW_ISO,
            "ended_at": at(642_500),
        },
    ]
    times = {"started_at": NOW_ISO, "ended_at": at(42_500), "duration": 42.5}
    started, ended, ready = bodies(receiver, "/recordings")
    assert started == {"event": "recording:started", "recording_id": recording["id"], "session_id": sid}
    assert ended == {"event": "recording:ended", "recording_id": recording["id"], "session_id": sid, **times}
    url = ready.pop("url")
    assert ready == {
        "event": "recording:ready",
        "recording_id": recording["id"],
        "session_id": sid,
        "room_id": rid,
        **times,
    }
    assert PRESIGNED.fullmatch(url), url
    download = await client.get(url)
    assert (download.status_code, download.content) == (200, mp4_bytes(42_500))
    assert bodies(receiver, "/rooms") == [
        {
            "event": "room:expired",
            "room_id": rid,
            "room_type": "instant",
            "expires_at": at(642_500),
            "created_at": NOW_ISO,
        }
    ]
    for request in receiver.received():
        assert request.headers["content-type"] == "application/json"
        assert "authorization" not in request.headers  # the room's own URLs have no secret


async def test_only_the_kinds_a_room_names(
    vonage: httpx.AsyncClient, client: httpx.AsyncClient, receiver: Receiver
) -> None:
    room = await create_room(vonage, callback_urls={"recordings_callback_url": f"{receiver.base}/recordings"})
    await join(client, room["id"], "Alice")
    recording = await start_recording(client, room["id"])
    await end_session(client, room["id"])
    await flush(client)
    assert [r.path for r in receiver.received()] == ["/recordings"] * 3
    assert [b["event"] for b in bodies(receiver, "/recordings")] == [
        "recording:started",
        "recording:ended",
        "recording:ready",
    ]
    assert bodies(receiver, "/recordings")[1]["duration"] == 0
    assert bodies(receiver, "/recordings")[0]["recording_id"] == recording["id"]


async def test_the_applications_default_endpoint_is_signed(
    vonage: httpx.AsyncClient, client: httpx.AsyncClient, receiver: Receiver
) -> None:
    await add_endpoint(client, receiver.url, secret=SECRET, events=["session:started", "room:expired"])
    room = await create_room(vonage, type="long_term", expires_at="2026-12-01T10:00:00.000Z")
    alice = await join(client, room["id"], "Alice")
    await advance_clock(client, 3_600_000)
    await flush(client)
    started, expired = receiver.received()
    assert started.json() == {
        "event": "session:started",
        "session_id": alice["session_id"],
        "room_id": room["id"],
        "started_at": NOW_ISO,
    }
    assert expired.json() == {
        "event": "room:expired",
        "room_id": room["id"],
        "room_type": "long_term",
        "expires_at": "2026-12-01T10:00:00.000Z",
        "created_at": NOW_ISO,
    }
    for request in (started, expired):
        scheme, _, token = request.headers["authorization"].partition(" ")
        assert scheme == "Bearer"
        claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_iat": False})
        assert claims["iss"] == "Vonage"
        assert claims["payload_hash"] == hashlib.sha256(request.body).hexdigest()
        assert claims["iat"] == (1_796_115_600 if request is started else 1_796_119_200)  # the event's time


async def test_no_webhook_without_a_target(vonage: httpx.AsyncClient, client: httpx.AsyncClient) -> None:
    room = await create_room(vonage)
    await join(client, room["id"], "Alice")
    assert await flush(client) == {"delivered": 0, "failed": 0, "pending": 0}


async def test_unknown_event_names_are_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{CONTROL}/webhooks/endpoints",
        json={"vendor": "vonage", "url": "http://127.0.0.1:9/x", "events": ["recording:paused"]},
    )
    assert response.status_code == 400, response.text


async def test_recording_uploaded_when_configured(
    make_app: Any, vonage_for: MakeClient, receiver: Receiver
) -> None:
    app: PrefixDispatcher = make_app(vonage_recording_ready_event="recording:uploaded")
    vonage = vonage_for(app)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://omnimeet.test"
    ) as client:
        await add_endpoint(client, receiver.url, events=["recording:uploaded"])
        room = await create_room(vonage)
        await join(client, room["id"], "Alice")
        recording = await start_recording(client, room["id"])
        await stop_recording(client, recording["id"])
        await flush(client)
    [uploaded] = receiver.received()
    assert uploaded.json()["event"] == "recording:uploaded"
    assert uploaded.json()["recording_id"] == recording["id"]
    assert PRESIGNED.fullmatch(uploaded.json()["url"])


async def test_the_format_can_name_it_recording_uploaded(
    app: PrefixDispatcher, vonage: httpx.AsyncClient, client: httpx.AsyncClient, receiver: Receiver
) -> None:
    ctx = app.state.ctx
    ctx.vendors["vonage"] = dataclasses.replace(
        ctx.vendors["vonage"], webhooks=VonageWebhooks(ctx, "recording:uploaded")
    )
    await add_endpoint(client, receiver.url, events=["recording:uploaded", "recording:ended"])
    room = await create_room(vonage)
    await join(client, room["id"], "Alice")
    recording = await start_recording(client, room["id"])
    await stop_recording(client, recording["id"])
    await flush(client)
    assert [r.json()["event"] for r in receiver.received()] == ["recording:ended", "recording:uploaded"]
