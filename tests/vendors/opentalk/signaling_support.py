"""Shared by the signalling tests: starting, joining and looking at a room's live session in-process."""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.testclient import TestClient

from omnimeet.platform.web import PrefixDispatcher
from tests.vendors.opentalk.support import NOW, error, token

TOKEN = re.compile(r"^[A-Za-z0-9]{64}$")
PROTOCOL = "k3k-signaling-json-v1.0"
WS_PATH = "/opentalk/v1/signaling"
WRONG_PASSWORD = error("wrong_room_password", "The provided password does not match the rooms password")
NO_BREAKOUT = error("no_breakout_rooms", "The requested room has no breakout rooms")


def freeze_clock(app: PrefixDispatcher, at: int = NOW) -> None:
    app.state.ctx.clock.freeze()
    app.state.ctx.clock.set(at)


def start_session(client: TestClient, room_id: str, name: str = "alice", **body: Any) -> dict[str, str]:
    response = client.post(
        f"/opentalk/v1/rooms/{room_id}/start", json=body, headers={"Authorization": f"Bearer {token(name)}"}
    )
    assert response.status_code == 200, response.text
    answer: dict[str, str] = response.json()
    return answer


def start_guest_session(client: TestClient, room_id: str, owner: str = "alice") -> dict[str, str]:
    """A guest's signalling start through a fresh invite code of the room (made by its ``owner``)."""
    auth = {"Authorization": f"Bearer {token(owner)}"}
    invite = client.post(f"/opentalk/v1/rooms/{room_id}/invites", json={}, headers=auth)
    assert invite.status_code == 200, invite.text
    response = client.post(
        f"/opentalk/v1/rooms/{room_id}/start_invited", json={"invite_code": invite.json()["invite_code"]}
    )
    assert response.status_code == 200, response.text
    answer: dict[str, str] = response.json()
    return answer


def send_join(ws: Any, name: str | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {"action": "join"}
    if name is not None:
        payload["display_name"] = name
    ws.send_text(json.dumps({"namespace": "control", "payload": payload}))
    received: dict[str, Any] = json.loads(ws.receive_text())
    return received


def people_in(client: TestClient, room_id: str) -> list[dict[str, Any]]:
    state = client.get(f"/_omnimeet/vendors/opentalk/rooms/{room_id}")
    assert state.status_code == 200, state.text
    people: list[dict[str, Any]] = state.json()["participants"]
    return people
