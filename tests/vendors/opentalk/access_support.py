"""Rooms and users for the access tests, made through the domain (the room routes are another area's)."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from omnimeet.domain.rooms import RoomService
from omnimeet.domain.users import Identity, User, UserService
from omnimeet.platform.context import AppContext
from omnimeet.platform.web import PrefixDispatcher
from omnimeet.testing.plugin import OmnimeetServer
from omnimeet.vendors.opentalk.auth import API
from tests.vendors.opentalk.support import ISSUER, PEOPLE

App = PrefixDispatcher | OmnimeetServer
"""The in-process app, or a live server (both carry the context)."""


def context(app: App) -> AppContext:
    found: AppContext = app.ctx if isinstance(app, OmnimeetServer) else app.state.ctx
    return found


def user(app: App, name: str = "alice") -> User:
    """The user an access token of ``name`` (support.token) stands for, created like on first use."""
    ctx = context(app)
    principal = ctx.authenticate(API, ISSUER)
    assert principal is not None
    person = PEOPLE.get(name, {})
    identity = Identity(
        subject=name,
        email=person.get("email"),
        firstname=person.get("given_name"),
        lastname=person.get("family_name"),
    )
    with ctx.db.transaction() as tx:
        found: User = UserService(ctx.clock, ctx.ids).login(tx, principal, identity, refresh=False)
    return found


def make_room(app: App, owner: str = "alice", **fields: Any) -> str:
    """A room created by ``owner`` (``password=...`` etc.); returns its id."""
    ctx = context(app)
    principal = ctx.authenticate(API, ISSUER)
    assert principal is not None
    room_id = str(uuid.uuid4())
    owner_id = user(app, owner).public_id
    with ctx.db.transaction() as tx:
        RoomService(ctx.clock).create(tx, principal, room_id, {"owner_id": owner_id, **fields})
    return room_id


def profile(app: PrefixDispatcher, name: str = "alice") -> dict[str, Any]:
    """The PublicUserProfile of ``name``."""
    found = user(app, name)
    person = PEOPLE[name]
    first, last = person["given_name"], person["family_name"]
    digest = hashlib.md5(person["email"].encode(), usedforsecurity=False).hexdigest()
    return {
        "id": found.public_id,
        "email": person["email"],
        "title": "",
        "firstname": first,
        "lastname": last,
        "display_name": f"{first} {last}",
        "avatar_url": f"https://gravatar.com/avatar/{digest}",
    }
