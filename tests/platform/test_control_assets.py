"""The control plane's room assets: a file put into a room of any tenant, as the vendor's services would."""

from __future__ import annotations

import base64

import httpx
import pytest

from omnimeet.domain.assets import AssetService
from omnimeet.domain.meeting_records import RoomKey, find_room
from omnimeet.domain.rooms import RoomService
from omnimeet.domain.tenancy import PrincipalSpec, TenantSpec, find_principal, provision
from omnimeet.platform.web import PrefixDispatcher

pytestmark = pytest.mark.anyio

START = "2030-01-01T00:00:00.000Z"
START_MS = 1_893_456_000_000
ROOMS = "/_omnimeet/vendors/opentalk/rooms"
ROOM = "7b0f6c1e-0000-4000-8000-000000000001"


@pytest.fixture
async def room(app: PrefixDispatcher, client: httpx.AsyncClient) -> str:
    response = await client.post("/_omnimeet/clock", json={"now": START, "freeze": True})
    assert response.status_code == 200
    ctx = app.state.ctx
    with ctx.db.transaction() as tx:
        provision(tx, [TenantSpec("org_acme", "Acme", True, "default", frozenset({"*"}))], [], START_MS)
        provision(tx, [], [PrincipalSpec("opentalk", "issuer-a", "org_acme")], START_MS)
        principal = find_principal(tx, "opentalk", "issuer-a")
        assert principal is not None
        RoomService(ctx.clock).create(tx, principal, ROOM, {"owner_id": "user-1"})
    return ROOM


async def test_a_file_becomes_an_asset_of_the_room(
    app: PrefixDispatcher, client: httpx.AsyncClient, room: str
) -> None:
    body = {
        "filename": "minutes.pdf",
        "kind": "meetingnotes_pdf",
        "namespace": "meeting_notes",
        "content_base64": base64.b64encode(b"%PDF-1.7").decode(),
        "content_type": "application/pdf",
    }
    response = await client.post(f"{ROOMS}/{room}/assets", json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created == {
        "id": created["id"],
        "room_id": ROOM,
        "tenant": "org_acme",
        "filename": "minutes.pdf",
        "kind": "meetingnotes_pdf",
        "namespace": "meeting_notes",
        "size": 8,
        "created_at": START,
        "created_by": "user-1",
    }
    ctx = app.state.ctx
    with ctx.db.transaction(write=False) as tx:
        asset = AssetService(ctx.clock).find(tx, "opentalk", created["id"])
        assert asset is not None
        assert (asset.owner_ref, asset.data, asset.content_type) == (ROOM, b"%PDF-1.7", "application/pdf")
        assert find_room(tx, RoomKey("opentalk", ROOM)).owner_id == "user-1"


async def test_defaults_are_an_empty_recording(client: httpx.AsyncClient, room: str) -> None:
    response = await client.post(f"{ROOMS}/{room}/assets", json={"filename": "r.webm"})
    assert response.status_code == 201
    created = response.json()
    assert (created["kind"], created["namespace"], created["size"]) == ("recording", "recording", 0)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"filename": ""},
        {"filename": "a", "colour": "red"},
        {"filename": "a\x00b"},
        {"filename": "a", "kind": "k" * 65},
    ],
)
async def test_invalid_bodies_are_400(client: httpx.AsyncClient, room: str, body: dict[str, object]) -> None:
    response = await client.post(f"{ROOMS}/{room}/assets", json=body)
    assert (response.status_code, response.json()["error"]) == (400, "invalid_request")
