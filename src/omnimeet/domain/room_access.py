"""Who may see a room: its owner, and the people invited to the event held in it.

- ``access``: how a user stands to one room (owner, invited, none).
- ``page`` / ``count``: the rooms a user may see (own rooms and the rooms of events they are invited to),
  oldest first, paged with an offset; each one bounded query.
- ``event_of``: the summary of the event a room belongs to, if any.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import and_, bindparam, exists, func, or_, select

from omnimeet.domain import tables
from omnimeet.domain.rooms import Room
from omnimeet.domain.store import Tx
from omnimeet.domain.tenancy import Principal
from omnimeet.domain.users import normal_email

_R = tables.ROOMS
_E = tables.SCHEDULED_EVENTS
_I = tables.INVITES


MAX_OFFSET = 2**62
"""Offsets from here on are past any table (and past what the databases' 64-bit integers hold)."""


class Access(StrEnum):
    OWNER = "owner"
    INVITED = "invited"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class RoomEvent:
    """What a room tells about its event: id, title and whether it was created ad hoc."""

    public_id: str
    title: str | None
    is_adhoc: bool


# A user is invited to a room when an invite of one of the room's events names them (any status), by id or
# by their e-mail address (stored lower-cased; a NULL address matches nothing).
_NAMES_USER = or_(_I.c.invitee_ref == bindparam("user_ref"), _I.c.email == bindparam("email"))
_INVITED_TO = (
    select(_E.c.room_seq)
    .select_from(_E.join(_I, _I.c.event_seq == _E.c.seq))
    .where(
        _E.c.tenant_id == bindparam("tenant_id"),
        _I.c.tenant_id == bindparam("tenant_id"),
        _NAMES_USER,
        _E.c.room_seq.is_not(None),
    )
)
_VISIBLE = and_(
    _R.c.tenant_id == bindparam("tenant_id"),
    _R.c.api == bindparam("api"),
    or_(_R.c.owner_id == bindparam("user_ref"), _R.c.seq.in_(_INVITED_TO)),
)
_PAGE = select(_R).where(_VISIBLE).order_by(_R.c.seq).limit(bindparam("limit")).offset(bindparam("offset"))
_COUNT = select(func.count()).select_from(_R).where(_VISIBLE)
_IS_INVITED = select(
    exists()
    .select_from(_E.join(_I, _I.c.event_seq == _E.c.seq))
    .where(
        _E.c.room_seq == bindparam("room_seq"),
        _I.c.tenant_id == bindparam("tenant_id"),
        _NAMES_USER,
    )
)
_EVENT_OF_ROOM = (
    select(_E.c.public_id, _E.c.title, _E.c.is_adhoc)
    .where(_E.c.room_seq == bindparam("room_seq"), _E.c.tenant_id == bindparam("tenant_id"))
    .order_by(_E.c.seq)
    .limit(1)
)


def _email(email: str | None) -> str | None:
    return (normal_email(email) or None) if email else None


def access(tx: Tx, room: Room, user_ref: str, email: str | None = None) -> Access:
    """How the user ``user_ref`` (whose e-mail address is ``email``) stands to ``room``; one query at most,
    none for the owner."""
    if room.owner_id == user_ref:
        return Access.OWNER
    params = {"room_seq": room.seq, "tenant_id": room.tenant_id, "user_ref": user_ref, "email": _email(email)}
    row = tx.fetch_one(_IS_INVITED, params)
    return Access.INVITED if row is not None and row[0] else Access.NONE


def page(
    tx: Tx, principal: Principal, user_ref: str, offset: int, limit: int, email: str | None = None
) -> list[Room]:
    """Up to ``limit`` rooms ``user_ref`` (invited by id or by ``email``) may see in the principal's tenant
    and API, oldest first, from ``offset`` on."""
    if limit < 1 or offset >= MAX_OFFSET:
        return []
    params = {
        "tenant_id": principal.tenant_id,
        "api": principal.api,
        "user_ref": user_ref,
        "email": _email(email),
        "limit": limit,
        "offset": max(0, offset),
    }
    return [Room.from_row(row) for row in tx.fetch_all(_PAGE, params)]


def count(tx: Tx, principal: Principal, user_ref: str, email: str | None = None) -> int:
    """How many rooms ``user_ref`` (invited by id or by ``email``) may see in the tenant and API."""
    params = {
        "tenant_id": principal.tenant_id,
        "api": principal.api,
        "user_ref": user_ref,
        "email": _email(email),
    }
    row = tx.fetch_one(_COUNT, params)
    return int(row[0]) if row else 0


def event_of(tx: Tx, room: Room) -> RoomEvent | None:
    """The event held in ``room`` (the first, should there be several), or None."""
    row = tx.fetch_one(_EVENT_OF_ROOM, {"room_seq": room.seq, "tenant_id": room.tenant_id})
    if row is None:
        return None
    return RoomEvent(public_id=row[0], title=row[1], is_adhoc=bool(row[2]))
