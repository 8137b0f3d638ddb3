"""OpenVidu Meet auth: ``X-API-KEY`` on every secured operation, in permissive and strict mode."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from omnimeet.platform.web import PrefixDispatcher
from tests.vendors.openvidu_meet.conftest import MakeClient
from tests.vendors.openvidu_meet.support import (
    CONTROL,
    INVALID_KEY,
    KEY_A,
    KEY_B,
    LATER,
    UNAUTHORIZED,
    assert_answer,
    create_room,
    token_for,
)

pytestmark = pytest.mark.anyio

# Every secured operation: (method, path with {room}, JSON body).
SECURED = [
    ("POST", "/rooms", {"expirationDate": LATER}),
    ("GET", "/rooms", None),
    ("GET", "/rooms/{room}", None),
    ("PUT", "/rooms/{room}", {}),
    ("DELETE", "/rooms/{room}", None),
    ("DELETE", "/participants/Alice?roomName={room}", None),
]


@pytest.mark.parametrize(("method", "path", "body"), SECURED)
@pytest.mark.parametrize("key", [None, ""], ids=["missing", "empty"])
async def test_missing_key(
    app: PrefixDispatcher,
    ovm_for: MakeClient,
    method: str,
    path: str,
    body: object,
    key: str | None,
) -> None:
    room = await create_room(ovm_for(app))
    anonymous = ovm_for(app, key)
    response = await anonymous.request(method, path.format(room=room["roomName"]), json=body)
    assert_answer(response, 401, UNAUTHORIZED)
    assert (await ovm_for(app).get(f"/rooms/{room['roomName']}")).status_code == 200


async def test_auth_comes_before_validation(app: PrefixDispatcher, ovm_for: MakeClient) -> None:
    response = await ovm_for(app, None).post("/rooms", json={"expirationDate": "x"})
    assert_answer(response, 401, UNAUTHORIZED)


async def test_each_key_is_its_own_tenant(
    app: PrefixDispatcher, ovm_for: MakeClient, client: httpx.AsyncClient
) -> None:
    first = await create_room(ovm_for(app, KEY_A))
    second = await create_room(ovm_for(app, KEY_B))
    tenants = set()
    for room in (first, second):
        state = (await client.get(f"{CONTROL}/vendors/openvidu-meet/rooms/{room['roomName']}")).json()
        tenants.add(state["room"]["tenant"])
    assert len(tenants) == 2
    journal = (await client.get(f"{CONTROL}/requests", params={"vendor": "openvidu-meet"})).json()
    assert {entry["tenant"] for entry in journal["requests"]} == tenants


CREDENTIALS = """
organizations:
  - id: acme
    name: Acme
principals:
  - api: openvidu-meet
    credential: acme-key
    organization: acme
  - api: telemost
    credential: telemost-only
    organization: acme
"""


@pytest.fixture
def strict(make_app: Callable[..., PrefixDispatcher], tmp_path: Path) -> PrefixDispatcher:
    path = tmp_path / "credentials.yaml"
    path.write_text(CREDENTIALS, encoding="utf-8")
    return make_app(auth_mode="strict", credentials_file=path)


async def test_strict_mode_accepts_configured_keys(strict: PrefixDispatcher, ovm_for: MakeClient) -> None:
    client = ovm_for(strict, "acme-key")
    room = await create_room(client)
    assert_answer(await client.get("/rooms"), 200, [room])


@pytest.mark.parametrize(("method", "path", "body"), SECURED)
@pytest.mark.parametrize("key", ["unknown-key", "telemost-only"])
async def test_strict_mode_refuses_other_keys(
    strict: PrefixDispatcher, ovm_for: MakeClient, method: str, path: str, body: object, key: str
) -> None:
    room = await create_room(ovm_for(strict, "acme-key"))
    response = await ovm_for(strict, key).request(method, path.format(room=room["roomName"]), json=body)
    assert_answer(response, 401, INVALID_KEY)


async def test_strict_mode_tokens_need_only_the_secret(strict: PrefixDispatcher, ovm_for: MakeClient) -> None:
    room = await create_room(ovm_for(strict, "acme-key"))
    assert (await token_for(ovm_for(strict, None), room, "Alice")).status_code == 200
