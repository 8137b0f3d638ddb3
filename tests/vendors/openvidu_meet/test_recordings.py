"""OpenVidu Meet recordings: start, read, list, stop, delete, their state rules and errors, on the virtual
clock with the control plane's progression modes."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from omnimeet.domain.meeting_records import RoomKey, find_room
from omnimeet.platform.scheduler import meeting_services
from omnimeet.platform.web import PrefixDispatcher
from tests.vendors.openvidu_meet.conftest import MakeClient
from tests.vendors.openvidu_meet.recording_support import (
    advance_recording,
    expected,
    pace,
    read,
    recording_conflict,
    recording_not_found,
    start,
)
from tests.vendors.openvidu_meet.support import (
    KEY_B,
    NOW,
    UNAUTHORIZED,
    advance,
    assert_answer,
    assert_no_content,
    create_room,
    invalid,
    room_not_found,
    room_state,
    token_for,
)

pytestmark = pytest.mark.anyio

DISABLED = {"message": "Recording is disabled in this room"}
NO_RECORDING = {"recordingPreferences": {"enabled": False}}


async def test_a_recording_starts_stops_and_becomes_ready(
    ovm: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    room = await create_room(ovm)
    name = room["roomName"]
    response = await ovm.post("/recordings", json={"roomName": name})
    assert response.status_code == 200, response.text
    recording = response.json()
    assert recording == expected(recording, name, "STARTED")
    assert response.text.endswith('"duration":0,"size":0}')  # integral numbers without ".0", as in JS
    state = await room_state(client, name)
    assert state["session"] is not None  # nobody had joined: recording started the session

    assert_answer(await ovm.get(f"/recordings/{recording['id']}"), 200, recording)
    await advance(client, 12.345)
    assert_no_content(await ovm.put(f"/recordings/{recording['id']}"))
    ended = NOW + 12_345
    assert await read(ovm, recording["id"]) == expected(recording, name, "READY", ended=ended, sized=True)
    assert '"duration":12.345,' in (await ovm.get(f"/recordings/{recording['id']}")).text

    again = await ovm.put(f"/recordings/{recording['id']}")
    assert_answer(again, 409, recording_conflict(f"Recording '{recording['id']}' is already stopped"))


async def test_a_recording_of_a_room_in_use_joins_its_session(
    ovm: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    room = await create_room(ovm)
    assert (await token_for(ovm, room, "Alice")).status_code == 200
    session = (await room_state(client, room["roomName"]))["session"]
    await start(ovm, room["roomName"])
    state = await room_state(client, room["roomName"])
    assert state["session"] == session
    assert [r["status"] for r in state["recordings"]] == ["active"]


async def test_one_recording_per_room_at_a_time(ovm: httpx.AsyncClient) -> None:
    room = await create_room(ovm)
    name = room["roomName"]
    first = await start(ovm, name)
    busy = await ovm.post("/recordings", json={"roomName": name})
    assert_answer(busy, 409, recording_conflict(f"The room '{name}' is already being recorded"))
    other = await create_room(ovm)
    await start(ovm, other["roomName"])  # another room records at the same time
    assert_no_content(await ovm.put(f"/recordings/{first['id']}"))
    second = await start(ovm, name)  # once stopped, the room records again
    assert second["id"] != first["id"]


async def test_manual_progression_and_the_state_rules(
    ovm: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    await pace(client, "manual")
    room = await create_room(ovm)
    name = room["roomName"]
    recording = await start(ovm, name)
    rid = recording["id"]
    assert recording == expected(recording, name, "STARTING")

    starting = await ovm.put(f"/recordings/{rid}")
    assert_answer(starting, 409, recording_conflict(f"Recording '{rid}' cannot be stopped while starting"))
    not_stopped = recording_conflict(f"Recording '{rid}' is not stopped yet")
    assert_answer(await ovm.delete(f"/recordings/{rid}"), 409, not_stopped)

    await advance(client, 2)
    await advance_recording(client, rid)  # -> active
    started = NOW + 2000
    assert await read(ovm, rid) == expected(recording, name, "STARTED", started=started)
    assert_answer(await ovm.delete(f"/recordings/{rid}"), 409, not_stopped)

    await advance(client, 60)
    assert_no_content(await ovm.put(f"/recordings/{rid}"))
    ended = started + 60_000
    assert await read(ovm, rid) == expected(recording, name, "STOPPING", started=started, ended=ended)
    assert_answer(await ovm.delete(f"/recordings/{rid}"), 409, not_stopped)
    already = recording_conflict(f"Recording '{rid}' is already stopped")
    assert_answer(await ovm.put(f"/recordings/{rid}"), 409, already)

    await advance_recording(client, rid)  # -> stopped: the file's size is known
    stopped = expected(recording, name, "STOPPED", started=started, ended=ended, sized=True)
    assert await read(ovm, rid) == stopped
    await advance_recording(client, rid)  # -> ready
    assert await read(ovm, rid) == {**stopped, "status": "READY"}
    assert_no_content(await ovm.delete(f"/recordings/{rid}"))


async def test_timed_progression_on_the_virtual_clock(
    ovm: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    await pace(client, "after", 5)
    room = await create_room(ovm)
    name = room["roomName"]
    recording = await start(ovm, name)
    assert recording["status"] == "STARTING"
    await advance(client, 5)
    started = NOW + 5000
    assert await read(ovm, recording["id"]) == expected(recording, name, "STARTED", started=started)
    await advance(client, 25)
    assert_no_content(await ovm.put(f"/recordings/{recording['id']}"))
    ended = started + 25_000
    assert (await read(ovm, recording["id"]))["status"] == "STOPPING"
    await advance(client, 10)  # stopping -> stopped (5 s) -> ready (5 s more)
    assert await read(ovm, recording["id"]) == expected(
        recording, name, "READY", started=started, ended=ended, sized=True
    )


async def test_a_failed_recording(ovm: httpx.AsyncClient, client: httpx.AsyncClient) -> None:
    await pace(client, "manual")
    room = await create_room(ovm)
    recording = await start(ovm, room["roomName"])
    await advance_recording(client, recording["id"], "failed")
    failed = await read(ovm, recording["id"])
    assert failed == expected(recording, room["roomName"], "FAILED")
    already = recording_conflict(f"Recording '{recording['id']}' is already stopped")
    assert_answer(await ovm.put(f"/recordings/{recording['id']}"), 409, already)
    assert_no_content(await ovm.delete(f"/recordings/{recording['id']}"))


async def test_deleting_the_room_stops_its_recording(
    ovm: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    room = await create_room(ovm)
    recording = await start(ovm, room["roomName"])
    await advance(client, 3)
    assert_no_content(await ovm.delete(f"/rooms/{room['roomName']}"))
    assert await read(ovm, recording["id"]) == expected(
        recording, room["roomName"], "READY", ended=NOW + 3000, sized=True
    )


async def test_list_and_filter_by_status(ovm: httpx.AsyncClient, client: httpx.AsyncClient) -> None:
    first_room, second_room = await create_room(ovm), await create_room(ovm)
    first = await start(ovm, first_room["roomName"])
    assert_no_content(await ovm.put(f"/recordings/{first['id']}"))
    await pace(client, "manual")
    second = await start(ovm, second_room["roomName"])
    everything = [await read(ovm, first["id"]), await read(ovm, second["id"])]
    assert_answer(await ovm.get("/recordings"), 200, everything)
    assert_answer(await ovm.get("/recordings", params={"status": "READY"}), 200, everything[:1])
    assert_answer(await ovm.get("/recordings", params={"status": "STARTING"}), 200, everything[1:])
    assert_answer(await ovm.get("/recordings", params={"status": "paused"}), 200, [])


async def test_recordings_belong_to_their_tenant(app: PrefixDispatcher, ovm_for: MakeClient) -> None:
    mine, theirs = ovm_for(app), ovm_for(app, KEY_B)
    room = await create_room(mine)
    recording = await start(mine, room["roomName"])
    rid = recording["id"]
    assert_answer(await theirs.get("/recordings"), 200, [])
    for response in (
        await theirs.get(f"/recordings/{rid}"),
        await theirs.put(f"/recordings/{rid}"),
        await theirs.delete(f"/recordings/{rid}"),
        await theirs.get(f"/recordings/{rid}/stream"),
    ):
        assert_answer(response, 404, recording_not_found(rid))
    foreign = await theirs.post("/recordings", json={"roomName": room["roomName"]})
    assert_answer(foreign, 404, room_not_found(room["roomName"]))
    assert_no_content(await theirs.request("DELETE", "/recordings", json={"recordingIds": [rid]}))
    assert (await read(mine, rid))["status"] == "STARTED"


async def test_recording_disabled_in_the_room(ovm: httpx.AsyncClient) -> None:
    room = await create_room(ovm, preferences=NO_RECORDING)
    assert_answer(await ovm.post("/recordings", json={"roomName": room["roomName"]}), 403, DISABLED)
    other = await create_room(ovm)
    recording = await start(ovm, other["roomName"])
    changed = await ovm.put(f"/rooms/{other['roomName']}", json=NO_RECORDING)
    assert changed.status_code == 200, changed.text
    assert_answer(await ovm.put(f"/recordings/{recording['id']}"), 403, DISABLED)


async def test_unknown_recordings_and_rooms(ovm: httpx.AsyncClient) -> None:
    for sent, rid in [("EG_000000000000",) * 2, ("x" * 300,) * 2, ("a%00b", "a\x00b")]:
        for method in ("GET", "PUT", "DELETE"):
            response = await ovm.request(method, f"/recordings/{sent}")
            assert_answer(response, 404, recording_not_found(rid))
    missing = await ovm.post("/recordings", json={"roomName": "nope"})
    assert_answer(missing, 404, room_not_found("nope"))


async def test_invalid_bodies(ovm: httpx.AsyncClient) -> None:
    assert_answer(await ovm.post("/recordings", json={}), 422, invalid(("roomName", "Required")))
    assert_answer(await ovm.post("/recordings"), 422, invalid(("roomName", "Required")))
    wrong = await ovm.post("/recordings", json={"roomName": 5})
    assert_answer(wrong, 422, invalid(("roomName", "Expected string, received number")))
    assert_answer(
        await ovm.request("DELETE", "/recordings", json={}), 422, invalid(("recordingIds", "Required"))
    )
    not_list = await ovm.request("DELETE", "/recordings", json={"recordingIds": "a"})
    assert_answer(not_list, 422, invalid(("recordingIds", "Expected array, received string")))


async def test_the_api_key_is_required(app: PrefixDispatcher, ovm_for: MakeClient) -> None:
    anonymous = ovm_for(app, None)
    for method, path in [
        ("POST", "/recordings"),
        ("GET", "/recordings"),
        ("DELETE", "/recordings"),
        ("GET", "/recordings/EG_x"),
        ("PUT", "/recordings/EG_x"),
        ("DELETE", "/recordings/EG_x"),
        ("GET", "/recordings/EG_x/stream"),
    ]:
        assert_answer(await anonymous.request(method, path), 401, UNAUTHORIZED)


async def test_delete_one_and_many(ovm: httpx.AsyncClient, client: httpx.AsyncClient) -> None:
    rooms = [await create_room(ovm) for _ in range(3)]
    done = [await start(ovm, room["roomName"]) for room in rooms[:2]]
    for recording in done:
        assert_no_content(await ovm.put(f"/recordings/{recording['id']}"))
    running = await start(ovm, rooms[2]["roomName"])

    assert_no_content(await ovm.delete(f"/recordings/{done[0]['id']}"))
    assert_answer(await ovm.get(f"/recordings/{done[0]['id']}"), 404, recording_not_found(done[0]["id"]))
    gone = await ovm.delete(f"/recordings/{done[0]['id']}")
    assert_answer(gone, 404, recording_not_found(done[0]["id"]))

    ids = [done[1]["id"], running["id"], "EG_unknown", done[1]["id"]]
    assert_no_content(await ovm.request("DELETE", "/recordings", json={"recordingIds": ids}))
    left = (await ovm.get("/recordings")).json()
    assert [r["id"] for r in left] == [running["id"]]  # the one still recording is kept
    assert_no_content(await ovm.request("DELETE", "/recordings", json={"recordingIds": []}))


async def test_a_start_waits_for_a_concurrent_one(app: PrefixDispatcher, ovm: httpx.AsyncClient) -> None:
    """Another unit of work starting the session and a recording of the room holds the room's lock: this
    start waits for it, then sees the room being recorded (not a session conflict)."""
    room = await create_room(ovm)
    name = room["roomName"]
    ctx = app.state.ctx
    services = meeting_services(ctx)
    started = threading.Event()

    def concurrent() -> None:
        with ctx.db.transaction() as tx:
            stored = find_room(tx, RoomKey("openvidu-meet", name))
            services.meetings.start_session(tx, stored)
            services.recordings.start(tx, stored)
            started.set()
            time.sleep(0.3)  # holds the lock while the request tries

    thread = threading.Thread(target=concurrent)
    thread.start()
    assert started.wait(10)
    response = await ovm.post("/recordings", json={"roomName": name})
    thread.join(30)
    assert_answer(response, 409, recording_conflict(f"The room '{name}' is already being recorded"))
