"""Who uses the APIs: tenants (organisations), the principals that call for them, and people who log
in. Conventions: ``tables``."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from omnimeet.domain.table_base import Base, seq_column, settings_column, tenant_column


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
    tenant_id: Mapped[str] = tenant_column()
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

    seq: Mapped[int] = seq_column()
    tenant_id: Mapped[str] = tenant_column()
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
    settings: Mapped[str] = settings_column()
