"""Which events people keep as favourites: one mark per user and event (withdrawing a user's invitation
drops theirs, see ``event_invites``)."""

from __future__ import annotations

from sqlalchemy import bindparam, select

from omnimeet.domain import tables
from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.event_invites import EventRef
from omnimeet.domain.ports import Clock
from omnimeet.domain.store import Tx

_F = tables.EVENT_FAVORITES
_FAVORITE = select(_F.c.seq).where(
    _F.c.event_seq == bindparam("event_seq"), _F.c.user_ref == bindparam("user")
)


class EventFavoriteService:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def add(self, tx: Tx, event: EventRef, user_ref: str) -> bool:
        """Marks the event as the user's favourite; False when it already was."""
        values = {
            "tenant_id": event.tenant_id,
            "event_seq": event.seq,
            "user_ref": user_ref,
            "created_at_ms": self.clock.now_ms(),
        }
        return tx.insert_ignore(_F, values, ("event_seq", "user_ref"))

    def remove(self, tx: Tx, event: EventRef, user_ref: str) -> None:
        """Removes the mark; ``NOT_FOUND`` when the event was not a favourite of the user."""
        if not tx.delete(_F, {"event_seq": event.seq, "user_ref": user_ref}):
            raise DomainError(ErrorCode.NOT_FOUND, "event_favorite", id=event.public_id)

    def is_favorite(self, tx: Tx, event: EventRef, user_ref: str) -> bool:
        return tx.fetch_one(_FAVORITE, {"event_seq": event.seq, "user": user_ref}) is not None
