"""The simulation endpoints, driving Telemost conferences created through the Telemost API."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from omnimeet.domain import tables
from omnimeet.platform.context import AppContext
from omnimeet.platform.web import PrefixDispatcher

pytestmark = pytest.mark.anyio

START = "2030-01-01T00:00:00.000Z"
TELEMOST = "/telemost/v1/telemost-api"
SIM = "/_omnimeet/vendors/telemost"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def auth(token: str = "sim-token-a") -> dict[str, str]:
    return {"Authorization": f"OAuth {token}"}


@pytest.fixture
async def frozen(client: httpx.AsyncClient) -> None:
    response = await client.post("/_omnimeet/clock", json={"now": START, "freeze": True})
    assert response.status_code == 200


async def conference(client: httpx.AsyncClient, token: str = "sim-token-a") -> str:
    response = await client.post(f"{TELEMOST}/conferences", json={}, headers=auth(token))
    assert response.status_code == 201
    conference_id: str = response.json()["id"]
    return conference_id


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def set_room(app: PrefixDispatcher, public_id: str, **values: Any) -> None:
    ctx: AppContext = app.state.ctx
    with ctx.db.transaction() as tx:
        tx.update(tables.ROOMS, {"public_id": public_id}, values)


async def manual(client: httpx.AsyncClient) -> None:
    await ok(await client.put("/_omnimeet/progression/telemost/recording", json={"mode": "manual"}))


@pytest.mark.usefixtures("frozen")
async def test_a_meeting_from_start_to_end(client: httpx.AsyncClient) -> None:
    room = await conference(client)
    state = await ok(await client.get(f"{SIM}/rooms/{room}"))
    tenant = state["room"]["tenant"]
    assert tenant.startswith("t_")
    assert state == {
        "room": {"id": room, "tenant": tenant, "expires_at": None, "expired": False},
        "session": None,
        "participants": [],
        "recordings": [],
    }

    session = await ok(await client.post(f"{SIM}/rooms/{room}/session"), 201)
    assert UUID.match(session["id"])
    assert session == {
        "id": session["id"],
        "room_id": room,
        "status": "active",
        "started_at": START,
        "ended_at": None,
    }
    await client.post("/_omnimeet/clock", json={"advance_seconds": 1})
    ann = await ok(
        await client.post(
            f"{SIM}/rooms/{room}/participants", json={"name": "Ann", "role": "host", "id": "ann"}
        ),
        201,
    )
    assert ann == {
        "id": "ann",
        "session_id": session["id"],
        "name": "Ann",
        "role": "host",
        "joined_at": "2030-01-01T00:00:01.000Z",
        "left_at": None,
    }
    bob = await ok(await client.post(f"{SIM}/rooms/{room}/participants", json={"name": "Bob"}), 201)
    assert UUID.match(bob["id"])
    assert bob["role"] == "participant"

    recording = await ok(await client.post(f"{SIM}/rooms/{room}/recordings"), 201)
    assert recording == {
        "id": recording["id"],
        "room_id": room,
        "session_id": session["id"],
        "status": "active",
        "started_at": "2030-01-01T00:00:01.000Z",
        "ended_at": None,
        "size": None,
        "filename": None,
    }
    state = await ok(await client.get(f"{SIM}/rooms/{room}"))
    assert state["session"] == session
    assert [p["id"] for p in state["participants"]] == ["ann", bob["id"]]
    assert state["recordings"] == [recording]

    await client.post("/_omnimeet/clock", json={"advance_seconds": 60})
    left = await ok(await client.delete(f"{SIM}/rooms/{room}/participants/ann"))
    assert left == {**ann, "left_at": "2030-01-01T00:01:01.000Z"}
    ended = await ok(await client.delete(f"{SIM}/rooms/{room}/session"))
    assert ended == {**session, "status": "ended", "ended_at": "2030-01-01T00:01:01.000Z"}

    state = await ok(await client.get(f"{SIM}/rooms/{room}"))
    assert (state["session"], state["participants"]) == (None, [])
    [done] = state["recordings"]
    assert done == {
        **recording,
        "status": "ready",
        "ended_at": "2030-01-01T00:01:01.000Z",
        "size": 60_000 * 125,
        "filename": f"{recording['id']}.mp4",
    }
    assert await ok(await client.get(f"{SIM}/recordings/{recording['id']}")) == done


async def test_rooms_of_every_tenant_are_reachable(client: httpx.AsyncClient) -> None:
    mine, theirs = await conference(client, "token-a"), await conference(client, "token-b")
    a = await ok(await client.get(f"{SIM}/rooms/{mine}"))
    b = await ok(await client.get(f"{SIM}/rooms/{theirs}"))
    assert a["room"]["tenant"] != b["room"]["tenant"]
    await ok(await client.post(f"{SIM}/rooms/{theirs}/participants", json={"name": "Eve"}), 201)


async def test_unknown_vendor_room_and_objects(client: httpx.AsyncClient) -> None:
    room = await conference(client)
    response = await client.get(f"/_omnimeet/vendors/skype/rooms/{room}")
    assert response.status_code == 404
    assert response.json() == {
        "error": "not_found",
        "message": "No vendor named 'skype'.",
        "details": {"vendor": "skype"},
    }
    for method, path in [
        ("GET", "/rooms/12345678901234"),
        ("POST", "/rooms/12345678901234/session"),
        ("DELETE", "/rooms/12345678901234/session"),
        ("POST", "/rooms/12345678901234/recordings"),
        ("DELETE", "/rooms/12345678901234/participants/ann"),
    ]:
        response = await client.request(method, f"{SIM}{path}")
        assert response.status_code == 404, path
        assert response.json() == {
            "error": "not_found",
            "message": "room: not_found (id=12345678901234)",
            "details": {"id": "12345678901234"},
        }
    for method, path in [("GET", ""), ("POST", "/stop"), ("POST", "/advance")]:
        response = await client.request(method, f"{SIM}/recordings/nope{path}")
        assert response.status_code == 404
        assert response.json() == {
            "error": "not_found",
            "message": "recording: not_found (id=nope)",
            "details": {"id": "nope"},
        }
    response = await client.delete(f"{SIM}/rooms/{room}/session")
    assert response.status_code == 404
    assert response.json() == {
        "error": "not_found",
        "message": f"session: not_found (room_id={room})",
        "details": {"room_id": room},
    }
    response = await client.delete(f"{SIM}/rooms/{room}/participants/ann")
    assert response.status_code == 404
    assert response.json()["message"] == "participant: not_found (id=ann)"


async def test_a_deleted_conference_is_gone_here_too(client: httpx.AsyncClient) -> None:
    room = await conference(client)
    assert (await client.delete(f"{TELEMOST}/conferences/{room}", headers=auth())).status_code == 204
    assert (await client.get(f"{SIM}/rooms/{room}")).status_code == 404


async def test_session_conflicts(client: httpx.AsyncClient) -> None:
    room = await conference(client)
    session = await ok(await client.post(f"{SIM}/rooms/{room}/session"), 201)
    response = await client.post(f"{SIM}/rooms/{room}/session")
    assert response.status_code == 409
    assert response.json() == {
        "error": "conflict",
        "message": f"session: conflict (reason=active, session_id={session['id']})",
        "details": {"reason": "active", "session_id": session["id"]},
    }


async def test_the_participant_limit_applies(client: httpx.AsyncClient, app: PrefixDispatcher) -> None:
    room = await conference(client)
    set_room(app, room, max_participants=1)
    await ok(await client.post(f"{SIM}/rooms/{room}/participants", json={"name": "Ann", "id": "ann"}), 201)
    response = await client.post(f"{SIM}/rooms/{room}/participants", json={"name": "Bob"})
    assert response.status_code == 409
    assert response.json() == {
        "error": "limit_reached",
        "message": "participant: limit_reached (limit=1)",
        "details": {"limit": 1},
    }
    await ok(await client.delete(f"{SIM}/rooms/{room}/participants/ann"))
    await ok(await client.post(f"{SIM}/rooms/{room}/participants", json={"name": "Bob"}), 201)


async def test_participant_conflicts(client: httpx.AsyncClient) -> None:
    room = await conference(client)
    await ok(await client.post(f"{SIM}/rooms/{room}/participants", json={"name": "Ann", "id": "ann"}), 201)
    response = await client.post(f"{SIM}/rooms/{room}/participants", json={"name": "Ann", "id": "ann"})
    assert response.status_code == 409
    assert response.json() == {
        "error": "conflict",
        "message": "participant: conflict (reason=present, id=ann)",
        "details": {"reason": "present", "id": "ann"},
    }
    await ok(await client.delete(f"{SIM}/rooms/{room}/participants/ann"))
    response = await client.delete(f"{SIM}/rooms/{room}/participants/ann")
    assert response.status_code == 409
    assert response.json()["details"] == {"reason": "left", "id": "ann"}


@pytest.mark.usefixtures("frozen")
async def test_an_expired_room_takes_nobody(client: httpx.AsyncClient, app: PrefixDispatcher) -> None:
    room = await conference(client)
    set_room(app, room, expires_at_ms=1_893_456_060_000)
    await client.post("/_omnimeet/clock", json={"advance_seconds": 60})
    state = await ok(await client.get(f"{SIM}/rooms/{room}"))
    assert state["room"]["expired"] is True
    assert state["room"]["expires_at"] == "2030-01-01T00:01:00.000Z"
    for path, body in [("/session", None), ("/participants", {"name": "Ann"})]:
        response = await client.post(f"{SIM}/rooms/{room}{path}", json=body)
        assert response.status_code == 409
        assert response.json() == {
            "error": "conflict",
            "message": f"room: conflict (reason=expired, id={room})",
            "details": {"reason": "expired", "id": room},
        }


async def test_recording_conflicts_and_transitions(client: httpx.AsyncClient) -> None:
    await manual(client)
    room = await conference(client)
    response = await client.post(f"{SIM}/rooms/{room}/recordings")
    assert response.status_code == 409
    assert response.json() == {
        "error": "conflict",
        "message": "recording: conflict (reason=no_active_session)",
        "details": {"reason": "no_active_session"},
    }
    await ok(await client.post(f"{SIM}/rooms/{room}/session"), 201)
    recording = await ok(await client.post(f"{SIM}/rooms/{room}/recordings"), 201)
    assert recording["status"] == "starting"
    path = f"{SIM}/recordings/{recording['id']}"
    response = await client.post(f"{SIM}/rooms/{room}/recordings")
    assert response.status_code == 409
    assert response.json()["details"] == {"reason": "in_progress", "recording_id": recording["id"]}

    response = await client.post(f"{path}/stop")
    assert response.status_code == 409
    assert response.json() == {
        "error": "invalid_transition",
        "message": "recording: invalid_transition (from=starting, to=stopping)",
        "details": {"from": "starting", "to": "stopping"},
    }
    assert (await ok(await client.post(f"{path}/advance")))["status"] == "active"
    assert (await ok(await client.post(f"{path}/advance", json={"status": "paused"})))["status"] == "paused"
    assert (await ok(await client.post(f"{path}/stop")))["status"] == "stopping"
    assert (await ok(await client.post(f"{path}/advance", json={})))["status"] == "stopped"
    ready = await ok(await client.post(f"{path}/advance", json={"status": "ready"}))
    assert (ready["status"], ready["filename"]) == ("ready", f"{recording['id']}.mp4")
    response = await client.post(f"{path}/advance")
    assert response.status_code == 409
    assert response.json() == {
        "error": "invalid_transition",
        "message": "recording: invalid_transition (from=ready, to=None)",
        "details": {"from": "ready", "to": None},
    }
    response = await client.post(f"{path}/advance", json={"status": "failed"})
    assert response.status_code == 409
    assert response.json()["details"] == {"from": "ready", "to": "failed"}


async def test_advance_goes_through_the_states_between(client: httpx.AsyncClient) -> None:
    await manual(client)
    room = await conference(client)
    await ok(await client.post(f"{SIM}/rooms/{room}/participants", json={"name": "Ann"}), 201)
    recording = await ok(await client.post(f"{SIM}/rooms/{room}/recordings"), 201)
    done = await ok(
        await client.post(f"{SIM}/recordings/{recording['id']}/advance", json={"status": "ready"})
    )
    assert done["status"] == "ready"
    assert done["size"] is not None


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/participants", {}),
        ("/participants", {"name": ""}),
        ("/participants", {"name": "A\u0000"}),
        ("/participants", {"name": "Ann", "id": "x" * 129}),
        ("/participants", {"name": "Ann", "colour": "red"}),
        ("/participants", {"name": "Ann", "role": 5}),
    ],
)
async def test_bad_simulation_requests_are_400(
    client: httpx.AsyncClient, path: str, body: dict[str, Any]
) -> None:
    room = await conference(client)
    response = await client.post(f"{SIM}/rooms/{room}{path}", json=body)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


async def test_bad_ids_and_statuses_are_400(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{SIM}/rooms/{'1' * 129}")
    assert (response.status_code, response.json()["error"]) == (400, "invalid_request")
    response = await client.get(f"{SIM}/rooms/a%00b")
    assert (response.status_code, response.json()["error"]) == (400, "invalid_request")
    response = await client.post(f"{SIM}/recordings/x/advance", json={"status": "burning"})
    assert (response.status_code, response.json()["error"]) == (400, "invalid_request")
