"""The OpenTalk mount: discovery, unknown routes and the error envelope."""

from __future__ import annotations

import httpx
import pytest

from omnimeet.platform.web import PrefixDispatcher
from tests.conftest import client_for
from tests.vendors.opentalk.support import NOT_FOUND, ROOT, assert_error

pytestmark = pytest.mark.anyio


async def test_well_known_names_the_v1_base(app: PrefixDispatcher) -> None:
    async with client_for(app) as client:
        response = await client.get(f"{ROOT}/opentalk/.well-known/opentalk/api")
    assert (response.status_code, response.headers["content-type"]) == (200, "application/json")
    assert response.json() == {"opentalk_api": {"v1": {"base_url": "/v1"}}}


async def test_unknown_route_is_the_controllers_404(ot: httpx.AsyncClient) -> None:
    assert_error(await ot.get("/no/such/route"), 404, NOT_FOUND)
