"""Breakout rooms of a room's live session, as the signalling start routes check them.

A moderator opens breakout rooms over the ``/signaling`` WebSocket (namespace ``breakout``, action
``start`` with ``rooms: [{"name": ...}]``) and closes them (``stop``). They live in the settings of the room's
active session (``{"breakout_rooms": [{"id", "name"}]}``), so they end with it, as the controller's do.
A start naming a ``breakout_room`` then needs one of their ids: without any, 400 ``no_breakout_rooms``; with
another id, 400 ``invalid_breakout_room_id``.
"""

from __future__ import annotations

import json
from typing import Any

from omnimeet.domain.meeting_records import Session, active_session
from omnimeet.domain.rooms import Room
from omnimeet.domain.store import Tx
from omnimeet.vendors.opentalk.access_mapping import invalid_breakout_room_id, no_breakout_rooms

KEY = "breakout_rooms"
MAX_ROOMS = 100


def _settings(session: Session | None) -> dict[str, Any]:
    if session is None:
        return {}
    try:
        found = json.loads(session.settings or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def rooms_of(session: Session | None) -> list[dict[str, str]]:
    """The session's open breakout rooms (``{id, name}``), none without a session."""
    rooms = _settings(session).get(KEY)
    return [room for room in rooms if isinstance(room, dict)] if isinstance(rooms, list) else []


def check(tx: Tx, room: Room, wanted: str | None) -> None:
    """Refuses a start into a breakout room the room's session does not have."""
    if wanted is None:
        return
    rooms = rooms_of(active_session(tx, room))
    if not rooms:
        raise no_breakout_rooms()
    if wanted.strip().lower() not in {str(entry.get("id")) for entry in rooms}:
        raise invalid_breakout_room_id()


def with_rooms(session: Session, rooms: list[dict[str, str]] | None) -> str:
    """The session's settings with these breakout rooms (None: closed)."""
    settings = _settings(session)
    if rooms is None:
        settings.pop(KEY, None)
    else:
        settings[KEY] = rooms
    return json.dumps(settings, separators=(",", ":"))


def requested_names(payload: dict[str, Any]) -> list[str] | None:
    """The names of the rooms a ``start`` asks for (``rooms: [{"name"}]``), or None when malformed."""
    rooms = payload.get("rooms")
    if not isinstance(rooms, list) or not 0 < len(rooms) <= MAX_ROOMS:
        return None
    names = []
    for index, entry in enumerate(rooms):
        name = entry.get("name") if isinstance(entry, dict) else None
        names.append(name.strip() if isinstance(name, str) and name.strip() else f"Breakout room {index + 1}")
    return names
