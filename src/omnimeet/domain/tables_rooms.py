"""Rooms and what hangs off them: themes, stored files, live streams, dial-in, join tickets.
Conventions: ``tables``."""

from __future__ import annotations

from sqlalchemy import (
    DDL,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column

from omnimeet.domain.table_base import Base, SeqType, seq_column, settings_column, tenant_column


class RoomRow(Base):
    """A meeting room (conference, meeting link). Common columns here; vendor-only ones in ``settings``."""

    __tablename__ = "rooms"
    __table_args__ = (
        UniqueConstraint("api", "public_id"),
        Index(None, "tenant_id", "api", "seq"),
        # The due-work sweep: open rooms (expired_at_ms NULL) whose expires_at_ms has passed.
        Index(None, "expired_at_ms", "expires_at_ms"),
    )

    seq: Mapped[int] = seq_column()
    tenant_id: Mapped[str] = tenant_column()
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
    settings: Mapped[str] = settings_column()
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

    seq: Mapped[int] = seq_column()
    tenant_id: Mapped[str] = tenant_column()
    api: Mapped[str] = mapped_column(String(32), nullable=False)
    public_id: Mapped[str] = mapped_column(String(128), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    is_default: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    settings: Mapped[str] = settings_column()
    created_at_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)
    updated_at_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)


class AssetRow(Base):
    """A stored file (a logo, a user's upload). ``data`` is NULL while an upload is only announced;
    ``expires_at_ms`` is set while the asset is temporary (removed once it passes)."""

    __tablename__ = "assets"
    __table_args__ = (UniqueConstraint("api", "public_id"), Index(None, "tenant_id", "api", "seq"))

    seq: Mapped[int] = seq_column()
    tenant_id: Mapped[str] = tenant_column()
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
    settings: Mapped[str] = settings_column()
    created_by: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True)
    """The user who created it (their storage use counts it), as the owning API names users."""


class LiveStreamRow(Base):
    """A live stream or streaming target of a room: a viewer page and/or an RTMP-style endpoint."""

    __tablename__ = "live_streams"

    seq: Mapped[int] = seq_column()
    tenant_id: Mapped[str] = tenant_column()
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
    tenant_id: Mapped[str] = tenant_column()
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

    seq: Mapped[int] = seq_column()
    tenant_id: Mapped[str] = tenant_column()
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


class RoomCountRow(Base):
    """How many rooms a tenant has in an API, so that a list's ``total_items`` is one row read instead of a
    count of every room (which grows with the tenant). Kept by triggers on ``rooms`` (``ROOM_COUNT_DDL``):
    every insert, delete (cascades included) and change of a room's tenant or API counts, whoever does it.
    A state import does not insert these rows: the triggers count the imported rooms. Rows may stay at 0.

    Note for later migrations: on SQLite, ``batch_alter_table("rooms")`` rebuilds the table and drops its
    triggers; such a migration must create them again."""

    __tablename__ = "room_counts"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    api: Mapped[str] = mapped_column(String(32), primary_key=True)
    rooms: Mapped[int] = mapped_column(BigInteger, nullable=False)


_COUNT_UP = (
    "INSERT INTO room_counts (tenant_id, api, rooms) VALUES (NEW.tenant_id, NEW.api, 1) "
    "ON CONFLICT (tenant_id, api) DO UPDATE SET rooms = room_counts.rooms + 1"
)
_COUNT_DOWN = "UPDATE room_counts SET rooms = rooms - 1 WHERE tenant_id = OLD.tenant_id AND api = OLD.api"
ROOM_COUNT_DDL: dict[str, tuple[str, ...]] = {
    "sqlite": (
        f"CREATE TRIGGER room_counts_insert AFTER INSERT ON rooms BEGIN {_COUNT_UP}; END",
        f"CREATE TRIGGER room_counts_delete AFTER DELETE ON rooms BEGIN {_COUNT_DOWN}; END",
        "CREATE TRIGGER room_counts_move AFTER UPDATE OF tenant_id, api ON rooms "
        "WHEN OLD.tenant_id IS NOT NEW.tenant_id OR OLD.api IS NOT NEW.api "
        f"BEGIN {_COUNT_DOWN}; {_COUNT_UP}; END",
    ),
    "postgresql": (
        "CREATE FUNCTION room_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP <> 'INSERT' THEN {_COUNT_DOWN}; END IF; "
        f"IF TG_OP <> 'DELETE' THEN {_COUNT_UP}; END IF; "
        "RETURN NULL; END $$",
        "CREATE TRIGGER room_counts_insert_delete AFTER INSERT OR DELETE ON rooms "
        "FOR EACH ROW EXECUTE FUNCTION room_counts_track()",
        "CREATE TRIGGER room_counts_move AFTER UPDATE OF tenant_id, api ON rooms FOR EACH ROW "
        "WHEN (OLD.tenant_id IS DISTINCT FROM NEW.tenant_id OR OLD.api IS DISTINCT FROM NEW.api) "
        "EXECUTE FUNCTION room_counts_track()",
    ),
}
"""The triggers that keep ``room_counts``, by dialect (migration 0005 creates the same)."""
ROOM_COUNT_DROP: dict[str, tuple[str, ...]] = {
    "sqlite": (),
    "postgresql": ("DROP FUNCTION IF EXISTS room_counts_track() CASCADE",),
}
"""What dropping the tables leaves behind (triggers go with their table; a PostgreSQL function does not)."""


def _ddl(statement: str, dialect: str) -> DDL:
    ddl: DDL = DDL(statement)  # type: ignore[no-untyped-call]  # untyped in SQLAlchemy
    return ddl.execute_if(dialect=dialect)


for _dialect, _statements in ROOM_COUNT_DDL.items():
    for _statement in _statements:
        # After the whole schema is created (the triggers need both tables).
        event.listen(Base.metadata, "after_create", _ddl(_statement, _dialect))
for _dialect, _statements in ROOM_COUNT_DROP.items():
    for _statement in _statements:
        event.listen(Base.metadata, "after_drop", _ddl(_statement, _dialect))
