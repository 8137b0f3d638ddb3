"""Events and users for the invitation, favourite and shared folder tests, written through the domain (so
these tests do not depend on the event routes)."""

from __future__ import annotations

from typing import Any

from omnimeet.domain import tables
from omnimeet.domain.rooms import RoomService
from omnimeet.domain.tenancy import Principal
from omnimeet.domain.users import Identity, User, UserService
from omnimeet.platform.web import PrefixDispatcher
from omnimeet.vendors.opentalk.auth import API
from tests.vendors.opentalk.support import ISSUER, NOW, PEOPLE


def principal(app: PrefixDispatcher, issuer: str = ISSUER) -> Principal:
    found = app.state.ctx.authenticate(API, issuer)
    assert found is not None
    return found


def user(app: PrefixDispatcher, name: str, issuer: str = ISSUER) -> User:
    """The user a token of ``name`` (``support.token``) stands for, created now if need be."""
    ctx = app.state.ctx
    person = PEOPLE.get(name, {})
    identity = Identity(
        subject=name,
        email=person.get("email"),
        firstname=person.get("given_name"),
        lastname=person.get("family_name"),
    )
    who = principal(app, issuer)
    with ctx.db.transaction() as tx:
        return UserService(ctx.clock, ctx.ids).login(tx, who, identity, refresh=False)


def make_event(
    app: PrefixDispatcher, creator: str = "alice", *, settings: str = "{}", title: str = "Sync"
) -> str:
    """A single event (with its room) created by ``creator``; returns its id."""
    ctx = app.state.ctx
    owner = user(app, creator)
    who = principal(app)
    with ctx.db.transaction() as tx:
        room = RoomService(ctx.clock).create(tx, who, ctx.ids.uuid4(), {"owner_id": owner.public_id}).room
        event_id: str = ctx.ids.uuid4()
        values: dict[str, Any] = {
            "tenant_id": who.tenant_id,
            "room_seq": room.seq,
            "public_id": event_id,
            "created_by": owner.public_id,
            "title": title,
            "description": "",
            "starts_at_ms": NOW + 3_600_000,
            "ends_at_ms": NOW + 7_200_000,
            "timezone": "Europe/Berlin",
            "is_all_day": False,
            "recurrence": None,
            "status": "ok",
            "created_at_ms": NOW,
            "updated_at_ms": NOW,
            "settings": settings,
            "is_adhoc": False,
            "is_time_independent": False,
            "series_ends_at_ms": NOW + 7_200_000,
            "updated_by": owner.public_id,
        }
        tx.insert(tables.SCHEDULED_EVENTS, values)
    return event_id


def event_settings(app: PrefixDispatcher, event_id: str) -> str:
    from sqlalchemy import select

    table = tables.SCHEDULED_EVENTS
    with app.state.ctx.db.transaction(write=False) as tx:
        row = tx.fetch_one(select(table.c.settings).where(table.c.public_id == event_id))
    assert row is not None
    return str(row[0])
