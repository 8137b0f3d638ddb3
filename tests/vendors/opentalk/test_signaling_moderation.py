"""Signalling moderation on the /signaling WebSocket: breakout rooms, kick and ban, the waiting room and
the SIP lobby (in-process)."""

from __future__ import annotations

import json
import uuid

from starlette.testclient import TestClient

from omnimeet.platform.web import PrefixDispatcher
from tests.vendors.opentalk.access_support import make_room
from tests.vendors.opentalk.signaling_support import (
    NO_BREAKOUT,
    PROTOCOL,
    WS_PATH,
    freeze_clock,
    people_in,
    send_join,
    start_guest_session,
    start_session,
)
from tests.vendors.opentalk.support import (
    ROOT,
    error,
    token,
)


def test_breakout_rooms_opened_by_a_moderator(app: PrefixDispatcher) -> None:
    freeze_clock(app)
    room_id = make_room(app)
    auth = {"Authorization": f"Bearer {token('alice')}"}
    with TestClient(app, base_url=ROOT) as client:
        code = client.post(f"/opentalk/v1/rooms/{room_id}/invites", json={}, headers=auth).json()[
            "invite_code"
        ]
        guest_ticket = client.post(
            f"/opentalk/v1/rooms/{room_id}/start_invited", json={"invite_code": code}
        ).json()["ticket"]
        owner_ticket = start_session(client, room_id)["ticket"]
        with (
            client.websocket_connect(WS_PATH, subprotocols=[PROTOCOL, f"ticket#{owner_ticket}"]) as owner,
            client.websocket_connect(WS_PATH, subprotocols=[PROTOCOL, f"ticket#{guest_ticket}"]) as guest,
        ):
            send_join(owner)
            send_join(guest)
            owner.receive_text()  # joined
            start = {"namespace": "breakout", "payload": {"action": "start", "rooms": [{"name": "A"}, {}]}}
            guest.send_text(json.dumps(start))
            assert json.loads(guest.receive_text())["payload"] == {"error": "insufficient_permissions"}
            owner.send_text(json.dumps(start))
            started = json.loads(owner.receive_text())
            assert started["namespace"] == "breakout"
            rooms = started["payload"]["rooms"]
            assert [room["name"] for room in rooms] == ["A", "Breakout room 2"]
            assert started["payload"] == {
                "message": "started",
                "rooms": rooms,
                "expires": None,
                "assignment": None,
            }
            assert json.loads(guest.receive_text()) == started
            into = client.post(
                f"/opentalk/v1/rooms/{room_id}/start", json={"breakout_room": rooms[1]["id"]}, headers=auth
            )
            assert into.status_code == 200
            wrong = client.post(
                f"/opentalk/v1/rooms/{room_id}/start_invited",
                json={"invite_code": code, "breakout_room": str(uuid.uuid4())},
            )
            assert (wrong.status_code, wrong.json()) == (
                400,
                error("invalid_breakout_room_id", "The provided breakout room ID is invalid"),
            )
            owner.send_text(json.dumps({"namespace": "breakout", "payload": {"action": "stop"}}))
            assert json.loads(owner.receive_text())["payload"] == {"message": "stopped"}
            assert json.loads(guest.receive_text())["payload"] == {"message": "stopped"}
            closed = client.post(
                f"/opentalk/v1/rooms/{room_id}/start", json={"breakout_room": rooms[1]["id"]}, headers=auth
            )
            assert (closed.status_code, closed.json()) == (400, NO_BREAKOUT)


def test_a_moderator_kicks_and_bans(app: PrefixDispatcher) -> None:
    freeze_clock(app)
    room_id = make_room(app)
    auth = {"Authorization": f"Bearer {token('alice')}"}
    with TestClient(app, base_url=ROOT) as client:
        guest_ticket = start_guest_session(client, room_id)["ticket"]
        owner_ticket = start_session(client, room_id)["ticket"]
        second_owner_ticket = start_session(client, room_id)["ticket"]
        with client.websocket_connect(WS_PATH, subprotocols=[PROTOCOL, f"ticket#{owner_ticket}"]) as owner:
            send_join(owner)
            with client.websocket_connect(
                WS_PATH, subprotocols=[PROTOCOL, f"ticket#{guest_ticket}"]
            ) as guest:
                guest_id = send_join(guest)["payload"]["id"]
                owner.receive_text()  # joined
                guest.send_text(
                    json.dumps({"namespace": "moderation", "payload": {"action": "kick", "target": guest_id}})
                )
                assert json.loads(guest.receive_text())["payload"] == {"error": "insufficient_permissions"}
                ban = {"namespace": "moderation", "payload": {"action": "ban", "target": guest_id}}
                owner.send_text(json.dumps(ban))
                assert json.loads(owner.receive_text())["payload"] == {"error": "cannot_ban_guest"}
                owner.send_text(
                    json.dumps({"namespace": "moderation", "payload": {"action": "kick", "target": guest_id}})
                )
                assert json.loads(guest.receive_text())["payload"] == {"message": "kicked"}
                assert json.loads(owner.receive_text())["payload"] == {
                    "message": "left",
                    "id": guest_id,
                    "reason": "kicked",
                }
                assert len(people_in(client, room_id)) == 1
            # A second connection of the owner (another device) is banned by the first: a user ban.
            with client.websocket_connect(
                WS_PATH, subprotocols=[PROTOCOL, f"ticket#{second_owner_ticket}"]
            ) as other:
                other_id = send_join(other)["payload"]["id"]
                owner.receive_text()  # joined
                owner.send_text(
                    json.dumps({"namespace": "moderation", "payload": {"action": "ban", "target": other_id}})
                )
                assert json.loads(other.receive_text())["payload"] == {"message": "banned"}
                assert json.loads(owner.receive_text())["payload"]["reason"] == "banned"
            refused = client.post(f"/opentalk/v1/rooms/{room_id}/start", json={}, headers=auth)
            assert (refused.status_code, refused.json()) == (
                403,
                error("banned_from_room", "This user has been banned from entering this room"),
            )
        # The ban lasts as long as the session: end it, and the user may start again.
        assert client.delete(f"/_omnimeet/vendors/opentalk/rooms/{room_id}/session").status_code == 200
        assert client.post(f"/opentalk/v1/rooms/{room_id}/start", json={}, headers=auth).status_code == 200


def test_the_waiting_room(app: PrefixDispatcher) -> None:
    freeze_clock(app)
    room_id = make_room(app, waiting_room=True)
    with TestClient(app, base_url=ROOT) as client:
        guest_ticket = start_guest_session(client, room_id)["ticket"]
        owner_ticket = start_session(client, room_id)["ticket"]
        with (
            client.websocket_connect(WS_PATH, subprotocols=[PROTOCOL, f"ticket#{owner_ticket}"]) as owner,
            client.websocket_connect(WS_PATH, subprotocols=[PROTOCOL, f"ticket#{guest_ticket}"]) as guest,
        ):
            owner_id = send_join(owner)["payload"]["id"]
            waiting = send_join(guest, "Gus")
            assert waiting["namespace"] == "moderation"
            assert waiting["payload"] == {"message": "in_waiting_room"}
            heard = json.loads(owner.receive_text())["payload"]
            guest_id = heard["id"]
            assert heard == {
                "message": "joined_waiting_room",
                "id": guest_id,
                "control": {"display_name": "Gus", "avatar_url": None, "role": "guest"},
            }
            assert [p["id"] for p in people_in(client, room_id)] == [owner_id]
            enter = {"namespace": "control", "payload": {"action": "enter_room"}}
            guest.send_text(json.dumps(enter))
            assert json.loads(guest.receive_text())["payload"] == {
                "error": "not_accepted_or_not_in_waiting_room"
            }
            owner.send_text(
                json.dumps({"namespace": "moderation", "payload": {"action": "accept", "target": guest_id}})
            )
            assert json.loads(guest.receive_text())["payload"] == {"message": "accepted"}
            guest.send_text(json.dumps(enter))
            success = json.loads(guest.receive_text())["payload"]
            assert (success["message"], success["id"], success["display_name"]) == (
                "join_success",
                guest_id,
                "Gus",
            )
            assert json.loads(owner.receive_text())["payload"]["message"] == "joined"
            assert sorted(p["id"] for p in people_in(client, room_id)) == sorted([owner_id, guest_id])


def test_phone_callers_wait_in_the_sip_lobby(app: PrefixDispatcher) -> None:
    freeze_clock(app)
    room_id = make_room(app)
    auth = {"Authorization": f"Bearer {token('alice')}"}
    with TestClient(app, base_url=ROOT) as client:
        sip = client.put(f"/opentalk/v1/rooms/{room_id}/sip", json={"lobby": True}, headers=auth).json()
        ticket = client.post(
            "/opentalk/v1/services/call_in/start",
            json={"id": sip["sip_id"], "pin": sip["password"]},
            headers={"Authorization": f"Bearer {token('gateway')}"},
        ).json()["ticket"]
        with client.websocket_connect(WS_PATH, subprotocols=[PROTOCOL, f"ticket#{ticket}"]) as ws:
            assert send_join(ws)["payload"] == {"message": "in_waiting_room"}
            assert people_in(client, room_id) == []


# --- WebSocket, live server ----------------------------------------------------------------------
