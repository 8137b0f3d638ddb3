# ruff: noqa: N815  (the vendor's wire names are camelCase)
"""SourceFuse <-> domain: a video session row is a room (its ``public_id`` the meeting link), its details in
the room's settings; attendees are the room's participants; archives are its recordings.

The Vonage Video session id of a meeting is ``1_`` and the URL-safe base64 of
``1~<api key>~<meeting link>~<created ms>~<nonce>~~fn4``, so a webhook's ``sessionId`` leads back to the
meeting without a lookup table. Tokens are ``T1==`` and the base64 of ``partner_id=<key>&sig=<hex
HMAC-SHA1>:<data>``, with the session id, create time, role, nonce, expiry and connection data in ``<data>``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from omnimeet.domain.meeting_records import Participant
from omnimeet.domain.ports import Ids
from omnimeet.domain.rooms import Room
from omnimeet.platform.clock import iso_ms

LINK_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
LINK_LENGTH = 10
DEFAULT_TOKEN_TTL_S = 86_400
"""A Vonage Video token without an expiry lasts a day."""


def new_link(ids: Ids) -> str:
    """A nanoid-style meeting link: 10 characters of ``[A-Za-z0-9_-]``, each byte picking one of 64."""
    raw = bytes.fromhex(ids.hex(2 * LINK_LENGTH))
    return "".join(LINK_ALPHABET[byte % 64] for byte in raw)


def parse_date(value: str | float | None) -> int | None:
    """ms since the epoch of a JSON date (ISO 8601 text or a number of ms), None when it is not one."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value) if abs(value) < 8.64e15 else None
    text = value.strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


# --- the session row ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class SessionDetails:
    """What the vendor keeps of a meeting beyond the room: its ``video_session_details`` fields."""

    sessionId: str
    isScheduled: bool
    scheduleTime: int
    isArchived: bool
    endToEndEncryption: bool
    startTime: int | None = None
    endTime: int | None = None

    @classmethod
    def of(cls, room: Room) -> SessionDetails:
        data = json.loads(room.settings or "{}")
        return cls(**{key: data.get(key) for key in cls.__slots__})

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def vonage_session_id(api_key: str, link: str, now_ms: int, ids: Ids) -> str:
    return "1_" + _b64(f"1~{api_key}~{link}~{now_ms}~{ids.alnum(24)}~~fn4".encode())


def link_of_session(session_id: str) -> str | None:
    """The meeting link inside one of our Vonage session ids; None for anything else."""
    if not session_id.startswith("1_"):
        return None
    encoded = session_id[2:]
    try:
        text = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    parts = text.split("~")
    if len(parts) < 3 or parts[0] != "1" or len(parts[2]) != LINK_LENGTH:
        return None
    return parts[2]


def vonage_token(
    api_key: str,
    api_secret: str,
    session_id: str,
    *,
    role: str,
    now_ms: int,
    expire_s: int,
    data: str,
    ids: Ids,
) -> str:
    fields = {
        "session_id": session_id,
        "create_time": str(now_ms // 1000),
        "role": role,
        "nonce": ids.digits(10),
        "expire_time": str(expire_s),
        "connection_data": data,
        "initial_layout_class_list": "",
    }
    payload = urlencode(fields)
    sig = hmac.new(api_secret.encode(), payload.encode(), hashlib.sha1).hexdigest()
    inner = f"partner_id={api_key}&sig={sig}:{payload}"
    return "T1==" + base64.b64encode(inner.encode()).decode()


def default_expiry_s(now_ms: int) -> int:
    return now_ms // 1000 + DEFAULT_TOKEN_TTL_S


# --- attendees ---------------------------------------------------------------------------------------------


@dataclass(slots=True)
class AttendeeNote:
    """What the vendor keeps on an attendee (the participant's settings): the last webhook payload and when
    a webhook last changed it."""

    payload: dict[str, Any] | None = None
    modified_ms: int | None = None

    @classmethod
    def of(cls, participant: Participant) -> AttendeeNote:
        data = json.loads(participant.settings or "{}")
        return cls(data.get("webhookPayload"), data.get("modifiedOn"))

    def to_json(self) -> str:
        return json.dumps(
            {"webhookPayload": self.payload, "modifiedOn": self.modified_ms}, separators=(",", ":")
        )


def attendees(participants: list[Participant], session_id: str) -> list[dict[str, Any]]:
    """One attendee per distinct name (``connection.data``), in order of first arrival: deleted when its
    latest connection left; ``modifiedOn`` the latest change after the first arrival (arriving again,
    leaving, a stream event); ``extMetadata`` the latest webhook payload about it, if any."""
    by_name: dict[str, list[Participant]] = {}
    for participant in sorted(participants, key=lambda p: p.seq):
        by_name.setdefault(participant.name or "", []).append(participant)
    answer = []
    for name, rows in by_name.items():
        first, last = rows[0], rows[-1]
        note = AttendeeNote.of(last)
        body: dict[str, Any] = {
            "id": first.seq,
            "sessionId": session_id,
            "attendee": name,
            "createdOn": iso_ms(first.joined_at_ms),
        }
        changes = [last.left_at_ms if last.left_at_ms is not None else last.joined_at_ms]
        if note.modified_ms is not None:
            changes.append(note.modified_ms)
        changed = max(changes)
        if changed != first.joined_at_ms or note.modified_ms is not None:
            body["modifiedOn"] = iso_ms(changed)
        body["isDeleted"] = last.left_at_ms is not None
        if note.payload is not None:
            body["extMetadata"] = {"webhookPayload": note.payload}
        answer.append(body)
    return answer
