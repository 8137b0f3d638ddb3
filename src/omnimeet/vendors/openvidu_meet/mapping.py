"""Where OpenVidu Meet's vocabulary meets the domain's: room names, the vendor-only room settings (prefix,
preferences, a secret per role), room answers and their URLs, the room lookups every route shares, and
participant tokens.

Rooms are domain rooms with ``api = "openvidu-meet"`` and ``public_id = roomName``; ``max_participants`` and
``expires_at_ms`` hold ``maxParticipants`` and ``expirationDate``; ``settings`` (JSON) holds::

    {"prefix": str, "preferences": {"chatPreferences": bool, ...},
     "secrets": {"moderator": hex10, "publisher": hex10, "viewer": hex10}, "deleted_at_ms": int?}

A deleted room keeps its row (marked ``deleted_at_ms``), so its recordings outlive it as the vendor's do.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.meeting_records import RoomKey, find_room, is_expired
from omnimeet.domain.ports import Ids
from omnimeet.domain.rooms import Room, RoomService
from omnimeet.domain.store import Tx
from omnimeet.domain.tenancy import Principal
from omnimeet.vendors.openvidu_meet.auth import API
from omnimeet.vendors.openvidu_meet.errors import room_not_found
from omnimeet.vendors.openvidu_meet.schemas import MAX_NAME_LENGTH, PREFERENCE_KEYS, RoomOptions

ROLES = ("moderator", "publisher", "viewer")
URL_FIELDS = {"moderator": "moderatorURL", "publisher": "publisherURL", "viewer": "viewerURL"}
UID_LENGTH = 15
SECRET_LENGTH = 10
MAX_PREFIX_LENGTH = MAX_NAME_LENGTH - UID_LENGTH - 1
"""The sanitised prefix is cut to this length so the name fits the store (the answer keeps it whole)."""
TOKEN_TTL_S = 6 * 3600
"""How long a participant token is valid (``exp - iat``)."""

_SPACES = re.compile(r"\s+")
_NOT_NAME = re.compile(r"[^A-Za-z0-9-]")


# --- names ---------------------------------------------------------------------------------------------


def sanitise_prefix(prefix: str) -> str:
    """Whitespace runs become ``-``, anything but letters, digits and ``-`` goes, trailing ``-`` go."""
    cleaned = _NOT_NAME.sub("", _SPACES.sub("-", prefix)).rstrip("-")
    return cleaned[:MAX_PREFIX_LENGTH].rstrip("-")


def new_room_name(prefix: str, ids: Ids) -> str:
    """``<sanitised prefix>-<15 lowercase hex>``, or the hex alone when nothing of the prefix is left."""
    cleaned = sanitise_prefix(prefix)
    uid = ids.hex(UID_LENGTH)
    return f"{cleaned}-{uid}" if cleaned else uid


def is_possible_name(name: str) -> bool:
    """Whether a name sent in a path or query could name a stored room or participant."""
    return 0 < len(name) <= MAX_NAME_LENGTH and "\x00" not in name


# --- settings ------------------------------------------------------------------------------------------


@dataclass(slots=True)
class RoomSettings:
    prefix: str
    preferences: dict[str, bool]
    secrets: dict[str, str]
    deleted_at_ms: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    """Keys of other features (recordings, webhooks) kept as they are."""

    @classmethod
    def of(cls, room: Room) -> RoomSettings:
        data: dict[str, Any] = json.loads(room.settings or "{}")
        prefs = data.pop("preferences", {})
        return cls(
            prefix=str(data.pop("prefix", "")),
            preferences={key: bool(prefs.get(key, True)) for key in PREFERENCE_KEYS},
            secrets={str(k): str(v) for k, v in data.pop("secrets", {}).items()},
            deleted_at_ms=data.pop("deleted_at_ms", None),
            extra=data,
        )

    def to_json(self) -> str:
        data: dict[str, Any] = {
            **self.extra,
            "prefix": self.prefix,
            "preferences": self.preferences,
            "secrets": self.secrets,
        }
        if self.deleted_at_ms is not None:
            data["deleted_at_ms"] = self.deleted_at_ms
        return json.dumps(data, separators=(",", ":"))

    def role_of(self, secret: str) -> str | None:
        """The role whose URL carries ``secret`` (compared in constant time), or None."""
        found = None
        for role in ROLES:
            expected = self.secrets.get(role, "")
            if expected and hmac.compare_digest(expected.encode(), secret.encode()):
                found = found or role
        return found


def recording_enabled(room: Room) -> bool:
    """Whether the room's preferences allow recording (for the recordings routes)."""
    return RoomSettings.of(room).preferences["recordingPreferences"]


def create_fields(body: RoomOptions, ids: Ids) -> dict[str, Any]:
    """The room columns of POST /rooms (the name is made separately)."""
    settings = RoomSettings(
        prefix=body.roomNamePrefix,
        preferences={key: getattr(body.preferences, key).enabled for key in PREFERENCE_KEYS},
        secrets={role: ids.hex(SECRET_LENGTH) for role in ROLES},
    )
    return {
        "max_participants": body.maxParticipants,
        "expires_at_ms": math.ceil(body.expirationDate),
        "settings": settings.to_json(),
    }


# --- answers -------------------------------------------------------------------------------------------


def room_url(public_url: str, room_name: str, secret: str) -> str:
    return f"{public_url}/meet/{room_name}/?secret={secret}"


def room_body(room: Room, public_url: str) -> dict[str, Any]:
    settings = RoomSettings.of(room)
    body: dict[str, Any] = {
        "roomName": room.public_id,
        "creationDate": room.created_at_ms,
        "expirationDate": room.expires_at_ms,
        "roomNamePrefix": settings.prefix,
        "preferences": {key: {"enabled": value} for key, value in settings.preferences.items()},
        "maxParticipants": room.max_participants,
    }
    for role, key in URL_FIELDS.items():
        body[key] = room_url(public_url, room.public_id, settings.secrets.get(role, ""))
    return body


def select_fields(body: dict[str, Any], fields: str | None) -> dict[str, Any]:
    """Only the comma-separated ``fields`` (unknown names ignored); everything when none are named."""
    if fields is None:
        return body
    wanted = {name.strip() for name in fields.split(",")} - {""}
    if not wanted:
        return body
    return {key: value for key, value in body.items() if key in wanted}


# --- lookups -------------------------------------------------------------------------------------------


def is_live(room: Room, now_ms: int) -> bool:
    """Neither expired (on the virtual clock) nor deleted."""
    return not is_expired(room, now_ms) and RoomSettings.of(room).deleted_at_ms is None


def live_room(tx: Tx, rooms: RoomService, principal: Principal, room_name: str, now_ms: int) -> Room:
    """The caller's room by name; ``404 The room '<name>' does not exist`` when unknown, another tenant's,
    expired or deleted."""
    if not is_possible_name(room_name):
        raise room_not_found(room_name)
    try:
        room = rooms.get(tx, principal, room_name)
    except DomainError as exc:
        if exc.code in (ErrorCode.NOT_FOUND, ErrorCode.OTHER_TENANT):
            raise room_not_found(room_name) from None
        raise
    if not is_live(room, now_ms):
        raise room_not_found(room_name)
    return room


def live_room_by_name(tx: Tx, room_name: str, now_ms: int) -> Room:
    """A room by name across tenants (token requests carry a room secret, not an API key)."""
    if not is_possible_name(room_name):
        raise room_not_found(room_name)
    try:
        room = find_room(tx, RoomKey(API, room_name))
    except DomainError as exc:
        if exc.code is ErrorCode.NOT_FOUND:
            raise room_not_found(room_name) from None
        raise
    if not is_live(room, now_ms):
        raise room_not_found(room_name)
    return room


# --- tokens --------------------------------------------------------------------------------------------


def token_key(tenant_id: str, room_name: str) -> str:
    """The HS256 key of a room's participant tokens: hex HMAC-SHA256 keyed by the tenant id (shown by the
    control API's room view) over ``openvidu-meet:<roomName>``."""
    return hmac.new(tenant_id.encode(), f"{API}:{room_name}".encode(), hashlib.sha256).hexdigest()


def participant_token(room: Room, participant: str, role: str, now_ms: int, token_id: str) -> str:
    """A LiveKit-style access token: ``sub``/``name`` the participant, ``video.room`` the room, the role
    in ``metadata`` (JSON) and in the grants (``roomAdmin`` for moderators, no publishing for viewers)."""
    import jwt  # here, not at import: it loads cryptography (~9 MB, ~35 ms) that start-up does not need

    now_s = now_ms // 1000
    publishes = role != "viewer"
    claims = {
        "iss": API,
        "sub": participant,
        "name": participant,
        "jti": token_id,
        "iat": now_s,
        "nbf": now_s,
        "exp": now_s + TOKEN_TTL_S,
        "video": {
            "room": room.public_id,
            "roomJoin": True,
            "canPublish": publishes,
            "canPublishData": publishes,
            "canSubscribe": True,
            "roomAdmin": role == "moderator",
        },
        "metadata": json.dumps({"roomName": room.public_id, "role": role}, separators=(",", ":")),
    }
    return jwt.encode(claims, token_key(room.tenant_id, room.public_id), algorithm="HS256")
