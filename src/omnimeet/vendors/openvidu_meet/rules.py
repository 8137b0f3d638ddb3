"""OpenVidu Meet's meeting rules (``RULES``) and its recording on the wire.

- Recording ids look like LiveKit egress ids: ``EG_`` and 12 letters or digits.
- The file of a recording is ``<roomName>--<recordingId>.mp4``: a real MP4 lasting the recording's duration
  (``omnimeet.platform.media``), whose size the rules give when the recording stops. The bytes follow from
  the duration alone, so the file itself is written when it is first streamed.
- Statuses (domain -> wire): starting STARTING, active STARTED, paused STARTED (the vendor cannot pause; a
  recording paused through the control plane is still a running egress to its clients), stopping STOPPING,
  stopped STOPPED, ready READY, failed FAILED.
"""

from __future__ import annotations

from typing import Any

from omnimeet.domain.meeting_records import Recording
from omnimeet.domain.meeting_rules import DefaultMeetingRules, RecordingFile
from omnimeet.domain.ports import Ids
from omnimeet.domain.rooms import Room
from omnimeet.domain.states import RecordingStatus
from omnimeet.platform.media import mp4_size

EGRESS_PREFIX = "EG_"
EGRESS_ID_LENGTH = 12
OUTPUT_MODE = "COMPOSED"

WIRE_STATUS: dict[str, str] = {
    RecordingStatus.STARTING.value: "STARTING",
    RecordingStatus.ACTIVE.value: "STARTED",
    RecordingStatus.PAUSED.value: "STARTED",
    RecordingStatus.STOPPING.value: "STOPPING",
    RecordingStatus.STOPPED.value: "STOPPED",
    RecordingStatus.READY.value: "READY",
    RecordingStatus.FAILED.value: "FAILED",
}
WIRE_STATUSES = ("STARTING", "STARTED", "STOPPING", "STOPPED", "READY", "FAILED")


def filename_of(room_name: str, recording_id: str) -> str:
    return f"{room_name}--{recording_id}.mp4"


class OpenViduMeetRules(DefaultMeetingRules):
    def recording_id(self, ids: Ids, room: Room) -> str:
        return EGRESS_PREFIX + ids.alnum(EGRESS_ID_LENGTH)

    def recording_file(self, room: Room, recording: Recording) -> RecordingFile:
        return RecordingFile(
            mp4_size(recording.duration_ms), filename_of(room.public_id, recording.public_id)
        )


RULES = OpenViduMeetRules()


def wire_recording(
    *,
    recording_id: str,
    room_name: str,
    status: str,
    started_at_ms: int | None,
    ended_at_ms: int | None,
    size_bytes: int | None,
    filename: str | None,
    duration_ms: int,
    created_at_ms: int,
) -> dict[str, Any]:
    """The ``OpenViduMeetRecording`` of a recording: ``startedAt`` is when it was asked for until it
    records; ``endedAt`` is absent until the media ends; ``duration`` (seconds) and ``size`` (bytes) are 0
    until it stops, then those of its file."""
    body: dict[str, Any] = {
        "id": recording_id,
        "roomName": room_name,
        "outputMode": OUTPUT_MODE,
        "status": WIRE_STATUS[status],
        "filename": filename or filename_of(room_name, recording_id),
        "startedAt": started_at_ms if started_at_ms is not None else created_at_ms,
    }
    if ended_at_ms is not None:
        body["endedAt"] = ended_at_ms
    body["duration"] = duration_ms // 1000 if duration_ms % 1000 == 0 else duration_ms / 1000  # 90, not 90.0
    body["size"] = size_bytes or 0
    return body


def recording_body(recording: Recording) -> dict[str, Any]:
    return wire_recording(
        recording_id=recording.public_id,
        room_name=recording.room_id,
        status=recording.status,
        started_at_ms=recording.started_at_ms,
        ended_at_ms=recording.ended_at_ms,
        size_bytes=recording.size_bytes,
        filename=recording.filename,
        duration_ms=recording.duration_ms,
        created_at_ms=recording.created_at_ms,
    )
