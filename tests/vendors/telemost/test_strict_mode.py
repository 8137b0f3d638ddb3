"""Telemost in strict mode: only the credentials file's principals, with their scopes and plans."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from omnimeet.platform.web import PrefixDispatcher
from tests.conftest import client_for
from tests.vendors.telemost.conftest import MakeTelemostClient
from tests.vendors.telemost.support import (
    NO_LIVE_STREAMS,
    NOT_AN_ORGANISATION,
    NOT_FOUND,
    OTHER_ORGANISATION,
    assert_exact_error,
    create,
    read,
    unauthorized,
)

pytestmark = pytest.mark.anyio

SCOPES = {
    "create": "telemost-api:conferences.create",
    "read": "telemost-api:conferences.read",
    "update": "telemost-api:conferences.update",
    "delete": "telemost-api:conferences.delete",
}

CREDENTIALS = f"""
organizations:
  - id: acme
    name: Acme Ltd
    plan: business
    features: ["*"]
  - id: budget
    plan: basic
    features: []
  - id: rival
    features: [live_streams]
principals:
  - api: telemost
    credential: acme-admin
    organization: acme
    label: Acme admin
  - api: telemost
    credential: acme-named-scopes
    organization: acme
    scopes: [{", ".join(SCOPES.values())}]
  - api: telemost
    credential: budget-admin
    organization: budget
  - api: telemost
    credential: rival-admin
    organization: rival
  - api: telemost
    credential: personal
    label: A personal account
  - api: some-other-vendor
    credential: other-vendor-token
    organization: acme
""" + "".join(
    f"""  - api: telemost
    credential: acme-without-{name}
    organization: acme
    scopes: [{", ".join(scope for other, scope in SCOPES.items() if other != name)}]
"""
    for name in SCOPES
)

# operation name -> (method, path with {id}, JSON body)
OPERATIONS: dict[str, tuple[str, str, object]] = {
    "create": ("POST", "/conferences", {}),
    "read": ("GET", "/conferences/{id}", None),
    "update": ("PATCH", "/conferences/{id}", {"access_level": "ORGANIZATION"}),
    "delete": ("DELETE", "/conferences/{id}", None),
}


@pytest.fixture
def strict_app(make_app: Callable[..., PrefixDispatcher], tmp_path: Path) -> PrefixDispatcher:
    path = tmp_path / "credentials.yaml"
    path.write_text(CREDENTIALS, encoding="utf-8")
    return make_app(auth_mode="strict", credentials_file=path)


@pytest.fixture
def as_(
    strict_app: PrefixDispatcher, telemost_for: MakeTelemostClient
) -> Callable[[str | None], httpx.AsyncClient]:
    return lambda token: telemost_for(strict_app, token=token)


async def call(
    client: httpx.AsyncClient, operation: str, conference_id: str = "00000000000000"
) -> httpx.Response:
    method, path, body = OPERATIONS[operation]
    return await client.request(method, path.format(id=conference_id), json=body)


async def test_configured_principal_has_the_full_api(as_: Callable[[str | None], httpx.AsyncClient]) -> None:
    for token in ("acme-admin", "acme-named-scopes"):
        client = as_(token)
        created = await create(client, {"live_stream": {"title": "Launch"}})
        assert (await read(client, created["id"]))["live_stream"]["title"] == "Launch"
        assert (await client.patch(f"/conferences/{created['id']}", json={})).status_code == 200
        assert (await client.delete(f"/conferences/{created['id']}")).status_code == 204


@pytest.mark.parametrize("operation", list(OPERATIONS))
@pytest.mark.parametrize("token", ["unknown-token", "other-vendor-token"])
async def test_unknown_token_is_unauthorized(
    as_: Callable[[str | None], httpx.AsyncClient], operation: str, token: str
) -> None:
    created = await create(as_("acme-admin"))
    response = await call(as_(token), operation, created["id"])
    assert_exact_error(response, 401, unauthorized("OAuth token is not valid."))


@pytest.mark.parametrize("operation", list(OPERATIONS))
async def test_missing_header_in_strict_mode(
    as_: Callable[[str | None], httpx.AsyncClient], operation: str
) -> None:
    response = await call(as_(None), operation)
    assert_exact_error(response, 401, unauthorized("Authorization header is missing."))


@pytest.mark.parametrize("operation", list(OPERATIONS))
async def test_token_without_the_operations_scope(
    as_: Callable[[str | None], httpx.AsyncClient], operation: str
) -> None:
    created = await create(as_("acme-admin"))
    before = await read(as_("acme-admin"), created["id"])
    response = await call(as_(f"acme-without-{operation}"), operation, created["id"])
    assert_exact_error(
        response,
        403,
        {
            "error": "ForbiddenError",
            "message": "Доступ запрещён.",
            "description": f"OAuth token lacks the scope {SCOPES[operation]}.",
        },
    )
    assert await read(as_("acme-admin"), created["id"]) == before


@pytest.mark.parametrize("operation", list(OPERATIONS))
async def test_the_other_scopes_still_work(
    as_: Callable[[str | None], httpx.AsyncClient], operation: str
) -> None:
    """A token lacking one scope can do everything else (on its organisation's conferences)."""
    client = as_(f"acme-without-{operation}")
    created = await create(as_("acme-admin"))
    for other in OPERATIONS:
        if other not in (operation, "delete"):
            assert (await call(client, other, created["id"])).status_code in (200, 201)
    if operation != "delete":
        assert (await call(client, "delete", created["id"])).status_code == 204


async def test_missing_scope_comes_before_not_found(as_: Callable[[str | None], httpx.AsyncClient]) -> None:
    response = await call(as_("acme-without-read"), "read")
    assert response.status_code == 403
    assert response.json()["error"] == "ForbiddenError"


@pytest.mark.parametrize("operation", list(OPERATIONS))
async def test_principal_without_organisation(
    as_: Callable[[str | None], httpx.AsyncClient], operation: str
) -> None:
    created = await create(as_("acme-admin"))
    response = await call(as_("personal"), operation, created["id"])
    assert_exact_error(response, 403, NOT_AN_ORGANISATION)


async def test_members_of_one_organisation_share_conferences(
    as_: Callable[[str | None], httpx.AsyncClient],
) -> None:
    created = await create(as_("acme-admin"))
    colleague = as_("acme-named-scopes")
    assert (await read(colleague, created["id"]))["id"] == created["id"]
    assert (await colleague.delete(f"/conferences/{created['id']}")).status_code == 204
    assert_exact_error(await as_("acme-admin").get(f"/conferences/{created['id']}"), 404, NOT_FOUND)


@pytest.mark.parametrize("operation", ["read", "update", "delete"])
async def test_other_organisation_is_forbidden(
    as_: Callable[[str | None], httpx.AsyncClient], operation: str
) -> None:
    created = await create(as_("acme-admin"))
    assert_exact_error(await call(as_("rival-admin"), operation, created["id"]), 403, OTHER_ORGANISATION)


async def test_plan_without_live_streams(as_: Callable[[str | None], httpx.AsyncClient]) -> None:
    client = as_("budget-admin")
    response = await client.post("/conferences", json={"live_stream": {"title": "Nope"}})
    assert_exact_error(response, 402, NO_LIVE_STREAMS)
    assert_exact_error(await client.post("/conferences", json={"live_stream": {}}), 402, NO_LIVE_STREAMS)

    created = await create(client, {"access_level": "ORGANIZATION"})
    response = await client.patch(f"/conferences/{created['id']}", json={"live_stream": {"title": "Nope"}})
    assert_exact_error(response, 402, NO_LIVE_STREAMS)
    response = await client.patch(
        f"/conferences/{created['id']}", json={"access_level": "PUBLIC", "live_stream": {}}
    )
    assert_exact_error(response, 402, NO_LIVE_STREAMS)
    # Nothing was applied: neither the stream nor the access level sent with it.
    assert await read(client, created["id"]) == {
        "id": created["id"],
        "join_url": created["join_url"],
        "access_level": "ORGANIZATION",
    }
    assert (
        await client.patch(f"/conferences/{created['id']}", json={"access_level": "PUBLIC"})
    ).status_code == 200
    assert (await read(client, created["id"]))["access_level"] == "PUBLIC"


async def test_payment_required_comes_after_not_found_and_tenancy(
    as_: Callable[[str | None], httpx.AsyncClient],
) -> None:
    budget = as_("budget-admin")
    response = await budget.patch("/conferences/00000000000000", json={"live_stream": {}})
    assert_exact_error(response, 404, NOT_FOUND)
    created = await create(as_("acme-admin"))
    response = await budget.patch(f"/conferences/{created['id']}", json={"live_stream": {}})
    assert_exact_error(response, 403, OTHER_ORGANISATION)


async def test_reset_keeps_configured_principals(
    strict_app: PrefixDispatcher, as_: Callable[[str | None], httpx.AsyncClient]
) -> None:
    admin = as_("acme-admin")
    created = await create(admin)
    async with client_for(strict_app) as control:
        assert (await control.post("/_omnimeet/reset")).status_code == 204
    assert_exact_error(await admin.get(f"/conferences/{created['id']}"), 404, NOT_FOUND)
    again = await create(admin, {"live_stream": {}})
    assert (await read(as_("acme-named-scopes"), again["id"]))["id"] == again["id"]
    assert_exact_error(
        await as_("budget-admin").post("/conferences", json={"live_stream": {}}), 402, NO_LIVE_STREAMS
    )
    assert_exact_error(await as_("personal").post("/conferences", json={}), 403, NOT_AN_ORGANISATION)
    assert (await as_("unknown-token").post("/conferences", json={})).status_code == 401
