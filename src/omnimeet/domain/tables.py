"""The schema: every table of the shared domain, as typed SQLAlchemy declarative models.

Conventions, chosen for speed and for identical behaviour on SQLite and PostgreSQL:
- times are integers, milliseconds since the Unix epoch, UTC (columns end in ``_ms``);
- structured vendor-only settings are JSON text (``settings``), validated by the vendor that owns them;
- every row that belongs to a customer carries ``tenant_id``, and every query filters on it;
- ``seq`` is an internal, monotonically increasing key (ordering, keyset pagination, foreign keys); the id a
  client sees is ``public_id``, whose format the owning vendor chooses;
- ``api`` names the API surface that owns a row (an opaque string to the domain).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments an ``INTEGER PRIMARY KEY``; PostgreSQL gets a 64-bit identity.
SeqType = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _seq() -> Mapped[int]:
    return mapped_column(SeqType, primary_key=True, autoincrement=True)


def _tenant() -> Mapped[str]:
    return mapped_column(String(64), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False)


def _settings() -> Mapped[str]:
    return mapped_column(Text, nullable=False, default="{}", server_default="{}")


class TenantRow(Base):
    """An organisation: the unit of data isolation. Plans and features decide what its principals may do."""

    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    is_organization: Mapped[bool] = mapped_column(Boolean, nullable=False)
    plan: Mapped[str] = mapped_column(String(64), nullable=False)
    features: Mapped[str] = mapped_column(Text, nullable=False)
    created_at_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)


class PrincipalRow(Base):
    """Who calls an API: one credential of one API surface, acting for one tenant with some scopes."""

    __tablename__ = "principals"
    __table_args__ = (UniqueConstraint("api", "credential_hash"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = _tenant()
    api: Mapped[str] = mapped_column(String(32), nullable=False)
    credential_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    label: Mapped[str] = mapped_column(String(200), nullable=False)
    scopes: Mapped[str] = mapped_column(Text, nullable=False)
    created_at_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)
    revoked_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    public_key: Mapped[str | None] = mapped_column(Text, nullable=True)
    """PEM public key that verifies the tokens this principal signs (APIs whose clients sign requests)."""


class UserRow(Base):
    """A person known to an API by a login (an OIDC subject, or an opaque token): profile and preferences.

    ``subject`` is what identifies the person at login (unique per tenant and API); ``public_id`` is the id
    clients see."""

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("tenant_id", "api", "subject"),
        UniqueConstraint("api", "public_id"),
        Index(None, "tenant_id", "api", "email"),
    )

    seq: Mapped[int] = _seq()
    tenant_id: Mapped[str] = _tenant()
    api: Mapped[str] = mapped_column(String(32), nullable=False)
    public_id: Mapped[str] = mapped_column(String(128), nullable=False)
    subject: Mapped[str] = mapped_column(String(255), nullable=False)
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    title: Mapped[str | None] = mapped_column(String(255), nullable=True)
    firstname: Mapped[str | None] = mapped_column(String(255), nullable=True)
    lastname: Mapped[str | None] = mapped_column(String(255), nullable=True)
    display_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    avatar_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    language: Mapped[str | None] = mapped_column(String(35), nullable=True)
    dashboard_theme: Mapped[str | None] = mapped_column(String(128), nullable=True)
    conference_theme: Mapped[str | None] = mapped_column(String(128), nullable=True)
    tariff_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)
    updated_at_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)
    last_login_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    settings: Mapped[str] = _settings()


class RoomRow(Base):
    """A meeting room (conference, meeting link). Common columns here; vendor-only ones in ``settings``."""

    __tablename__ = "rooms"
    __table_args__ = (
        UniqueConstraint("api", "public_id"),
        Index(None, "tenant_id", "api", "seq"),
        # The due-work sweep: open rooms (expired_at_ms NULL) whose expires_at_ms has passed.
        Index(None, "expired_at_ms", "expires_at_ms"),
    )

    seq: Mapped[int] = _seq()
    tenant_id: Mapped[str] = _tenant()
    api: Mapped[str] = mapped_column(String(32), nullable=False)
    public_id: Mapped[str] = mapped_column(String(128), nullable=False)
    owner_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    name: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    access_level: Mapped[str | None] = mapped_column(String(32), nullable=True)
    password: Mapped[str | None] = mapped_column(String(255), nullable=True)
    waiting_room: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    max_participants: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)
    updated_at_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)
    expires_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    settings: Mapped[str] = _settings()
    expired_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    """When the room's expiry was processed (its ``room.expired`` event written); None while open."""
    theme_seq: Mapped[int | None] = mapped_column(
        SeqType, ForeignKey("themes.seq", ondelete="SET NULL"), nullable=True, index=True
    )
    """The room's theme (branding), if any."""


class ThemeRow(Base):
    """A named look for rooms (colours, texts, logos in ``settings``); one of an API's themes per tenant may
    be the default that new rooms get."""

    __tablename__ = "themes"
    __table_args__ = (UniqueConstraint("tenant_id", "api", "name"), UniqueConstraint("api", "public_id"))

    seq: Mapped[int] = _seq()
    tenant_id: Mapped[str] = _tenant()
    api: Mapped[str] = mapped_column(String(32), nullable=False)
    public_id: Mapped[str] = mapped_column(String(128), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    is_default: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    settings: Mapped[str] = _settings()
    created_at_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)
    updated_at_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)


class AssetRow(Base):
    """A stored file (a logo, a user's upload). ``data`` is NULL while an upload is only announced;
    ``expires_at_ms`` is set while the asset is temporary (removed once it passes)."""

    __tablename__ = "assets"
    __table_args__ = (UniqueConstraint("api", "public_id"), Index(None, "tenant_id", "api", "seq"))

    seq: Mapped[int] = _seq()
    tenant_id: Mapped[str] = _tenant()
    api: Mapped[str] = mapped_column(String(32), nullable=False)
    public_id: Mapped[str] = mapped_column(String(255), nullable=False)
    """The asset's key or id, as the owning API names it."""
    owner_ref: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True)
    """Who or what the asset belongs to (a user, a room, a theme), as the owning API names it."""
    kind: Mapped[str | None] = mapped_column(String(64), nullable=True)
    namespace: Mapped[str | None] = mapped_column(String(128), nullable=True)
    filename: Mapped[str | None] = mapped_column(String(255), nullable=True)
    content_type: Mapped[str | None] = mapped_column(String(255), nullable=True)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    data: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)
    updated_at_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)
    expires_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    settings: Mapped[str] = _settings()
    created_by: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True)
    """The user who created it (their storage use counts it), as the owning API names users."""


class LiveStreamRow(Base):
    """A live stream or streaming target of a room: a viewer page and/or an RTMP-style endpoint."""

    __tablename__ = "live_streams"

    seq: Mapped[int] = _seq()
    tenant_id: Mapped[str] = _tenant()
    room_seq: Mapped[int] = mapped_column(
        SeqType, ForeignKey("rooms.seq", ondelete="CASCADE"), nullable=False, index=True
    )
    public_id: Mapped[str] = mapped_column(String(128), nullable=False, index=True)
    kind: Mapped[str | None] = mapped_column(String(32), nullable=True)
    title: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    access_level: Mapped[str | None] = mapped_column(String(32), nullable=True)
    endpoint_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    stream_key: Mapped[str | None] = mapped_column(Text, nullable=True)
    public_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)
    updated_at_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)


class RoomDialInRow(Base):
    """A room's telephone dial-in: the numeric id and pin callers key in, and whether they wait in a lobby."""

    __tablename__ = "room_dial_ins"
    __table_args__ = (UniqueConstraint("api", "dial_in_id"),)

    room_seq: Mapped[int] = mapped_column(
        SeqType, ForeignKey("rooms.seq", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    tenant_id: Mapped[str] = _tenant()
    api: Mapped[str] = mapped_column(String(32), nullable=False)
    dial_in_id: Mapped[str] = mapped_column(String(64), nullable=False)
    pin: Mapped[str] = mapped_column(String(64), nullable=False)
    lobby: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)
    updated_at_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)


class JoinTicketRow(Base):
    """A short-lived, single-use permission to join a room's live session (a signalling ticket), with the
    resumption token that lets the same participant come back."""

    __tablename__ = "join_tickets"
    __table_args__ = (UniqueConstraint("api", "ticket"), Index(None, "room_seq", "resumption"))

    seq: Mapped[int] = _seq()
    tenant_id: Mapped[str] = _tenant()
    api: Mapped[str] = mapped_column(String(32), nullable=False)
    room_seq: Mapped[int] = mapped_column(
        SeqType, ForeignKey("rooms.seq", ondelete="CASCADE"), nullable=False
    )
    ticket: Mapped[str] = mapped_column(String(128), nullable=False)
    resumption: Mapped[str] = mapped_column(String(128), nullable=False)
    participant_ref: Mapped[str] = mapped_column(String(128), nullable=False)
    """The participant id the holder joins as (kept when a resumption token is presented)."""
    user_ref: Mapped[str | None] = mapped_column(String(128), nullable=True)
    """The registered user who asked for it; None for a guest (invite code) or a phone caller."""
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    """Who joins: ``user``, ``guest`` or ``dial_in``."""
    breakout_room: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)
    expires_at_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)
    used_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    """When the ticket was redeemed; a ticket is redeemed at most once."""


class MeetingSessionRow(Base):
    """One occurrence of people meeting in a room; ``status`` follows ``SESSION_TRANSITIONS``."""

    __tablename__ = "meeting_sessions"

    seq: Mapped[int] = _seq()
    tenant_id: Mapped[str] = _tenant()
    room_seq: Mapped[int] = mapped_column(
        SeqType, ForeignKey("rooms.seq", ondelete="CASCADE"), nullable=False, index=True
    )
    public_id: Mapped[str] = mapped_column(String(128), nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    scheduled_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    started_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    ended_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)
    settings: Mapped[str] = _settings()


class ParticipantRow(Base):
    """Someone in a meeting session, from joining until leaving."""

    __tablename__ = "participants"

    seq: Mapped[int] = _seq()
    tenant_id: Mapped[str] = _tenant()
    session_seq: Mapped[int] = mapped_column(
        SeqType, ForeignKey("meeting_sessions.seq", ondelete="CASCADE"), nullable=False, index=True
    )
    public_id: Mapped[str] = mapped_column(String(128), nullable=False)
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    role: Mapped[str | None] = mapped_column(String(32), nullable=True)
    is_host: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    joined_at_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)
    left_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    settings: Mapped[str] = _settings()


class RecordingRow(Base):
    """A recording of a room's session; ``status`` follows ``RECORDING_TRANSITIONS``."""

    __tablename__ = "recordings"

    seq: Mapped[int] = _seq()
    tenant_id: Mapped[str] = _tenant()
    room_seq: Mapped[int] = mapped_column(
        SeqType, ForeignKey("rooms.seq", ondelete="CASCADE"), nullable=False, index=True
    )
    session_seq: Mapped[int | None] = mapped_column(
        SeqType, ForeignKey("meeting_sessions.seq", ondelete="SET NULL"), nullable=True, index=True
    )
    public_id: Mapped[str] = mapped_column(String(128), nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    started_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    ended_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    filename: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)
    updated_at_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)
    settings: Mapped[str] = _settings()
    due_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    """When the recording moves on by itself to its next state (progression ``after N seconds``)."""


class ScheduledEventRow(Base):
    """A calendar event, single or recurring (RFC 5545 lines in ``recurrence``), usually with a room."""

    __tablename__ = "scheduled_events"

    seq: Mapped[int] = _seq()
    tenant_id: Mapped[str] = _tenant()
    room_seq: Mapped[int | None] = mapped_column(
        SeqType, ForeignKey("rooms.seq", ondelete="CASCADE"), nullable=True, index=True
    )
    public_id: Mapped[str] = mapped_column(String(128), nullable=False, index=True)
    created_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    title: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    starts_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    ends_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    timezone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    is_all_day: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    recurrence: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    created_at_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)
    updated_at_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)
    settings: Mapped[str] = _settings()
    is_adhoc: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default="0")
    is_time_independent: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default="0"
    )
    series_ends_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    """When the last occurrence ends (the single occurrence's end, or the recurrence's last); None when the
    series never ends or the event has no time. Lets a time-window query skip finished series."""
    updated_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class EventFavoriteRow(Base):
    """A user's mark on an event they want to find quickly."""

    __tablename__ = "event_favorites"
    __table_args__ = (UniqueConstraint("event_seq", "user_ref"), Index(None, "tenant_id", "user_ref"))

    seq: Mapped[int] = _seq()
    tenant_id: Mapped[str] = _tenant()
    event_seq: Mapped[int] = mapped_column(
        SeqType, ForeignKey("scheduled_events.seq", ondelete="CASCADE"), nullable=False
    )
    user_ref: Mapped[str] = mapped_column(String(128), nullable=False)
    created_at_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)


class EventExceptionRow(Base):
    """An override of one occurrence of a recurring event (moved, retitled or cancelled)."""

    __tablename__ = "event_exceptions"
    __table_args__ = (UniqueConstraint("event_seq", "instance_start_ms"),)

    seq: Mapped[int] = _seq()
    tenant_id: Mapped[str] = _tenant()
    event_seq: Mapped[int] = mapped_column(
        SeqType, ForeignKey("scheduled_events.seq", ondelete="CASCADE"), nullable=False
    )
    instance_start_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)
    title: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    starts_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    ends_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    is_all_day: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    created_at_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)
    created_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    updated_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    updated_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class InviteRow(Base):
    """An invitation to a room (a code or link) or to an event (a person by id or e-mail), with a role."""

    __tablename__ = "invites"

    seq: Mapped[int] = _seq()
    tenant_id: Mapped[str] = _tenant()
    room_seq: Mapped[int | None] = mapped_column(
        SeqType, ForeignKey("rooms.seq", ondelete="CASCADE"), nullable=True, index=True
    )
    event_seq: Mapped[int | None] = mapped_column(
        SeqType, ForeignKey("scheduled_events.seq", ondelete="CASCADE"), nullable=True, index=True
    )
    code: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True)
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    invitee_ref: Mapped[str | None] = mapped_column(String(128), nullable=True)
    role: Mapped[str | None] = mapped_column(String(32), nullable=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    created_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)
    updated_at_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)
    expires_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    updated_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class WebhookEndpointRow(Base):
    """A webhook subscription set through the control plane: where one API's events go, for one tenant or
    (``tenant_id`` NULL) for every tenant of that API."""

    __tablename__ = "webhook_endpoints"

    seq: Mapped[int] = _seq()
    tenant_id: Mapped[str | None] = mapped_column(
        String(64), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=True, index=True
    )
    api: Mapped[str] = mapped_column(String(32), nullable=False)
    url: Mapped[str] = mapped_column(Text, nullable=False)
    events: Mapped[str] = mapped_column(Text, nullable=False)
    """JSON list of the event types delivered there (``["*"]``: all)."""
    secret: Mapped[str | None] = mapped_column(Text, nullable=True)
    """Key for the payload signature, when the API signs its webhooks."""
    created_at_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)


class OutboxRow(Base):
    """A webhook to deliver, written in the same transaction as the change that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (Index(None, "status", "next_attempt_at_ms"),)

    seq: Mapped[int] = _seq()
    tenant_id: Mapped[str] = _tenant()
    api: Mapped[str] = mapped_column(String(32), nullable=False)
    event_type: Mapped[str] = mapped_column(String(64), nullable=False)
    ordering_key: Mapped[str] = mapped_column(String(128), nullable=False)
    payload: Mapped[str] = mapped_column(Text, nullable=False)
    target_url: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)
    created_at_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)
    delivered_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    secret: Mapped[str | None] = mapped_column(Text, nullable=True)
    """Signing key copied from the endpoint (or the vendor's rule) when the row was written."""
    lease_until_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    """While a dispatcher is delivering the row (status ``delivering``): when its claim lapses."""


class WebhookAttemptRow(Base):
    """One try at delivering an outbox row: what the receiver answered, or why it failed."""

    __tablename__ = "webhook_attempts"

    seq: Mapped[int] = _seq()
    outbox_seq: Mapped[int] = mapped_column(
        SeqType, ForeignKey("outbox.seq", ondelete="CASCADE"), nullable=False, index=True
    )
    attempted_at_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    duration_ms: Mapped[int] = mapped_column(Integer, nullable=False)
    response_body: Mapped[str | None] = mapped_column(Text, nullable=True)
    """The start of what the receiver answered (cut to a few KiB)."""


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


TENANTS = _table(TenantRow)
PRINCIPALS = _table(PrincipalRow)
USERS = _table(UserRow)
ROOMS = _table(RoomRow)
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
