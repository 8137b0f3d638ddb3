"""OpenTalk clients for the tests. Every response they receive is checked against openapi/opentalk.yaml
before the test sees it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from omnimeet.platform.web import PrefixDispatcher
from tests.contract.clients import SpecCheckedClients
from tests.vendors.opentalk.support import BASE_URL, NOW, token

MakeClient = Callable[..., httpx.AsyncClient]


@pytest.fixture
def spec_checked() -> list[httpx.Response]:
    return []


@pytest.fixture
async def ot_for(spec_checked: list[httpx.Response]) -> AsyncIterator[MakeClient]:
    """``ot_for(app, "bob")``: a client of ``.../opentalk/v1`` sending ``Authorization: Bearer <a token of
    bob>``; ``bearer="..."`` sends that token instead, ``bearer=None`` no header. The app's virtual clock is
    frozen at ``NOW``."""
    clients = SpecCheckedClients("opentalk", BASE_URL, spec_checked)

    def make(
        app: PrefixDispatcher,
        user: str = "alice",
        *,
        bearer: str | None = "",
        raise_app_exceptions: bool = True,
    ) -> httpx.AsyncClient:
        clock = app.state.ctx.clock
        clock.freeze()
        clock.set(NOW)
        if bearer == "":
            bearer = token(user)
        headers = {"Authorization": f"Bearer {bearer}"} if bearer is not None else {}
        return clients.make(app, headers, raise_app_exceptions=raise_app_exceptions)

    yield make
    await clients.aclose()


@pytest.fixture
def ot(app: PrefixDispatcher, ot_for: MakeClient) -> httpx.AsyncClient:
    """Alice's client of the default (permissive) app."""
    return ot_for(app)


@pytest.fixture
def ot_bob(app: PrefixDispatcher, ot_for: MakeClient) -> httpx.AsyncClient:
    """Bob's client of the same app (same issuer, so the same OpenTalk deployment as Alice)."""
    return ot_for(app, "bob")
