"""MeetingService.set_session_settings: the vendor settings of a room's active session."""

from __future__ import annotations

from omnimeet.domain.errors import ErrorCode
from omnimeet.domain.meetings import MeetingService
from omnimeet.domain.tables import MEETING_SESSIONS
from omnimeet.platform.db import Database
from tests.domain.conftest import FixedClock, MakePrincipal
from tests.domain.meetings_support import make_world


def test_settings_of_the_active_session(
    db: Database, clock: FixedClock, make_principal: MakePrincipal
) -> None:
    world = make_world(db, clock, make_principal)
    room = world.room()
    meetings: MeetingService = world.meetings
    assert world.fails(lambda tx: meetings.set_session_settings(tx, room, "{}")).code is ErrorCode.NOT_FOUND
    session = world.run(lambda tx: meetings.start_session(tx, room))
    changed = world.run(lambda tx: meetings.set_session_settings(tx, room, '{"a":1}'))
    assert (changed.public_id, changed.settings) == (session.public_id, '{"a":1}')
    assert world.row(MEETING_SESSIONS, session.public_id)["settings"] == '{"a":1}'
    assert world.run(lambda tx: meetings.state(tx, room)).session == changed
    world.run(lambda tx: meetings.end_session(tx, room))
    assert world.fails(lambda tx: meetings.set_session_settings(tx, room, "{}")).code is ErrorCode.NOT_FOUND
