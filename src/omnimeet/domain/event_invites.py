"""Who is invited to a calendar event, how they answered, and the small documents an event carries in its
settings (such as a shared folder). Favourite marks: ``event_favorites``.

- An invitation names a registered user (``invitee_ref``: the user's public id) or only an e-mail address
  (stored lower-case); it has a role (``participant`` or ``moderator``) and a status (``pending``,
  ``accepted``, ``tentative``, ``declined``). E-mail invitations stay ``pending``.
- The event's creator is invited implicitly: inviting them changes nothing. Inviting someone twice changes
  nothing either (the first invitation, its role and answer, stay).
- An e-mail address that belongs to a registered user of the tenant stands for that user: inviting it
  invites the user; once such a user exists, their e-mail invitations become theirs (``claim_email``).
- Withdrawing a user's invitation also drops their favourite mark on the event.
- Events are read here directly (tenant and API checked through their room); ``calendar`` owns them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, bindparam, case, func, or_, select

from omnimeet.domain import tables
from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.ports import Clock
from omnimeet.domain.rooms import Room
from omnimeet.domain.store import Row, Tx
from omnimeet.domain.tenancy import Principal
from omnimeet.domain.users import User, normal_email

_E = tables.SCHEDULED_EVENTS
_R = tables.ROOMS
_I = tables.INVITES
_U = tables.USERS
_F = tables.EVENT_FAVORITES

ROLE_PARTICIPANT = "participant"
ROLE_MODERATOR = "moderator"
ROLES = frozenset({ROLE_PARTICIPANT, ROLE_MODERATOR})

SHARED_FOLDER_KEY = "shared_folder"
"""The event settings key holding the event's shared folder document (absent: none)."""


class InviteStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    TENTATIVE = "tentative"
    DECLINED = "declined"


class Relation(StrEnum):
    """How a user stands to an event."""

    CREATOR = "creator"
    INVITEE = "invitee"
    NONE = "none"


@dataclass(slots=True)
class EventRef:
    """The parts of an event that invitations, favourites and settings need."""

    seq: int
    public_id: str
    tenant_id: str
    created_by: str | None
    room_seq: int | None
    settings: str

    def setting(self, key: str) -> Any:
        """One value of the event's settings document (None when absent or unreadable)."""
        try:
            document = json.loads(self.settings or "{}")
        except ValueError:
            return None
        return document.get(key) if isinstance(document, dict) else None


@dataclass(slots=True)
class EventInvite:
    """An ``invites`` row of an event; fields in column order."""

    seq: int
    tenant_id: str
    room_seq: int | None
    event_seq: int | None
    code: str | None
    email: str | None
    invitee_ref: str | None
    role: str | None
    status: str
    created_by: str | None
    created_at_ms: int
    updated_at_ms: int
    expires_at_ms: int | None
    updated_by: str | None


@dataclass(slots=True)
class Invitee:
    """One invitation as listed: the invitation, and the registered user it names (None: e-mail only)."""

    invite: EventInvite
    user: User | None


_INVITE_WIDTH = len(fields(EventInvite))

_EVENT = (
    select(_E.c.seq, _E.c.public_id, _E.c.tenant_id, _E.c.created_by, _E.c.room_seq, _E.c.settings)
    .select_from(_E.outerjoin(_R, _R.c.seq == _E.c.room_seq))
    .where(
        _E.c.tenant_id == bindparam("tenant_id"),
        _E.c.public_id == bindparam("public_id"),
        or_(_E.c.room_seq.is_(None), _R.c.api == bindparam("api")),
    )
)
_EVENT_LOCKED = _EVENT.with_for_update(of=_E)
_ROOM = select(_R).where(_R.c.seq == bindparam("seq"))
_USER_INVITE = select(_I).where(
    _I.c.event_seq == bindparam("event_seq"), _I.c.invitee_ref == bindparam("invitee_ref")
)
_EMAIL_INVITE = select(_I).where(_I.c.event_seq == bindparam("event_seq"), _I.c.email == bindparam("email"))
_USER_BY_EMAIL = (
    select(_U)
    .where(
        _U.c.tenant_id == bindparam("tenant_id"),
        _U.c.api == bindparam("api"),
        func.lower(_U.c.email) == bindparam("email"),
    )
    .order_by(_U.c.seq)
    .limit(1)
)
_PENDING = select(func.count(func.distinct(_I.c.event_seq))).where(
    _I.c.tenant_id == bindparam("tenant_id"),
    _I.c.event_seq.is_not(None),
    _I.c.status == InviteStatus.PENDING.value,
    or_(_I.c.invitee_ref == bindparam("invitee_ref"), _I.c.email == bindparam("email")),
)
# An invitation's user: by id, or (an e-mail invitation) by the address of a registered user.
_LISTED_USER = and_(
    _U.c.tenant_id == bindparam("tenant_id"),
    _U.c.api == bindparam("api"),
    or_(
        _U.c.public_id == _I.c.invitee_ref,
        and_(_I.c.invitee_ref.is_(None), func.lower(_U.c.email) == _I.c.email),
    ),
)


class EventInviteService:
    """Invitations to events, answers to them, and event settings documents."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    # --- events -------------------------------------------------------------------------------------------

    def find_event(self, tx: Tx, principal: Principal, public_id: str, *, lock: bool = False) -> EventRef:
        """The event of the principal's tenant and API with this id, or ``NOT_FOUND``. ``lock``: held until
        the transaction ends (two changes of its invitations or settings cannot interleave)."""
        row = tx.fetch_one(
            _EVENT_LOCKED if lock else _EVENT,
            {"tenant_id": principal.tenant_id, "public_id": public_id, "api": principal.api},
        )
        if row is None:
            raise DomainError(ErrorCode.NOT_FOUND, "event", id=public_id)
        return EventRef(*row)

    def room_of(self, tx: Tx, event: EventRef) -> Room | None:
        """The event's room."""
        if event.room_seq is None:
            return None
        row = tx.fetch_one(_ROOM, {"seq": event.room_seq})
        return Room.from_row(row) if row is not None else None

    def relation(self, tx: Tx, event: EventRef, user: User) -> Relation:
        """The event's creator, an invitee (by id, or by their e-mail address), or neither."""
        if event.created_by == user.public_id:
            return Relation.CREATOR
        if self.user_invite(tx, event, user.public_id) is not None:
            return Relation.INVITEE
        if user.email and tx.fetch_one(
            _EMAIL_INVITE, {"event_seq": event.seq, "email": normal_email(user.email)}
        ):
            return Relation.INVITEE
        return Relation.NONE

    def set_setting(self, tx: Tx, event: EventRef, key: str, value: Any) -> None:
        """Sets (None: removes) one key of the event's settings document, keeping the others."""
        row = tx.fetch_one(select(_E.c.settings).where(_E.c.seq == event.seq))
        try:
            document = json.loads(row[0] if row and row[0] else "{}")
        except ValueError:
            document = {}
        if not isinstance(document, dict):
            document = {}
        if value is None:
            document.pop(key, None)
        else:
            document[key] = value
        event.settings = json.dumps(document, separators=(",", ":"))
        tx.update(_E, {"seq": event.seq}, {"settings": event.settings})

    # --- invitations --------------------------------------------------------------------------------------

    def user_invite(self, tx: Tx, event: EventRef, user_ref: str) -> EventInvite | None:
        row = tx.fetch_one(_USER_INVITE, {"event_seq": event.seq, "invitee_ref": user_ref})
        return EventInvite(*row) if row is not None else None

    def user_by_email(self, tx: Tx, principal: Principal, email: str) -> User | None:
        row = tx.fetch_one(
            _USER_BY_EMAIL,
            {"tenant_id": principal.tenant_id, "api": principal.api, "email": normal_email(email)},
        )
        return User.from_row(row) if row is not None else None

    def invite_user(self, tx: Tx, event: EventRef, inviter: str, invitee: str, role: str) -> bool:
        """Invites a registered user; False when nothing changed (the creator, or already invited)."""
        _check_role(role)
        if invitee == event.created_by or self.user_invite(tx, event, invitee) is not None:
            return False
        self._insert(tx, event, inviter, role, invitee_ref=invitee, email=None)
        return True

    def invite_email(
        self, tx: Tx, principal: Principal, event: EventRef, inviter: str, email: str, role: str
    ) -> bool:
        """Invites an address (the registered user it belongs to, if any); False when nothing changed."""
        _check_role(role)
        user = self.user_by_email(tx, principal, email)
        if user is not None:
            return self.invite_user(tx, event, inviter, user.public_id, role)
        address = normal_email(email)
        if tx.fetch_one(_EMAIL_INVITE, {"event_seq": event.seq, "email": address}) is not None:
            return False
        self._insert(tx, event, inviter, role, invitee_ref=None, email=address)
        return True

    def page(
        self,
        tx: Tx,
        principal: Principal,
        event: EventRef,
        status: InviteStatus | None,
        limit: int,
        offset: int,
    ) -> tuple[list[Invitee], int]:
        """One page of the event's invitations (users first, then e-mail addresses, each newest first) and
        how many there are; ``status`` (None: all) filters by answer."""
        conditions = [_I.c.event_seq == event.seq]
        params: dict[str, Any] = {"tenant_id": principal.tenant_id, "api": principal.api}
        if status is not None:
            conditions.append(_I.c.status == bindparam("status"))
            params["status"] = status.value
        total_row = tx.fetch_one(select(func.count()).select_from(_I).where(*conditions), params)
        total = int(total_row[0]) if total_row else 0
        if offset >= total:
            return [], total
        stmt = (
            select(_I, _U)
            .select_from(_I.outerjoin(_U, _LISTED_USER))
            .where(*conditions)
            .order_by(case((_I.c.invitee_ref.is_(None), 1), else_=0), _I.c.seq.desc())
            .limit(limit)
            .offset(offset)
        )
        listed: list[Invitee] = []
        seen: set[int] = set()
        for row in tx.fetch_all(stmt, params):
            invite = EventInvite(*row[:_INVITE_WIDTH])
            if invite.seq in seen:  # two users sharing an address: the first one stands for it
                continue
            seen.add(invite.seq)
            user_row: Row = row[_INVITE_WIDTH:]
            listed.append(Invitee(invite, User.from_row(user_row) if user_row[0] is not None else None))
        return listed, total

    def set_role(self, tx: Tx, event: EventRef, user_ref: str, role: str | None, actor: str) -> None:
        """Changes a user's role (None: unchanged); ``NOT_FOUND`` when they are not invited."""
        invite = self.user_invite(tx, event, user_ref)
        if invite is None:
            raise DomainError(ErrorCode.NOT_FOUND, "event_invite", id=user_ref)
        if role is not None:
            _check_role(role)
            self._change(tx, invite, actor, role=role)

    def set_email_role(
        self, tx: Tx, principal: Principal, event: EventRef, email: str, role: str | None, actor: str
    ) -> None:
        """Changes the role of an e-mail invitation (or of the registered user the address belongs to)."""
        address = normal_email(email)
        row = tx.fetch_one(_EMAIL_INVITE, {"event_seq": event.seq, "email": address})
        invite = EventInvite(*row) if row is not None else None
        if invite is None:
            user = self.user_by_email(tx, principal, address)
            invite = self.user_invite(tx, event, user.public_id) if user is not None else None
        if invite is None:
            raise DomainError(ErrorCode.NOT_FOUND, "event_invite", email=address)
        if role is not None:
            _check_role(role)
            self._change(tx, invite, actor, role=role)

    def withdraw_user(self, tx: Tx, event: EventRef, user_ref: str) -> None:
        """Withdraws a user's invitation and their favourite mark; ``NOT_FOUND`` when not invited."""
        invite = self.user_invite(tx, event, user_ref)
        if invite is None:
            raise DomainError(ErrorCode.NOT_FOUND, "event_invite", id=user_ref)
        tx.delete(_I, {"seq": invite.seq})
        tx.delete(_F, {"event_seq": event.seq, "user_ref": user_ref})

    def withdraw_email(self, tx: Tx, principal: Principal, event: EventRef, email: str) -> None:
        """Withdraws the invitation of an address and of the registered user it belongs to."""
        address = normal_email(email)
        removed = tx.delete(_I, {"event_seq": event.seq, "email": address})
        user = self.user_by_email(tx, principal, address)
        if user is not None and self.user_invite(tx, event, user.public_id) is not None:
            self.withdraw_user(tx, event, user.public_id)
            removed += 1
        if not removed:
            raise DomainError(ErrorCode.NOT_FOUND, "event_invite", email=address)

    def answer(self, tx: Tx, event: EventRef, user: User, status: InviteStatus) -> None:
        """The invitee's answer; ``NOT_FOUND`` when the user is not invited."""
        self.claim_email(tx, user)
        invite = self.user_invite(tx, event, user.public_id)
        if invite is None:
            raise DomainError(ErrorCode.NOT_FOUND, "event_invite", id=user.public_id)
        self._change(tx, invite, user.public_id, status=status.value)

    def pending_count(self, tx: Tx, user: User) -> int:
        """How many events the user is invited to and has not answered yet (an invitation of their e-mail
        address counts as theirs)."""
        email = normal_email(user.email) if user.email else None
        row = tx.fetch_one(
            _PENDING, {"tenant_id": user.tenant_id, "invitee_ref": user.public_id, "email": email}
        )
        return int(row[0]) if row else 0

    def claim_email(self, tx: Tx, user: User) -> int:
        """Turns the e-mail invitations of the user's address (in their tenant) into invitations of the
        user, unless they hold one to that event already (those are dropped); returns how many moved."""
        if not user.email:
            return 0
        address = normal_email(user.email)
        rows = tx.fetch_all(
            select(_I.c.seq, _I.c.event_seq).where(_I.c.tenant_id == user.tenant_id, _I.c.email == address)
        )
        moved = 0
        for seq, event_seq in rows:
            held = tx.fetch_one(_USER_INVITE, {"event_seq": event_seq, "invitee_ref": user.public_id})
            if held is None:
                tx.update(_I, {"seq": seq}, {"invitee_ref": user.public_id, "email": None})
                moved += 1
            else:
                tx.delete(_I, {"seq": seq})
        return moved

    def _insert(
        self, tx: Tx, event: EventRef, inviter: str, role: str, *, invitee_ref: str | None, email: str | None
    ) -> None:
        now = self.clock.now_ms()
        tx.insert(
            _I,
            {
                "tenant_id": event.tenant_id,
                "room_seq": None,
                "event_seq": event.seq,
                "code": None,
                "email": email,
                "invitee_ref": invitee_ref,
                "role": role,
                "status": InviteStatus.PENDING.value,
                "created_by": inviter,
                "created_at_ms": now,
                "updated_at_ms": now,
                "expires_at_ms": None,
                "updated_by": inviter,
            },
        )

    def _change(self, tx: Tx, invite: EventInvite, actor: str, **values: Any) -> None:
        tx.update(
            _I, {"seq": invite.seq}, {**values, "updated_at_ms": self.clock.now_ms(), "updated_by": actor}
        )


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise DomainError(ErrorCode.INVALID, "event_invite", field="role")


assert tuple(column.name for column in _I.columns) == tuple(f.name for f in fields(EventInvite)), (
    "EventInvite fields must follow the table"
)
