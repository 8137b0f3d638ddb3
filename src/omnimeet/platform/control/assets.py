"""Control API: files put into a room's assets, as a vendor's own services would (a recorder's upload, a
report generator), for tests and demos.

The room is addressed by the vendor's public id across tenants; the asset belongs to the room, in its tenant,
created by the room's owner (so it counts towards their storage), named as given.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import JSONResponse, Response

from omnimeet.domain.assets import AssetService
from omnimeet.domain.meeting_records import RoomKey
from omnimeet.domain.room_assets import RoomAssetService
from omnimeet.platform.clock import iso_ms
from omnimeet.platform.context import AppContext
from omnimeet.platform.control.errors import ControlError, ControlErrorBody
from omnimeet.platform.control.simulate import RoomId, VendorName

NO_NUL = r"^[^\x00]*$"


class AssetCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filename: str = Field(min_length=1, max_length=255, pattern=NO_NUL, description="The file's name.")
    kind: str | None = Field(
        default="recording", max_length=64, pattern=NO_NUL, description="The asset's kind; null: none."
    )
    namespace: str | None = Field(
        default="recording", max_length=128, pattern=NO_NUL, description="The owning module; null: none."
    )
    content_base64: str = Field(default="", description="The file's bytes, base64-encoded (empty: none).")
    content_type: str | None = Field(default=None, max_length=255, pattern=NO_NUL)


class AssetOut(BaseModel):
    id: str
    room_id: str
    tenant: str
    filename: str | None
    kind: str | None
    namespace: str | None
    size: int
    created_at: str
    created_by: str | None = Field(description="The room's owner.")


def build_router(ctx: AppContext) -> APIRouter:
    router = APIRouter(
        prefix="/vendors/{vendor}",
        tags=["Simulation"],
        responses={404: {"model": ControlErrorBody, "description": "Unknown vendor or room."}},
    )
    room_assets = RoomAssetService(AssetService(ctx.clock))

    @router.post("/rooms/{room_id}/assets", status_code=201, response_model=AssetOut)
    async def add_asset(body: AssetCreate, vendor: str = VendorName, room_id: str = RoomId) -> Response:
        """Stores a file as an asset of the room (its id is a new UUID)."""
        if vendor not in ctx.vendors:
            raise ControlError(404, "not_found", f"No vendor named {vendor!r}.", {"vendor": vendor})
        try:
            data = base64.b64decode(body.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise ControlError(400, "invalid_request", "content_base64 is not base64.") from None
        with ctx.db.transaction() as tx:
            room, asset = room_assets.add_to_room(
                tx,
                RoomKey(vendor, room_id),
                ctx.ids.uuid4(),
                data,
                lambda _title: body.filename,
                kind=body.kind,
                namespace=body.namespace,
                content_type=body.content_type,
            )
        out: dict[str, Any] = {
            "id": asset.public_id,
            "room_id": room.public_id,
            "tenant": room.tenant_id,
            "filename": asset.filename,
            "kind": asset.kind,
            "namespace": asset.namespace,
            "size": asset.size_bytes or 0,
            "created_at": iso_ms(asset.created_at_ms),
            "created_by": asset.created_by,
        }
        return JSONResponse(out, status_code=201)

    return router
