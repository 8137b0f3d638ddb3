"""Telemost clients for the tests. Every response they receive is checked against openapi/telemost.yaml
(``tests.contract.openapi``) before the test sees it, so no test can pass on an undocumented answer."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from omnimeet.platform.web import PrefixDispatcher
from tests.contract.clients import SpecCheckedClients
from tests.vendors.telemost.support import BASE_URL, RID, TOKEN_A

MakeTelemostClient = Callable[..., httpx.AsyncClient]


@pytest.fixture
def spec_checked() -> list[httpx.Response]:
    """Every response the Telemost clients of this test received (all checked against the spec)."""
    return []


@pytest.fixture
async def telemost_for(spec_checked: list[httpx.Response]) -> AsyncIterator[MakeTelemostClient]:
    """``telemost_for(app, token="...")``: a client with base URL ``.../telemost/v1/telemost-api`` and
    ``Authorization: OAuth <token>`` (no header at all with ``token=None``). With
    ``raise_app_exceptions=False`` a crash reaches the client as the app's 500 answer."""
    clients = SpecCheckedClients("telemost", BASE_URL, spec_checked, headers=(RID,))

    def make(
        app: PrefixDispatcher, token: str | None = TOKEN_A, *, raise_app_exceptions: bool = True
    ) -> httpx.AsyncClient:
        headers = {"Authorization": f"OAuth {token}"} if token is not None else {}
        return clients.make(app, headers, raise_app_exceptions=raise_app_exceptions)

    yield make
    await clients.aclose()


@pytest.fixture
def telemost(app: PrefixDispatcher, telemost_for: MakeTelemostClient) -> httpx.AsyncClient:
    """A client of the default (permissive) app, calling as ``TOKEN_A``."""
    return telemost_for(app)
