"""Assets: stored files (logos, uploads) kept in the database.

An upload is first *announced* (a row without data, with an expiry), then *stored* (its bytes), and may be
*kept* (renamed to a permanent id, its expiry cleared). An asset past its expiry is gone: lookups do not see
it and ``purge_expired`` removes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import bindparam, delete, select

from omnimeet.domain import tables
from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.ports import Clock
from omnimeet.domain.store import Tx
from omnimeet.domain.tenancy import Principal

_A = tables.ASSETS


@dataclass(slots=True)
class Asset:
    """An ``assets`` row; fields in column order."""

    seq: int
    tenant_id: str
    api: str
    public_id: str
    owner_ref: str | None
    kind: str | None
    namespace: str | None
    filename: str | None
    content_type: str | None
    size_bytes: int | None
    data: bytes | None
    created_at_ms: int
    updated_at_ms: int
    expires_at_ms: int | None
    settings: str
    created_by: str | None = None

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> Asset:
        asset = cls(*row)
        if asset.data is not None and not isinstance(asset.data, bytes):
            asset.data = bytes(asset.data)
        return asset

    def live(self, now_ms: int) -> bool:
        return self.expires_at_ms is None or self.expires_at_ms > now_ms


_COLUMNS = tuple(f.name for f in fields(Asset))
_BY_PUBLIC_ID = select(_A).where(_A.c.api == bindparam("api"), _A.c.public_id == bindparam("public_id"))
_EXPIRED = delete(_A).where(
    _A.c.api == bindparam("api"),
    _A.c.expires_at_ms.is_not(None),
    _A.c.expires_at_ms <= bindparam("now"),
)


class AssetService:
    """Announces, stores, reads and keeps assets."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def announce(
        self,
        tx: Tx,
        principal: Principal,
        public_id: str,
        *,
        kind: str | None = None,
        namespace: str | None = None,
        content_type: str | None = None,
        created_by: str | None = None,
        expires_at_ms: int | None = None,
        settings: str = "{}",
    ) -> Asset:
        """Records an upload to come (no data yet) in the principal's tenant."""
        now = self.clock.now_ms()
        values: dict[str, Any] = {
            "tenant_id": principal.tenant_id,
            "api": principal.api,
            "public_id": public_id,
            "owner_ref": None,
            "kind": kind,
            "namespace": namespace,
            "filename": None,
            "content_type": content_type,
            "size_bytes": None,
            "data": None,
            "created_at_ms": now,
            "updated_at_ms": now,
            "expires_at_ms": expires_at_ms,
            "settings": settings,
            "created_by": created_by,
        }
        seq = tx.insert(_A, values, returning="seq")
        return Asset.from_row(tuple(seq if column == "seq" else values[column] for column in _COLUMNS))

    def find(self, tx: Tx, api: str, public_id: str) -> Asset | None:
        """The live asset with this id in ``api``, whoever's it is (an upload carries no credentials)."""
        if "\x00" in public_id:  # no stored id holds U+0000 (PostgreSQL text cannot)
            return None
        row = tx.fetch_one(_BY_PUBLIC_ID, {"api": api, "public_id": public_id})
        if row is None:
            return None
        asset = Asset.from_row(row)
        return asset if asset.live(self.clock.now_ms()) else None

    def get(self, tx: Tx, principal: Principal, public_id: str) -> Asset:
        """The principal's live asset with this id: ``NOT_FOUND`` or ``OTHER_TENANT`` otherwise."""
        asset = self.find(tx, principal.api, public_id)
        if asset is None:
            raise DomainError(ErrorCode.NOT_FOUND, "asset", id=public_id)
        if asset.tenant_id != principal.tenant_id:
            raise DomainError(ErrorCode.OTHER_TENANT, "asset", id=public_id)
        return asset

    def store(
        self, tx: Tx, asset: Asset, data: bytes, content_type: str | None, filename: str | None = None
    ) -> Asset:
        """Writes the asset's bytes (replacing any earlier ones)."""
        now = self.clock.now_ms()
        changes: Mapping[str, Any] = {
            "data": data,
            "size_bytes": len(data),
            "content_type": content_type,
            "filename": filename,
            "updated_at_ms": now,
        }
        tx.update(_A, {"seq": asset.seq}, changes)
        for name, value in changes.items():
            setattr(asset, name, value)
        return asset

    def keep(self, tx: Tx, asset: Asset, public_id: str, owner_ref: str | None = None) -> Asset:
        """Makes the asset permanent under ``public_id`` (an asset already there is replaced)."""
        now = self.clock.now_ms()
        if public_id != asset.public_id:
            tx.delete(_A, {"api": asset.api, "public_id": public_id})
        changes: Mapping[str, Any] = {
            "public_id": public_id,
            "owner_ref": owner_ref,
            "expires_at_ms": None,
            "updated_at_ms": now,
        }
        tx.update(_A, {"seq": asset.seq}, changes)
        for name, value in changes.items():
            setattr(asset, name, value)
        return asset

    def purge_expired(self, tx: Tx, api: str) -> int:
        """Removes the API's assets whose expiry has passed; returns how many."""
        return tx.execute(_EXPIRED, {"api": api, "now": self.clock.now_ms()})
