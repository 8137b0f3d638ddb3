"""Room assets: the files a room holds (recordings, reports), who may see and delete them, and the assets of
the rooms a user owns.

An asset belongs to a room when its ``owner_ref`` is the room's public id (same tenant and API). The room's
owner and the users invited to the room's scheduled event (whatever their answer) may read its assets; only
the owner deletes them. To anyone else the room is ``NOT_FOUND`` (the caller decides how to say so).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, func, literal, null, select

from omnimeet.domain import tables
from omnimeet.domain.assets import Asset, AssetService
from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.meeting_records import RoomKey, find_room
from omnimeet.domain.rooms import Room
from omnimeet.domain.store import Row, Tx
from omnimeet.domain.tenancy import Principal

_A = tables.ASSETS
_R = tables.ROOMS
_E = tables.SCHEDULED_EVENTS
_I = tables.INVITES


class RoomAccess(StrEnum):
    OWNER = "owner"
    """Reads and deletes the room's assets."""
    INVITEE = "invitee"
    """Reads them (invited to the room's scheduled event)."""


class AssetSort(StrEnum):
    """What a user's asset list may be ordered by."""

    FILENAME = "filename"
    SIZE = "size"
    NAMESPACE = "namespace"
    KIND = "kind"
    CREATED_AT = "created_at"


_SORT_COLUMNS: dict[AssetSort, Any] = {
    AssetSort.FILENAME: _A.c.filename,
    AssetSort.SIZE: _A.c.size_bytes,
    AssetSort.NAMESPACE: _A.c.namespace,
    AssetSort.KIND: _A.c.kind,
    AssetSort.CREATED_AT: _A.c.created_at_ms,
}


@dataclass(slots=True)
class AssetPage:
    """One page of assets (their bytes not read) and how many there are in all."""

    items: list[Asset]
    total: int


@dataclass(slots=True)
class OwnedAsset:
    """An asset of a room the user owns: the room's public id, and its scheduled event's if it has one."""

    asset: Asset
    room_ref: str
    event_ref: str | None


@dataclass(slots=True)
class OwnedAssetPage:
    items: list[OwnedAsset]
    total: int


# Every asset column, but the bytes: lists never read them.
_LISTED = [null().label("data") if column.name == "data" else column for column in _A.c]
_WIDTH = len(_LISTED)

_INVITED = (
    select(literal(1))
    .select_from(_E.join(_I, _I.c.event_seq == _E.c.seq))
    .where(_E.c.room_seq == _R.c.seq, _I.c.invitee_ref == bindparam("user_ref"))
    .exists()
)
_ROOM_ACCESS = select(_R.c.tenant_id, _R.c.owner_id, _INVITED).where(
    _R.c.api == bindparam("api"), _R.c.public_id == bindparam("public_id")
)
_OF_ROOM: list[ColumnElement[bool]] = [
    _A.c.tenant_id == bindparam("tenant_id"),
    _A.c.api == bindparam("api"),
    _A.c.owner_ref == bindparam("room_ref"),
]
_ROOM_PAGE = (
    select(*_LISTED).where(*_OF_ROOM).order_by(_A.c.seq).limit(bindparam("limit")).offset(bindparam("offset"))
)
_ROOM_COUNT = select(func.count()).select_from(_A).where(*_OF_ROOM)
_ROOM_ASSET = select(_A).where(*_OF_ROOM, _A.c.public_id == bindparam("public_id"))

_USERS_ROOMS = _A.join(_R, (_R.c.api == _A.c.api) & (_R.c.public_id == _A.c.owner_ref))
_OF_USER: list[ColumnElement[bool]] = [
    _A.c.tenant_id == bindparam("tenant_id"),
    _A.c.api == bindparam("api"),
    _R.c.tenant_id == bindparam("tenant_id"),
    _R.c.owner_id == bindparam("user_ref"),
]
_ROOMS_EVENT = select(_E.c.public_id).where(_E.c.room_seq == _R.c.seq).order_by(_E.c.seq).limit(1)
_USER_COUNT = select(func.count()).select_from(_USERS_ROOMS).where(*_OF_USER)
_ROOM_EVENT_TITLE = select(_E.c.title).where(_E.c.room_seq == bindparam("room_seq")).order_by(_E.c.seq)


def _user_page(sort: AssetSort, descending: bool) -> Select[Any]:
    column = _SORT_COLUMNS[sort]
    order = (column.desc(), _A.c.seq.desc()) if descending else (column.asc(), _A.c.seq.asc())
    return (
        select(*_LISTED, _R.c.public_id, _ROOMS_EVENT.scalar_subquery())
        .select_from(_USERS_ROOMS)
        .where(*_OF_USER)
        .order_by(*order)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )


_USER_PAGES = {
    (sort, descending): _user_page(sort, descending) for sort in AssetSort for descending in (False, True)
}


_MAX_OFFSET = 2**62
"""Offsets beyond this (a page far past any end) read nothing: the databases' integers stop at 2**63."""


def _count(row: Row | None) -> int:
    return int(row[0]) if row is not None else 0


class RoomAssetService:
    """Lists, reads, deletes and adds the assets of rooms, as the room's owner or invitees may."""

    def __init__(self, assets: AssetService) -> None:
        self.assets = assets

    def access(self, tx: Tx, principal: Principal, room_ref: str, user_ref: str) -> RoomAccess:
        """How ``user_ref`` may use the room's assets; ``NOT_FOUND`` (room) when not at all."""
        if "\x00" in room_ref:
            raise DomainError(ErrorCode.NOT_FOUND, "room", id=room_ref)
        row = tx.fetch_one(_ROOM_ACCESS, {"api": principal.api, "public_id": room_ref, "user_ref": user_ref})
        if row is None or row[0] != principal.tenant_id:
            raise DomainError(ErrorCode.NOT_FOUND, "room", id=room_ref)
        if row[1] == user_ref:
            return RoomAccess.OWNER
        if row[2]:
            return RoomAccess.INVITEE
        raise DomainError(ErrorCode.NOT_FOUND, "room", id=room_ref)

    def room_page(
        self, tx: Tx, principal: Principal, room_ref: str, user_ref: str, limit: int, offset: int
    ) -> AssetPage:
        """A page of the room's assets, oldest first (their bytes not read)."""
        self.access(tx, principal, room_ref, user_ref)
        params = {"tenant_id": principal.tenant_id, "api": principal.api, "room_ref": room_ref}
        rows = (
            []
            if offset > _MAX_OFFSET
            else tx.fetch_all(_ROOM_PAGE, {**params, "limit": limit, "offset": offset})
        )
        return AssetPage([Asset.from_row(row) for row in rows], _count(tx.fetch_one(_ROOM_COUNT, params)))

    def get(self, tx: Tx, principal: Principal, room_ref: str, user_ref: str, public_id: str) -> Asset:
        """One of the room's assets with its bytes; ``NOT_FOUND`` (asset) when the room has none such."""
        self.access(tx, principal, room_ref, user_ref)
        return self._asset(tx, principal, room_ref, public_id)

    def delete(self, tx: Tx, principal: Principal, room_ref: str, user_ref: str, public_id: str) -> Asset:
        """Deletes one of the room's assets: the owner only (others: ``NOT_FOUND`` room)."""
        if self.access(tx, principal, room_ref, user_ref) is not RoomAccess.OWNER:
            raise DomainError(ErrorCode.NOT_FOUND, "room", id=room_ref)
        asset = self._asset(tx, principal, room_ref, public_id)
        self.assets.remove(tx, asset)
        return asset

    def user_page(
        self,
        tx: Tx,
        principal: Principal,
        user_ref: str,
        limit: int,
        offset: int,
        sort: AssetSort = AssetSort.CREATED_AT,
        descending: bool = True,
    ) -> OwnedAssetPage:
        """A page of the assets of the rooms ``user_ref`` owns, in the order asked for (ties: oldest first
        ascending, newest first descending), with each room's id and its scheduled event's."""
        params = {"tenant_id": principal.tenant_id, "api": principal.api, "user_ref": user_ref}
        page = {**params, "limit": limit, "offset": offset}
        rows = [] if offset > _MAX_OFFSET else tx.fetch_all(_USER_PAGES[(sort, descending)], page)
        items = [OwnedAsset(Asset.from_row(row[:_WIDTH]), row[_WIDTH], row[_WIDTH + 1]) for row in rows]
        return OwnedAssetPage(items, _count(tx.fetch_one(_USER_COUNT, params)))

    def add_to_room(
        self,
        tx: Tx,
        room: RoomKey,
        public_id: str,
        data: bytes,
        filename: Callable[[str | None], str],
        *,
        kind: str | None,
        namespace: str | None,
        content_type: str | None = None,
        tenant_id: str | None = None,
        max_storage: int | None = None,
    ) -> tuple[Room, Asset]:
        """Stores ``data`` as an asset of the room (created by the room's owner, so it counts towards their
        storage). ``filename`` names it from the title of the room's scheduled event (None without one).
        ``tenant_id``: the room must be that tenant's (``NOT_FOUND`` otherwise); None: any tenant's.
        ``max_storage``: when the owner's rooms already hold more bytes than this, nothing is stored
        (``LIMIT_REACHED``); the new file itself need not fit."""
        found = find_room(tx, room)
        if tenant_id is not None and found.tenant_id != tenant_id:
            raise DomainError(ErrorCode.NOT_FOUND, "room", id=room.public_id)
        if max_storage is not None and found.owner_id is not None:
            used = self.assets.used_storage_in(tx, found.tenant_id, found.api, found.owner_id)
            if used > max_storage:
                raise DomainError(ErrorCode.LIMIT_REACHED, "storage", used=used, limit=max_storage)
        title_row = tx.fetch_one(_ROOM_EVENT_TITLE, {"room_seq": found.seq})
        name = filename(title_row[0] if title_row is not None else None)
        asset = self.assets.add(
            tx,
            found.tenant_id,
            found.api,
            public_id,
            data,
            owner_ref=found.public_id,
            filename=name,
            kind=kind,
            namespace=namespace,
            content_type=content_type,
            created_by=found.owner_id,
        )
        return found, asset

    def _asset(self, tx: Tx, principal: Principal, room_ref: str, public_id: str) -> Asset:
        params = {"tenant_id": principal.tenant_id, "api": principal.api, "room_ref": room_ref}
        row = None if "\x00" in public_id else tx.fetch_one(_ROOM_ASSET, {**params, "public_id": public_id})
        if row is None:
            raise DomainError(ErrorCode.NOT_FOUND, "asset", id=public_id)
        asset = Asset.from_row(row)
        if not asset.live(self.assets.clock.now_ms()):
            raise DomainError(ErrorCode.NOT_FOUND, "asset", id=public_id)
        return asset
