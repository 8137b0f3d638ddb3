"""Who may do what with an event's invitations, favourites and shared folder (the controller's access
rules): its creator manages them; the creator and the invitees may read them; anyone else is refused with
403. An unknown event (or another tenant's) is 404."""

from __future__ import annotations

from uuid import UUID

from omnimeet.domain.event_invites import EventInviteService, EventRef, Relation
from omnimeet.domain.store import Tx
from omnimeet.vendors.opentalk.auth import Caller
from omnimeet.vendors.opentalk.errors import forbidden


def event_for(
    tx: Tx, service: EventInviteService, caller: Caller, event_id: UUID, *, manage: bool = False
) -> tuple[EventRef, Relation]:
    """The event and the caller's relation to it; 403 when the caller may not read it (``manage``: may
    not change its invitations or folder; the event is then locked for the change)."""
    event = service.find_event(tx, caller.principal, str(event_id), lock=manage)
    relation = service.relation(tx, event, caller.user)
    if relation is Relation.NONE or (manage and relation is not Relation.CREATOR):
        raise forbidden()
    return event, relation
