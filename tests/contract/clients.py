"""Vendor test clients whose every response is checked against the vendor's committed OpenAPI document
before the test sees it, so no test can pass on an undocumented answer."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import httpx

from omnimeet.platform.web import PrefixDispatcher
from tests.contract.openapi import check_response, load_spec


class SpecCheckedClients:
    """Makes in-process clients of one vendor (``openapi/<spec_name>.yaml``); ``seen`` collects every
    response they received. ``headers`` are response headers the spec must declare for each answer."""

    def __init__(
        self, spec_name: str, base_url: str, seen: list[httpx.Response], headers: Iterable[str] = ()
    ) -> None:
        self.spec = load_spec(spec_name)
        self.base_url = base_url
        self.seen = seen
        self.headers = tuple(headers)
        self.clients: list[httpx.AsyncClient] = []

    async def _check(self, response: httpx.Response) -> None:
        await response.aread()
        check_response(self.spec, response, headers=self.headers)
        self.seen.append(response)

    def make(
        self, app: PrefixDispatcher, headers: Mapping[str, str], *, raise_app_exceptions: bool = True
    ) -> httpx.AsyncClient:
        """With ``raise_app_exceptions=False`` a crash reaches the client as the app's 500 answer."""
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions),
            base_url=self.base_url,
            headers=dict(headers),
            event_hooks={"response": [self._check]},
        )
        self.clients.append(client)
        return client

    async def aclose(self) -> None:
        for client in self.clients:
            await client.aclose()
