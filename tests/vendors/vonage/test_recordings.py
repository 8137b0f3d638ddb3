"""Vonage recordings through the control plane: the wire statuses of a recording's life, reading, deleting,
a session's recordings (both paths, both bases), auto_record, and the rules' ids and statuses."""

from __future__ import annotations

import base64
import re
from typing import Any

import httpx
import pytest

from omnimeet.domain.states import RecordingStatus
from omnimeet.platform.web import PrefixDispatcher
from omnimeet.vendors.vonage.rules import WIRE_STATUS, WIRE_STATUSES
from tests.vendors.vonage.conftest import MakeClient
from tests.vendors.vonage.recordings_support import (
    SESSION_ID,
    UUID4,
    advance_clock,
    advance_recording,
    beta,
    create_room,
    end_session,
    join,
    link_of,
    pace,
    start_recording,
    start_session,
    stop_recording,
    without_link,
)
from tests.vendors.vonage.support import APP_B, NOW, NOW_ISO, assert_answer, assert_no_content, error

pytestmark = pytest.mark.anyio

LATER_ISO = "2026-12-01T09:00:42.000Z"
NOT_DELETABLE = error(403, "ForbiddenError", "Can only delete recordings in 'uploaded' status")


async def recorded(vonage: httpx.AsyncClient, client: httpx.AsyncClient) -> tuple[dict[str, Any], str]:
    """A room with a session and a recording started at NOW (the default, immediate, progression)."""
    room = await create_room(vonage)
    session = await start_session(client, room["id"])
    recording = await start_recording(client, room["id"])
    return recording, session["id"]


async def read(vonage: httpx.AsyncClient, recording_id: str) -> dict[str, Any]:
    response = await vonage.get(f"/recordings/{recording_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def expected(recording_id: str, session_id: str, status: str, ended_at: str | None = None) -> dict[str, Any]:
    return {
        "id": recording_id,
        "session_id": session_id,
        "started_at": NOW_ISO,
        "ended_at": ended_at,
        "status": status,
    }


async def test_a_recording_through_its_wire_statuses(
    vonage: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    await pace(client, "manual")
    room = await create_room(vonage)
    session = await start_session(client, room["id"])
    recording = await start_recording(client, room["id"])
    assert UUID4.fullmatch(recording["id"])
    rid, sid = recording["id"], session["id"]
    assert without_link(await read(vonage, rid)) == expected(rid, sid, "started")  # starting
    await advance_clock(client, 2_000)
    await advance_recording(client, rid)  # active: it records from now on
    started = "2026-12-01T09:00:02.000Z"
    assert without_link(await read(vonage, rid)) == {**expected(rid, sid, "started"), "started_at": started}
    await advance_recording(client, rid, "paused")
    assert (await read(vonage, rid))["status"] == "paused"
    await advance_recording(client, rid, "active")
    assert (await read(vonage, rid))["status"] == "started"
    await advance_clock(client, 40_000)
    await stop_recording(client, rid)  # stopping
    stopped = {**expected(rid, sid, "stopped", LATER_ISO), "started_at": started}
    assert without_link(await read(vonage, rid)) == stopped
    await advance_recording(client, rid)  # stopped: the file is written
    assert without_link(await read(vonage, rid)) == stopped
    await advance_recording(client, rid)  # ready
    assert without_link(await read(vonage, rid)) == {**stopped, "status": "uploaded"}


async def test_a_failed_recording_stays_stopped_and_cannot_be_deleted(
    vonage: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    await pace(client, "manual")
    recording, session_id = await recorded(vonage, client)
    await advance_recording(client, recording["id"], "failed")
    assert without_link(await read(vonage, recording["id"])) == expected(
        recording["id"], session_id, "stopped"
    )
    assert_answer(await vonage.delete(f"/recordings/{recording['id']}"), 403, NOT_DELETABLE)


async def test_unknown_and_other_applications_recordings_are_not_found(
    app: PrefixDispatcher, vonage: httpx.AsyncClient, vonage_for: MakeClient, client: httpx.AsyncClient
) -> None:
    recording, _ = await recorded(vonage, client)
    other = vonage_for(app, APP_B)
    for caller, recording_id in ((vonage, "not-a-real-recording-id"), (other, recording["id"])):
        assert_answer(
            await caller.get(f"/recordings/{recording_id}"),
            404,
            error(404, "NotFoundError", f"Recording {recording_id} was not found"),
        )
        assert_answer(
            await caller.delete(f"/recordings/{recording_id}"),
            404,
            error(404, "NotFoundError", "Could not find recording"),
        )
    long_id = "x" * 300
    assert_answer(
        await vonage.get(f"/recordings/{long_id}"),
        404,
        error(404, "NotFoundError", f"Recording {long_id} was not found"),
    )


async def test_only_an_uploaded_recording_is_deleted(
    vonage: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    recording, _ = await recorded(vonage, client)
    rid = recording["id"]
    assert_answer(await vonage.delete(f"/recordings/{rid}"), 403, NOT_DELETABLE)  # started
    await advance_recording(client, rid, "paused")
    assert_answer(await vonage.delete(f"/recordings/{rid}"), 403, NOT_DELETABLE)
    await advance_clock(client, 42_000)
    await stop_recording(client, rid)  # immediate: stopped, then uploaded
    link = link_of(await read(vonage, rid))
    assert (await client.get(link)).status_code == 200
    assert_no_content(await vonage.delete(f"/recordings/{rid}"))
    assert_answer(
        await vonage.get(f"/recordings/{rid}"),
        404,
        error(404, "NotFoundError", f"Recording {rid} was not found"),
    )
    assert_answer(
        await vonage.delete(f"/recordings/{rid}"),
        404,
        error(404, "NotFoundError", "Could not find recording"),
    )
    gone = await client.get(link)
    assert gone.status_code == 404
    assert b"<Code>NoSuchKey</Code>" in gone.content


async def test_a_stopping_recording_cannot_be_deleted(
    vonage: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    await pace(client, "manual")
    recording, _ = await recorded(vonage, client)
    await advance_recording(client, recording["id"], "stopped")
    assert_answer(await vonage.delete(f"/recordings/{recording['id']}"), 403, NOT_DELETABLE)


async def test_the_recordings_of_a_session(
    app: PrefixDispatcher, vonage: httpx.AsyncClient, vonage_for: MakeClient, client: httpx.AsyncClient
) -> None:
    room = await create_room(vonage)
    session = await start_session(client, room["id"])
    first = await start_recording(client, room["id"])
    await advance_clock(client, 42_000)
    await stop_recording(client, first["id"])
    second = await start_recording(client, room["id"])
    sid = session["id"]
    want = [
        expected(first["id"], sid, "uploaded", LATER_ISO),
        {**expected(second["id"], sid, "started"), "started_at": LATER_ISO},
    ]
    for path in (f"/sessions/{sid}/recordings", f"/sessions/{sid}"):
        response = await vonage.get(path)
        assert response.status_code == 200, response.text
        assert list(response.json()) == ["_embedded"]
        assert [without_link(r) for r in response.json()["_embedded"]["recordings"]] == want
    async with beta(app) as plain:
        response = await plain.get(f"/sessions/{sid}/recordings")
        assert [without_link(r) for r in response.json()["_embedded"]["recordings"]] == want
    other = vonage_for(app, APP_B)
    for caller, session_id in ((vonage, "not-a-real-session-id"), (other, sid)):
        for path in (f"/sessions/{session_id}/recordings", f"/sessions/{session_id}"):
            assert_answer(
                await caller.get(path),
                404,
                error(404, "NotFoundError", f"Failed to find session recordings by id: {session_id}"),
            )


async def test_a_session_without_recordings_is_not_found(
    vonage: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    room = await create_room(vonage)
    session = await start_session(client, room["id"])
    assert_answer(
        await vonage.get(f"/sessions/{session['id']}/recordings"),
        404,
        error(404, "NotFoundError", f"Failed to find session recordings by id: {session['id']}"),
    )


async def test_auto_record_records_each_session(vonage: httpx.AsyncClient, client: httpx.AsyncClient) -> None:
    room = await create_room(vonage, recording_options={"auto_record": True})
    alice = await join(client, room["id"], "Alice")
    response = await vonage.get(f"/sessions/{alice['session_id']}/recordings")
    [recording] = response.json()["_embedded"]["recordings"]
    assert without_link(recording) == expected(recording["id"], alice["session_id"], "started")
    await advance_clock(client, 42_000)
    await end_session(client, room["id"])  # the recording stops with its session
    assert without_link(await read(vonage, recording["id"])) == expected(
        recording["id"], alice["session_id"], "uploaded", LATER_ISO
    )
    plain = await create_room(vonage)
    bob = await join(client, plain["id"], "Bob")
    assert (await vonage.get(f"/sessions/{bob['session_id']}")).status_code == 404


async def test_session_ids_look_like_vonage_video_ones(
    vonage: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    room = await create_room(vonage)
    session = await start_session(client, room["id"])
    assert SESSION_ID.fullmatch(session["id"])
    encoded = session["id"].removeprefix("1_")
    decoded = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    assert re.fullmatch(rf"1~\d{{8}}~~{NOW}~[A-Za-z0-9]{{24}}~~~", decoded), decoded


def test_every_domain_status_has_a_wire_status() -> None:
    for status in RecordingStatus:
        assert WIRE_STATUS[status.value] in WIRE_STATUSES
    assert {WIRE_STATUS[s.value] for s in RecordingStatus} == set(WIRE_STATUSES)
    assert WIRE_STATUS["starting"] == WIRE_STATUS["active"] == "started"
    assert WIRE_STATUS["stopping"] == WIRE_STATUS["stopped"] == WIRE_STATUS["failed"] == "stopped"
    assert (WIRE_STATUS["paused"], WIRE_STATUS["ready"]) == ("paused", "uploaded")
