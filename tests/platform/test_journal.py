"""The request journal: ``/_omnimeet/requests`` over real Telemost calls, its filters, bounds and masking."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from omnimeet.platform.clock import iso_ms
from omnimeet.platform.context import AppContext
from omnimeet.platform.journal import Journal, body_text, mask
from omnimeet.platform.web import PrefixDispatcher
from tests.conftest import client_for
from tests.vendors.telemost.support import BASE_URL, RID, TOKEN_A, TOKEN_B

pytestmark = pytest.mark.anyio

START = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
START_MS = int(START.timestamp() * 1000)
CONFERENCES = "/telemost/v1/telemost-api/conferences"
UA = f"python-httpx/{httpx.__version__}"


def telemost_client(app: PrefixDispatcher, token: str | None = TOKEN_A) -> httpx.AsyncClient:
    headers = {"Authorization": f"OAuth {token}"} if token is not None else {}
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL, headers=headers)


def tenant_of(app: PrefixDispatcher, token: str) -> str:
    ctx: AppContext = app.state.ctx
    principal = ctx.authenticate("telemost", token)
    assert principal is not None
    return principal.tenant_id


@pytest.fixture
def frozen(app: PrefixDispatcher) -> AppContext:
    """The app's context with its clock stopped at ``START``."""
    ctx: AppContext = app.state.ctx
    ctx.clock.freeze()
    ctx.clock.set(START_MS)
    return ctx


@pytest.fixture
async def telemost(app: PrefixDispatcher) -> AsyncIterator[httpx.AsyncClient]:
    async with telemost_client(app) as client:
        yield client


async def journal(client: httpx.AsyncClient, **query: Any) -> dict[str, Any]:
    response = await client.get("/_omnimeet/requests", params=query)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def ids(client: httpx.AsyncClient, **query: Any) -> list[int]:
    return [entry["id"] for entry in (await journal(client, **query))["requests"]]


def without_duration(entry: dict[str, Any]) -> dict[str, Any]:
    duration = entry.pop("duration_ms")
    assert isinstance(duration, float | int)
    assert 0 <= duration < 60_000
    return entry


# --- what an entry holds -----------------------------------------------------------------------------------


async def test_a_request_and_its_answer_are_journalled(
    app: PrefixDispatcher, frozen: AppContext, client: httpx.AsyncClient, telemost: httpx.AsyncClient
) -> None:
    created = await telemost.post("/conferences", params={"x": "1"}, json={"access_level": "PUBLIC"})
    assert created.status_code == 201

    page = await journal(client)

    request_body = '{"access_level":"PUBLIC"}'
    expected = {
        "id": 1,
        "time": "2026-11-23T18:00:00.000Z",
        "vendor": "telemost",
        "tenant": tenant_of(app, TOKEN_A),
        "method": "POST",
        "path": CONFERENCES,
        "query": "x=1",
        "status": 201,
        "request": {
            "headers": {
                "host": "omnimeet.test",
                "accept": "*/*",
                "accept-encoding": "gzip, deflate",
                "connection": "keep-alive",
                "user-agent": UA,
                "authorization": "OAuth tok…",
                "content-length": str(len(request_body)),
                "content-type": "application/json",
            },
            "body": request_body,
            "truncated": False,
        },
        "response": {
            "headers": {
                "content-length": str(len(created.content)),
                "content-type": "application/json",
                "yandex-cloud-request-id": created.headers[RID],
            },
            "body": created.text,
            "truncated": False,
        },
    }
    assert page["total"] == 1
    assert [without_duration(entry) for entry in page["requests"]] == [expected]

    one = await client.get("/_omnimeet/requests/1")
    assert one.status_code == 200
    assert without_duration(one.json()) == expected


async def test_control_requests_are_not_journalled(client: httpx.AsyncClient) -> None:
    assert (await client.get("/_omnimeet/health")).status_code == 200
    assert await journal(client) == {"total": 0, "requests": []}


async def test_an_unknown_entry_is_404(client: httpx.AsyncClient, telemost: httpx.AsyncClient) -> None:
    await telemost.get("/conferences/1")
    assert (await client.get("/_omnimeet/requests/1")).status_code == 200
    for entry_id in ("2", "0", "abc", "-1"):
        response = await client.get(f"/_omnimeet/requests/{entry_id}")
        assert response.status_code == 404
        assert response.json() == {"error": "not_found", "message": f"No journal entry {entry_id}."}


async def test_each_token_is_filed_under_its_own_tenant(
    app: PrefixDispatcher, client: httpx.AsyncClient
) -> None:
    async with telemost_client(app, TOKEN_A) as a, telemost_client(app, TOKEN_B) as b:
        await a.post("/conferences", json={})
        await b.post("/conferences", json={})
        await a.get("/conferences/1")
    async with telemost_client(app, None) as anonymous:
        assert (await anonymous.get("/conferences/1")).status_code == 401

    entries = (await journal(client))["requests"]

    tenant_a, tenant_b = tenant_of(app, TOKEN_A), tenant_of(app, TOKEN_B)
    assert tenant_a != tenant_b
    assert [(e["tenant"], e["status"]) for e in entries] == [
        (tenant_a, 201),
        (tenant_b, 201),
        (tenant_a, 404),
        (None, 401),
    ]


async def test_secret_headers_show_only_a_short_prefix(
    app: PrefixDispatcher, client: httpx.AsyncClient
) -> None:
    secrets = {
        "X-API-Key": "abcdefghijkl",
        "Cookie": "session=0123456789",
        "Proxy-Authorization": "Basic dXNlcjpwYXNz",
    }
    async with telemost_client(app, "a-rather-long-secret-token") as telemost:
        await telemost.get("/conferences/1", headers=secrets)
        await telemost.get("/conferences/1", headers={"X-API-Key": "abc", "Authorization": "OAuth xy"})

    first, second = (await journal(client))["requests"]

    headers = first["request"]["headers"]
    assert headers["authorization"] == "OAuth a-r…"
    assert headers["x-api-key"] == "abc…"
    assert headers["cookie"] == "ses…"
    assert headers["proxy-authorization"] == "Basic dXN…"
    assert second["request"]["headers"]["x-api-key"] == "…"  # too short to show anything
    assert second["request"]["headers"]["authorization"] == "OAuth …"
    for entry in (first, second):
        assert "0123456789" not in str(entry)
        assert "abcdefghijkl" not in str(entry)


def test_masking_keeps_at_most_three_characters_and_a_quarter() -> None:
    assert mask("OAuth token-of-organisation-a") == "OAuth tok…"
    assert mask("Bearer 12345678") == "Bearer 12…"
    assert mask("12345678") == "12…"
    assert mask("") == "…"


# --- bodies ------------------------------------------------------------------------------------------------


async def test_bodies_are_cut_to_the_configured_size(
    make_app: Callable[..., PrefixDispatcher],
) -> None:
    app = make_app(journal_body_bytes=10)
    async with telemost_client(app) as telemost, client_for(app) as client:
        created = await telemost.post("/conferences", json={"access_level": "PUBLIC"})
        assert created.status_code == 201
        assert len(created.content) > 10
        await telemost.get("/conferences/1")  # no request body: nothing to cut
        [post, get] = (await journal(client))["requests"]

    assert post["request"]["body"] == '{"access_l'
    assert post["request"]["truncated"] is True
    assert post["response"]["body"] == created.text[:10]
    assert post["response"]["truncated"] is True
    assert (get["request"]["body"], get["request"]["truncated"]) == ("", False)
    assert get["response"]["truncated"] is True
    assert post["request"]["headers"]["content-length"] == str(len('{"access_level":"PUBLIC"}'))


async def test_a_body_exactly_at_the_limit_is_whole(make_app: Callable[..., PrefixDispatcher]) -> None:
    body = '{"access_level":"PUBLIC"}'
    app = make_app(journal_body_bytes=len(body))
    async with telemost_client(app) as telemost, client_for(app) as client:
        await telemost.post("/conferences", content=body, headers={"Content-Type": "application/json"})
        [entry] = (await journal(client))["requests"]
    assert (entry["request"]["body"], entry["request"]["truncated"]) == (body, False)


async def test_a_zero_body_size_keeps_no_body(make_app: Callable[..., PrefixDispatcher]) -> None:
    app = make_app(journal_body_bytes=0)
    async with telemost_client(app) as telemost, client_for(app) as client:
        await telemost.post("/conferences", json={})
        [entry] = (await journal(client))["requests"]
    assert entry["request"] == {"headers": entry["request"]["headers"], "body": "", "truncated": True}
    assert (entry["response"]["body"], entry["response"]["truncated"]) == ("", True)


def test_body_text_drops_a_character_cut_in_half_and_replaces_bad_bytes() -> None:
    cyrillic = "Не".encode()
    assert body_text(cyrillic[:3], truncated=True) == "Н"
    assert body_text(cyrillic, truncated=False) == "Не"
    assert body_text(b"\xff{}", truncated=False) == "\ufffd{}"


# --- bounds ------------------------------------------------------------------------------------------------


async def test_the_journal_keeps_only_the_newest_entries(make_app: Callable[..., PrefixDispatcher]) -> None:
    app = make_app(journal_size=3)
    async with telemost_client(app) as telemost, client_for(app) as client:
        for n in range(5):
            await telemost.get(f"/conferences/{n}")
        page = await journal(client)
        assert page["total"] == 3
        assert [e["id"] for e in page["requests"]] == [3, 4, 5]
        assert [e["path"] for e in page["requests"]] == [f"{CONFERENCES}/{n}" for n in (2, 3, 4)]
        assert (await client.get("/_omnimeet/requests/2")).status_code == 404
        assert (await client.get("/_omnimeet/requests/3")).json()["path"] == f"{CONFERENCES}/2"
    assert len(app.state.ctx.journal) == 3


async def test_size_zero_turns_the_journal_off(make_app: Callable[..., PrefixDispatcher]) -> None:
    app = make_app(journal_size=0)
    async with telemost_client(app) as telemost, client_for(app) as client:
        assert (await telemost.post("/conferences", json={})).status_code == 201
        assert await journal(client) == {"total": 0, "requests": []}
        assert (await client.get("/_omnimeet/requests/1")).status_code == 404
    assert app.state.ctx.journal.enabled is False


def test_the_ring_stays_bounded_under_load() -> None:
    ring = Journal(size=5, body_bytes=0)
    for n in range(10_000):
        ring.record(n, "v", None, "GET", "/p", 0, b"", 200, 0.0, (), b"", False, (), b"", False)
    assert len(ring) == 5
    assert [entry.id for entry in ring] == [9996, 9997, 9998, 9999, 10000]
    assert ring.get(9996) is not None
    assert ring.get(9995) is None
    assert ring.get(10_001) is None


# --- clearing ----------------------------------------------------------------------------------------------


async def test_delete_empties_the_journal_and_ids_go_on(
    client: httpx.AsyncClient, telemost: httpx.AsyncClient
) -> None:
    await telemost.get("/conferences/1")
    await telemost.get("/conferences/2")

    response = await client.delete("/_omnimeet/requests")
    assert (response.status_code, response.content) == (204, b"")
    assert await journal(client) == {"total": 0, "requests": []}

    await telemost.get("/conferences/3")
    assert await ids(client) == [3]
    assert await ids(client, since=2) == [3]


async def test_reset_empties_the_journal(client: httpx.AsyncClient, telemost: httpx.AsyncClient) -> None:
    await telemost.get("/conferences/1")
    assert (await journal(client))["total"] == 1
    assert (await client.post("/_omnimeet/reset")).status_code == 204
    assert await journal(client) == {"total": 0, "requests": []}


# --- filters -----------------------------------------------------------------------------------------------


@pytest.fixture
async def four_requests(app: PrefixDispatcher, frozen: AppContext, telemost: httpx.AsyncClient) -> None:
    """1 POST 201 at START, 2 GET 404 at +1 s, 3 DELETE 404 at +2 s, 4 GET 401 at +3 s (no token)."""
    assert (await telemost.post("/conferences", json={})).status_code == 201
    frozen.clock.advance(1000)
    assert (await telemost.get("/conferences/1")).status_code == 404
    frozen.clock.advance(1000)
    assert (await telemost.delete("/conferences/2")).status_code == 404
    frozen.clock.advance(1000)
    async with telemost_client(app, None) as anonymous:
        assert (await anonymous.get("/conferences/3", params={"q": "x"})).status_code == 401


@pytest.mark.usefixtures("four_requests")
async def test_filter_by_vendor(client: httpx.AsyncClient) -> None:
    assert await ids(client, vendor="telemost") == [1, 2, 3, 4]
    assert await ids(client, vendor="zoom") == []


@pytest.mark.usefixtures("four_requests")
async def test_filter_by_method_in_any_case(client: httpx.AsyncClient) -> None:
    assert await ids(client, method="GET") == [2, 4]
    assert await ids(client, method="get") == [2, 4]
    assert await ids(client, method="Delete") == [3]
    assert await ids(client, method="PUT") == []


@pytest.mark.usefixtures("four_requests")
async def test_filter_by_path_glob_whole_or_inside_the_mount(client: httpx.AsyncClient) -> None:
    assert await ids(client, path="/telemost/*") == [1, 2, 3, 4]
    assert await ids(client, path=CONFERENCES) == [1]
    assert await ids(client, path="/v1/telemost-api/conferences") == [1]
    assert await ids(client, path="/v1/telemost-api/conferences/*") == [2, 3, 4]
    assert await ids(client, path="*/conferences/?") == [2, 3, 4]
    assert await ids(client, path="/v1/telemost-api/conferences/[12]") == [2, 3]
    assert await ids(client, path="/conferences/*") == []  # a glob matches the whole path, not a part
    assert await ids(client, path="/TELEMOST/*") == []  # case-sensitive


@pytest.mark.usefixtures("four_requests")
async def test_filter_by_status_or_status_class(client: httpx.AsyncClient) -> None:
    assert await ids(client, status=404) == [2, 3]
    assert await ids(client, status=201) == [1]
    assert await ids(client, status=500) == []
    assert await ids(client, status="4xx") == [2, 3, 4]
    assert await ids(client, status="2XX") == [1]
    assert await ids(client, status="5xx") == []


@pytest.mark.usefixtures("four_requests")
async def test_filter_since_an_entry_id(client: httpx.AsyncClient) -> None:
    assert await ids(client, since=2) == [3, 4]
    assert await ids(client, since=0) == [1, 2, 3, 4]
    assert await ids(client, since=4) == []


@pytest.mark.usefixtures("four_requests")
async def test_filter_since_a_time_on_the_virtual_clock(client: httpx.AsyncClient) -> None:
    assert await ids(client, since=iso_ms(START_MS + 1000)) == [2, 3, 4]  # at or after
    assert await ids(client, since="2026-11-23T18:00:01.001Z") == [3, 4]
    assert await ids(client, since="2026-11-23T21:00:02+03:00") == [3, 4]
    assert await ids(client, since="2026-11-23T18:00:02") == [3, 4]  # no zone: UTC
    assert await ids(client, since="2026-11-23T18:00:04Z") == []


@pytest.mark.usefixtures("four_requests")
async def test_limit_keeps_the_newest_matches_oldest_first(client: httpx.AsyncClient) -> None:
    page = await journal(client, limit=2)
    assert page["total"] == 4
    assert [e["id"] for e in page["requests"]] == [3, 4]
    page = await journal(client, status="4xx", limit=1)
    assert (page["total"], [e["id"] for e in page["requests"]]) == (3, [4])
    assert await ids(client, limit=10) == [1, 2, 3, 4]


@pytest.mark.usefixtures("four_requests")
async def test_filters_combine(client: httpx.AsyncClient) -> None:
    assert await ids(client, method="get", status="4xx", path="/v1/*", since=2) == [4]
    page = await journal(client, method="GET", status=401)
    [entry] = page["requests"]
    assert (entry["query"], entry["time"], entry["tenant"]) == ("q=x", "2026-11-23T18:00:03.000Z", None)


@pytest.mark.parametrize(
    ("query", "location"),
    [
        ({"status": "abc"}, None),
        ({"status": "6xx"}, None),
        ({"status": "4x"}, None),
        ({"since": "yesterday"}, None),
        ({"limit": 0}, "query.limit"),
        ({"limit": "many"}, "query.limit"),
    ],
)
async def test_bad_filters_are_400(
    client: httpx.AsyncClient, query: dict[str, Any], location: str | None
) -> None:
    response = await client.get("/_omnimeet/requests", params=query)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_request"
    if location is None:
        ((name, value),) = query.items()
        assert str(value) in body["message"]
        assert name in body["message"]
        assert set(body) == {"error", "message"}
    else:
        assert [d["location"] for d in body["details"]] == [location]
