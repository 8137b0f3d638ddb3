"""Telemost routes: auth, parse, map, one service call, map back. No rules live here."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path
from starlette.responses import JSONResponse, Response

from omnimeet.domain.rooms import RoomService
from omnimeet.domain.tenancy import Principal
from omnimeet.platform.context import AppContext
from omnimeet.vendors.telemost import mapping
from omnimeet.vendors.telemost.auth import (
    SCOPE_CREATE,
    SCOPE_DELETE,
    SCOPE_READ,
    SCOPE_UPDATE,
    requires,
    security,
)
from omnimeet.vendors.telemost.errors import REQUEST_ID_HEADER
from omnimeet.vendors.telemost.schemas import NO_NUL, Conference, ConferenceData, ConferenceShort, Error

_REQUEST_ID = {
    REQUEST_ID_HEADER: {"description": "Server-generated request id.", "schema": {"type": "string"}}
}


def _error(description: str) -> dict[str, Any]:
    return {"model": Error, "description": description, "headers": _REQUEST_ID}


def _ok(model: type[Any] | None, description: str) -> dict[str, Any]:
    out: dict[str, Any] = {"description": description, "headers": _REQUEST_ID}
    if model is not None:
        out["model"] = model
    return out


ConferenceId = Path(description="Conference id.", max_length=64, pattern=NO_NUL)

UNDOCUMENTED = _error("Other client errors: bad request, authorization, unknown conference id format.")


def build_router(ctx: AppContext) -> APIRouter:
    rooms = RoomService(ctx.clock)
    links = mapping.Links(ctx.settings.telemost_join_host, ctx.settings.telemost_watch_host)
    router = APIRouter(prefix="/conferences", tags=["Conferences"])
    may_create = Depends(requires(ctx, SCOPE_CREATE))
    may_read = Depends(requires(ctx, SCOPE_READ))
    may_update = Depends(requires(ctx, SCOPE_UPDATE))
    may_delete = Depends(requires(ctx, SCOPE_DELETE))

    @router.post(
        "",
        operation_id="createConference",
        openapi_extra=security(SCOPE_CREATE),
        status_code=201,
        response_model=ConferenceShort,
        summary="Create a conference, optionally with a live stream",
        responses={
            201: _ok(ConferenceShort, "Created."),
            402: _error("The tariff plan has no live streams."),
            403: _error("Not an organisation, or the token lacks the scope."),
            "4XX": UNDOCUMENTED,
        },
    )
    async def create_conference(body: ConferenceData, principal: Principal = may_create) -> Response:
        conference_id, fields, stream = mapping.create_request(body, ctx.ids)
        with ctx.db.transaction() as tx:
            view = rooms.create(tx, principal, conference_id, fields, stream)
        return JSONResponse(mapping.conference_short(view, links), status_code=201)

    @router.get(
        "/{id}",
        operation_id="getConference",
        openapi_extra=security(SCOPE_READ),
        response_model=Conference,
        summary="Read a conference",
        responses={
            200: _ok(Conference, "The conference."),
            403: _error("Another organisation's conference, or not an organisation."),
            404: _error("No such conference."),
            "4XX": UNDOCUMENTED,
        },
    )
    async def get_conference(id: str = ConferenceId, principal: Principal = may_read) -> Response:
        with ctx.db.transaction(write=False) as tx:
            view = rooms.get_view(tx, principal, id)
        return JSONResponse(mapping.conference(view, links))

    @router.patch(
        "/{id}",
        operation_id="patchConference",
        openapi_extra=security(SCOPE_UPDATE),
        response_model=ConferenceShort,
        summary="Change a conference or its live stream",
        responses={
            200: _ok(ConferenceShort, "Updated."),
            402: _error("The tariff plan has no live streams."),
            403: _error("Another organisation's conference, or not an organisation."),
            404: _error("No such conference."),
            "4XX": UNDOCUMENTED,
        },
    )
    async def patch_conference(
        body: ConferenceData,
        id: str = ConferenceId,
        principal: Principal = may_update,
    ) -> Response:
        changes, stream = mapping.patch_request(body, ctx.ids)
        with ctx.db.transaction() as tx:
            view = rooms.update(tx, principal, id, changes, stream)
        return JSONResponse(mapping.conference_short(view, links))

    @router.delete(
        "/{id}",
        operation_id="deleteConference",
        openapi_extra=security(SCOPE_DELETE),
        status_code=204,
        response_class=Response,
        summary="Delete a conference",
        responses={
            204: _ok(None, "Deleted."),
            403: _error("Another organisation's conference, or not an organisation."),
            404: _error("No such conference."),
            "4XX": UNDOCUMENTED,
        },
    )
    async def delete_conference(id: str = ConferenceId, principal: Principal = may_delete) -> Response:
        with ctx.db.transaction() as tx:
            rooms.delete(tx, principal, id)
        return Response(status_code=204)

    return router
