"""Signalling: start, start_invited, call-in start, and the /signaling WebSocket (in-process and live)."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
import pytest
import websockets
from starlette.testclient import TestClient, WebSocketDenialResponse

from omnimeet.domain.join_tickets import TICKET_TTL_MS
from omnimeet.platform.web import PrefixDispatcher
from omnimeet.testing.plugin import OmnimeetServer
from tests.vendors.opentalk.access_support import make_room, user
from tests.vendors.opentalk.signaling_support import (
    NO_BREAKOUT,
    PROTOCOL,
    TOKEN,
    WRONG_PASSWORD,
    WS_PATH,
    freeze_clock,
    people_in,
    send_join,
    start_session,
)
from tests.vendors.opentalk.support import (
    BAD_REQUEST,
    FORBIDDEN,
    NOT_FOUND,
    NOW,
    ROOT,
    UNAUTHORIZED,
    assert_error,
    error,
    token,
)

# --- HTTP ----------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_start_gives_a_ticket_and_a_resumption_token(
    app: PrefixDispatcher, ot: httpx.AsyncClient
) -> None:
    room_id = make_room(app)
    started = await ot.post(f"/rooms/{room_id}/start", json={})
    assert started.status_code == 200
    assert set(started.json()) == {"ticket", "resumption"}
    assert TOKEN.match(started.json()["ticket"])
    assert TOKEN.match(started.json()["resumption"])
    again = await ot.post(f"/rooms/{room_id}/start", json={"resumption": started.json()["resumption"]})
    # The first ticket was never used: no participant to resume, a new token.
    assert again.json()["resumption"] != started.json()["resumption"]


@pytest.mark.anyio
async def test_start_refusals(
    app: PrefixDispatcher, ot: httpx.AsyncClient, ot_bob: httpx.AsyncClient
) -> None:
    room_id = make_room(app, password="pw")
    assert_error(await ot_bob.post(f"/rooms/{room_id}/start", json={}), 403, FORBIDDEN)
    assert_error(await ot.post(f"/rooms/{uuid.uuid4()}/start", json={}), 403, FORBIDDEN)
    breakout = await ot.post(f"/rooms/{room_id}/start", json={"breakout_room": str(uuid.uuid4())})
    assert_error(breakout, 400, NO_BREAKOUT)
    # The creator needs no password.
    assert (await ot.post(f"/rooms/{room_id}/start", json={})).status_code == 200
    assert_error(await ot.post("/rooms/not-a-room/start", json={}), 400, BAD_REQUEST)
    odd = await ot.post(f"/rooms/{room_id}/start", json={"resumption": "not\u0000ours"})
    assert TOKEN.match(odd.json()["resumption"])


@pytest.mark.anyio
async def test_users_invited_to_the_rooms_event_may_start(
    ot: httpx.AsyncClient, ot_bob: httpx.AsyncClient
) -> None:
    event = await ot.post("/events", json={"title": "Retro", "description": "", "is_time_independent": True})
    assert event.status_code == 201, event.text
    room_id = event.json()["room"]["id"]
    assert_error(await ot_bob.post(f"/rooms/{room_id}/start", json={}), 403, FORBIDDEN)
    bob = (await ot_bob.get("/users/me")).json()["id"]
    assert (await ot.post(f"/events/{event.json()['id']}/invites", json={"invitee": bob})).status_code == 201
    started = await ot_bob.post(f"/rooms/{room_id}/start", json={})
    assert started.status_code == 200
    assert TOKEN.match(started.json()["ticket"])


@pytest.mark.anyio
async def test_start_invited(app: PrefixDispatcher, ot: httpx.AsyncClient, ot_for: Any) -> None:
    guest: httpx.AsyncClient = ot_for(app, bearer=None)
    room_id, locked_id = make_room(app), make_room(app, password="pw")
    code = (await ot.post(f"/rooms/{room_id}/invites", json={})).json()["invite_code"]
    locked_code = (await ot.post(f"/rooms/{locked_id}/invites", json={})).json()["invite_code"]
    started = await guest.post(f"/rooms/{room_id}/start_invited", json={"invite_code": code, "password": "x"})
    assert started.status_code == 200
    assert TOKEN.match(started.json()["ticket"])
    wrong = await guest.post(
        f"/rooms/{locked_id}/start_invited", json={"invite_code": locked_code, "password": "x"}
    )
    assert_error(wrong, 401, WRONG_PASSWORD)
    missing = await guest.post(f"/rooms/{locked_id}/start_invited", json={"invite_code": locked_code})
    assert_error(missing, 401, WRONG_PASSWORD)
    right = await guest.post(
        f"/rooms/{locked_id}/start_invited", json={"invite_code": locked_code, "password": "pw"}
    )
    assert right.status_code == 200
    mismatch = await guest.post(f"/rooms/{locked_id}/start_invited", json={"invite_code": code})
    assert_error(mismatch, 400, error("bad_request", "Room id mismatch"))
    unknown = await guest.post(f"/rooms/{room_id}/start_invited", json={"invite_code": str(uuid.uuid4())})
    assert_error(unknown, 404, NOT_FOUND)
    breakout = await guest.post(
        f"/rooms/{room_id}/start_invited", json={"invite_code": code, "breakout_room": str(uuid.uuid4())}
    )
    assert_error(breakout, 400, NO_BREAKOUT)
    await ot.delete(f"/rooms/{room_id}/invites/{code}")
    withdrawn = await guest.post(f"/rooms/{room_id}/start_invited", json={"invite_code": code})
    assert_error(withdrawn, 404, NOT_FOUND)


@pytest.mark.anyio
async def test_call_in_start(app: PrefixDispatcher, ot: httpx.AsyncClient, ot_for: Any) -> None:
    room_id = make_room(app)
    sip = (await ot.put(f"/rooms/{room_id}/sip", json={"password": "1234567890"})).json()
    gateway: httpx.AsyncClient = ot_for(app, "sip-gateway")
    started = await gateway.post("/services/call_in/start", json={"id": sip["sip_id"], "pin": "1234567890"})
    assert started.status_code == 200
    assert TOKEN.match(started.json()["ticket"])
    wrong = await gateway.post("/services/call_in/start", json={"id": sip["sip_id"], "pin": "1234567891"})
    assert_error(wrong, 400, error("invalid_credentials", "The provided credentials are invalid"))
    unauthenticated: httpx.AsyncClient = ot_for(app, bearer=None)
    refused = await unauthenticated.post(
        "/services/call_in/start", json={"id": sip["sip_id"], "pin": "1234567890"}
    )
    assert refused.status_code == 401


# --- WebSocket, in-process -----------------------------------------------------------------------


def test_the_socket_joins_the_live_session_until_it_closes(app: PrefixDispatcher) -> None:
    freeze_clock(app)
    room_id = make_room(app)
    alice = user(app, "alice")
    with TestClient(app, base_url=ROOT) as client:
        ticket = start_session(client, room_id)["ticket"]
        with client.websocket_connect(WS_PATH, subprotocols=[PROTOCOL, f"ticket#{ticket}"]) as ws:
            assert ws.accepted_subprotocol == PROTOCOL
            success = send_join(ws, "  Alice at home\u0000 ")
            assert success["namespace"] == "control"
            assert success["timestamp"] == "2026-12-01T09:00:00Z"
            payload = success["payload"]
            participant_id = payload["id"]
            assert payload == {
                "message": "join_success",
                "id": participant_id,
                "display_name": "Alice at home",
                "avatar_url": payload["avatar_url"],
                "role": "moderator",
                "closes_at": None,
                "is_room_owner": True,
                "event_info": None,
                "participants": [],
            }
            assert payload["avatar_url"].startswith("https://gravatar.com/avatar/")
            present = people_in(client, room_id)
            assert [(p["id"], p["name"], p["role"]) for p in present] == [
                (participant_id, "Alice at home", "moderator")
            ]
            ws.send_text(json.dumps({"namespace": "control", "payload": {"action": "join"}}))
            assert json.loads(ws.receive_text())["payload"] == {"error": "already_joined"}
            ws.send_text("not json")
            assert json.loads(ws.receive_text())["payload"] == {"error": "invalid_json"}
        assert people_in(client, room_id) == []
        assert alice.public_id  # the ticket was asked for by Alice


def test_others_see_joined_and_left(app: PrefixDispatcher) -> None:
    freeze_clock(app)
    room_id = make_room(app)
    with TestClient(app, base_url=ROOT) as client:
        code = client.post(
            f"/opentalk/v1/rooms/{room_id}/invites",
            json={},
            headers={"Authorization": f"Bearer {token('alice')}"},
        ).json()["invite_code"]
        guest_ticket = client.post(
            f"/opentalk/v1/rooms/{room_id}/start_invited", json={"invite_code": code}
        ).json()["ticket"]
        owner_ticket = start_session(client, room_id)["ticket"]
        with client.websocket_connect(WS_PATH, subprotocols=[PROTOCOL, f"ticket#{owner_ticket}"]) as owner:
            owner_id = send_join(owner)["payload"]["id"]
            with client.websocket_connect(
                WS_PATH, subprotocols=[PROTOCOL, f"ticket#{guest_ticket}"]
            ) as guest:
                success = send_join(guest, "Gus")["payload"]
                assert (success["role"], success["is_room_owner"], success["avatar_url"]) == (
                    "guest",
                    False,
                    None,
                )
                assert [p["id"] for p in success["participants"]] == [owner_id]
                assert success["participants"][0]["control"]["display_name"] == "Alice Adams"
                assert success["participants"][0]["control"]["participation_kind"] == "user"
                joined = json.loads(owner.receive_text())["payload"]
                assert (joined["message"], joined["id"]) == ("joined", success["id"])
                assert joined["control"]["participation_kind"] == "guest"
                assert joined["control"]["display_name"] == "Gus"
            left = json.loads(owner.receive_text())["payload"]
            assert left == {"message": "left", "id": success["id"], "reason": "quit"}
            assert [p["id"] for p in people_in(client, room_id)] == [owner_id]


def test_resumption_keeps_the_participant_id(app: PrefixDispatcher) -> None:
    freeze_clock(app)
    room_id = make_room(app)
    with TestClient(app, base_url=ROOT) as client:
        first = start_session(client, room_id)
        with client.websocket_connect(WS_PATH, subprotocols=[PROTOCOL, f"ticket#{first['ticket']}"]) as ws:
            first_id = send_join(ws)["payload"]["id"]
        second = start_session(client, room_id, resumption=first["resumption"])
        assert second["resumption"] == first["resumption"]
        with client.websocket_connect(WS_PATH, subprotocols=[PROTOCOL, f"ticket#{second['ticket']}"]) as ws:
            assert send_join(ws)["payload"]["id"] == first_id


def test_refused_tickets_are_http_errors(app: PrefixDispatcher) -> None:
    freeze_clock(app)
    room_id = make_room(app)
    with TestClient(app, base_url=ROOT) as client:
        used = start_session(client, room_id)["ticket"]
        with client.websocket_connect(WS_PATH, subprotocols=[PROTOCOL, f"ticket#{used}"]):
            pass
        expired = start_session(client, room_id)["ticket"]
        app.state.ctx.clock.set(NOW + TICKET_TTL_MS)
        for ticket in (used, expired, "x" * 64, "no/such+ticket"):
            with (
                pytest.raises(WebSocketDenialResponse) as denied,
                client.websocket_connect(WS_PATH, subprotocols=[PROTOCOL, f"ticket#{ticket}"]),
            ):
                pass
            assert denied.value.status_code == 401
            assert denied.value.headers["content-type"] == "text/json; charset=utf-8"
            assert denied.value.json() == UNAUTHORIZED
        with (
            pytest.raises(WebSocketDenialResponse) as no_protocol,
            client.websocket_connect(WS_PATH, subprotocols=[f"ticket#{expired}"]),
        ):
            pass
        assert no_protocol.value.status_code == 400
        assert no_protocol.value.json() == error("bad_request", "Missing or unsupported signaling protocol")
        with (
            pytest.raises(WebSocketDenialResponse) as no_ticket,
            client.websocket_connect(WS_PATH, subprotocols=[PROTOCOL]),
        ):
            pass
        assert no_ticket.value.status_code == 401
        plain = client.get(WS_PATH)
        assert (plain.status_code, plain.json()) == (
            400,
            error("bad_request", "Invalid request due to malformed syntax"),
        )


def test_a_call_in_ticket_joins_as_a_phone_user(app: PrefixDispatcher) -> None:
    freeze_clock(app)
    room_id = make_room(app)
    auth = {"Authorization": f"Bearer {token('alice')}"}
    with TestClient(app, base_url=ROOT) as client:
        sip = client.put(f"/opentalk/v1/rooms/{room_id}/sip", json={"lobby": False}, headers=auth).json()
        ticket = client.post(
            "/opentalk/v1/services/call_in/start",
            json={"id": sip["sip_id"], "pin": sip["password"]},
            headers={"Authorization": f"Bearer {token('gateway')}"},
        ).json()["ticket"]
        with client.websocket_connect(
            WS_PATH, subprotocols=["opentalk-signaling-json-v1.0", f"ticket#{ticket}"]
        ) as ws:
            assert ws.accepted_subprotocol == "opentalk-signaling-json-v1.0"
            success = send_join(ws)["payload"]
            assert (success["display_name"], success["role"], success["is_room_owner"]) == (
                "Phone user",
                "user",
                False,
            )


def test_live_server_socket(omnimeet_server: OmnimeetServer) -> None:
    room_id = make_room(omnimeet_server)
    base = omnimeet_server.url("opentalk")
    started = httpx.post(
        f"{base}/rooms/{room_id}/start", json={}, headers={"Authorization": f"Bearer {token()}"}
    )
    assert started.status_code == 200, started.text
    ticket = started.json()["ticket"]
    ws_url = base.replace("http://", "ws://") + "/signaling"

    async def talk() -> tuple[str | None, dict[str, Any], list[dict[str, Any]]]:
        async with websockets.connect(ws_url, subprotocols=[PROTOCOL, f"ticket#{ticket}"]) as ws:  # type: ignore[list-item]
            await ws.send(json.dumps({"namespace": "control", "payload": {"action": "join"}}))
            success = json.loads(await ws.recv())
            state = httpx.get(f"{omnimeet_server}/_omnimeet/vendors/opentalk/rooms/{room_id}").json()
            return ws.subprotocol, success, state["participants"]

    protocol, success, present = asyncio.run(talk())
    assert protocol == PROTOCOL
    assert success["payload"]["message"] == "join_success"
    assert [p["id"] for p in present] == [success["payload"]["id"]]

    async def refused() -> int:
        try:
            async with websockets.connect(ws_url, subprotocols=[PROTOCOL, f"ticket#{ticket}"]):  # type: ignore[list-item]
                return 101
        except websockets.InvalidStatus as exc:
            return exc.response.status_code

    assert asyncio.run(refused()) == 401
