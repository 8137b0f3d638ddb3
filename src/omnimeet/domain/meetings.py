"""Live meetings: sessions in rooms, the participants in them, and rooms expiring.

A room has at most one active session. Joining a room without one starts it; ending a session makes every
present participant leave and stops its recordings. A room whose ``expires_at_ms`` has passed (or whose
expiry was processed, ``expired_at_ms``) takes no new session and no new participant. When the last
participant leaves, the session stays active by default (the control API or a vendor route ends it), and
the vendor's rules may set the room to expire some time later (ten minutes, say), also
when a session ends with people in it; a participant joining again clears that expiry, back to the one the
rules keep while the room is in use (a hard limit, which the expiry after use never passes), if any.

Every change publishes a ``DomainEvent`` through the service's ``EventSink`` in the same unit of work.
Rooms are locked (``FOR UPDATE`` on PostgreSQL) before their sessions or participants change, so two
requests cannot both start the one session of a room or both take its last seat.

The records and room lookups live in ``meeting_records``, what a vendor may change in ``meeting_rules``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, func, select

from omnimeet.domain import tables
from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.events import EventSink, EventType
from omnimeet.domain.meeting_records import (
    Participant,
    RoomRef,
    RoomState,
    Session,
    active_session,
    as_row,
    find_room,
    is_expired,
    lock_room,
    room_event,
)
from omnimeet.domain.meeting_rules import RulesFor, default_rules
from omnimeet.domain.ports import Clock, Ids
from omnimeet.domain.recordings import RecordingService
from omnimeet.domain.rooms import Room
from omnimeet.domain.states import SESSION_TRANSITIONS, SessionStatus, check_transition
from omnimeet.domain.store import Tx

_R = tables.ROOMS
_S = tables.MEETING_SESSIONS
_P = tables.PARTICIPANTS

DEFAULT_ROLE = "participant"
HOST_ROLES = frozenset({"host", "moderator"})
"""Roles that make a participant ``is_host``."""

# --- statements ------------------------------------------------------------------------------------

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
_EVER_IN_ROOM = (
    select(_P, _S.c.public_id)
    .join(_S, _S.c.seq == _P.c.session_seq)
    .where(_S.c.room_seq == bindparam("room_seq"))
    .order_by(_P.c.seq)
)
_SESSION_BY_SEQ = select(_S).where(_S.c.seq == bindparam("seq"))
_PARTICIPANT_WIDTH = len(_P.c)


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

    def participants_ever(self, tx: Tx, ref: RoomRef) -> list[Participant]:
        """Everyone who was ever in one of the room's sessions (those who left too), in order of joining."""
        room = find_room(tx, ref)
        rows = tx.fetch_all(_EVER_IN_ROOM, {"room_seq": room.seq})
        return [Participant.from_row(row[:_PARTICIPANT_WIDTH], row[_PARTICIPANT_WIDTH]) for row in rows]

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
        now = self.clock.now_ms()
        emptied = bool(self._present(tx, session))
        ended = self._end(tx, room, session, now)
        if emptied:
            self._emptied(tx, room, now)
        return ended

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
            # The room was due to expire because it was empty; someone is back (a hard limit stays).
            standing = rules.expiry_while_in_use_ms(room)
            if standing != room.expires_at_ms:
                tx.update(_R, {"seq": room.seq}, {"expires_at_ms": standing})
                room.expires_at_ms = standing
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
            self._emptied(tx, room, now)
            if rules.end_session_when_empty(room):
                self._end(tx, room, session, now)
        return participant

    def set_participant_settings(
        self, tx: Tx, ref: RoomRef, participant_id: str, settings: str
    ) -> Participant:
        """Replaces the vendor settings (JSON) of the participant with this id in the room (the one present,
        else the latest); ``NOT_FOUND`` when nobody had that id there. No event is published."""
        room = lock_room(tx, ref)
        row = tx.fetch_one(_PARTICIPANT_IN_ROOM, {"room_seq": room.seq, "public_id": participant_id})
        if row is None:
            raise DomainError(ErrorCode.NOT_FOUND, "participant", id=participant_id)
        participant = Participant.from_row(row[:_PARTICIPANT_WIDTH], row[_PARTICIPANT_WIDTH])
        tx.update(_P, {"seq": participant.seq}, {"settings": settings})
        participant.settings = settings
        return participant

    def set_session_settings(self, tx: Tx, ref: RoomRef, settings: str) -> Session:
        """Replaces the vendor settings (JSON) of the room's active session (``NOT_FOUND`` without one).
        No event is published."""
        room = lock_room(tx, ref)
        session = active_session(tx, room)
        if session is None:
            raise DomainError(ErrorCode.NOT_FOUND, "session", room_id=room.public_id)
        tx.update(_S, {"seq": session.seq}, {"settings": settings})
        session.settings = settings
        return session

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

    def _emptied(self, tx: Tx, room: Room, now: int) -> None:
        """The last participant has just left: the room expires some time later if the rules say so (never
        past the expiry it keeps while in use)."""
        rules = self.rules_for(room.api)
        after = rules.expiry_after_last_leave_ms(room)
        if after is None:
            return
        until = now + after
        limit = rules.expiry_while_in_use_ms(room)
        if limit is not None:
            until = min(until, limit)
        tx.update(_R, {"seq": room.seq}, {"expires_at_ms": until})
        room.expires_at_ms = until

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
