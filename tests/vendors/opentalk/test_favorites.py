"""Event favourites over HTTP: ``PUT``/``DELETE /users/me/event_favorites/{event_id}``."""

from __future__ import annotations

import httpx
import pytest

from omnimeet.platform.web import PrefixDispatcher
from tests.vendors.opentalk.conftest import MakeClient
from tests.vendors.opentalk.invitee_support import make_event, user
from tests.vendors.opentalk.support import (
    BAD_REQUEST,
    FORBIDDEN,
    NOT_FOUND,
    assert_error,
    assert_unauthorized,
)

pytestmark = pytest.mark.anyio

UNKNOWN_ID = "00000000-0000-4000-8000-000000000099"


def assert_empty(response: httpx.Response, status: int) -> None:
    assert (response.status_code, response.content) == (status, b""), response.text


async def test_add_and_remove_a_favourite(app: PrefixDispatcher, ot: httpx.AsyncClient) -> None:
    event_id = make_event(app)
    path = f"/users/me/event_favorites/{event_id}"
    assert_empty(await ot.put(path), 201)
    assert_empty(await ot.put(path), 204)
    assert_empty(await ot.delete(path), 204)
    assert_error(await ot.delete(path), 404, NOT_FOUND)
    assert_empty(await ot.put(path), 201)


async def test_favourites_are_per_user(
    app: PrefixDispatcher, ot: httpx.AsyncClient, ot_bob: httpx.AsyncClient
) -> None:
    event_id = make_event(app)
    path = f"/users/me/event_favorites/{event_id}"
    assert_empty(
        await ot.post(f"/events/{event_id}/invites", json={"invitee": user(app, "bob").public_id}), 201
    )
    assert_empty(await ot.put(path), 201)
    assert_error(await ot_bob.delete(path), 404, NOT_FOUND)
    assert_empty(await ot_bob.put(path), 201)
    assert_empty(await ot_bob.delete(path), 204)
    assert_empty(await ot.put(path), 204)


async def test_who_may_mark_an_event(
    app: PrefixDispatcher, ot: httpx.AsyncClient, ot_for: MakeClient
) -> None:
    event_id = make_event(app)
    carol = ot_for(app, "carol")
    assert_error(await carol.put(f"/users/me/event_favorites/{event_id}"), 403, FORBIDDEN)
    assert_error(await carol.delete(f"/users/me/event_favorites/{event_id}"), 403, FORBIDDEN)
    assert_error(await ot.put(f"/users/me/event_favorites/{UNKNOWN_ID}"), 404, NOT_FOUND)
    assert_error(await ot.delete(f"/users/me/event_favorites/{UNKNOWN_ID}"), 404, NOT_FOUND)
    assert_error(await ot.put("/users/me/event_favorites/123"), 400, BAD_REQUEST)
    assert_unauthorized(await ot_for(app, bearer=None).put(f"/users/me/event_favorites/{event_id}"))
