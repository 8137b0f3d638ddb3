"""SourceFuse's meeting rules (``RULES``) and its archives on the wire.

- A meeting created with ``enableArchiving`` (Vonage ``archiveMode: always``) is archived as soon as its
  session starts (a participant joins, or the control plane starts the session).
- Archive ids are UUIDs, as Vonage Video's; the file is ``archive.mp4``.
- Statuses (domain -> Vonage): starting/active ``started``, paused ``paused``, stopping/stopped
  ``stopped``, ready ``available``, failed ``failed``.
"""

from __future__ import annotations

from typing import Any

from omnimeet.domain.meeting_records import Recording, Session
from omnimeet.domain.meeting_rules import DefaultMeetingRules, RecordingFile
from omnimeet.domain.recordings import RecordingService
from omnimeet.domain.rooms import Room
from omnimeet.domain.states import RecordingStatus
from omnimeet.domain.store import Tx
from omnimeet.vendors.sourcefuse.mapping import SessionDetails

ARCHIVE_FILE = "archive.mp4"
ARCHIVE_HOST = "https://vonage-archives.omnimeet.invalid"
RESOLUTION = "1280x720"

WIRE_STATUS: dict[str, str] = {
    RecordingStatus.STARTING.value: "started",
    RecordingStatus.ACTIVE.value: "started",
    RecordingStatus.PAUSED.value: "paused",
    RecordingStatus.STOPPING.value: "stopped",
    RecordingStatus.STOPPED.value: "stopped",
    RecordingStatus.READY.value: "available",
    RecordingStatus.FAILED.value: "failed",
}
WIRE_STATUSES = ("started", "paused", "stopped", "available", "failed")


class SourceFuseRules(DefaultMeetingRules):
    def on_session_started(self, tx: Tx, room: Room, session: Session, recordings: RecordingService) -> None:
        if SessionDetails.of(room).isArchived:
            recordings.start(tx, room)

    def recording_file(self, room: Room, recording: Recording) -> RecordingFile:
        size = super().recording_file(room, recording).size_bytes
        return RecordingFile(size, ARCHIVE_FILE)


RULES = SourceFuseRules()


def archive_body(recording: Recording, details: SessionDetails, api_key: str) -> dict[str, Any]:
    """A Vonage Video archive (``metaData``): sizes and duration 0 until it stops, ``url`` once available."""
    status = WIRE_STATUS[recording.status]
    reason = ""
    if recording.ended_at_ms is not None:
        reason = "session ended" if status != "failed" else "failed"
    url = f"{ARCHIVE_HOST}/{api_key}/{recording.public_id}/{ARCHIVE_FILE}" if status == "available" else None
    return {
        "id": recording.public_id,
        "status": status,
        "name": recording.room_id,
        "reason": reason,
        "sessionId": details.sessionId,
        "applicationId": api_key,
        "projectId": api_key,
        "partnerId": int(api_key) if api_key.isdigit() else api_key,
        "createdAt": recording.created_at_ms,
        "updatedAt": recording.updated_at_ms,
        "size": recording.size_bytes or 0,
        "duration": recording.duration_ms // 1000,
        "outputMode": "composed",
        "streamMode": "auto",
        "hasAudio": True,
        "hasVideo": True,
        "hasTranscription": False,
        "sha256sum": "",
        "password": "",
        "resolution": RESOLUTION,
        "event": "archive",
        "url": url,
    }


def archive_item(recording: Recording, details: SessionDetails, api_key: str) -> dict[str, Any]:
    """An archive as the service lists it: ``{name, sessionId, metaData}``."""
    return {
        "name": recording.room_id,
        "sessionId": details.sessionId,
        "metaData": archive_body(recording, details, api_key),
    }
