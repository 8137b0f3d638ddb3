"""Live meetings: sessions in rooms, the participants in them, and rooms expiring.

A room has at most one active session. Joining a room without one starts it; ending a session makes every
present participant leave and stops its recordings. A room whose ``expires_at_ms`` has passed (or whose
expiry was processed, ``expired_at_ms``) takes no new session and no new participant. When the last
participant leaves, the session stays active by default (the control API or a vendor route ends it), and
the vendor's rules may set the room to expire some time later (Vonage's instant rooms: ten minutes); a
participant joining again clears that expiry.

Every change publishes a ``DomainEvent`` through the service's ``EventSink`` in the same unit of work.
Rooms are locked (``FOR UPDATE`` on PostgreSQL) before their sessions or participants change, so two
requests cannot both start the one session of a room or both take its last seat.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Table, bindparam, func, select

from omnimeet.domain import tables
from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.events import DomainEvent, EventSink, EventType
from omnimeet.domain.ports import Clock, Ids
from omnimeet.domain.rooms import Room
from omnimeet.domain.states import SESSION_TRANSITIONS, SessionStatus, check_transition
from omnimeet.domain.store import Row, Tx

if TYPE_CHECKING:
    from omnimeet.domain.recordings import Recording, RecordingService

_R = tables.ROOMS
_S = tables.MEETING_SESSIONS
_P = tables.PARTICIPANTS

DEFAULT_ROLE = "participant"
HOST_ROLES = frozenset({"host", "moderator"})
"""Roles that make a participant ``is_host``."""

BYTES_PER_RECORDED_MS = 125
"""Default size of a recording file: 1 Mbit/s of media."""


@dataclass(frozen=True, slots=True)
class RoomKey:
    """A room addressed by its API and public id (the control plane, across tenants)."""

    api: str
    public_id: str


RoomRef = Room | RoomKey
"""A room already read (and authorised) by the caller, or its key."""


@dataclass(slots=True)
class Session:
    """A ``meeting_sessions`` row (fields in column order) and its room's public id."""

    seq: int
    tenant_id: str
    room_seq: int
    public_id: str
    status: str
    scheduled_at_ms: int | None
    started_at_ms: int | None
    ended_at_ms: int | None
    created_at_ms: int
    settings: str
    room_id: str = ""

    @classmethod
    def from_row(cls, row: Row, room_id: str) -> Session:
        session = cls(*row)
        session.room_id = room_id
        return session


@dataclass(slots=True)
class Participant:
    """A ``participants`` row (fields in column order) and its session's public id."""

    seq: int
    tenant_id: str
    session_seq: int
    public_id: str
    name: str | None
    role: str | None
    is_host: bool
    joined_at_ms: int
    left_at_ms: int | None
    settings: str
    session_id: str = ""

    @classmethod
    def from_row(cls, row: Row, session_id: str) -> Participant:
        participant = cls(*row)
        participant.is_host = bool(participant.is_host)
        participant.session_id = session_id
        return participant

    def facts(self) -> dict[str, Any]:
        return {
            "id": self.public_id,
            "name": self.name,
            "role": self.role,
            "joined_at_ms": self.joined_at_ms,
            "left_at_ms": self.left_at_ms,
        }


@dataclass(slots=True)
class RoomState:
    """What is happening in a room: its active session (if any), who is present, its recordings."""

    room: Room
    session: Session | None
    participants: list[Participant]
    recordings: list[Recording]


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


def room_event(
    type_: EventType, room: Room, at_ms: int, data: Mapping[str, Any], session_id: str | None
) -> DomainEvent:
    """An event about something in ``room``, ordered with the room's other events."""
    facts = {"room_id": room.public_id, "session_id": session_id, **data}
    return DomainEvent(type_, room.tenant_id, room.api, room.public_id, at_ms, facts, room.settings)


# --- statements ------------------------------------------------------------------------------------

_ROOM_BY_KEY = select(_R).where(_R.c.api == bindparam("api"), _R.c.public_id == bindparam("public_id"))
_ROOM_BY_KEY_LOCKED = _ROOM_BY_KEY.with_for_update()
_ROOM_BY_SEQ_LOCKED = select(_R).where(_R.c.seq == bindparam("seq")).with_for_update()
_ACTIVE_SESSION = select(_S).where(
    _S.c.room_seq == bindparam("room_seq"), _S.c.status == bindparam("active", SessionStatus.ACTIVE.value)
)
_PRESENT = (
    select(_P)
    .where(_P.c.session_seq == bindparam("session_seq"), _P.c.left_at_ms.is_(None))
    .order_by(_P.c.seq)
)
_PRESENT_COUNT = (
    select(func.count())
    .select_from(_P)
    .where(_P.c.session_seq == bindparam("session_seq"), _P.c.left_at_ms.is_(None))
)
_PRESENT_WITH_ID = select(_P.c.seq).where(
    _P.c.session_seq == bindparam("session_seq"),
    _P.c.public_id == bindparam("public_id"),
    _P.c.left_at_ms.is_(None),
)
_PARTICIPANT_IN_ROOM = (
    select(_P, _S.c.public_id)
    .join(_S, _S.c.seq == _P.c.session_seq)
    .where(_S.c.room_seq == bindparam("room_seq"), _P.c.public_id == bindparam("public_id"))
    .order_by(_P.c.left_at_ms.is_not(None), _P.c.seq.desc())
    .limit(1)
)
_ROOMS_DUE = (
    select(_R)
    .where(_R.c.expires_at_ms <= bindparam("now"), _R.c.expired_at_ms.is_(None))
    .order_by(_R.c.expires_at_ms, _R.c.seq)
    .with_for_update(skip_locked=True)
)
_ANY_ROOM_DUE = (
    select(_R.c.seq).where(_R.c.expires_at_ms <= bindparam("now"), _R.c.expired_at_ms.is_(None)).limit(1)
)
_SESSION_BY_SEQ = select(_S).where(_S.c.seq == bindparam("seq"))
_PARTICIPANT_WIDTH = len(_P.c)


def _room(row: Row | None, ref: RoomRef) -> Room:
    if row is None:
        public_id = ref.public_id
        raise DomainError(ErrorCode.NOT_FOUND, "room", id=public_id)
    return Room.from_row(row)


def find_room(tx: Tx, ref: RoomRef) -> Room:
    """The room (as stored now), without locking it."""
    if isinstance(ref, Room):
        return ref
    return _room(tx.fetch_one(_ROOM_BY_KEY, {"api": ref.api, "public_id": ref.public_id}), ref)


def lock_room(tx: Tx, ref: RoomRef) -> Room:
    """The room, read afresh and locked until the unit of work ends; ``NOT_FOUND`` when it is gone."""
    if isinstance(ref, Room):
        return _room(tx.fetch_one(_ROOM_BY_SEQ_LOCKED, {"seq": ref.seq}), ref)
    return _room(tx.fetch_one(_ROOM_BY_KEY_LOCKED, {"api": ref.api, "public_id": ref.public_id}), ref)


def active_session(tx: Tx, room: Room) -> Session | None:
    row = tx.fetch_one(_ACTIVE_SESSION, {"room_seq": room.seq})
    return None if row is None else Session.from_row(row, room.public_id)


def is_expired(room: Room, now_ms: int) -> bool:
    return room.expired_at_ms is not None or (room.expires_at_ms is not None and room.expires_at_ms <= now_ms)


def as_row(table: Table, seq: int, values: Mapping[str, Any]) -> Row:
    """The row just inserted with ``values`` (and the new ``seq``), in column order."""
    return tuple(seq if column.name == "seq" else values.get(column.name) for column in table.c)


class MeetingService:
    """Sessions, participants and room expiry. ``recordings`` stops a session's recordings when it ends."""

    def __init__(
        self,
        clock: Clock,
        ids: Ids,
        events: EventSink,
        recordings: RecordingService,
        rules_for: RulesFor = default_rules,
    ) -> None:
        self.clock = clock
        self.ids = ids
        self.events = events
        self.recordings = recordings
        self.rules_for = rules_for

    # --- reading ---------------------------------------------------------------------------------

    def state(self, tx: Tx, ref: RoomRef) -> RoomState:
        room = find_room(tx, ref)
        session = active_session(tx, room)
        present = self._present(tx, session) if session is not None else []
        return RoomState(room, session, present, self.recordings.of_room(tx, room))

    # --- sessions --------------------------------------------------------------------------------

    def start_session(self, tx: Tx, ref: RoomRef, session_id: str | None = None) -> Session:
        """Starts the room's session. ``CONFLICT`` when one is active or the room has expired."""
        room = lock_room(tx, ref)
        now = self.clock.now_ms()
        self._check_open(room, now)
        current = active_session(tx, room)
        if current is not None:
            raise DomainError(ErrorCode.CONFLICT, "session", reason="active", session_id=current.public_id)
        return self._start(tx, room, now, session_id)

    def end_session(self, tx: Tx, ref: RoomRef) -> Session:
        """Ends the room's active session (``NOT_FOUND`` without one): everyone leaves, recordings stop."""
        room = lock_room(tx, ref)
        session = active_session(tx, room)
        if session is None:
            raise DomainError(ErrorCode.NOT_FOUND, "session", room_id=room.public_id)
        return self._end(tx, room, session, self.clock.now_ms())

    # --- participants ----------------------------------------------------------------------------

    def join(
        self,
        tx: Tx,
        ref: RoomRef,
        name: str | None,
        role: str | None = None,
        participant_id: str | None = None,
    ) -> Participant:
        """Someone joins the room's session (started when none is active). ``LIMIT_REACHED`` when the room
        holds ``max_participants`` already; ``CONFLICT`` when ``participant_id`` is present already or the
        room has expired."""
        room = lock_room(tx, ref)
        now = self.clock.now_ms()
        self._check_open(room, now)
        rules = self.rules_for(room.api)
        session = active_session(tx, room)
        if session is not None:
            if participant_id is not None and tx.fetch_one(
                _PRESENT_WITH_ID, {"session_seq": session.seq, "public_id": participant_id}
            ):
                raise DomainError(ErrorCode.CONFLICT, "participant", reason="present", id=participant_id)
            row = tx.fetch_one(_PRESENT_COUNT, {"session_seq": session.seq})
            present = int(row[0]) if row else 0
        else:
            present = 0
        if room.max_participants is not None and present >= room.max_participants:
            raise DomainError(ErrorCode.LIMIT_REACHED, "participant", limit=room.max_participants)
        if room.expires_at_ms is not None and rules.expiry_after_last_leave_ms(room) is not None:
            # The room was due to expire because it was empty; someone is back.
            tx.update(_R, {"seq": room.seq}, {"expires_at_ms": None})
            room.expires_at_ms = None
        if session is None:
            session = self._start(tx, room, now, None)
        role = role or DEFAULT_ROLE
        values: dict[str, Any] = {
            "tenant_id": room.tenant_id,
            "session_seq": session.seq,
            "public_id": participant_id or rules.participant_id(self.ids, room),
            "name": name,
            "role": role,
            "is_host": role in HOST_ROLES,
            "joined_at_ms": now,
            "left_at_ms": None,
            "settings": "{}",
        }
        seq = tx.insert(_P, values, returning="seq")
        participant = Participant.from_row(as_row(_P, seq, values), session.public_id)
        self._publish(EventType.PARTICIPANT_JOINED, tx, room, now, session, participant)
        return participant

    def leave(self, tx: Tx, ref: RoomRef, participant_id: str) -> Participant:
        """The participant leaves (``NOT_FOUND``: never in this room; ``CONFLICT``: left already). The
        last one leaving may set the room's expiry or end the session, as the vendor's rules say."""
        room = lock_room(tx, ref)
        row = tx.fetch_one(_PARTICIPANT_IN_ROOM, {"room_seq": room.seq, "public_id": participant_id})
        if row is None:
            raise DomainError(ErrorCode.NOT_FOUND, "participant", id=participant_id)
        participant = Participant.from_row(row[:_PARTICIPANT_WIDTH], row[_PARTICIPANT_WIDTH])
        if participant.left_at_ms is not None:
            raise DomainError(ErrorCode.CONFLICT, "participant", reason="left", id=participant_id)
        now = self.clock.now_ms()
        session_row = tx.fetch_one(_SESSION_BY_SEQ, {"seq": participant.session_seq})
        assert session_row is not None  # the foreign key
        session = Session.from_row(session_row, room.public_id)
        self._leave(tx, room, session, participant, now)
        count = tx.fetch_one(_PRESENT_COUNT, {"session_seq": session.seq})
        if count is not None and int(count[0]) == 0 and session.status == SessionStatus.ACTIVE:
            rules = self.rules_for(room.api)
            after = rules.expiry_after_last_leave_ms(room)
            if after is not None:
                tx.update(_R, {"seq": room.seq}, {"expires_at_ms": now + after})
                room.expires_at_ms = now + after
            if rules.end_session_when_empty(room):
                self._end(tx, room, session, now)
        return participant

    # --- expiry ----------------------------------------------------------------------------------

    def anything_due(self, tx: Tx) -> bool:
        return tx.fetch_one(_ANY_ROOM_DUE, {"now": self.clock.now_ms()}) is not None

    def expire_due(self, tx: Tx) -> list[Room]:
        """Every room whose ``expires_at_ms`` has passed and is not marked yet: marks it expired
        (``expired_at_ms``), publishes ``room.expired`` and ends its active session. Rooms stay."""
        now = self.clock.now_ms()
        expired = []
        for row in tx.fetch_all(_ROOMS_DUE, {"now": now}):
            room = Room.from_row(row)
            tx.update(_R, {"seq": room.seq}, {"expired_at_ms": now})
            room.expired_at_ms = now
            data = {"expires_at_ms": room.expires_at_ms, "expired_at_ms": now}
            self.events.publish(tx, room_event(EventType.ROOM_EXPIRED, room, now, data, None))
            session = active_session(tx, room)
            if session is not None:
                self._end(tx, room, session, now)
            expired.append(room)
        return expired

    # --- internals -------------------------------------------------------------------------------

    def _check_open(self, room: Room, now: int) -> None:
        if is_expired(room, now):
            raise DomainError(ErrorCode.CONFLICT, "room", reason="expired", id=room.public_id)

    def _present(self, tx: Tx, session: Session) -> list[Participant]:
        rows = tx.fetch_all(_PRESENT, {"session_seq": session.seq})
        return [Participant.from_row(row, session.public_id) for row in rows]

    def _start(self, tx: Tx, room: Room, now: int, session_id: str | None) -> Session:
        rules = self.rules_for(room.api)
        values: dict[str, Any] = {
            "tenant_id": room.tenant_id,
            "room_seq": room.seq,
            "public_id": session_id or rules.session_id(self.ids, room),
            "status": SessionStatus.ACTIVE.value,
            "scheduled_at_ms": None,
            "started_at_ms": now,
            "ended_at_ms": None,
            "created_at_ms": now,
            "settings": "{}",
        }
        seq = tx.insert(_S, values, returning="seq")
        session = Session.from_row(as_row(_S, seq, values), room.public_id)
        data = {"started_at_ms": now}
        self.events.publish(tx, room_event(EventType.SESSION_STARTED, room, now, data, session.public_id))
        rules.on_session_started(tx, room, session, self.recordings)
        return session

    def _end(self, tx: Tx, room: Room, session: Session, now: int) -> Session:
        check_transition(SESSION_TRANSITIONS, "session", SessionStatus(session.status), SessionStatus.ENDED)
        for participant in self._present(tx, session):
            self._leave(tx, room, session, participant, now)
        self.recordings.stop_for_session(tx, room, session)
        tx.update(_S, {"seq": session.seq}, {"status": SessionStatus.ENDED.value, "ended_at_ms": now})
        session.status = SessionStatus.ENDED.value
        session.ended_at_ms = now
        data = {
            "started_at_ms": session.started_at_ms,
            "ended_at_ms": now,
            "duration_ms": now - (session.started_at_ms or now),
        }
        self.events.publish(tx, room_event(EventType.SESSION_ENDED, room, now, data, session.public_id))
        return session

    def _leave(self, tx: Tx, room: Room, session: Session, participant: Participant, now: int) -> None:
        tx.update(_P, {"seq": participant.seq}, {"left_at_ms": now})
        participant.left_at_ms = now
        self._publish(EventType.PARTICIPANT_LEFT, tx, room, now, session, participant)

    def _publish(
        self, type_: EventType, tx: Tx, room: Room, now: int, session: Session, participant: Participant
    ) -> None:
        data = {"participant": participant.facts()}
        self.events.publish(tx, room_event(type_, room, now, data, session.public_id))
