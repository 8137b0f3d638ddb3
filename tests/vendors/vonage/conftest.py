"""Vonage Meetings clients for the tests. Every response they receive is checked against openapi/vonage.yaml
(``tests.contract.openapi``) before the test sees it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from omnimeet.platform.web import PrefixDispatcher
from tests.contract.clients import SpecCheckedClients
from tests.vendors.vonage.support import APP_A, BASE_URL, NOW, app_jwt

MakeClient = Callable[..., httpx.AsyncClient]


@pytest.fixture
def spec_checked() -> list[httpx.Response]:
    """Every response the Vonage clients of this test received (all checked against the spec)."""
    return []


@pytest.fixture
async def vonage_for(spec_checked: list[httpx.Response]) -> AsyncIterator[MakeClient]:
    """``vonage_for(app, application_id=..., token=..., base_url=...)``: a client with base URL
    ``.../vonage/v1/meetings`` sending ``Authorization: Bearer <JWT of the application>`` (``token`` instead
    when given; no header with ``application_id=None``). The app's virtual clock is frozen at ``NOW``."""
    clients = SpecCheckedClients("vonage", BASE_URL, spec_checked)

    def make(
        app: PrefixDispatcher,
        application_id: str | None = APP_A,
        *,
        token: str | None = None,
        base_url: str | None = None,
        raise_app_exceptions: bool = True,
    ) -> httpx.AsyncClient:
        clock = app.state.ctx.clock
        clock.freeze()
        clock.set(NOW)
        headers: dict[str, str] = {}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        elif application_id is not None:
            headers["Authorization"] = f"Bearer {app_jwt(application_id)}"
        client = clients.make(app, headers, raise_app_exceptions=raise_app_exceptions)
        if base_url is not None:
            client.base_url = httpx.URL(base_url)
        return client

    yield make
    await clients.aclose()


@pytest.fixture
def vonage(app: PrefixDispatcher, vonage_for: MakeClient) -> httpx.AsyncClient:
    """A client of the default (permissive) app, calling as application ``APP_A``."""
    return vonage_for(app)
