"""OpenVidu Meet clients for the tests. Every response they receive is checked against
openapi/openvidu-meet.yaml (``tests.contract.openapi``) before the test sees it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from omnimeet.platform.web import PrefixDispatcher
from tests.contract.openapi import check_response, load_spec
from tests.vendors.openvidu_meet.support import BASE_URL, KEY_A, NOW

MakeClient = Callable[..., httpx.AsyncClient]


@pytest.fixture
def spec_checked() -> list[httpx.Response]:
    """Every response the OpenVidu Meet clients of this test received (all checked against the spec)."""
    return []


@pytest.fixture
async def ovm_for(spec_checked: list[httpx.Response]) -> AsyncIterator[MakeClient]:
    """``ovm_for(app, key="...")``: a client with base URL ``.../openvidu/meet/api/v1`` sending
    ``X-API-KEY: <key>`` (no header with ``key=None``). The app's virtual clock is frozen at ``NOW``."""
    spec = load_spec("openvidu-meet")
    clients: list[httpx.AsyncClient] = []

    async def check(response: httpx.Response) -> None:
        await response.aread()
        check_response(spec, response)
        spec_checked.append(response)

    def make(
        app: PrefixDispatcher, key: str | None = KEY_A, *, raise_app_exceptions: bool = True
    ) -> httpx.AsyncClient:
        clock = app.state.ctx.clock
        clock.freeze()
        clock.set(NOW)
        headers = {"X-API-KEY": key} if key is not None else {}
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions),
            base_url=BASE_URL,
            headers=headers,
            event_hooks={"response": [check]},
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture
def ovm(app: PrefixDispatcher, ovm_for: MakeClient) -> httpx.AsyncClient:
    """A client of the default (permissive) app, calling with ``KEY_A``."""
    return ovm_for(app)
