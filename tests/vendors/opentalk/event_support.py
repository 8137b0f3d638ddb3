"""Helpers for the OpenTalk event tests: expected profiles and bodies, direct invites and favourites."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
from sqlalchemy import select

from omnimeet.domain import tables
from omnimeet.platform.web import PrefixDispatcher
from tests.vendors.opentalk.support import NOW, PEOPLE

BERLIN = "Europe/Berlin"


def at(moment: str, zone: str = BERLIN) -> dict[str, str]:
    return {"datetime": moment, "timezone": zone}


def profile(name: str, user_id: str) -> dict[str, Any]:
    person = PEOPLE[name]
    digest = hashlib.md5(person["email"].encode(), usedforsecurity=False).hexdigest()
    return {
        "id": user_id,
        "email": person["email"],
        "title": "",
        "firstname": person["given_name"],
        "lastname": person["family_name"],
        "display_name": f"{person['given_name']} {person['family_name']}",
        "avatar_url": f"https://gravatar.com/avatar/{digest}",
    }


def weekly_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Weekly",
        "description": "Team sync",
        "is_time_independent": False,
        "is_all_day": False,
        "starts_at": at("2027-03-22T09:00:00Z"),
        "ends_at": at("2027-03-22T10:00:00Z"),
        "recurrence_pattern": ["RRULE:FREQ=WEEKLY;COUNT=3"],
    }
    body.update(overrides)
    return body


async def create(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    response = await client.post("/events", json=weekly_body(**overrides))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def user_id(app: PrefixDispatcher, subject: str) -> str:
    users = tables.USERS
    with app.state.ctx.db.transaction(write=False) as tx:
        row = tx.fetch_one(select(users.c.public_id).where(users.c.subject == subject))
    assert row is not None, subject
    return str(row[0])


def _event_seq(tx: Any, event_id: str) -> int:
    events = tables.SCHEDULED_EVENTS
    row = tx.fetch_one(select(events.c.seq, events.c.tenant_id).where(events.c.public_id == event_id))
    assert row is not None
    return int(row[0])


def invite(app: PrefixDispatcher, event_id: str, invitee: str, status: str = "pending") -> None:
    """Writes an invite row directly (the invite routes are another area's)."""
    with app.state.ctx.db.transaction() as tx:
        seq = _event_seq(tx, event_id)
        tenant = tx.fetch_one(
            select(tables.SCHEDULED_EVENTS.c.tenant_id).where(tables.SCHEDULED_EVENTS.c.seq == seq)
        )
        assert tenant is not None
        tx.insert(
            tables.INVITES,
            {
                "tenant_id": tenant[0],
                "event_seq": seq,
                "invitee_ref": invitee,
                "role": "participant",
                "status": status,
                "created_at_ms": NOW,
                "updated_at_ms": NOW,
            },
        )


def favorite(app: PrefixDispatcher, event_id: str, user: str) -> None:
    with app.state.ctx.db.transaction() as tx:
        seq = _event_seq(tx, event_id)
        tenant = tx.fetch_one(
            select(tables.SCHEDULED_EVENTS.c.tenant_id).where(tables.SCHEDULED_EVENTS.c.seq == seq)
        )
        assert tenant is not None
        tx.insert(
            tables.EVENT_FAVORITES,
            {"tenant_id": tenant[0], "event_seq": seq, "user_ref": user, "created_at_ms": NOW},
        )
