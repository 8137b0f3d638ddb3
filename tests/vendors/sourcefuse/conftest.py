"""SourceFuse clients for the tests. Every response they receive is checked against openapi/sourcefuse.yaml
before the test sees it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from omnimeet.platform.web import PrefixDispatcher
from tests.contract.clients import SpecCheckedClients
from tests.vendors.sourcefuse.support import BASE_URL, NOW, bearer

MakeClient = Callable[..., httpx.AsyncClient]


@pytest.fixture
def spec_checked() -> list[httpx.Response]:
    return []


@pytest.fixture
async def sf_for(spec_checked: list[httpx.Response]) -> AsyncIterator[MakeClient]:
    """``sf_for(app, token="...")``: a client of ``.../sourcefuse`` sending ``Authorization: Bearer
    <token>`` (no header with ``token=None``). The app's virtual clock is frozen at ``NOW``."""
    clients = SpecCheckedClients("sourcefuse", BASE_URL, spec_checked)

    def make(
        app: PrefixDispatcher, token: str | None = "", *, raise_app_exceptions: bool = True
    ) -> httpx.AsyncClient:
        clock = app.state.ctx.clock
        clock.freeze()
        clock.set(NOW)
        if token == "":
            token = bearer()
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        return clients.make(app, headers, raise_app_exceptions=raise_app_exceptions)

    yield make
    await clients.aclose()


@pytest.fixture
def sf(app: PrefixDispatcher, sf_for: MakeClient) -> httpx.AsyncClient:
    """A client of the default (permissive) app with a token holding every permission."""
    return sf_for(app)
