"""The auth walk (issue 8): every operation of openapi/telemost.yaml, openvidu-meet.yaml, vonage.yaml,
sourcefuse.yaml and omnimeet.yaml (the control API, run with a control token), aimed at tenant A's real
things (made through the APIs first; walk.py), in permissive mode and in strict mode (a credentials file):

- without a credential: exactly the vendor's 401 and envelope (the operations that have a credential of
  their own, a role secret, a signed URL or policy, or none at all, answer as ``walk.OPEN`` says);
- with a credential the server does not accept (strict: well formed but missing from the file;
  permissive: malformed): exactly the vendor's 401 for it;
- with a valid credential of tenant B (another token, key, application or tenant, in an organisation of
  its own in strict mode; the control API: a token that is not the configured one): exactly the vendor's
  answer for another tenant's things, per operation in ``walk.FOREIGN``, the same answer as for ids that
  name nothing (no existence oracle) unless ``walk.TELLS_APART`` says why the vendor differs;
- Vonage's ``/beta/meetings`` alias of each ``/v1/meetings`` operation: the same answers;
- every time: nothing of A's shows in the answer (an id the request carried itself may be echoed), the
  answer is what the document declares, and A's things read back unchanged.

OpenTalk has its own walk (tests/vendors/opentalk/test_auth_walk.py: users of one deployment and of
another, invite codes) and is not repeated here.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from omnimeet.main import create_app
from omnimeet.platform.config import Settings
from omnimeet.platform.web import PrefixDispatcher
from tests.conftest import client_for
from tests.contract.openapi import check_response, load_spec
from tests.contract.walk import (
    CONTROL_TOKEN,
    EXPECTED_COUNTS,
    FOREIGN,
    KEYS,
    OPEN,
    OPERATIONS,
    ROOT,
    SPECS,
    TELLS_APART,
    WORLDS,
    Operation,
    World,
    answer_of,
    assert_answer,
    credentials,
    credentials_file,
    expected_anonymous,
    expected_foreign,
    expected_unknown,
    leaked,
    names_things,
    prepare,
    send,
    unknown_credential,
    unknown_ids,
    valid_bodies,
)

pytestmark = pytest.mark.anyio

RID = "Yandex-Cloud-Request-ID"
BETA_TEST = "beta: "
"""Tenant B of the Vonage beta alias test is not the main walk's B of the same operation."""
WALK = [pytest.param(operation, id=operation.key) for operation in OPERATIONS]


@pytest.fixture(scope="module", params=["permissive", "strict"])
def walk_app(
    request: pytest.FixtureRequest, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PrefixDispatcher]:
    """One app for the whole walk (with a control token): A's things are made once per vendor, and every
    test checks that A still sees them as made, so a walk step that changed them fails where it did.

    Strict mode: a credentials file with A and each step's B in organisations of their own."""
    data_dir = tmp_path_factory.mktemp("walk")
    more: dict[str, Any] = {}
    if request.param == "strict":
        path = data_dir / "credentials.yaml"
        tenants = [*KEYS, *(f"{BETA_TEST}{key}" for key in KEYS)]
        path.write_text(credentials_file(tenants), encoding="utf-8")
        more = {
            "auth_mode": "strict",
            "credentials_file": path,
            "webhook_allowed_targets": ["http://127.0.0.1:9/*"],
        }
    settings = Settings(
        database_url=database_url,
        data_dir=data_dir,
        control_token=CONTROL_TOKEN,
        journal_size=100_000,  # A's journal entry stays readable (the walk sends some thousand requests)
        **more,
    )
    app = create_app(settings, migrate=False)
    app.state.ctx.reset()
    prepare(app)
    yield app
    app.state.ctx.db.close()


Worlds = dict[str, tuple[World, list[Any]]]


@pytest.fixture(scope="module")
def worlds(walk_app: PrefixDispatcher) -> Worlds:
    """Per vendor: A's things in ``walk_app``, and how A saw them once made."""
    return {}


async def world_of(app: PrefixDispatcher, worlds: Worlds, operation: Operation) -> tuple[World, list[Any]]:
    if operation.vendor not in worlds:
        world = await WORLDS[operation.vendor](app)
        worlds[operation.vendor] = (world, await world.snapshot(app))
    return worlds[operation.vendor]


def strict(app: PrefixDispatcher) -> bool:
    return app.state.ctx.credentials is not None


def other_tenant(app: PrefixDispatcher, operation: Operation, test: str = "") -> dict[str, str]:
    """A tenant B of the operation's (and test's) own, so what an earlier step's B made does not show in
    this one's."""
    return credentials(operation.vendor, f"{test}{operation.key}", strict(app))


def test_the_walk_covers_every_operation_of_the_documents() -> None:
    """A new operation in a document fails here until the walk knows what it must answer."""
    assert Counter(operation.vendor for operation in OPERATIONS) == EXPECTED_COUNTS
    assert len(set(KEYS)) == len(KEYS)
    assert set(OPEN) <= set(KEYS), sorted(set(OPEN) - set(KEYS))
    assert set(FOREIGN) <= set(KEYS), sorted(set(FOREIGN) - set(KEYS))
    assert set(TELLS_APART) <= set(KEYS), sorted(set(TELLS_APART) - set(KEYS))
    assert not set(OPEN) & set(FOREIGN)
    vendors = [operation for operation in OPERATIONS if operation.vendor != "control"]
    secured = {operation.key for operation in vendors if operation.secured}
    assert secured == set(FOREIGN), sorted(secured ^ set(FOREIGN))
    assert {operation.key for operation in vendors if not operation.secured} == set(OPEN) - {
        "control GET /health"
    }
    # The control API documents its token as optional everywhere (needed only when configured).
    control = [operation for operation in OPERATIONS if operation.vendor == "control"]
    assert all(not operation.secured for operation in control)
    assert load_spec(SPECS["control"]).document["security"] == [{}, {"ControlToken": []}]


def test_the_leak_check_finds_what_the_request_did_not_carry() -> None:
    request = httpx.Request("GET", f"{ROOT}/x/echoed-id", json={"sent": "in-the-body"})
    response = httpx.Response(
        404,
        json={"message": "echoed-id, in-the-body, Alice secret"},
        headers={"Location": "/rooms/alice-room"},
        request=request,
    )
    secrets = ["echoed-id", "in-the-body", "Alice secret", "alice-room", "not there"]
    assert leaked(response, secrets) == ["Alice secret", "alice-room"]


def test_every_operation_with_a_body_has_a_valid_one() -> None:
    with_body = {operation.key for operation in OPERATIONS if "requestBody" in operation.operation}
    assert with_body == set(valid_bodies({})), sorted(with_body ^ set(valid_bodies({})))


async def assert_unchanged(
    app: PrefixDispatcher, world: World, before: list[Any], operation: Operation
) -> None:
    """A reads its things back as they were made. Not after GETs, to halve the walk's reads: a GET that
    changed something would still fail the next step that re-reads (every step compares with the view
    taken when A's things were made, not with the one before it)."""
    if operation.method not in ("GET", "HEAD"):
        assert await world.snapshot(app) == before


def _check(operation: Operation, world: World, response: httpx.Response) -> None:
    check_response(load_spec(SPECS[operation.vendor]), response)
    if operation.vendor == "telemost":
        assert response.headers.get(RID), dict(response.headers)
    found = leaked(response, world.secrets)
    assert not found, f"{operation.key} shows A's {found}: {response.text[:1000]}"


@pytest.mark.parametrize("operation", WALK)
async def test_without_a_credential(walk_app: PrefixDispatcher, worlds: Worlds, operation: Operation) -> None:
    world, before = await world_of(walk_app, worlds, operation)
    async with client_for(walk_app) as anonymous:
        response = await send(anonymous, operation, world.ids, {})
    assert_answer(response, expected_anonymous(operation), world.ids)
    _check(operation, world, response)
    await assert_unchanged(walk_app, world, before, operation)


@pytest.mark.parametrize("operation", WALK)
async def test_with_another_tenants_credential(
    walk_app: PrefixDispatcher, worlds: Worlds, operation: Operation
) -> None:
    world, before = await world_of(walk_app, worlds, operation)
    expect = expected_foreign(operation)
    async with client_for(walk_app) as other:
        response = await send(other, operation, world.ids, other_tenant(walk_app, operation))
        assert_answer(response, expect, world.ids)
        _check(operation, world, response)
        if names_things(operation) and operation.key not in TELLS_APART:
            # The same question about things that do not exist: the same answer.
            unknown = unknown_ids(world)
            blind = await send(other, operation, unknown, other_tenant(walk_app, operation))
            assert_answer(blind, expect, unknown)
    await assert_unchanged(walk_app, world, before, operation)


@pytest.mark.parametrize("operation", WALK)
async def test_with_a_credential_the_server_does_not_accept(
    walk_app: PrefixDispatcher, worlds: Worlds, operation: Operation
) -> None:
    """Strict mode: a token, key, application or tenant missing from the credentials file; permissive mode
    (which accepts any well-formed one): an empty or malformed one; the control API: a token of another
    scheme. The vendor's 401 for it, whatever the ids."""
    world, before = await world_of(walk_app, worlds, operation)
    headers = unknown_credential(operation, strict(walk_app))
    async with client_for(walk_app) as stranger:
        response = await send(stranger, operation, world.ids, headers)
    assert_answer(response, expected_unknown(operation, strict(walk_app)), world.ids)
    _check(operation, world, response)
    await assert_unchanged(walk_app, world, before, operation)


BETA = [
    pytest.param(operation, id=operation.key)
    for operation in OPERATIONS
    if operation.path.startswith("/v1/meetings/")
]


@pytest.mark.parametrize("operation", BETA)
async def test_vonage_beta_alias_answers_alike(
    walk_app: PrefixDispatcher, worlds: Worlds, operation: Operation
) -> None:
    """Vonage serves every ``/v1/meetings`` route under ``/beta/meetings`` too: the same answers there,
    without a credential and with tenant B's."""
    world, before = await world_of(walk_app, worlds, operation)
    async with client_for(walk_app) as client:
        for headers, expect in (
            ({}, expected_anonymous(operation)),
            (other_tenant(walk_app, operation, BETA_TEST), expected_foreign(operation)),
        ):
            response = await send(
                client, operation, world.ids, headers, alias=("/v1/meetings/", "/beta/meetings/")
            )
            assert response.request.url.path.startswith("/vonage/beta/meetings/"), response.request.url
            expected = answer_of(expect, world.ids)
            if isinstance(expected, dict | list):
                expected = json.loads(json.dumps(expected).replace("/v1/meetings/", "/beta/meetings/"))
            assert_answer(response, replace(expect, body=expected), world.ids)
            _check(operation, world, response)
    await assert_unchanged(walk_app, world, before, operation)
