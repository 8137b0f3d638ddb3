"""Helpers of the OpenVidu Meet recording tests: starting recordings, the control plane's progression and
simulation routes, and the exact recording expected."""

from __future__ import annotations

import re
from typing import Any

import httpx

from omnimeet.platform.media import mp4_size
from tests.vendors.openvidu_meet.support import CONTROL, NOW

RECORDING_ID = re.compile(r"^EG_[A-Za-z0-9]{12}$")


def recording_not_found(recording_id: str) -> dict[str, str]:
    return {"name": "Recording Error", "message": f"Recording '{recording_id}' not found"}


def recording_conflict(message: str) -> dict[str, str]:
    return {"name": "Recording Error", "message": message}


async def start(client: httpx.AsyncClient, room_name: str) -> dict[str, Any]:
    """POST /recordings, asserting 200; returns the recording."""
    response = await client.post("/recordings", json={"roomName": room_name})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert RECORDING_ID.fullmatch(body["id"]), body
    return body


async def read(client: httpx.AsyncClient, recording_id: str) -> dict[str, Any]:
    response = await client.get(f"/recordings/{recording_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def pace(control: httpx.AsyncClient, mode: str, seconds: float | None = None) -> None:
    """Sets how OpenVidu Meet recordings move through their asynchronous states."""
    body: dict[str, Any] = {"mode": mode} if seconds is None else {"mode": mode, "seconds": seconds}
    response = await control.put(f"{CONTROL}/progression/openvidu-meet/recording", json=body)
    assert response.status_code == 200, response.text


async def advance_recording(control: httpx.AsyncClient, recording_id: str, status: str | None = None) -> None:
    """Moves a recording on through the control plane (its next state, or ``status``)."""
    body = {} if status is None else {"status": status}
    url = f"{CONTROL}/vendors/openvidu-meet/recordings/{recording_id}/advance"
    response = await control.post(url, json=body)
    assert response.status_code == 200, response.text


def expected(
    recording: dict[str, Any],
    room_name: str,
    status: str,
    *,
    started: int = NOW,
    ended: int | None = None,
    sized: bool = False,
) -> dict[str, Any]:
    """The exact recording: ``sized`` once its file exists (STOPPED, READY)."""
    body: dict[str, Any] = {
        "id": recording["id"],
        "roomName": room_name,
        "outputMode": "COMPOSED",
        "status": status,
        "filename": f"{room_name}--{recording['id']}.mp4",
        "startedAt": started,
    }
    duration_ms = 0
    if ended is not None:
        body["endedAt"] = ended
        duration_ms = ended - started
    body["duration"] = duration_ms / 1000
    body["size"] = mp4_size(duration_ms) if sized else 0
    return body
