"""SourceFuse's meeting rules in the vendor layer: what a create, edit, end or token request may do, with the
service's exact messages. Routes call these, then the domain services."""

from __future__ import annotations

from omnimeet.domain.errors import DomainError
from omnimeet.domain.meeting_records import active_session
from omnimeet.domain.meetings import MeetingService
from omnimeet.domain.rooms import Room, RoomService
from omnimeet.domain.store import Tx
from omnimeet.domain.tenancy import Principal
from omnimeet.vendors.sourcefuse.errors import bad_request, not_found
from omnimeet.vendors.sourcefuse.mapping import SessionDetails, parse_date
from omnimeet.vendors.sourcefuse.schemas import DateInput, SessionCreate, SessionEdit

MEETING_NOT_FOUND = "Meeting Not Found"
NO_SESSION = "Session does not exist"
EXPIRED = "This meeting has been expired"
ENDED_ALREADY = "Meeting has already been ended!"


def schedule_of_new(body: SessionCreate, now_ms: int) -> int:
    """The schedule time of a new meeting (now unless scheduled), or the 400 that refuses it."""
    if body.isScheduled:
        if body.scheduleTime is None or body.scheduleTime == "":
            raise bad_request("Schedule time is not set.")
        at = parse_date(body.scheduleTime)
        if at is None:
            raise bad_request("Scheduled time is not in correct format.")
        if at < now_ms:
            raise bad_request("Meeting can't be scheduled with schedule time in past!")
    else:
        at = now_ms
    if body.endToEndEncryption and body.enableArchiving:
        raise bad_request("End to end Encryption along with archiving is not possible")
    return at


def schedule_of_edit(body: SessionEdit, now_ms: int) -> int:
    """The new schedule time of an edit (now without ``isScheduled``), or the 400 that refuses it."""
    if not body.isScheduled:
        return now_ms
    if body.scheduleTime is None or body.scheduleTime == "":
        raise bad_request("Schedule Time is required if isScheduled is set to true")
    at = parse_date(body.scheduleTime)
    if at is None:
        raise bad_request("Schedule Time is Not in correct format")
    if at < now_ms:
        raise bad_request("Schedule Time cannot be set in the past")
    return at


def check_link(link: str, message: str) -> None:
    if not link.strip():
        raise bad_request(message)


def token_expiry(value: DateInput, now_ms: int) -> int | None:
    """The token's expiry (ms), None for the default, or the 400 that refuses it."""
    if value is None:
        return None
    at = parse_date(value)
    if at is None:
        raise bad_request("Expire time is not in correct format.")
    if at < now_ms:
        raise bad_request("Expire time cannot be in the past.")
    return at


def find(tx: Tx, rooms: RoomService, principal: Principal, link: str, message: str, status: int) -> Room:
    """The principal's meeting of that link, or ``status`` with ``message``."""
    try:
        return rooms.get(tx, principal, link)
    except DomainError:
        if status == 404:
            raise not_found(message) from None
        raise bad_request(message) from None


def check_may_join(details: SessionDetails, now_ms: int, time_to_start_min: int) -> None:
    if details.endTime is not None:
        raise bad_request(EXPIRED)
    if details.isScheduled and now_ms < details.scheduleTime - time_to_start_min * 60_000:
        raise bad_request(
            f"Meeting can only be started {time_to_start_min} minutes before the scheduled time"
        )


def end(
    tx: Tx, rooms: RoomService, meetings: MeetingService, principal: Principal, room: Room, now: int
) -> None:
    """Ends the meeting: its end time set, its live session (and archive) ended, no session after it."""
    details = SessionDetails.of(room)
    if details.endTime is not None:
        raise bad_request(ENDED_ALREADY)
    details.endTime = now
    if active_session(tx, room) is not None:
        meetings.end_session(tx, room)
    rooms.update(tx, principal, room.public_id, {"settings": details.to_json(), "expires_at_ms": now})
