"""Telemost auth in permissive mode: ``Authorization: OAuth <token>``; each token its own organisation."""

from __future__ import annotations

import httpx
import pytest

from omnimeet.platform.web import PrefixDispatcher
from tests.vendors.telemost.conftest import MakeTelemostClient
from tests.vendors.telemost.support import (
    NOT_FOUND,
    OTHER_ORGANISATION,
    TOKEN_A,
    TOKEN_B,
    assert_exact_error,
    create,
    read,
    unauthorized,
)

pytestmark = pytest.mark.anyio

MISSING = unauthorized("Authorization header is missing.")
MALFORMED = unauthorized("Authorization header must be 'OAuth <token>'.")

# (method, path with {id}, JSON body): one call per operation.
OPERATIONS = [
    ("POST", "/conferences", {}),
    ("GET", "/conferences/{id}", None),
    ("PATCH", "/conferences/{id}", {"access_level": "ORGANIZATION"}),
    ("DELETE", "/conferences/{id}", None),
]
OPERATION_IDS = ["create", "read", "update", "delete"]


async def call(
    client: httpx.AsyncClient,
    operation: tuple[str, str, object],
    conference_id: str,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    method, path, body = operation
    return await client.request(method, path.format(id=conference_id), json=body, headers=headers)


@pytest.mark.parametrize("operation", OPERATIONS, ids=OPERATION_IDS)
async def test_missing_header(
    app: PrefixDispatcher,
    telemost: httpx.AsyncClient,
    telemost_for: MakeTelemostClient,
    operation: tuple[str, str, object],
) -> None:
    created = await create(telemost)
    anonymous = telemost_for(app, token=None)
    assert_exact_error(await call(anonymous, operation, created["id"]), 401, MISSING)


@pytest.mark.parametrize("operation", OPERATIONS, ids=OPERATION_IDS)
@pytest.mark.parametrize(
    "header",
    ["Bearer x", "OAuth", "OAuth ", "OAuth    ", "OAuth two tokens", "Basic dXNlcjpwYXNz", "token-only"],
)
async def test_malformed_header(
    telemost: httpx.AsyncClient, operation: tuple[str, str, object], header: str
) -> None:
    created = await create(telemost)
    response = await call(telemost, operation, created["id"], headers={"Authorization": header})
    assert_exact_error(response, 401, MALFORMED)


async def test_empty_header_counts_as_missing(telemost: httpx.AsyncClient) -> None:
    response = await telemost.get("/conferences/00000000000000", headers={"Authorization": ""})
    assert_exact_error(response, 401, MISSING)


async def test_auth_comes_before_body_validation(
    app: PrefixDispatcher, telemost_for: MakeTelemostClient
) -> None:
    anonymous = telemost_for(app, token=None)
    response = await anonymous.post("/conferences", json={"access_level": 5})
    assert_exact_error(response, 401, MISSING)


async def test_auth_comes_before_not_found(app: PrefixDispatcher, telemost_for: MakeTelemostClient) -> None:
    anonymous = telemost_for(app, token=None)
    assert_exact_error(await anonymous.get("/conferences/00000000000000"), 401, MISSING)


async def test_any_token_works_and_keeps_its_organisation(
    app: PrefixDispatcher, telemost_for: MakeTelemostClient
) -> None:
    first = telemost_for(app, token="some-fresh-token")
    created = await create(first)
    again = telemost_for(app, token="some-fresh-token")
    assert (await read(again, created["id"]))["id"] == created["id"]


@pytest.mark.parametrize("operation", OPERATIONS[1:], ids=OPERATION_IDS[1:])
async def test_another_organisations_conference_is_forbidden(
    app: PrefixDispatcher,
    telemost: httpx.AsyncClient,
    telemost_for: MakeTelemostClient,
    operation: tuple[str, str, object],
) -> None:
    created = await create(telemost, {"live_stream": {"title": "Mine"}})
    before = await read(telemost, created["id"])
    other = telemost_for(app, token=TOKEN_B)
    assert_exact_error(await call(other, operation, created["id"]), 403, OTHER_ORGANISATION)
    assert await read(telemost, created["id"]) == before  # nothing changed, nothing deleted


async def test_other_organisation_patching_a_stream_is_forbidden(
    app: PrefixDispatcher, telemost: httpx.AsyncClient, telemost_for: MakeTelemostClient
) -> None:
    created = await create(telemost)
    other = telemost_for(app, token=TOKEN_B)
    response = await other.patch(f"/conferences/{created['id']}", json={"live_stream": {"title": "Hijack"}})
    assert_exact_error(response, 403, OTHER_ORGANISATION)
    assert "live_stream" not in await read(telemost, created["id"])


async def test_unknown_id_is_not_found_for_everyone(
    app: PrefixDispatcher, telemost_for: MakeTelemostClient
) -> None:
    other = telemost_for(app, token=TOKEN_B)
    assert_exact_error(await other.get("/conferences/00000000000000"), 404, NOT_FOUND)


async def test_organisations_do_not_share(app: PrefixDispatcher, telemost_for: MakeTelemostClient) -> None:
    a, b = telemost_for(app, token=TOKEN_A), telemost_for(app, token=TOKEN_B)
    mine, theirs = await create(a), await create(b)
    assert (await read(a, mine["id"]))["id"] == mine["id"]
    assert (await read(b, theirs["id"]))["id"] == theirs["id"]
    assert_exact_error(await a.get(f"/conferences/{theirs['id']}"), 403, OTHER_ORGANISATION)
    assert_exact_error(await b.delete(f"/conferences/{mine['id']}"), 403, OTHER_ORGANISATION)
