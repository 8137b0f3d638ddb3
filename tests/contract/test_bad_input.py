"""Bad input, every vendor and the control API: whatever the request, the answer is the API's own envelope
with the exact status, body and content type (``tests/contract/bad_input_support.py`` has them), it is what
the API's OpenAPI document says, and nothing is created by a refused request.

In process (ASGI transport): a body that is not JSON, a body of another content type, an empty JSON body, a
body over the size limit (declared, streamed, without credentials), a body at the limit, unknown routes, a
method the create path does not serve, a huge query string.

Through a live ``omnimeet serve`` (uvicorn with httptools, one worker): the same bodies and method, the size
limit at its default (a declared length over it is refused before the body is sent), and query strings
around the HTTP parser's limit: a request target of up to ``URL_LIMIT``
bytes reaches the app (which answers in its envelope); a longer one (64 KiB, 1 MiB of query) is refused by
uvicorn itself with its bare ``PARSER_ERROR``, before any app sees it, and the server goes on serving.
"""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from omnimeet.main import create_app
from omnimeet.platform.config import Settings
from omnimeet.platform.web import PrefixDispatcher
from tests.conftest import client_for
from tests.contract.bad_input_support import (
    APIS,
    INVALID_JSON,
    LIMIT,
    LIVE_LIMIT,
    OTHER_CONTENT_TYPES,
    PARSER_ERROR,
    UNKNOWN_PATHS,
    URL_LIMIT,
    VENDORS,
    Answer,
    BadInputApi,
    content_rows,
)
from tests.contract.openapi import assert_matches_spec, assert_undocumented_route_error, load_spec
from tests.reliability.live import LiveServer, log_problems

pytestmark = pytest.mark.anyio

JSON = {"content-type": "application/json"}


def by_name(apis: tuple[BadInputApi, ...]) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("api", apis, ids=[api.name for api in apis])


def assert_answer(
    api: BadInputApi, response: httpx.Response, expected: Answer, allow: str | None = None
) -> None:
    """Exact status, content type and JSON body; the API's own headers; and what its OpenAPI document says
    for the operation (or, for a route it does not document, its error schema)."""
    what = f"{api.name}: {response.request.method} {str(response.request.url)[:200]}"
    assert response.status_code == expected.status, f"{what}: {response.status_code} {response.text[:500]}"
    assert response.headers["content-type"] == expected.content_type, what
    assert response.json() == expected.body, what
    for name in api.headers:
        assert name in response.headers, f"{what}: no {name}"
    if allow is not None:
        assert response.headers["allow"] == allow, what
    spec = load_spec(api.spec)
    path = response.request.url.path
    if spec.operation(response.request.method, path) is not None:
        assert_matches_spec(spec, response.request.method, path, response)
    else:
        assert_undocumented_route_error(spec, response, error_schema=api.error_schema, headers=api.headers)


def assert_created(api: BadInputApi, response: httpx.Response) -> None:
    assert response.status_code == api.created, f"{api.name}: {response.status_code} {response.text[:500]}"
    assert_matches_spec(load_spec(api.spec), "POST", api.create_path, response)


# --- in process -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefixDispatcher]:
    """One app (body limit ``LIMIT``) for the module's in-process tests, emptied once: each test compares the
    state before and after its own requests, so none needs an empty database."""
    data_dir = Path(tmp_path_factory.mktemp("bad-input")) / "data"
    app = create_app(
        Settings(database_url=database_url, data_dir=data_dir, max_body_bytes=LIMIT), migrate=False
    )
    app.state.ctx.reset()
    yield app
    app.state.ctx.db.close()


@pytest.fixture
async def client(small: PrefixDispatcher) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(small) as client:
        yield client


async def state_rows(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/_omnimeet/state")
    assert response.status_code == 200, response.text
    return content_rows(response.json())


@by_name(APIS)
async def test_the_create_operation_takes_its_body(client: httpx.AsyncClient, api: BadInputApi) -> None:
    """What the refusals below are measured against: the same operation with a good body succeeds."""
    assert_created(api, await client.post(api.create_path, json=api.body(), headers=api.auth()))


@by_name(APIS)
@pytest.mark.parametrize("body", list(INVALID_JSON), ids=[repr(body) for body in INVALID_JSON])
async def test_a_body_that_is_not_json(client: httpx.AsyncClient, api: BadInputApi, body: bytes) -> None:
    before = await state_rows(client)
    response = await client.post(api.create_path, content=body, headers={**api.auth(), **JSON})
    assert_answer(api, response, api.invalid_json(body))
    assert await state_rows(client) == before


@by_name(APIS)
@pytest.mark.parametrize("content_type", OTHER_CONTENT_TYPES)
async def test_a_body_of_another_content_type(
    client: httpx.AsyncClient, api: BadInputApi, content_type: str
) -> None:
    """A JSON text that says it is something else is not read as JSON."""
    before = await state_rows(client)
    headers = {**api.auth(), "content-type": content_type}
    response = await client.post(api.create_path, content=b'{"a": 1}', headers=headers)
    assert_answer(api, response, api.other_content_type)
    assert await state_rows(client) == before


@by_name(APIS)
async def test_an_empty_json_body(client: httpx.AsyncClient, api: BadInputApi) -> None:
    response = await client.post(api.create_path, content=b"", headers={**api.auth(), **JSON})
    assert_answer(api, response, api.empty_json)


def padded(body: bytes, size: int) -> bytes:
    """``body`` followed by spaces (still the same JSON) up to ``size`` bytes."""
    assert len(body) <= size
    return body + b" " * (size - len(body))


def json_bytes(api: BadInputApi) -> bytes:
    return httpx.Request("POST", "http://x", json=api.body()).content


@by_name(VENDORS)
async def test_a_body_at_the_limit_is_read(client: httpx.AsyncClient, api: BadInputApi) -> None:
    body = padded(json_bytes(api), LIMIT)
    assert_created(api, await client.post(api.create_path, content=body, headers={**api.auth(), **JSON}))


@by_name(VENDORS)
async def test_an_oversized_body_is_413_in_the_envelope(client: httpx.AsyncClient, api: BadInputApi) -> None:
    """Declared (Content-Length one byte over), streamed (chunked, no length), and without credentials: the
    vendor's 413, and nothing created."""
    assert api.too_large is not None
    before = await state_rows(client)
    body = padded(json_bytes(api), LIMIT + 1)
    response = await client.post(api.create_path, content=body, headers={**api.auth(), **JSON})
    assert_answer(api, response, api.too_large)

    async def chunks() -> AsyncIterator[bytes]:
        yield json_bytes(api)
        for _ in range(LIMIT // 512 + 1):
            yield b" " * 512

    response = await client.post(api.create_path, content=chunks(), headers={**api.auth(), **JSON})
    assert "content-length" not in response.request.headers
    assert_answer(api, response, api.too_large)

    response = await client.post(api.create_path, content=body, headers=JSON)
    assert_answer(api, response, api.too_large)
    assert await state_rows(client) == before


async def test_the_control_api_has_no_body_limit(client: httpx.AsyncClient) -> None:
    """A state document holds the whole database: the control API reads bodies of any size (this one is
    read, and refused for its unknown field, in the control envelope)."""
    body = b'{"advance_seconds": 1, "x": "' + b"x" * (LIMIT * 4) + b'"}'
    response = await client.post("/_omnimeet/clock", content=body, headers=JSON)
    assert response.status_code == 400, response.text
    assert response.json()["details"] == [{"location": "body.x", "message": "Extra inputs are not permitted"}]


@by_name(APIS)
@pytest.mark.parametrize("path", UNKNOWN_PATHS, ids=["nested", "short", "long"])
async def test_an_unknown_route_is_404_in_the_envelope(
    client: httpx.AsyncClient, api: BadInputApi, path: str
) -> None:
    """With or without credentials, GET or POST, below the API's base and right below its mount."""
    for prefix in dict.fromkeys((api.base, api.mount)):
        url = prefix + path
        for headers in (api.auth(), {}):
            for method in ("GET", "POST"):
                response = await client.request(method, url, json={}, headers=headers)
                assert_answer(api, response, api.unknown_route(method, api.own_path(url)))


@by_name(APIS)
async def test_a_method_the_path_does_not_serve(client: httpx.AsyncClient, api: BadInputApi) -> None:
    response = await client.request(api.wrong_method, api.create_path, json=api.body(), headers=api.auth())
    assert_answer(api, response, api.wrong_method_answer, api.allow)


@by_name(APIS)
async def test_a_huge_query_string(client: httpx.AsyncClient, api: BadInputApi) -> None:
    """60,000 bytes of unknown query parameter, or 5,000 of them: ignored by the create operation; an
    unknown route stays a 404 in the envelope."""
    huge = {"filler": "x" * 60_000}
    many = "?" + "&".join(f"p{n}=1" for n in range(5000))
    headers = api.auth()
    assert_created(api, await client.post(api.create_path, params=huge, json=api.body(), headers=headers))
    assert_created(api, await client.post(api.create_path + many, json=api.body(), headers=headers))
    url = api.base + "/no/such/route"
    assert_answer(
        api, await client.get(url, params=huge, headers=headers), api.unknown_route("GET", api.own_path(url))
    )


# --- through a live server -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def live(
    empty_database_url: Callable[[], str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """One ``omnimeet serve`` (one worker, permissive auth, default body limit) for the live tests."""
    root = Path(tmp_path_factory.mktemp("bad-input-live"))
    server = LiveServer(
        empty_database_url(),
        root / "data",
        env={"OMNIMEET_AUTH_MODE": "permissive"},
        log_dir=root / "logs",
    )
    with server:
        yield server


@pytest.fixture
def web(live: LiveServer) -> Iterator[httpx.Client]:
    """A client of the live server; afterwards the server is still healthy and its log has no error."""
    with httpx.Client(base_url=live.base_url, timeout=30.0) as client:
        yield client
    with httpx.Client(base_url=live.base_url, timeout=10.0) as fresh:
        assert fresh.get("/_omnimeet/health").status_code == 200
    assert log_problems(live.log_text()) == []


def raw_request(
    live: LiveServer, method: str, target: str, headers: dict[str, str], body: bytes
) -> tuple[int, str, str, bytes]:
    """One request with ``http.client`` (httpx refuses URLs over 64 KiB): status, Content-Type, Connection,
    body of the answer."""
    conn = http.client.HTTPConnection(live.host, live.port, timeout=30)
    try:
        conn.request(method, target, body=body, headers={**headers, **JSON})
        response = conn.getresponse()
        return (
            response.status,
            response.getheader("content-type", ""),
            response.getheader("connection", ""),
            response.read(),
        )
    finally:
        conn.close()


def target(path: str, size: int) -> str:
    """``path`` with a query that makes the request target exactly ``size`` bytes long."""
    query = "?q="
    assert size >= len(path) + len(query)
    return path + query + "x" * (size - len(path) - len(query))


@by_name(APIS)
def test_live_a_query_up_to_the_parser_limit_reaches_the_app(web: httpx.Client, api: BadInputApi) -> None:
    url = api.base + "/no/such/route"
    response = web.get(target(url, URL_LIMIT), headers=api.auth())
    assert len(response.request.url.raw_path) == URL_LIMIT
    assert_answer(api, response, api.unknown_route("GET", api.own_path(url)))
    response = web.post(target(api.create_path, URL_LIMIT), json=api.body(), headers=api.auth())
    assert_created(api, response)


@by_name(APIS)
@pytest.mark.parametrize("size", [URL_LIMIT + 1, 65_536 + 4096, 1_048_576], ids=["limit+1", "64KiB", "1MiB"])
def test_live_a_query_over_the_parser_limit_is_refused_by_uvicorn(
    live: LiveServer, web: httpx.Client, api: BadInputApi, size: int
) -> None:
    """No app sees such a request, so no envelope is possible: uvicorn answers it and closes the
    connection; the next request is served as usual."""
    status, content_type, body = PARSER_ERROR
    for method, path in (("GET", api.base + "/no/such/route"), ("POST", api.create_path)):
        answer = raw_request(live, method, target(path, size), api.auth(), json_bytes(api))
        assert answer == (status, content_type, "close", body)
    assert_created(api, web.post(api.create_path, json=api.body(), headers=api.auth()))


@by_name(APIS)
def test_live_bad_bodies(web: httpx.Client, api: BadInputApi) -> None:
    headers = {**api.auth(), **JSON}
    for body in INVALID_JSON:
        assert_answer(api, web.post(api.create_path, content=body, headers=headers), api.invalid_json(body))
    for content_type in OTHER_CONTENT_TYPES:
        response = web.post(
            api.create_path, content=b'{"a": 1}', headers={**api.auth(), "content-type": content_type}
        )
        assert_answer(api, response, api.other_content_type)
    response = web.put(api.create_path, json=api.body(), headers=api.auth())
    assert_answer(api, response, api.wrong_method_answer, api.allow)


@by_name(VENDORS)
def test_live_the_default_body_limit(web: httpx.Client, api: BadInputApi) -> None:
    """1 MiB is read; one byte more (declared) or 2 MiB streamed is the vendor's 413."""
    assert api.too_large is not None
    headers = {**api.auth(), **JSON}
    assert_created(
        api, web.post(api.create_path, content=padded(json_bytes(api), LIVE_LIMIT), headers=headers)
    )
    over = padded(json_bytes(api), LIVE_LIMIT + 1)
    assert_answer(api, web.post(api.create_path, content=over, headers=headers), api.too_large)

    def chunks() -> Iterator[bytes]:
        yield json_bytes(api)
        for _ in range(32):
            yield b" " * 65_536

    response = web.post(api.create_path, content=chunks(), headers=headers)
    assert "content-length" not in response.request.headers
    assert_answer(api, response, api.too_large)


@by_name(VENDORS)
def test_live_a_declared_length_over_the_limit_is_refused_before_the_body(
    live: LiveServer, web: httpx.Client, api: BadInputApi
) -> None:
    """Only the head of a request that announces 64 MiB: the vendor's 413 comes at once, without waiting for
    a body that never comes (the socket's timeout would fail the test)."""
    assert api.too_large is not None
    head = [
        f"POST {api.create_path} HTTP/1.1",
        f"Host: {live.host}:{live.port}",
        "Content-Type: application/json",
    ]
    head += [f"{name}: {value}" for name, value in api.auth().items()]
    head += [f"Content-Length: {64 * 1_048_576}", "", ""]
    with socket.create_connection((live.host, live.port), timeout=10) as sock:
        sock.sendall("\r\n".join(head).encode("latin-1"))
        response = http.client.HTTPResponse(sock)
        response.begin()
        body = response.read()
    assert (response.status, response.getheader("content-type")) == (
        api.too_large.status,
        api.too_large.content_type,
    )
    assert json.loads(body) == api.too_large.body
