"""OpenTalk event instances: the occurrences of an event (cursor-paged), one occurrence, and changing one
occurrence (which records an exception). Routes only: auth, parse, map, the service call, map back.

Cancelled occurrences stay in the list with ``status: cancelled``."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.responses import JSONResponse, Response

from omnimeet.domain.calendar import EventService
from omnimeet.domain.calendar_instances import InstanceService, InstanceWindow
from omnimeet.domain.calendar_model import Instance
from omnimeet.domain.recurrence import parse_instance_id
from omnimeet.platform.context import AppContext
from omnimeet.vendors.opentalk import event_mapping, event_rules
from omnimeet.vendors.opentalk.auth import SECURED, Caller, require_user
from omnimeet.vendors.opentalk.errors import bad_request, error_responses
from omnimeet.vendors.opentalk.event_schemas import EventInstance, PatchEventInstance
from omnimeet.vendors.opentalk.pagination import DEFAULT_PER_PAGE, MAX_PER_PAGE, cursor_link

EventId = Path(description="The id of the event.")
InstanceId = Path(description="The occurrence's original start in UTC, e.g. `20240705T170242Z`.")
InviteesMax = Query(0, ge=0, description="How many invitees to include with each instance.")


def _start(instance_id: str) -> int:
    start = parse_instance_id(instance_id)
    if start is None:
        raise bad_request()
    return start


def build_router(ctx: AppContext) -> APIRouter:
    events = EventService(ctx.clock, ctx.ids)
    instances = InstanceService(ctx.clock)
    signed_in = Depends(require_user(ctx))
    router = APIRouter(tags=["events"])

    def answer(tx: Any, caller: Caller, found: list[Instance], event: Any, invitees_max: int) -> list[Any]:
        changed = [one.exception for one in found if one.exception is not None]
        (view,) = events.views(
            tx, caller.principal, caller.user.public_id, [event], invitees_max, {event.seq: changed}
        )
        return event_mapping.instances(view, found)

    @router.get(
        "/events/{event_id}/instances",
        operation_id="get_event_instances",
        summary="List the occurrences of an event",
        openapi_extra=SECURED,
        response_model=list[EventInstance],
        responses={
            200: {
                "model": list[EventInstance],
                "description": (
                    "One page of occurrences, in time order. While more follow, a `Link` header names the "
                    "next page (`rel='next'`)."
                ),
            },
            **error_responses(400, 401, 403, e403="Neither its creator nor invited (or no such event)."),
        },
    )
    async def get_event_instances(
        request: Request,
        event_id: UUID = EventId,
        time_min: str | None = Query(None, description="Lower bound (RFC 3339)."),
        time_max: str | None = Query(None, description="Upper bound (RFC 3339)."),
        per_page: int = Query(DEFAULT_PER_PAGE, ge=1, le=MAX_PER_PAGE, description="Results per page."),
        after: str | None = Query(None, description="The opaque cursor of the page to return."),
        cursor: str | None = Query(None, description="Same as `after` (the older name)."),
        invitees_max: int = InviteesMax,
        caller: Caller = signed_in,
    ) -> Response:
        window = InstanceWindow(event_rules.time_bound(time_min), event_rules.time_bound(time_max))
        position = event_rules.instance_position(after if after is not None else cursor)
        with ctx.db.transaction(write=False) as tx:
            event = event_rules.readable_event(events, tx, caller, str(event_id))
            found, more = instances.page(tx, event, window, per_page, position)
            body = answer(tx, caller, found, event, invitees_max)
        link = cursor_link(request, per_page, event_rules.instance_cursor(more))
        return JSONResponse(body, headers=link)

    @router.get(
        "/events/{event_id}/instances/{instance_id}",
        operation_id="get_event_instance",
        summary="Get one occurrence of an event",
        openapi_extra=SECURED,
        response_model=EventInstance,
        responses={
            200: {"model": EventInstance, "description": "The occurrence."},
            **error_responses(
                400,
                401,
                403,
                404,
                e403="Neither its creator nor invited (or no such event).",
                e404="No occurrence at that time.",
            ),
        },
    )
    async def get_event_instance(
        event_id: UUID = EventId,
        instance_id: str = InstanceId,
        invitees_max: int = InviteesMax,
        caller: Caller = signed_in,
    ) -> Response:
        start = _start(instance_id)
        with ctx.db.transaction(write=False) as tx, event_rules.domain_refusals():
            event = event_rules.readable_event(events, tx, caller, str(event_id))
            found = event_rules.instance_or_404(instances, tx, event, start)
            (body,) = answer(tx, caller, [found], event, invitees_max)
        return JSONResponse(body)

    @router.patch(
        "/events/{event_id}/instances/{instance_id}",
        operation_id="patch_event_instance",
        summary="Change or cancel one occurrence of an event",
        openapi_extra=SECURED,
        response_model=EventInstance,
        responses={
            200: {"model": EventInstance, "description": "The occurrence, changed."},
            204: {"description": "Nothing to change (an empty body)."},
            **error_responses(
                400,
                401,
                403,
                404,
                422,
                e403="Not the event's creator (or no such event).",
                e404="No occurrence at that time.",
            ),
        },
    )
    async def patch_event_instance(
        body: PatchEventInstance,
        event_id: UUID = EventId,
        instance_id: str = InstanceId,
        invitees_max: int = InviteesMax,
        suppress_email_notification: bool | None = Query(None, description="Accepted; no e-mail is sent."),
        caller: Caller = signed_in,
    ) -> Response:
        start = _start(instance_id)
        with ctx.db.transaction() as tx, event_rules.domain_refusals():
            event = event_rules.editable_event(events, tx, caller, str(event_id))
            current = event_rules.instance_or_404(instances, tx, event, start)
            changes = event_rules.instance_changes(body)
            if not changes:
                return Response(status_code=204)
            found = instances.change(tx, caller.user, event, current.original_start_ms, changes)
            (answered,) = answer(tx, caller, [found], event, invitees_max)
        return JSONResponse(answered)

    return router
