"""OpenTalk asset wire models (for the OpenAPI document; answers are built as dicts by ``asset_mapping``)
and the mapping from domain assets to them."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from omnimeet.domain.assets import Asset
from omnimeet.domain.room_assets import AssetSort, OwnedAsset
from omnimeet.vendors.opentalk.mapping import timestamp


class AssetResource(BaseModel):
    """An asset of a room (its bytes are fetched separately)."""

    model_config = ConfigDict(title="AssetResource")

    id: str = Field(description="The asset's id (a UUID).", examples=["00000000-0000-0000-0000-0000aabbcc00"])
    filename: str = Field(description="The file name, e.g. `recording_2026-12-01_09-00-00-UTC.webm`.")
    namespace: str | None = Field(
        default=None, description="The module the asset belongs to (`recording`); absent when none."
    )
    created_at: str = Field(description="When the asset was stored (RFC 3339).")
    kind: str = Field(description="The asset's kind (`recording`, `meetingnotes_pdf`, ...).")
    size: int = Field(description="The size in bytes.")


class UserAssetResource(AssetResource):
    """An asset of a room the user owns, with the room's id and its event's (when the room has one)."""

    model_config = ConfigDict(title="UserAssetResource")

    room_id: str = Field(description="The room the asset belongs to.")
    event_id: str | None = Field(default=None, description="The room's event; absent when it has none.")


class GetUserAssetsResponse(BaseModel):
    model_config = ConfigDict(title="GetUserAssetsResponseBody")

    owned_assets: list[UserAssetResource] = Field(description="The assets of the rooms the user owns.")


class AssetSorting(StrEnum):
    filename = "filename"
    size = "size"
    namespace = "namespace"
    kind = "kind"
    created_at = "created_at"


class Ordering(StrEnum):
    ascending = "ascending"
    descending = "descending"


SORTS: dict[AssetSorting, AssetSort] = {
    AssetSorting.filename: AssetSort.FILENAME,
    AssetSorting.size: AssetSort.SIZE,
    AssetSorting.namespace: AssetSort.NAMESPACE,
    AssetSorting.kind: AssetSort.KIND,
    AssetSorting.created_at: AssetSort.CREATED_AT,
}


def asset_json(asset: Asset) -> dict[str, Any]:
    """``AssetResource``: ``namespace`` only when the asset has one (as the controller serialises it)."""
    body: dict[str, Any] = {"id": asset.public_id, "filename": asset.filename or ""}
    if asset.namespace is not None:
        body["namespace"] = asset.namespace
    body["created_at"] = timestamp(asset.created_at_ms)
    body["kind"] = asset.kind or ""
    body["size"] = asset.size_bytes or 0
    return body


def owned_asset_json(owned: OwnedAsset) -> dict[str, Any]:
    """``UserAssetResource``: the asset, its room, and its room's event when there is one."""
    body = asset_json(owned.asset)
    body["room_id"] = owned.room_ref
    if owned.event_ref is not None:
        body["event_id"] = owned.event_ref
    return body
