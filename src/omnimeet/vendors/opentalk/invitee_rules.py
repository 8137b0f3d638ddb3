"""Who may do what with an event's invitations, favourites and shared folder (the controller's access
rules): its creator manages them; the creator and the invitees may read them; anyone else is refused with
403. Below ``/events/{event_id}`` an unknown event (or another tenant's) is refused the same way, as the
controller's access check runs before the handler; routes open to every user (``/users/me/...``) answer 404
for it."""

from __future__ import annotations

from uuid import UUID

from omnimeet.domain.errors import DomainError
from omnimeet.domain.event_invites import EventInviteService, EventRef, Relation
from omnimeet.domain.store import Tx
from omnimeet.vendors.opentalk.auth import Caller
from omnimeet.vendors.opentalk.errors import forbidden


def event_for(
    tx: Tx,
    service: EventInviteService,
    caller: Caller,
    event_id: UUID,
    *,
    manage: bool = False,
    unknown_is_forbidden: bool = True,
) -> tuple[EventRef, Relation]:
    """The event and the caller's relation to it; 403 when the caller may not read it (``manage``: may
    not change its invitations or folder; the event is then locked for the change). An unknown event is
    403 too, or with ``unknown_is_forbidden=False`` the domain's not-found (404)."""
    try:
        event = service.find_event(tx, caller.principal, str(event_id), lock=manage)
    except DomainError:
        if unknown_is_forbidden:
            raise forbidden() from None
        raise
    relation = service.relation(tx, event, caller.user)
    if relation is Relation.NONE or (manage and relation is not Relation.CREATOR):
        raise forbidden()
    return event, relation
