"""What moderators decide over signalling that the start routes check: breakout rooms and bans.

Both live in the settings of the room's active session, so they end with it, as the controller's (kept in
its Redis while the room runs) do:

- breakout rooms (``{"breakout_rooms": [{"id", "name"}]}``): a moderator opens them on the ``/signaling``
  WebSocket (namespace ``breakout``, action ``start`` with ``rooms: [{"name": ...}]``) and closes them
  (``stop``). A start naming a ``breakout_room`` needs one of their ids: without any, 400
  ``no_breakout_rooms``; with another id, 400 ``invalid_breakout_room_id``;
- bans (``{"banned_users": [user id]}``): a moderator bans a registered user (namespace ``moderation``,
  action ``ban``); their next ``start`` is 403 ``banned_from_room``.
"""

from __future__ import annotations

import json
from typing import Any

from omnimeet.domain.meeting_records import Session, active_session
from omnimeet.domain.rooms import Room
from omnimeet.domain.store import Tx
from omnimeet.vendors.opentalk.access_mapping import (
    banned_from_room,
    invalid_breakout_room_id,
    no_breakout_rooms,
)

KEY = "breakout_rooms"
BANNED = "banned_users"
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


def check(tx: Tx, room: Room, wanted: str | None, user_ref: str | None = None) -> None:
    """Refuses a start of a banned user, or into a breakout room the room's session does not have."""
    if wanted is None and user_ref is None:
        return
    session = active_session(tx, room)
    if user_ref is not None and user_ref in banned_of(session):
        raise banned_from_room()
    if wanted is None:
        return
    rooms = rooms_of(session)
    if not rooms:
        raise no_breakout_rooms()
    if wanted.strip().lower() not in {str(entry.get("id")) for entry in rooms}:
        raise invalid_breakout_room_id()


def banned_of(session: Session | None) -> list[str]:
    """The users banned from the session."""
    banned = _settings(session).get(BANNED)
    return [str(user) for user in banned] if isinstance(banned, list) else []


def with_ban(session: Session, user_ref: str) -> str:
    """The session's settings with one more banned user."""
    settings = _settings(session)
    banned = banned_of(session)
    if user_ref not in banned:
        banned.append(user_ref)
    settings[BANNED] = banned
    return json.dumps(settings, separators=(",", ":"))


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
