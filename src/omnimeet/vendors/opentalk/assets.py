"""OpenTalk room assets: list a room's assets, fetch one's bytes, delete one; the assets of the rooms the
current user owns (``GET /users/me/assets``).

Access as the controller's ACL grants it: the room's owner and the users invited to the room's event read a
room's assets, only the owner deletes them; anyone else gets ``403 forbidden`` whether or not the room
exists (the ACL answers before the room is looked up). An unknown asset of an accessible room is a 404.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.responses import JSONResponse, Response

from omnimeet.domain.assets import AssetService
from omnimeet.domain.errors import DomainError
from omnimeet.domain.room_assets import RoomAssetService
from omnimeet.platform.context import AppContext
from omnimeet.vendors.opentalk.asset_schemas import (
    SORTS,
    AssetResource,
    AssetSorting,
    GetUserAssetsResponse,
    Ordering,
    asset_json,
    owned_asset_json,
)
from omnimeet.vendors.opentalk.auth import SECURED, Caller, require_user
from omnimeet.vendors.opentalk.errors import OpenTalkError, domain_error, error_responses, forbidden
from omnimeet.vendors.opentalk.pagination import LINK_HEADER, Page, page_links, page_params, paged_response

ROOM_ID = Path(description="The room's id.", examples=["87f81f6f-35c5-4481-81ff-ec10c7e9d8b1"])
ASSET_ID = Path(description="The asset's id.")
OCTET_STREAM = "application/octet-stream"


def refusal(exc: DomainError) -> OpenTalkError:
    """A room the caller may not use this way is a 403 (the ACL's answer); a missing asset a 404."""
    if exc.entity == "room":
        return forbidden()
    return domain_error(exc)


def build_router(ctx: AppContext) -> APIRouter:
    router = APIRouter(tags=["assets"])
    room_assets = RoomAssetService(AssetService(ctx.clock))
    caller_of = require_user(ctx)

    @router.get(
        "/rooms/{room_id}/assets",
        operation_id="get_room_assets",
        summary="Get assets for a room",
        description="The room's assets, oldest first, a page at a time (owner and event invitees).",
        openapi_extra=SECURED,
        responses={
            200: {
                "model": list[AssetResource],
                "description": "A page of the room's assets.",
                "headers": LINK_HEADER,
            },
            **error_responses(400, 401, 403),
        },
    )
    async def list_room_assets(
        request: Request,
        room_id: UUID = ROOM_ID,
        page: Page = Depends(page_params),
        caller: Caller = Depends(caller_of),
    ) -> Response:
        try:
            with ctx.db.transaction(write=False) as tx:
                found = room_assets.room_page(
                    tx, caller.principal, str(room_id), caller.user.public_id, page.per_page, page.offset
                )
        except DomainError as exc:
            raise refusal(exc) from None
        return paged_response(request, page, found.total, [asset_json(asset) for asset in found.items])

    @router.get(
        "/rooms/{room_id}/assets/{asset_id}",
        operation_id="get_room_asset",
        summary="Get an asset",
        description="The asset's bytes.",
        openapi_extra=SECURED,
        response_class=Response,
        responses={
            200: {
                "description": "The asset's contents.",
                "content": {OCTET_STREAM: {"schema": {"type": "string", "format": "binary"}}},
            },
            **error_responses(400, 401, 403, 404, e404="The room has no such asset."),
        },
    )
    async def get_room_asset(
        room_id: UUID = ROOM_ID, asset_id: UUID = ASSET_ID, caller: Caller = Depends(caller_of)
    ) -> Response:
        try:
            with ctx.db.transaction(write=False) as tx:
                asset = room_assets.get(
                    tx, caller.principal, str(room_id), caller.user.public_id, str(asset_id)
                )
        except DomainError as exc:
            raise refusal(exc) from None
        return Response(asset.data or b"", media_type=OCTET_STREAM)

    @router.delete(
        "/rooms/{room_id}/assets/{asset_id}",
        operation_id="delete_room_asset",
        summary="Delete an asset",
        description="Deletes the asset (the room's owner only).",
        openapi_extra=SECURED,
        status_code=204,
        response_class=Response,
        responses={
            204: {"description": "The asset is gone."},
            **error_responses(400, 401, 403, 404, e404="The room has no such asset."),
        },
    )
    async def delete_room_asset(
        room_id: UUID = ROOM_ID, asset_id: UUID = ASSET_ID, caller: Caller = Depends(caller_of)
    ) -> Response:
        try:
            with ctx.db.transaction() as tx:
                room_assets.delete(tx, caller.principal, str(room_id), caller.user.public_id, str(asset_id))
        except DomainError as exc:
            raise refusal(exc) from None
        return Response(status_code=204)

    @router.get(
        "/users/me/assets",
        operation_id="get_me_assets",
        summary="Get the assets created by the current user",
        description="The assets of the rooms the current user owns, with each room's id and event's id.",
        tags=["users"],
        openapi_extra=SECURED,
        responses={
            200: {
                "model": GetUserAssetsResponse,
                "description": "A page of the user's assets.",
                "headers": LINK_HEADER,
            },
            **error_responses(400, 401),
        },
    )
    async def get_me_assets(
        request: Request,
        page: Page = Depends(page_params),
        sort: AssetSorting = Query(AssetSorting.created_at, description="What to order by."),
        order: Ordering = Query(Ordering.descending, description="The direction of the order."),
        caller: Caller = Depends(caller_of),
    ) -> Response:
        with ctx.db.transaction(write=False) as tx:
            found = room_assets.user_page(
                tx,
                caller.principal,
                caller.user.public_id,
                page.per_page,
                page.offset,
                SORTS[sort],
                order is Ordering.descending,
            )
        body = {"owned_assets": [owned_asset_json(item) for item in found.items]}
        return JSONResponse(body, headers={"Link": page_links(request, page, found.total)})

    return router
