"""Outbound effects: webhook endpoints, the outbox, delivery attempts. Conventions: ``tables``."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from omnimeet.domain.table_base import Base, SeqType, seq_column, tenant_column


class WebhookEndpointRow(Base):
    """A webhook subscription set through the control plane: where one API's events go, for one tenant or
    (``tenant_id`` NULL) for every tenant of that API."""

    __tablename__ = "webhook_endpoints"

    seq: Mapped[int] = seq_column()
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

    seq: Mapped[int] = seq_column()
    tenant_id: Mapped[str] = tenant_column()
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

    seq: Mapped[int] = seq_column()
    outbox_seq: Mapped[int] = mapped_column(
        SeqType, ForeignKey("outbox.seq", ondelete="CASCADE"), nullable=False, index=True
    )
    attempted_at_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    duration_ms: Mapped[int] = mapped_column(Integer, nullable=False)
    response_body: Mapped[str | None] = mapped_column(Text, nullable=True)
    """The start of what the receiver answered (cut to a few KiB)."""
