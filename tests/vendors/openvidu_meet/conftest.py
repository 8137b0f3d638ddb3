"""OpenVidu Meet clients for the tests. Every response they receive is checked against
openapi/openvidu-meet.yaml (``tests.contract.openapi``) before the test sees it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from omnimeet.platform.web import PrefixDispatcher
from tests.contract.clients import SpecCheckedClients
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
    clients = SpecCheckedClients("openvidu-meet", BASE_URL, spec_checked)

    def make(
        app: PrefixDispatcher, key: str | None = KEY_A, *, raise_app_exceptions: bool = True
    ) -> httpx.AsyncClient:
        clock = app.state.ctx.clock
        clock.freeze()
        clock.set(NOW)
        headers = {"X-API-KEY": key} if key is not None else {}
        return clients.make(app, headers, raise_app_exceptions=raise_app_exceptions)

    yield make
    await clients.aclose()


@pytest.fixture
def ovm(app: PrefixDispatcher, ovm_for: MakeClient) -> httpx.AsyncClient:
    """A client of the default (permissive) app, calling with ``KEY_A``."""
    return ovm_for(app)
