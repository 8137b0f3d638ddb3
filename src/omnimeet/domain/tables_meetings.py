"""What happens in rooms: meeting sessions, their participants, recordings. Conventions: ``tables``."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from omnimeet.domain.table_base import Base, SeqType, seq_column, settings_column, tenant_column


class MeetingSessionRow(Base):
    """One occurrence of people meeting in a room; ``status`` follows ``SESSION_TRANSITIONS``."""

    __tablename__ = "meeting_sessions"

    seq: Mapped[int] = seq_column()
    tenant_id: Mapped[str] = tenant_column()
    room_seq: Mapped[int] = mapped_column(
        SeqType, ForeignKey("rooms.seq", ondelete="CASCADE"), nullable=False, index=True
    )
    public_id: Mapped[str] = mapped_column(String(128), nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    scheduled_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    started_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    ended_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)
    settings: Mapped[str] = settings_column()


class ParticipantRow(Base):
    """Someone in a meeting session, from joining until leaving."""

    __tablename__ = "participants"

    seq: Mapped[int] = seq_column()
    tenant_id: Mapped[str] = tenant_column()
    session_seq: Mapped[int] = mapped_column(
        SeqType, ForeignKey("meeting_sessions.seq", ondelete="CASCADE"), nullable=False, index=True
    )
    public_id: Mapped[str] = mapped_column(String(128), nullable=False)
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    role: Mapped[str | None] = mapped_column(String(32), nullable=True)
    is_host: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    joined_at_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)
    left_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    settings: Mapped[str] = settings_column()


class RecordingRow(Base):
    """A recording of a room's session; ``status`` follows ``RECORDING_TRANSITIONS``."""

    __tablename__ = "recordings"

    seq: Mapped[int] = seq_column()
    tenant_id: Mapped[str] = tenant_column()
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
    settings: Mapped[str] = settings_column()
    due_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    """When the recording moves on by itself to its next state (progression ``after N seconds``)."""
