"""Scheduled events, their exceptions and favourites, and invitations (to rooms and to events).
Conventions: ``tables``."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from omnimeet.domain.table_base import Base, SeqType, seq_column, settings_column, tenant_column


class ScheduledEventRow(Base):
    """A calendar event, single or recurring (RFC 5545 lines in ``recurrence``), usually with a room."""

    __tablename__ = "scheduled_events"

    seq: Mapped[int] = seq_column()
    tenant_id: Mapped[str] = tenant_column()
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
    settings: Mapped[str] = settings_column()
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

    seq: Mapped[int] = seq_column()
    tenant_id: Mapped[str] = tenant_column()
    event_seq: Mapped[int] = mapped_column(
        SeqType, ForeignKey("scheduled_events.seq", ondelete="CASCADE"), nullable=False
    )
    user_ref: Mapped[str] = mapped_column(String(128), nullable=False)
    created_at_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)


class EventExceptionRow(Base):
    """An override of one occurrence of a recurring event (moved, retitled or cancelled)."""

    __tablename__ = "event_exceptions"
    __table_args__ = (UniqueConstraint("event_seq", "instance_start_ms"),)

    seq: Mapped[int] = seq_column()
    tenant_id: Mapped[str] = tenant_column()
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

    seq: Mapped[int] = seq_column()
    tenant_id: Mapped[str] = tenant_column()
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
