"""Assets: stored files (logos, uploads, recordings) kept in the database.

An upload is first *announced* (a row without data, with an expiry), then *stored* (its bytes), and may be
*kept* (renamed to a permanent id, its expiry cleared). An asset past its expiry is gone: lookups do not see
it and ``purge_expired`` removes it.

An asset may also be written in one step (``add``): a room's recording, a test's fixture. ``used_storage``
is what a user's rooms hold (the assets whose ``owner_ref`` is a room the user owns); ``room_assets`` lists
and guards room assets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import bindparam, delete, func, select

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
_R = tables.ROOMS
# The rooms' assets a user owns, summed: assets are tied to rooms by the room's public id (same API).
_USED_STORAGE = (
    select(func.coalesce(func.sum(_A.c.size_bytes), 0))
    .select_from(_A.join(_R, (_R.c.api == _A.c.api) & (_R.c.public_id == _A.c.owner_ref)))
    .where(
        _A.c.tenant_id == bindparam("tenant_id"),
        _A.c.api == bindparam("api"),
        _R.c.tenant_id == bindparam("tenant_id"),
        _R.c.owner_id == bindparam("user_ref"),
    )
)
_OF_OWNER = delete(_A).where(
    _A.c.tenant_id == bindparam("tenant_id"),
    _A.c.api == bindparam("api"),
    _A.c.owner_ref == bindparam("owner_ref"),
)
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

    def add(
        self,
        tx: Tx,
        tenant_id: str,
        api: str,
        public_id: str,
        data: bytes,
        *,
        owner_ref: str | None,
        filename: str | None,
        kind: str | None = None,
        namespace: str | None = None,
        content_type: str | None = None,
        created_by: str | None = None,
        settings: str = "{}",
    ) -> Asset:
        """Writes a complete, permanent asset (its bytes included) in one step."""
        now = self.clock.now_ms()
        values: dict[str, Any] = {
            "tenant_id": tenant_id,
            "api": api,
            "public_id": public_id,
            "owner_ref": owner_ref,
            "kind": kind,
            "namespace": namespace,
            "filename": filename,
            "content_type": content_type,
            "size_bytes": len(data),
            "data": data,
            "created_at_ms": now,
            "updated_at_ms": now,
            "expires_at_ms": None,
            "settings": settings,
            "created_by": created_by,
        }
        seq = tx.insert(_A, values, returning="seq")
        return Asset.from_row(tuple(seq if column == "seq" else values[column] for column in _COLUMNS))

    def used_storage(self, tx: Tx, principal: Principal, user_ref: str) -> int:
        """Bytes held by the assets of the rooms ``user_ref`` owns in the principal's tenant and API."""
        return self.used_storage_in(tx, principal.tenant_id, principal.api, user_ref)

    def used_storage_in(self, tx: Tx, tenant_id: str, api: str, user_ref: str) -> int:
        """``used_storage`` for a tenant and API named directly (a service acting for the tenant)."""
        row = tx.fetch_one(_USED_STORAGE, {"tenant_id": tenant_id, "api": api, "user_ref": user_ref})
        return int(row[0]) if row is not None and row[0] is not None else 0

    def remove(self, tx: Tx, asset: Asset) -> None:
        """Deletes the asset."""
        tx.delete(_A, {"seq": asset.seq})

    def delete_of_owner(self, tx: Tx, principal: Principal, owner_ref: str) -> int:
        """Deletes every asset ``owner_ref`` owns in the principal's tenant and API (a deleted room's);
        returns how many."""
        params = {"tenant_id": principal.tenant_id, "api": principal.api, "owner_ref": owner_ref}
        return tx.execute(_OF_OWNER, params)

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
