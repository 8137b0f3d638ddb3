"""EventInviteService through a real database transaction: invitations by user and by address, answers,
listing, withdrawal, favourites and event settings."""

from __future__ import annotations

import json
from typing import Any

import pytest

from omnimeet.domain import tables
from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.event_favorites import EventFavoriteService
from omnimeet.domain.event_invites import (
    ROLE_MODERATOR,
    ROLE_PARTICIPANT,
    EventInviteService,
    EventRef,
    InviteStatus,
    Relation,
)
from omnimeet.domain.rooms import RoomService
from omnimeet.domain.tenancy import Principal
from omnimeet.domain.users import Identity, User, UserService
from omnimeet.platform.db import Database
from omnimeet.platform.ids import RandomIds
from tests.domain.conftest import NOW_MS, FixedClock, MakePrincipal


@pytest.fixture
def service(clock: FixedClock) -> EventInviteService:
    return EventInviteService(clock)


@pytest.fixture
def acme(make_principal: MakePrincipal) -> Principal:
    return make_principal("acme", api="opentalk")


class World:
    def __init__(self, db: Database, clock: FixedClock, principal: Principal) -> None:
        self.db, self.clock, self.principal = db, clock, principal
        self.users = UserService(clock, RandomIds())

    def user(self, name: str, email: str | None = None, principal: Principal | None = None) -> User:
        identity = Identity(subject=name, email=email or f"{name}@example.com", firstname=name.title())
        with self.db.transaction() as tx:
            return self.users.login(tx, principal or self.principal, identity)

    def event(
        self, creator: User, public_id: str, principal: Principal | None = None, settings: str = "{}"
    ) -> str:
        owner = principal or self.principal
        with self.db.transaction() as tx:
            room = RoomService(self.clock).create(
                tx, owner, f"room-{public_id}", {"owner_id": creator.public_id}
            )
            values: dict[str, Any] = {
                "tenant_id": owner.tenant_id,
                "room_seq": room.room.seq,
                "public_id": public_id,
                "created_by": creator.public_id,
                "title": "Sync",
                "description": None,
                "starts_at_ms": None,
                "ends_at_ms": None,
                "timezone": None,
                "is_all_day": False,
                "recurrence": None,
                "status": "ok",
                "created_at_ms": NOW_MS,
                "updated_at_ms": NOW_MS,
                "settings": settings,
                "is_adhoc": False,
                "is_time_independent": True,
                "series_ends_at_ms": None,
                "updated_by": creator.public_id,
            }
            tx.insert(tables.SCHEDULED_EVENTS, values)
        return public_id


@pytest.fixture
def world(db: Database, clock: FixedClock, acme: Principal) -> World:
    return World(db, clock, acme)


def find(db: Database, service: EventInviteService, principal: Principal, event_id: str) -> EventRef:
    with db.transaction(write=False) as tx:
        return service.find_event(tx, principal, event_id)


def listing(
    db: Database, service: EventInviteService, principal: Principal, event: EventRef, **kw: Any
) -> list[Any]:
    status = kw.get("status")
    with db.transaction(write=False) as tx:
        page, total = service.page(tx, principal, event, status, kw.get("limit", 30), kw.get("offset", 0))
    return [
        (
            invitee.user.public_id if invitee.user else None,
            invitee.invite.email,
            invitee.invite.role,
            invitee.invite.status,
        )
        for invitee in page
    ] + [total]


def test_find_event_checks_tenant_and_api(
    db: Database, service: EventInviteService, world: World, make_principal: MakePrincipal
) -> None:
    alice = world.user("alice")
    world.event(alice, "e1")
    event = find(db, service, world.principal, "e1")
    assert (event.public_id, event.created_by, event.tenant_id) == ("e1", alice.public_id, "acme")
    other_tenant = make_principal("globex", api="opentalk")
    other_api = make_principal("acme", "acme-telemost", api="telemost")
    for principal in (other_tenant, other_api):
        with pytest.raises(DomainError) as caught, db.transaction(write=False) as tx:
            service.find_event(tx, principal, "e1")
        assert caught.value.code is ErrorCode.NOT_FOUND


def test_invite_users_and_addresses(db: Database, service: EventInviteService, world: World) -> None:
    alice, bob = world.user("alice"), world.user("bob")
    world.event(alice, "e1")
    event = find(db, service, world.principal, "e1")
    with db.transaction() as tx:
        assert service.invite_user(tx, event, alice.public_id, bob.public_id, ROLE_PARTICIPANT) is True
        assert service.invite_user(tx, event, alice.public_id, bob.public_id, ROLE_MODERATOR) is False
        assert service.invite_user(tx, event, alice.public_id, alice.public_id, ROLE_PARTICIPANT) is False
        assert service.invite_email(tx, world.principal, event, alice.public_id, "Dan@X.org", ROLE_MODERATOR)
        assert not service.invite_email(
            tx, world.principal, event, alice.public_id, "dan@x.org", ROLE_PARTICIPANT
        )
        # Bob's address is Bob: already invited.
        assert not service.invite_email(
            tx, world.principal, event, alice.public_id, "BOB@example.com", ROLE_MODERATOR
        )
        assert not service.invite_email(
            tx, world.principal, event, alice.public_id, "alice@example.com", ROLE_MODERATOR
        )
    assert listing(db, service, world.principal, event) == [
        (bob.public_id, None, ROLE_PARTICIPANT, "pending"),
        (None, "dan@x.org", ROLE_MODERATOR, "pending"),
        2,
    ]
    with pytest.raises(DomainError) as caught, db.transaction() as tx:
        service.invite_user(tx, event, alice.public_id, "someone", "owner")
    assert (caught.value.code, caught.value.details) == (ErrorCode.INVALID, {"field": "role"})


def test_relation(db: Database, service: EventInviteService, world: World) -> None:
    alice, bob, carol = world.user("alice"), world.user("bob"), world.user("carol")
    world.event(alice, "e1")
    event = find(db, service, world.principal, "e1")
    with db.transaction() as tx:
        service.invite_user(tx, event, alice.public_id, bob.public_id, ROLE_PARTICIPANT)
        assert service.relation(tx, event, alice) is Relation.CREATOR
        assert service.relation(tx, event, bob) is Relation.INVITEE
        assert service.relation(tx, event, carol) is Relation.NONE
        service.invite_email(
            tx, world.principal, event, alice.public_id, "later@example.com", ROLE_PARTICIPANT
        )
    later = world.user("later")
    with db.transaction(write=False) as tx:
        assert service.relation(tx, event, later) is Relation.INVITEE


def test_answers_pending_and_status_filter(db: Database, service: EventInviteService, world: World) -> None:
    alice, bob = world.user("alice"), world.user("bob")
    events = [find(db, service, world.principal, world.event(alice, name)) for name in ("e1", "e2", "e3")]
    with db.transaction() as tx:
        for event in events:
            service.invite_user(tx, event, alice.public_id, bob.public_id, ROLE_PARTICIPANT)
        assert service.pending_count(tx, bob) == 3
        service.answer(tx, events[0], bob, InviteStatus.ACCEPTED)
        service.answer(tx, events[1], bob, InviteStatus.TENTATIVE)
        assert service.pending_count(tx, bob) == 1
        assert service.pending_count(tx, alice) == 0
        with pytest.raises(DomainError) as caught:
            service.answer(tx, events[0], alice, InviteStatus.DECLINED)
        assert caught.value.code is ErrorCode.NOT_FOUND
    accepted = listing(db, service, world.principal, events[0], status=InviteStatus.ACCEPTED)
    assert accepted == [(bob.public_id, None, ROLE_PARTICIPANT, "accepted"), 1]
    assert listing(db, service, world.principal, events[0], status=InviteStatus.PENDING) == [0]
    assert listing(db, service, world.principal, events[1]) == [
        (bob.public_id, None, ROLE_PARTICIPANT, "tentative"),
        1,
    ]


def test_address_invitations_become_the_users(
    db: Database, service: EventInviteService, world: World
) -> None:
    alice = world.user("alice")
    e1, e2 = (find(db, service, world.principal, world.event(alice, name)) for name in ("e1", "e2"))
    with db.transaction() as tx:
        service.invite_email(tx, world.principal, e1, alice.public_id, "Carol@example.com", ROLE_MODERATOR)
        service.invite_email(tx, world.principal, e2, alice.public_id, "carol@example.com", ROLE_PARTICIPANT)
    carol = world.user("carol")
    # Listed as Carol (with the address invitation's role) before any claim.
    assert listing(db, service, world.principal, e1) == [
        (carol.public_id, "carol@example.com", ROLE_MODERATOR, "pending"),
        1,
    ]
    with db.transaction() as tx:
        assert service.pending_count(tx, carol) == 2
        assert service.invite_user(tx, e2, alice.public_id, carol.public_id, ROLE_PARTICIPANT) is True
        assert service.claim_email(tx, carol) == 1
        assert service.claim_email(tx, carol) == 0
        service.answer(tx, e1, carol, InviteStatus.DECLINED)
        assert service.pending_count(tx, carol) == 1
    assert listing(db, service, world.principal, e1) == [
        (carol.public_id, None, ROLE_MODERATOR, "declined"),
        1,
    ]
    assert listing(db, service, world.principal, e2) == [
        (carol.public_id, None, ROLE_PARTICIPANT, "pending"),
        1,
    ]


def test_pages_put_users_before_addresses(db: Database, service: EventInviteService, world: World) -> None:
    alice, bob, carol = world.user("alice"), world.user("bob"), world.user("carol")
    event = find(db, service, world.principal, world.event(alice, "e1"))
    with db.transaction() as tx:
        service.invite_email(tx, world.principal, event, alice.public_id, "a@x.org", ROLE_PARTICIPANT)
        service.invite_user(tx, event, alice.public_id, bob.public_id, ROLE_PARTICIPANT)
        service.invite_email(tx, world.principal, event, alice.public_id, "b@x.org", ROLE_PARTICIPANT)
        service.invite_user(tx, event, alice.public_id, carol.public_id, ROLE_MODERATOR)
    # Users, then addresses; each newest first.
    assert listing(db, service, world.principal, event, limit=3) == [
        (carol.public_id, None, ROLE_MODERATOR, "pending"),
        (bob.public_id, None, ROLE_PARTICIPANT, "pending"),
        (None, "b@x.org", ROLE_PARTICIPANT, "pending"),
        4,
    ]
    assert listing(db, service, world.principal, event, limit=3, offset=3) == [
        (None, "a@x.org", ROLE_PARTICIPANT, "pending"),
        4,
    ]
    assert listing(db, service, world.principal, event, offset=4) == [4]


def test_roles_and_withdrawal(
    db: Database, service: EventInviteService, world: World, clock: FixedClock
) -> None:
    alice, bob = world.user("alice"), world.user("bob")
    event = find(db, service, world.principal, world.event(alice, "e1"))
    with db.transaction() as tx:
        service.invite_user(tx, event, alice.public_id, bob.public_id, ROLE_PARTICIPANT)
        service.invite_email(tx, world.principal, event, alice.public_id, "dan@x.org", ROLE_PARTICIPANT)
        assert EventFavoriteService(clock).add(tx, event, bob.public_id) is True
        assert EventFavoriteService(clock).add(tx, event, bob.public_id) is False
        clock.now += 1000
        service.set_role(tx, event, bob.public_id, ROLE_MODERATOR, alice.public_id)
        service.set_role(tx, event, bob.public_id, None, alice.public_id)
        service.set_email_role(tx, world.principal, event, "DAN@x.org", ROLE_MODERATOR, alice.public_id)
        service.set_email_role(
            tx, world.principal, event, "bob@example.com", ROLE_PARTICIPANT, alice.public_id
        )
        invite = service.user_invite(tx, event, bob.public_id)
        assert invite is not None
        assert (invite.role, invite.updated_at_ms, invite.updated_by) == (
            ROLE_PARTICIPANT,
            NOW_MS + 1000,
            alice.public_id,
        )
    assert listing(db, service, world.principal, event) == [
        (bob.public_id, None, ROLE_PARTICIPANT, "pending"),
        (None, "dan@x.org", ROLE_MODERATOR, "pending"),
        2,
    ]
    with db.transaction() as tx:
        service.withdraw_user(tx, event, bob.public_id)
        assert EventFavoriteService(clock).is_favorite(tx, event, bob.public_id) is False
        service.withdraw_email(tx, world.principal, event, "Dan@X.org")
    assert listing(db, service, world.principal, event) == [0]
    for call in (
        lambda tx: service.withdraw_user(tx, event, bob.public_id),
        lambda tx: service.withdraw_email(tx, world.principal, event, "dan@x.org"),
        lambda tx: service.set_role(tx, event, bob.public_id, ROLE_MODERATOR, alice.public_id),
        lambda tx: service.set_email_role(tx, world.principal, event, "dan@x.org", None, alice.public_id),
        lambda tx: EventFavoriteService(clock).remove(tx, event, bob.public_id),
    ):
        with pytest.raises(DomainError) as caught, db.transaction() as tx:
            call(tx)
        assert caught.value.code is ErrorCode.NOT_FOUND


def test_withdrawing_an_address_reaches_its_user(
    db: Database, service: EventInviteService, world: World
) -> None:
    alice, bob = world.user("alice"), world.user("bob")
    event = find(db, service, world.principal, world.event(alice, "e1"))
    with db.transaction() as tx:
        service.invite_user(tx, event, alice.public_id, bob.public_id, ROLE_PARTICIPANT)
        service.withdraw_email(tx, world.principal, event, "Bob@Example.com")
        assert service.user_invite(tx, event, bob.public_id) is None


def test_settings_keep_other_keys(db: Database, service: EventInviteService, world: World) -> None:
    alice = world.user("alice")
    event = find(db, service, world.principal, world.event(alice, "e1", settings='{"other":[1]}'))
    assert event.setting("folder") is None
    with db.transaction() as tx:
        service.set_setting(tx, event, "folder", {"read": {"url": "u", "password": "p"}})
    event = find(db, service, world.principal, "e1")
    assert json.loads(event.settings) == {"other": [1], "folder": {"read": {"url": "u", "password": "p"}}}
    assert event.setting("folder") == {"read": {"url": "u", "password": "p"}}
    with db.transaction() as tx:
        service.set_setting(tx, event, "folder", None)
    assert json.loads(find(db, service, world.principal, "e1").settings) == {"other": [1]}
