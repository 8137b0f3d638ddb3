"""OpenTalk event favourites: ``PUT``/``DELETE /users/me/event_favorites/{event_id}``.

Only the event's creator and its invitees may mark it (403 for others, 404 for an unknown event); PUT is
201 when added and 204 when it already was a favourite; DELETE is 204, or 404 when it was not one.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path
from starlette.responses import Response

from omnimeet.domain.event_favorites import EventFavoriteService
from omnimeet.domain.event_invites import EventInviteService
from omnimeet.platform.context import AppContext
from omnimeet.vendors.opentalk.auth import SECURED, Caller, require_user
from omnimeet.vendors.opentalk.errors import error_responses
from omnimeet.vendors.opentalk.invitee_rules import event_for

EventId = Annotated[UUID, Path(description="The id of the event.")]


def build_router(ctx: AppContext) -> APIRouter:
    router = APIRouter(tags=["events"])
    service = EventInviteService(ctx.clock)
    favorites = EventFavoriteService(ctx.clock)
    caller = Depends(require_user(ctx))

    @router.put(
        "/users/me/event_favorites/{event_id}",
        operation_id="add_event_to_favorites",
        summary="Mark an event as one of the caller's favourites",
        openapi_extra=SECURED,
        status_code=201,
        response_class=Response,
        responses={
            201: {"description": "Added."},
            204: {"description": "It already was a favourite."},
            **error_responses(400, 401, 403, 404),
        },
    )
    async def add_favorite(event_id: EventId, who: Caller = caller) -> Response:
        with ctx.db.transaction() as tx:
            event, _ = event_for(tx, service, who, event_id, unknown_is_forbidden=False)
            added = favorites.add(tx, event, who.user.public_id)
        return Response(status_code=201 if added else 204)

    @router.delete(
        "/users/me/event_favorites/{event_id}",
        operation_id="remove_event_from_favorites",
        summary="Remove an event from the caller's favourites",
        openapi_extra=SECURED,
        status_code=204,
        response_class=Response,
        responses={
            204: {"description": "Removed."},
            **error_responses(400, 401, 403, 404, e404="No such event, or it is not a favourite."),
        },
    )
    async def remove_favorite(event_id: EventId, who: Caller = caller) -> Response:
        with ctx.db.transaction() as tx:
            event, _ = event_for(tx, service, who, event_id, unknown_is_forbidden=False)
            favorites.remove(tx, event, who.user.public_id)
        return Response(status_code=204)

    return router
