"""Vonage Meetings' meeting rules (``RULES``) and the recording and session vocabulary of its wire.

- Session ids look like Vonage Video (OpenTok) ones: ``1_`` and the unpadded URL-safe base64 of
  ``1~<account digits>~~<ms>~<24 letters or digits>~~~`` (as the recorded ``1_MX40NjMz...fn4`` decodes).
  The account digits are the room's ``account_id`` setting when it has one, else 8 digits derived from its
  tenant; the milliseconds are the session's start on the virtual clock.
- Recording and participant ids are uuid4s.
- Expiry: an instant room expires 10 minutes after its last participant leaves (and, as the room routes set
  it, 10 minutes after its creation when nobody joins); a long_term room with ``expire_after_use`` also
  expires 10 minutes after its last participant leaves, but never later than its own ``expires_at``, which
  stays its expiry while people are in it. Other long_term rooms expire at their ``expires_at`` only.
- A session starting in a room whose ``recording_options.auto_record`` is true starts a recording.
- The file of a recording is a real MP4 lasting its duration (``omnimeet.platform.media``), stored as
  ``<recording id>-archive.mp4`` and downloaded as ``.../<recording id>/archive.mp4``.
- Recording statuses (domain -> wire, ``WIRE_STATUS``): starting and active ``started``, paused ``paused``,
  stopping and stopped ``stopped``, ready ``uploaded``. The vendor has no failure status: a failed recording
  shows as ``stopped`` for good (it never gets uploaded, so it has no file and cannot be deleted).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from omnimeet.domain.meeting_records import Recording, Session
from omnimeet.domain.meeting_rules import DefaultMeetingRules, RecordingFile
from omnimeet.domain.ports import Clock, Ids
from omnimeet.domain.recordings import RecordingService
from omnimeet.domain.rooms import Room
from omnimeet.domain.states import RecordingStatus
from omnimeet.domain.store import Tx
from omnimeet.platform.media import mp4_size
from omnimeet.vendors.vonage.auth import account_id_of

EXPIRY_AFTER_USE_MS = 10 * 60_000
"""An instant room, or a long_term one with ``expire_after_use``, expires this long after its last
participant leaves."""
SESSION_RANDOM_LENGTH = 24
ARCHIVE = "archive.mp4"

WIRE_STATUS: dict[str, str] = {
    RecordingStatus.STARTING.value: "started",
    RecordingStatus.ACTIVE.value: "started",
    RecordingStatus.PAUSED.value: "paused",
    RecordingStatus.STOPPING.value: "stopped",
    RecordingStatus.STOPPED.value: "stopped",
    RecordingStatus.READY.value: "uploaded",
    RecordingStatus.FAILED.value: "stopped",
}
WIRE_STATUSES = ("started", "stopped", "paused", "uploaded")
UPLOADED = RecordingStatus.READY.value


def settings_of(room: Room) -> dict[str, Any]:
    try:
        loaded = json.loads(room.settings or "{}")
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def account_of(room: Room) -> str:
    """The digits of the account the room belongs to (the ``account_id`` setting, else from its tenant)."""
    account = settings_of(room).get("account_id")
    return str(account) if isinstance(account, str | int) and str(account) else account_id_of(room.tenant_id)


def session_id_for(account: str, at_ms: int, random: str) -> str:
    raw = f"1~{account}~~{at_ms}~{random}~~~".encode()
    return "1_" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def stored_filename(recording_id: str) -> str:
    return f"{recording_id}-archive.mp4"


def hard_expiry(room: Room, settings: dict[str, Any]) -> int | None:
    """A long_term room's own ``expires_at`` (ms), or None."""
    if settings.get("type") != "long_term":
        return None
    value = settings.get("expires_at_ms")
    if isinstance(value, int):
        return value
    return room.expires_at_ms


class VonageRules(DefaultMeetingRules):
    """The rules; with a clock, session ids carry the session's start (without one, the room's creation)."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock

    def session_id(self, ids: Ids, room: Room) -> str:
        at = self.clock.now_ms() if self.clock is not None else room.created_at_ms
        return session_id_for(account_of(room), at, ids.alnum(SESSION_RANDOM_LENGTH))

    def on_session_started(self, tx: Tx, room: Room, session: Session, recordings: RecordingService) -> None:
        options = settings_of(room).get("recording_options") or {}
        if isinstance(options, dict) and options.get("auto_record") is True:
            recordings.start(tx, room)

    def expiry_after_last_leave_ms(self, room: Room) -> int | None:
        settings = settings_of(room)
        if settings.get("type", "instant") == "instant" or settings.get("expire_after_use") is True:
            return EXPIRY_AFTER_USE_MS
        return None

    def expiry_while_in_use_ms(self, room: Room) -> int | None:
        return hard_expiry(room, settings_of(room))

    def recording_file(self, room: Room, recording: Recording) -> RecordingFile:
        return RecordingFile(mp4_size(recording.duration_ms), stored_filename(recording.public_id))


RULES = VonageRules()
