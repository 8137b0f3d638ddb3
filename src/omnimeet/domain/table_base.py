"""The declarative base of the schema and the column shapes every table shares (see ``tables``)."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Integer, MetaData, String, Text
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


def seq_column() -> Mapped[int]:
    return mapped_column(SeqType, primary_key=True, autoincrement=True)


def tenant_column() -> Mapped[str]:
    return mapped_column(String(64), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False)


def settings_column() -> Mapped[str]:
    return mapped_column(Text, nullable=False, default="{}", server_default="{}")
