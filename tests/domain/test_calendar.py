"""EventService and InstanceService through a real database transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from omnimeet.domain import tables
from omnimeet.domain.calendar import INVITEE, OWNER, EventDraft, EventFilter, EventService, When
from omnimeet.domain.calendar_instances import InstanceService, InstanceWindow
from omnimeet.domain.calendar_model import Event
from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.tenancy import Principal
from omnimeet.domain.users import Identity, User, UserService
from omnimeet.platform.db import Database
from omnimeet.platform.ids import RandomIds
from tests.domain.conftest import NOW_MS, FixedClock, MakePrincipal, count_rows

HOUR = 3_600_000
DAY = 24 * HOUR
MONDAY = 1_805_792_400_000  # 2027-03-22T09:00:00Z, 10:00 in Berlin (winter time)


@pytest.fixture
def acme(make_principal: MakePrincipal) -> Principal:
    return make_principal("acme", api="opentalk")


@pytest.fixture
def service(clock: FixedClock) -> EventService:
    return EventService(clock, RandomIds(3))


_USER_IDS = RandomIds(5)


def _user(db: Database, clock: FixedClock, principal: Principal, subject: str) -> User:
    with db.transaction() as tx:
        return UserService(clock, _USER_IDS).login(tx, principal, Identity(subject=subject))


def _create(db: Database, service: EventService, principal: Principal, user: User, **kwargs: object) -> Event:
    when = When(MONDAY, MONDAY + HOUR, "Europe/Berlin", pattern=("RRULE:FREQ=WEEKLY;COUNT=3",))
    draft = EventDraft(**{"title": "Weekly", "description": "", "when": when, **kwargs})  # type: ignore[arg-type]
    with db.transaction() as tx:
        return service.create(tx, principal, user, draft)


def test_create_stores_the_series_end_and_makes_a_room(
    db: Database, clock: FixedClock, service: EventService, acme: Principal
) -> None:
    alice = _user(db, clock, acme, "alice")
    event = _create(db, service, acme, alice, password="pw")
    # Third Monday: 2027-04-05 10:00 Berlin summer time = 08:00Z; it ends at 09:00Z.
    assert event.series_ends_at_ms == MONDAY + 14 * DAY - HOUR + HOUR
    assert (event.created_at_ms, event.created_by, event.is_recurring) == (NOW_MS, alice.public_id, True)
    rooms = tables.ROOMS
    with db.transaction(write=False) as tx:
        row = tx.fetch_one(select(rooms.c.owner_id, rooms.c.password).where(rooms.c.seq == event.room_seq))
        assert row == (alice.public_id, "pw")
        assert service.find(tx, acme, event.public_id).seq == event.seq


def test_access_and_other_tenants(
    db: Database, clock: FixedClock, service: EventService, acme: Principal, make_principal: MakePrincipal
) -> None:
    alice = _user(db, clock, acme, "alice")
    bob = _user(db, clock, acme, "bob")
    event = _create(db, service, acme, alice)
    other = make_principal("globex", api="opentalk")
    with db.transaction() as tx:
        assert service.access(tx, event, alice.public_id) == OWNER
        assert service.access(tx, event, bob.public_id) is None
        tx.insert(
            tables.INVITES,
            {
                "tenant_id": "acme",
                "event_seq": event.seq,
                "invitee_ref": bob.public_id,
                "status": "accepted",
                "created_at_ms": NOW_MS,
                "updated_at_ms": NOW_MS,
            },
        )
        assert service.access(tx, event, bob.public_id) == INVITEE
        with pytest.raises(DomainError) as caught:
            service.find(tx, other, event.public_id)
        assert caught.value.code is ErrorCode.NOT_FOUND
        (view,) = service.views(tx, acme, bob.public_id, [event], 5)
        assert (view.invite_status, view.can_edit, view.invitees_truncated) == ("accepted", False, False)
        assert [invitee.user for invitee in view.invitees] == [bob]


def test_page_filters_by_window_and_pages_by_start(
    db: Database, clock: FixedClock, service: EventService, acme: Principal
) -> None:
    alice = _user(db, clock, acme, "alice")
    first = _create(db, service, acme, alice)
    loose = _create(db, service, acme, alice, when=None)
    with db.transaction(write=False) as tx:
        found, more = service.page(tx, acme, alice.public_id, EventFilter(), 1)
        assert ([e.seq for e in found], more is not None) == ([loose.seq], True)
        assert more is not None
        rest, end = service.page(tx, acme, alice.public_id, EventFilter(), 1, more)
        assert ([e.seq for e in rest], end) == ([first.seq], None)
        late = EventFilter(time_min_ms=MONDAY + 14 * DAY)  # after the last occurrence ended (09:00Z)
        assert service.page(tx, acme, alice.public_id, late, 10) == ([], None)


def test_update_drops_exceptions_only_for_a_new_pattern(
    db: Database, clock: FixedClock, service: EventService, acme: Principal
) -> None:
    alice = _user(db, clock, acme, "alice")
    event = _create(db, service, acme, alice)
    instances = InstanceService(clock)
    with db.transaction() as tx:
        changed = instances.change(tx, alice, event, MONDAY, {"status": "cancelled"})
        assert (changed.status, changed.starts_at_ms) == ("cancelled", MONDAY)
        same = When(MONDAY, MONDAY + HOUR, "Europe/Berlin", pattern=("RRULE:FREQ=WEEKLY;COUNT=3",))
        service.update(tx, acme, alice, event, {"when": same, "title": "Renamed"})
    assert count_rows(db, tables.EventExceptionRow) == 1
    with db.transaction() as tx:
        daily = When(MONDAY, MONDAY + HOUR, "Europe/Berlin", pattern=("RRULE:FREQ=DAILY;COUNT=2",))
        service.update(tx, acme, alice, event, {"when": daily})
        found, more = instances.page(tx, event, InstanceWindow(), 10)
    assert count_rows(db, tables.EventExceptionRow) == 0
    assert ([one.starts_at_ms for one in found], more) == ([MONDAY, MONDAY + DAY], None)
    assert (event.title, event.series_ends_at_ms) == ("Renamed", MONDAY + DAY + HOUR)


def test_delete_takes_the_room(
    db: Database, clock: FixedClock, service: EventService, acme: Principal
) -> None:
    alice = _user(db, clock, acme, "alice")
    event = _create(db, service, acme, alice)
    with db.transaction() as tx:
        service.delete(tx, acme, event)
    assert (count_rows(db, tables.ScheduledEventRow), count_rows(db, tables.RoomRow)) == (0, 0)


def test_bad_times_are_invalid(
    db: Database, clock: FixedClock, service: EventService, acme: Principal
) -> None:
    alice = _user(db, clock, acme, "alice")
    for when, field in (
        (When(MONDAY, MONDAY - 1, "Europe/Berlin"), "ends_at"),
        (When(MONDAY, MONDAY + HOUR, "Nowhere/City"), "timezone"),
        (When(MONDAY, MONDAY + DAY, "UTC", is_all_day=True), "starts_at"),
        (When(MONDAY, MONDAY + HOUR, "UTC", pattern=("DTSTART:20270101T000000Z",)), "recurrence_pattern"),
    ):
        with pytest.raises(DomainError) as caught:
            _create(db, service, acme, alice, when=when)
        assert (caught.value.code, caught.value.details["field"]) == (ErrorCode.INVALID, field)
