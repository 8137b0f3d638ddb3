"""OpenTalk event invitations: invite users (by id) and addresses, list the invitees with their answers,
change roles, withdraw; the invitee accepts or declines; the user's count of unanswered invitations.

- ``POST /events/{id}/invites``: 201 when invited, 204 when nothing changed (already invited, or the
  event's creator, who is invited implicitly). An address of a registered user of the tenant invites that
  user; any other address gets an e-mail invitation and the event's room a new invite code (no expiry) for
  that guest, as the controller does for external addresses. An unknown user id is 404.
- Only the creator manages invitations (403 for others); the creator and the invitees list them.
- ``GET /events/{id}/invites``: page-paginated (``Link``), users then addresses (each newest
  first, as the controller orders them), ``status`` filters.
- ``PATCH``/``DELETE /events/{id}/invite``: the caller's own answer (accepted / declined); 404 when the
  caller holds no invitation.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from starlette.responses import JSONResponse, Response

from omnimeet.domain.errors import DomainError
from omnimeet.domain.event_invites import EventInviteService, InviteStatus, Relation
from omnimeet.domain.invite_codes import InviteCodeService
from omnimeet.domain.users import UserService
from omnimeet.platform.context import AppContext
from omnimeet.vendors.opentalk.auth import SECURED, Caller, require_user
from omnimeet.vendors.opentalk.errors import error_responses, forbidden, invalid, not_found
from omnimeet.vendors.opentalk.invitee_mapping import ROLE_FROM_WIRE, invitee_body
from omnimeet.vendors.opentalk.invitee_rules import event_for
from omnimeet.vendors.opentalk.invitee_schemas import (
    DeleteEmailInviteBody,
    EventInvitee,
    EventInviteStatus,
    PatchEmailInviteBody,
    PatchInviteBody,
    PendingInvites,
    PostEventInviteBody,
)
from omnimeet.vendors.opentalk.pagination import LINK_HEADER, Page, page_params, paged_response

EventId = Annotated[UUID, Path(description="The id of the event.")]
UserId = Annotated[UUID, Path(description="The id of the invited user.")]
Suppress = Annotated[
    bool | None, Query(description="Send no e-mail notification (the emulator sends none anyway).")
]

NO_CONTENT = 204


def _empty(status: int) -> Response:
    return Response(status_code=status)


def build_router(ctx: AppContext) -> APIRouter:
    router = APIRouter(tags=["event_invites"])
    service = EventInviteService(ctx.clock)
    users = UserService(ctx.clock, ctx.ids)
    codes = InviteCodeService(ctx.clock, ctx.ids)
    caller = Depends(require_user(ctx))

    @router.post(
        "/events/{event_id}/invites",
        operation_id="create_invite_to_event",
        summary="Invite a user (`invitee`) or an e-mail address (`email`) to an event",
        openapi_extra=SECURED,
        status_code=201,
        response_class=Response,
        responses={
            201: {"description": "Invited."},
            204: {"description": "Already invited, or the event's creator (invited implicitly)."},
            **error_responses(400, 401, 403, 404, 422, e404="No such event, or no such user."),
        },
    )
    async def create_invite(
        event_id: EventId,
        body: PostEventInviteBody,
        suppress_email_notification: Suppress = None,
        who: Caller = caller,
    ) -> Response:
        if body.invitee is not None:
            role = body.role or "user"
            if role == "guest":
                raise invalid("role", "invalid_value", "A user is invited as `user` or `moderator`")
        elif body.email is not None:
            role = body.role or "guest"
            if role == "user":
                raise invalid("role", "invalid_value", "An address is invited as `guest` or `moderator`")
        else:
            raise invalid(None, "missing_values", "Either `invitee` or `email` is required")
        inviter = who.user.public_id
        with ctx.db.transaction() as tx:
            event, _ = event_for(tx, service, who, event_id, manage=True)
            if body.invitee is not None:
                invitee = users.find(tx, who.principal, str(body.invitee))
                if invitee is None:
                    raise not_found()
                created = service.invite_user(tx, event, inviter, invitee.public_id, ROLE_FROM_WIRE[role])
            else:
                assert body.email is not None
                created = service.invite_email(
                    tx, who.principal, event, inviter, body.email, ROLE_FROM_WIRE[role]
                )
                if created and service.user_by_email(tx, who.principal, body.email) is None:
                    # Someone without an account joins as a guest: the controller gives the room a code.
                    room = service.room_of(tx, event)
                    if room is not None:
                        codes.create(tx, room, inviter, None)
        return _empty(201 if created else NO_CONTENT)

    @router.get(
        "/events/{event_id}/invites",
        operation_id="get_invites_for_event",
        summary="The invitees of an event and their answers (page-paginated)",
        openapi_extra=SECURED,
        response_model=list[EventInvitee],
        responses={
            200: {"description": "One page of invitees.", "headers": LINK_HEADER},
            **error_responses(400, 401, 403, 404),
        },
    )
    async def get_invites(
        request: Request,
        event_id: EventId,
        page: Page = Depends(page_params),
        status: Annotated[
            EventInviteStatus | None, Query(description="Only invitees with this answer.")
        ] = None,
        who: Caller = caller,
    ) -> Response:
        wanted = InviteStatus(status) if status is not None else None
        with ctx.db.transaction(write=False) as tx:
            event, _ = event_for(tx, service, who, event_id)
            invitees, total = service.page(tx, who.principal, event, wanted, page.per_page, page.offset)
        return paged_response(request, page, total, [invitee_body(invitee) for invitee in invitees])

    @router.patch(
        "/events/{event_id}/invites/email",
        operation_id="update_email_invite_to_event",
        summary="Change the role of an invitation by e-mail address",
        openapi_extra=SECURED,
        status_code=NO_CONTENT,
        response_class=Response,
        responses={
            204: {"description": "Changed."},
            **error_responses(400, 401, 403, 404, 422, e404="No such event, or the address is not invited."),
        },
    )
    async def update_email_invite(
        event_id: EventId, body: PatchEmailInviteBody, who: Caller = caller
    ) -> Response:
        role = ROLE_FROM_WIRE[body.role] if body.role is not None else None
        with ctx.db.transaction() as tx:
            event, _ = event_for(tx, service, who, event_id, manage=True)
            service.set_email_role(tx, who.principal, event, body.email, role, who.user.public_id)
        return _empty(NO_CONTENT)

    @router.delete(
        "/events/{event_id}/invites/email",
        operation_id="delete_email_invite_to_event",
        summary="Withdraw the invitation of an e-mail address (and of the registered user it belongs to)",
        openapi_extra=SECURED,
        status_code=NO_CONTENT,
        response_class=Response,
        responses={
            204: {"description": "Withdrawn."},
            **error_responses(400, 401, 403, 404, 422, e404="No such event, or the address is not invited."),
        },
    )
    async def delete_email_invite(
        event_id: EventId,
        body: Annotated[DeleteEmailInviteBody, Body()],
        suppress_email_notification: Suppress = None,
        who: Caller = caller,
    ) -> Response:
        with ctx.db.transaction() as tx:
            event, _ = event_for(tx, service, who, event_id, manage=True)
            service.withdraw_email(tx, who.principal, event, body.email)
        return _empty(NO_CONTENT)

    @router.patch(
        "/events/{event_id}/invites/{user_id}",
        operation_id="update_invite_to_event",
        summary="Change an invited user's role",
        openapi_extra=SECURED,
        status_code=NO_CONTENT,
        response_class=Response,
        responses={
            204: {"description": "Changed."},
            **error_responses(400, 401, 403, 404, 422, e404="No such event, or the user is not invited."),
        },
    )
    async def update_invite(
        event_id: EventId, user_id: UserId, body: PatchInviteBody, who: Caller = caller
    ) -> Response:
        role = ROLE_FROM_WIRE[body.role] if body.role is not None else None
        with ctx.db.transaction() as tx:
            event, _ = event_for(tx, service, who, event_id, manage=True)
            service.set_role(tx, event, str(user_id), role, who.user.public_id)
        return _empty(NO_CONTENT)

    @router.delete(
        "/events/{event_id}/invites/{user_id}",
        operation_id="delete_invite_to_event",
        summary="Withdraw a user's invitation (their favourite mark on the event goes too)",
        openapi_extra=SECURED,
        status_code=NO_CONTENT,
        response_class=Response,
        responses={
            204: {"description": "Withdrawn."},
            **error_responses(400, 401, 403, 404, e404="No such event, or the user is not invited."),
        },
    )
    async def delete_invite(
        event_id: EventId, user_id: UserId, suppress_email_notification: Suppress = None, who: Caller = caller
    ) -> Response:
        with ctx.db.transaction() as tx:
            event, _ = event_for(tx, service, who, event_id, manage=True)
            service.withdraw_user(tx, event, str(user_id))
        return _empty(NO_CONTENT)

    def answer(event_id: UUID, who: Caller, status: InviteStatus) -> Response:
        with ctx.db.transaction() as tx:
            try:
                event = service.find_event(tx, who.principal, str(event_id), lock=True)
            except DomainError:
                raise forbidden() from None  # as for an event the caller may not see: no existence oracle
            if service.relation(tx, event, who.user) is Relation.NONE:
                raise forbidden()
            service.answer(tx, event, who.user, status)
        return _empty(NO_CONTENT)

    @router.patch(
        "/events/{event_id}/invite",
        operation_id="accept_event_invite",
        summary="Accept the caller's invitation to an event",
        openapi_extra=SECURED,
        status_code=NO_CONTENT,
        response_class=Response,
        responses={
            204: {"description": "Accepted."},
            **error_responses(
                400,
                401,
                403,
                404,
                e403="Not invited (or no such event).",
                e404="The caller created the event.",
            ),
        },
    )
    async def accept_invite(event_id: EventId, who: Caller = caller) -> Response:
        return answer(event_id, who, InviteStatus.ACCEPTED)

    @router.delete(
        "/events/{event_id}/invite",
        operation_id="decline_event_invite",
        summary="Decline the caller's invitation to an event",
        openapi_extra=SECURED,
        status_code=NO_CONTENT,
        response_class=Response,
        responses={
            204: {"description": "Declined."},
            **error_responses(
                400,
                401,
                403,
                404,
                e403="Not invited (or no such event).",
                e404="The caller created the event.",
            ),
        },
    )
    async def decline_invite(event_id: EventId, who: Caller = caller) -> Response:
        return answer(event_id, who, InviteStatus.DECLINED)

    @router.get(
        "/users/me/pending_invites",
        operation_id="get_event_invites_pending",
        summary="How many event invitations the caller has not answered",
        openapi_extra=SECURED,
        response_model=PendingInvites,
        responses={200: {"description": "The count."}, **error_responses(401)},
    )
    async def pending_invites(who: Caller = caller) -> Response:
        with ctx.db.transaction(write=False) as tx:
            count = service.pending_count(tx, who.user)
        return JSONResponse({"total_pending_invites": count})

    return router
