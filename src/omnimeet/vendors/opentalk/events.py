"""OpenTalk events: create (with its room), list (cursor-paged, with the exceptions of listed series), get,
patch, delete. Routes only: auth, parse, map, the service call, map back."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.responses import JSONResponse, Response

from omnimeet.domain.calendar import EventDraft, EventFilter, EventService
from omnimeet.platform.context import AppContext
from omnimeet.vendors.opentalk import event_mapping, event_rules
from omnimeet.vendors.opentalk.auth import SECURED, Caller, require_user
from omnimeet.vendors.opentalk.errors import error_responses
from omnimeet.vendors.opentalk.event_schemas import Event, PatchEvent, PostEventsBody
from omnimeet.vendors.opentalk.event_schemas import EventException as ExceptionBody
from omnimeet.vendors.opentalk.pagination import DEFAULT_PER_PAGE, MAX_PER_PAGE, cursor_link
from omnimeet.vendors.opentalk.room_mapping import stream_fields

EventId = Path(description="The id of the event.")
InviteesMax = Query(0, ge=0, description="How many invitees to include with each event.")
Suppress = Query(None, description="Accepted; no e-mail is sent.")
PerPage = Query(DEFAULT_PER_PAGE, ge=1, le=MAX_PER_PAGE, description="Results per page (1-100).")
After = Query(None, description="The opaque cursor of the page to return (from a `Link` header).")


def build_router(ctx: AppContext) -> APIRouter:
    events = EventService(ctx.clock, ctx.ids)
    signed_in = Depends(require_user(ctx))
    router = APIRouter(tags=["events"])

    @router.post(
        "/events",
        operation_id="new_event",
        summary="Create an event (and its room)",
        openapi_extra=SECURED,
        status_code=201,
        response_model=Event,
        responses={201: {"model": Event, "description": "The new event."}, **error_responses(400, 401, 422)},
    )
    async def new_event(
        body: PostEventsBody,
        suppress_email_notification: bool | None = Suppress,
        caller: Caller = signed_in,
    ) -> Response:
        draft = EventDraft(
            title=body.title,
            description=body.description,
            when=event_rules.when_of_post(body),
            is_adhoc=body.is_adhoc,
            password=body.password,
            waiting_room=body.waiting_room,
            settings=event_mapping.new_settings(ctx.ids, shared_folder=body.has_shared_folder),
            streams=[stream_fields(target) for target in body.streaming_targets or ()],
        )
        with ctx.db.transaction() as tx, event_rules.domain_refusals():
            event = events.create(tx, caller.principal, caller.user, draft)
            (view,) = events.views(tx, caller.principal, caller.user.public_id, [event], 0)
        return JSONResponse(event_mapping.event(view), status_code=201)

    @router.get(
        "/events",
        operation_id="get_events",
        summary="List the events the user may see, with the exceptions of listed series",
        openapi_extra=SECURED,
        response_model=list[Event | ExceptionBody],
        responses={
            200: {
                "model": list[Event | ExceptionBody],
                "description": (
                    "One page of events; each series is followed by its exceptions. While more follow, a "
                    "`Link` header names the next page (`rel='next'`)."
                ),
            },
            **error_responses(400, 401),
        },
    )
    async def get_events(
        request: Request,
        time_min: str | None = Query(None, description="Lower bound (RFC 3339)."),
        time_max: str | None = Query(None, description="Upper bound (RFC 3339)."),
        invitees_max: int = InviteesMax,
        per_page: int = PerPage,
        after: str | None = After,
        favorites: bool = Query(False, description="Only the user's favourite events."),
        adhoc: bool | None = Query(None, description="Only ad-hoc (true) or only planned (false) events."),
        time_independent: bool | None = Query(None, description="Only time-independent (true) or timed."),
        invite_status: Literal["pending", "accepted", "tentative", "declined"] | None = Query(
            None, description="Only events the user answered so."
        ),
        caller: Caller = signed_in,
    ) -> Response:
        filters = EventFilter(
            time_min_ms=event_rules.time_bound(time_min),
            time_max_ms=event_rules.time_bound(time_max),
            favorites=favorites,
            adhoc=adhoc,
            time_independent=time_independent,
            invite_status=invite_status,
        )
        position = event_rules.event_position(after)
        user = caller.user.public_id
        with ctx.db.transaction(write=False) as tx:
            found, more = events.page(tx, caller.principal, user, filters, per_page, position)
            exceptions = events.exceptions_of(tx, found, filters.time_min_ms, filters.time_max_ms)
            views = events.views(tx, caller.principal, user, found, invitees_max, exceptions)
        items: list[dict[str, Any]] = []
        for view in views:
            items.append(event_mapping.event(view))
            items.extend(event_mapping.exception(view, exception) for exception in view.exceptions)
        link = cursor_link(request, per_page, event_rules.event_cursor(more))
        return JSONResponse(items, headers=link)

    @router.get(
        "/events/{event_id}",
        operation_id="get_event",
        summary="Get an event",
        openapi_extra=SECURED,
        response_model=Event,
        responses={
            200: {"model": Event, "description": "The event."},
            **error_responses(400, 401, 403, e403="Neither its creator nor invited (or no such event)."),
        },
    )
    async def get_event(
        event_id: UUID = EventId, invitees_max: int = InviteesMax, caller: Caller = signed_in
    ) -> Response:
        user = caller.user.public_id
        with ctx.db.transaction(write=False) as tx:
            event = event_rules.readable_event(events, tx, caller, str(event_id))
            (view,) = events.views(tx, caller.principal, user, [event], invitees_max)
        return JSONResponse(event_mapping.event(view))

    @router.patch(
        "/events/{event_id}",
        operation_id="patch_event",
        summary="Change an event (a new recurrence pattern drops its exceptions)",
        openapi_extra=SECURED,
        response_model=Event,
        responses={
            200: {"model": Event, "description": "The changed event."},
            204: {"description": "Nothing to change (an empty body)."},
            **error_responses(400, 401, 403, 422, e403="Not the event's creator (or no such event)."),
        },
    )
    async def patch_event(
        body: PatchEvent,
        event_id: UUID = EventId,
        invitees_max: int = InviteesMax,
        suppress_email_notification: bool | None = Suppress,
        caller: Caller = signed_in,
    ) -> Response:
        user = caller.user.public_id
        with ctx.db.transaction() as tx, event_rules.domain_refusals():
            event = event_rules.editable_event(events, tx, caller, str(event_id))
            changes = event_rules.patch_changes(body, event)
            if not changes:
                return Response(status_code=204)
            event = events.update(tx, caller.principal, caller.user, event, changes)
            (view,) = events.views(tx, caller.principal, user, [event], invitees_max)
        return JSONResponse(event_mapping.event(view))

    @router.delete(
        "/events/{event_id}",
        operation_id="delete_event",
        summary="Delete an event and its room",
        openapi_extra=SECURED,
        status_code=204,
        response_class=Response,
        responses={
            204: {"description": "Deleted."},
            **error_responses(400, 401, 403, e403="Not the event's creator (or no such event)."),
        },
    )
    async def delete_event(
        event_id: UUID = EventId,
        suppress_email_notification: bool | None = Suppress,
        caller: Caller = signed_in,
    ) -> Response:
        with ctx.db.transaction() as tx:
            event = event_rules.editable_event(events, tx, caller, str(event_id))
            events.delete(tx, caller.principal, event)
        return Response(status_code=204)

    return router
