"""Shared folders over HTTP: ``GET``/``PUT``/``DELETE /events/{event_id}/shared_folder``."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from omnimeet.platform.web import PrefixDispatcher
from tests.vendors.opentalk.conftest import MakeClient
from tests.vendors.opentalk.invitee_support import event_settings, make_event, user
from tests.vendors.opentalk.support import (
    BAD_REQUEST,
    FORBIDDEN,
    NOT_FOUND,
    assert_error,
    assert_unauthorized,
)

pytestmark = pytest.mark.anyio

UNKNOWN_ID = "00000000-0000-4000-8000-000000000099"
SHARE = re.compile(r"^https://cloud\.opentalk\.example/s/[A-Za-z0-9]{15}$")
PASSWORD = re.compile(r"^[A-Za-z0-9]{20}$")


async def test_create_read_and_delete(app: PrefixDispatcher, ot: httpx.AsyncClient) -> None:
    event_id = make_event(app, settings='{"kept":1}')
    path = f"/events/{event_id}/shared_folder"
    assert_error(await ot.get(path), 404, NOT_FOUND)

    created = await ot.put(path)
    assert (created.status_code, created.headers["content-type"]) == (201, "application/json")
    folder = created.json()
    assert sorted(folder) == ["read", "read_write"]
    for access in folder.values():
        assert sorted(access) == ["password", "url"]
        assert SHARE.match(access["url"]), access
        assert PASSWORD.match(access["password"]), access
    assert folder["read"] != folder["read_write"]
    # Stored in the event's settings beside what was there.
    assert json.loads(event_settings(app, event_id)) == {"kept": 1, "shared_folder": folder}

    again = await ot.put(f"{path}?suppress_email_notification=true")
    assert (again.status_code, again.json()) == (200, folder)
    read = await ot.get(path)
    assert (read.status_code, read.json()) == (200, folder)

    deleted = await ot.delete(path)
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert json.loads(event_settings(app, event_id)) == {"kept": 1}
    assert_error(await ot.get(path), 404, NOT_FOUND)
    deleted = await ot.delete(f"{path}?force_delete_reference_if_shared_folder_deletion_fails=true")
    assert (deleted.status_code, deleted.content) == (204, b"")
    fresh = await ot.put(path)
    assert fresh.status_code == 201
    assert fresh.json() != folder


async def test_invitees_read_only_the_read_share(
    app: PrefixDispatcher, ot: httpx.AsyncClient, ot_bob: httpx.AsyncClient, ot_for: MakeClient
) -> None:
    event_id = make_event(app)
    path = f"/events/{event_id}/shared_folder"
    response = await ot.post(f"/events/{event_id}/invites", json={"invitee": user(app, "bob").public_id})
    assert response.status_code == 201
    assert_error(await ot_bob.get(path), 404, NOT_FOUND)
    folder = (await ot.put(path)).json()
    read = await ot_bob.get(path)
    assert (read.status_code, read.json()) == (200, {"read": folder["read"]})
    assert_error(await ot_bob.put(path), 403, FORBIDDEN)
    assert_error(await ot_bob.delete(path), 403, FORBIDDEN)
    carol = ot_for(app, "carol")
    assert_error(await carol.get(path), 403, FORBIDDEN)
    assert_error(await carol.put(path), 403, FORBIDDEN)
    assert_error(await ot.get(f"/events/{UNKNOWN_ID}/shared_folder"), 403, FORBIDDEN)
    assert_error(await ot.put(f"/events/{UNKNOWN_ID}/shared_folder"), 403, FORBIDDEN)
    assert_error(await ot.delete("/events/nope/shared_folder"), 400, BAD_REQUEST)
    assert_unauthorized(await ot_for(app, bearer=None).get(path))
    assert (await ot.get(path)).json() == folder
