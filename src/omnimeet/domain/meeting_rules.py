"""What a vendor may change about meetings: ``MeetingRules`` (every hook has a default), ``DEFAULT_RULES``,
and ``RulesFor``, which resolves an API's rules per room.

The hooks: the public ids of new sessions, participants and recordings; what happens once a session starts;
whether a room expires (and when) or its session ends after the last participant leaves, and the expiry it
keeps while in use; and the size and
file name of a stopped recording (``RecordingFile``; default: 1 Mbit/s of the duration, ``<id>.mp4``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from omnimeet.domain.meeting_records import Recording, Session
from omnimeet.domain.ports import Ids
from omnimeet.domain.rooms import Room
from omnimeet.domain.store import Tx

if TYPE_CHECKING:
    from omnimeet.domain.recordings import RecordingService

BYTES_PER_RECORDED_MS = 125
"""Default size of a recording file: 1 Mbit/s of media."""


@dataclass(frozen=True, slots=True)
class RecordingFile:
    size_bytes: int
    filename: str


class MeetingRules(Protocol):
    """What a vendor may change about meetings (``VendorPlugin.rules``). Subclass it (or
    ``DefaultMeetingRules``) and override what differs; every hook has a default."""

    def session_id(self, ids: Ids, room: Room) -> str:
        return ids.uuid4()

    def participant_id(self, ids: Ids, room: Room) -> str:
        return ids.uuid4()

    def recording_id(self, ids: Ids, room: Room) -> str:
        return ids.uuid4()

    def on_session_started(self, tx: Tx, room: Room, session: Session, recordings: RecordingService) -> None:
        """Called once a session started (events published): e.g. start a recording automatically."""
        return None

    def expiry_after_last_leave_ms(self, room: Room) -> int | None:
        """How long after its last participant leaves the room expires; None: it does not."""
        return None

    def expiry_while_in_use_ms(self, room: Room) -> int | None:
        """For a room that expires after its last participant leaves: the expiry it keeps while people are
        in it (a hard limit, which the expiry after use never passes); None: none while in use."""
        return None

    def end_session_when_empty(self, room: Room) -> bool:
        """Whether the session ends when its last participant leaves (default: it stays active)."""
        return False

    def recording_file(self, room: Room, recording: Recording) -> RecordingFile:
        """Size and file name of a recording that has just stopped (``ended_at_ms`` is set)."""
        return RecordingFile(recording.duration_ms * BYTES_PER_RECORDED_MS, f"{recording.public_id}.mp4")


class DefaultMeetingRules(MeetingRules):
    pass


DEFAULT_RULES: MeetingRules = DefaultMeetingRules()
RulesFor = Callable[[str], MeetingRules]
"""The rules of an API (a vendor): resolved per room, since due work spans every vendor's rooms."""


def default_rules(api: str) -> MeetingRules:
    return DEFAULT_RULES
