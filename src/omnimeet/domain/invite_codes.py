"""Room invite codes: random codes that let people without an account into one room.

A code is active until it is withdrawn (withdrawn codes stay listed, inactive) and may expire on the
virtual clock. Whoever presents an active, unexpired code is a guest of its room. Codes are ``invites``
rows with a ``room_seq`` and a ``code`` (event invitations use the same table without a code).

A code is a secret like a credential: ``usable`` finds it across tenants (its holder has no other
identity); every other query is scoped to a room the caller already read through its tenant.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, select

from omnimeet.domain import tables
from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.ports import Clock, Ids
from omnimeet.domain.rooms import Room
from omnimeet.domain.store import Row, Tx

_I = tables.INVITES
_R = tables.ROOMS

ACTIVE = "active"
INACTIVE = "inactive"


@dataclass(slots=True)
class InviteCode:
    """A room invite code and who made and last changed it (users' public ids)."""

    seq: int
    code: str
    room_seq: int
    room_id: str
    active: bool
    created_by: str | None
    created_at_ms: int
    updated_by: str | None
    updated_at_ms: int
    expires_at_ms: int | None

    def usable(self, now_ms: int) -> bool:
        """Active and not expired at ``now_ms``."""
        return self.active and (self.expires_at_ms is None or self.expires_at_ms > now_ms)


_FIELDS = (
    _I.c.seq,
    _I.c.code,
    _I.c.room_seq,
    _R.c.public_id,
    _I.c.status,
    _I.c.created_by,
    _I.c.created_at_ms,
    _I.c.updated_by,
    _I.c.updated_at_ms,
    _I.c.expires_at_ms,
)


def _invite(row: Row) -> InviteCode:
    seq, code, room_seq, room_id, status, created_by, created_at, updated_by, updated_at, expires = row[:10]
    return InviteCode(
        seq,
        code,
        room_seq,
        room_id,
        status == ACTIVE,
        created_by,
        created_at,
        updated_by,
        updated_at,
        expires,
    )


_OF_ROOM = select(*_FIELDS).join(_R, _R.c.seq == _I.c.room_seq).where(_I.c.room_seq == bindparam("room_seq"))
_PAGE = (
    _OF_ROOM.where(_I.c.code.is_not(None))
    .order_by(_I.c.seq)
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)
_COUNT = (
    select(func.count()).select_from(_I).where(_I.c.room_seq == bindparam("room_seq"), _I.c.code.is_not(None))
)
_ONE = _OF_ROOM.where(_I.c.code == bindparam("code"))
# Across tenants, by the secret alone: the room comes along (its password, tenant, api).
_BY_CODE = (
    select(*_FIELDS, _R)
    .join(_R, _R.c.seq == _I.c.room_seq)
    .where(_I.c.code == bindparam("code"), _R.c.api == bindparam("api"))
)
_WIDTH = len(_FIELDS)


class InviteCodeService:
    """Invite codes of rooms the caller may manage, and the lookup of a code a guest presents."""

    def __init__(self, clock: Clock, ids: Ids) -> None:
        self.clock = clock
        self.ids = ids

    def create(self, tx: Tx, room: Room, user_ref: str, expires_at_ms: int | None) -> InviteCode:
        now = self.clock.now_ms()
        values: dict[str, Any] = {
            "tenant_id": room.tenant_id,
            "room_seq": room.seq,
            "event_seq": None,
            "code": self.ids.uuid4(),
            "email": None,
            "invitee_ref": None,
            "role": None,
            "status": ACTIVE,
            "created_by": user_ref,
            "created_at_ms": now,
            "updated_at_ms": now,
            "expires_at_ms": expires_at_ms,
            "updated_by": user_ref,
        }
        seq = tx.insert(_I, values, returning="seq")
        return InviteCode(
            seq, values["code"], room.seq, room.public_id, True, user_ref, now, user_ref, now, expires_at_ms
        )

    def page(self, tx: Tx, room: Room, limit: int, offset: int) -> list[InviteCode]:
        """The room's codes (withdrawn ones too), oldest first."""
        rows = tx.fetch_all(_PAGE, {"room_seq": room.seq, "limit": limit, "offset": offset})
        return [_invite(row) for row in rows]

    def count(self, tx: Tx, room: Room) -> int:
        row = tx.fetch_one(_COUNT, {"room_seq": room.seq})
        return int(row[0]) if row else 0

    def get(self, tx: Tx, room: Room, code: str) -> InviteCode:
        """The room's code (active or not); ``NOT_FOUND`` when the room has no such code."""
        row = tx.fetch_one(_ONE, {"room_seq": room.seq, "code": code})
        if row is None:
            raise DomainError(ErrorCode.NOT_FOUND, "invite_code", invite=code)
        return _invite(row)

    def set_expiry(
        self, tx: Tx, room: Room, code: str, user_ref: str, expires_at_ms: int | None
    ) -> InviteCode:
        """Replaces the code's expiry (None: never expires)."""
        return self._change(tx, room, code, user_ref, {"expires_at_ms": expires_at_ms})

    def withdraw(self, tx: Tx, room: Room, code: str, user_ref: str) -> InviteCode:
        """Makes the code inactive (it stays listed); withdrawing it again changes nothing but the time."""
        return self._change(tx, room, code, user_ref, {"status": INACTIVE})

    def usable(self, tx: Tx, api: str, code: str) -> tuple[InviteCode, Room]:
        """The active, unexpired code of one of ``api``'s rooms, with its room; ``NOT_FOUND`` otherwise
        (unknown, withdrawn and expired codes are indistinguishable)."""
        row = tx.fetch_one(_BY_CODE, {"code": code, "api": api})
        if row is None:
            raise DomainError(ErrorCode.NOT_FOUND, "invite_code", invite=code)
        invite = _invite(row)
        if not invite.usable(self.clock.now_ms()):
            raise DomainError(ErrorCode.NOT_FOUND, "invite_code", invite=code)
        return invite, Room.from_row(row[_WIDTH:])

    def _change(self, tx: Tx, room: Room, code: str, user_ref: str, changes: dict[str, Any]) -> InviteCode:
        invite = self.get(tx, room, code)
        now = self.clock.now_ms()
        values = {**changes, "updated_by": user_ref, "updated_at_ms": now}
        tx.update(_I, {"seq": invite.seq}, values)
        invite.updated_by, invite.updated_at_ms = user_ref, now
        if "expires_at_ms" in changes:
            invite.expires_at_ms = changes["expires_at_ms"]
        if "status" in changes:
            invite.active = changes["status"] == ACTIVE
        return invite
