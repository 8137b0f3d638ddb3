"""The schema: every table of the shared domain, as typed SQLAlchemy declarative models.

Conventions, chosen for speed and for identical behaviour on SQLite and PostgreSQL:
- times are integers, milliseconds since the Unix epoch, UTC (columns end in ``_ms``);
- structured vendor-only settings are JSON text (``settings``), validated by the vendor that owns them;
- every row that belongs to a customer carries ``tenant_id``, and every query filters on it;
- ``seq`` is an internal, monotonically increasing key (ordering, keyset pagination, foreign keys); the id a
  client sees is ``public_id``, whose format the owning vendor chooses;
- ``api`` names the API surface that owns a row (an opaque string to the domain).

The models live by area in ``tables_people``, ``tables_rooms``, ``tables_meetings``, ``tables_calendar`` and
``tables_delivery`` (their base and shared column shapes in ``table_base``); this module gathers them, names
each table (``tables.ROOMS``) and holds the ``metadata`` migrations compare against.
"""

from __future__ import annotations

from sqlalchemy import Table

from omnimeet.domain.table_base import Base
from omnimeet.domain.tables_calendar import EventExceptionRow, EventFavoriteRow, InviteRow, ScheduledEventRow
from omnimeet.domain.tables_delivery import OutboxRow, WebhookAttemptRow, WebhookEndpointRow
from omnimeet.domain.tables_meetings import MeetingSessionRow, ParticipantRow, RecordingRow
from omnimeet.domain.tables_people import PrincipalRow, TenantRow, UserRow
from omnimeet.domain.tables_rooms import (
    AssetRow,
    JoinTicketRow,
    LiveStreamRow,
    RoomCountRow,
    RoomDialInRow,
    RoomRow,
    ThemeRow,
)

__all__ = [
    "TABLES_CHILD_FIRST",
    "AssetRow",
    "Base",
    "EventExceptionRow",
    "EventFavoriteRow",
    "InviteRow",
    "JoinTicketRow",
    "LiveStreamRow",
    "MeetingSessionRow",
    "OutboxRow",
    "ParticipantRow",
    "PrincipalRow",
    "RecordingRow",
    "RoomCountRow",
    "RoomDialInRow",
    "RoomRow",
    "ScheduledEventRow",
    "TenantRow",
    "ThemeRow",
    "UserRow",
    "WebhookAttemptRow",
    "WebhookEndpointRow",
    "metadata",
]


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


TENANTS = _table(TenantRow)
PRINCIPALS = _table(PrincipalRow)
USERS = _table(UserRow)
ROOMS = _table(RoomRow)
ROOM_COUNTS = _table(RoomCountRow)
ROOM_DIAL_INS = _table(RoomDialInRow)
JOIN_TICKETS = _table(JoinTicketRow)
LIVE_STREAMS = _table(LiveStreamRow)
THEMES = _table(ThemeRow)
ASSETS = _table(AssetRow)
MEETING_SESSIONS = _table(MeetingSessionRow)
PARTICIPANTS = _table(ParticipantRow)
RECORDINGS = _table(RecordingRow)
SCHEDULED_EVENTS = _table(ScheduledEventRow)
EVENT_FAVORITES = _table(EventFavoriteRow)
EVENT_EXCEPTIONS = _table(EventExceptionRow)
INVITES = _table(InviteRow)
WEBHOOK_ENDPOINTS = _table(WebhookEndpointRow)
OUTBOX = _table(OutboxRow)
WEBHOOK_ATTEMPTS = _table(WebhookAttemptRow)

metadata = Base.metadata

# Children before parents: the order in which a reset deletes.
TABLES_CHILD_FIRST = tuple(reversed(metadata.sorted_tables))
