"""Vonage GET /dial-in-numbers: a fixed list, under both bases, behind the JWT."""

from __future__ import annotations

import httpx
import pytest

from omnimeet.platform.web import PrefixDispatcher
from tests.vendors.vonage.conftest import MakeClient
from tests.vendors.vonage.recordings_support import beta
from tests.vendors.vonage.support import UNAUTHORIZED, assert_answer

pytestmark = pytest.mark.anyio

NUMBERS = [
    {"number": "61255501234", "locale": "en-AU", "display_name": "Australia"},
    {"number": "3225887312", "locale": "fr-BE", "display_name": "Belgium"},
    {"number": "5511937704215", "locale": "pt-BR", "display_name": "Brazil"},
    {"number": "16135550172", "locale": "en-CA", "display_name": "Canada"},
    {"number": "33187216540", "locale": "fr-FR", "display_name": "France"},
    {"number": "4930568371924", "locale": "de-DE", "display_name": "Germany"},
    {"number": "390294752061", "locale": "it-IT", "display_name": "Italy"},
    {"number": "81345789216", "locale": "ja-JP", "display_name": "Japan"},
    {"number": "34911238654", "locale": "es-ES", "display_name": "Spain"},
    {"number": "442079460958", "locale": "en-GB", "display_name": "United Kingdom"},
    {"number": "12025550143", "locale": "en-US", "display_name": "United States"},
]


async def test_the_numbers(vonage: httpx.AsyncClient) -> None:
    assert_answer(await vonage.get("/dial-in-numbers"), 200, NUMBERS)


async def test_the_beta_base(app: PrefixDispatcher, vonage: httpx.AsyncClient) -> None:
    async with beta(app) as client:  # not in the OpenAPI document: a plain client
        assert_answer(await client.get("/dial-in-numbers"), 200, NUMBERS)


async def test_without_a_jwt(app: PrefixDispatcher, vonage_for: MakeClient) -> None:
    anonymous = vonage_for(app, application_id=None)
    assert_answer(await anonymous.get("/dial-in-numbers"), 401, UNAUTHORIZED)
