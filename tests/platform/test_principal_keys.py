"""``POST /_omnimeet/principals`` with a ``public_key``: stored for token checks, never shown; a key that is
no PEM public key is refused."""

from __future__ import annotations

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from omnimeet.domain.tenancy import principal_public_key
from omnimeet.platform.web import PrefixDispatcher

pytestmark = pytest.mark.anyio

PEM = (
    ec.generate_private_key(ec.SECP256R1())
    .public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)


async def test_a_public_key_is_stored_and_not_shown(app: PrefixDispatcher, client: httpx.AsyncClient) -> None:
    body = {
        "vendor": "opentalk",
        "credential": "https://idp.example",
        "organization": "acme",
        "public_key": PEM,
    }
    response = await client.post("/_omnimeet/principals", json=body)
    assert response.status_code == 201, response.text
    assert "public_key" not in response.json()
    assert PEM not in (await client.get("/_omnimeet/principals")).text
    with app.state.ctx.db.transaction(write=False) as tx:
        assert principal_public_key(tx, "opentalk", "https://idp.example") == PEM


@pytest.mark.parametrize(
    "public_key", ["not a key", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"]
)
async def test_a_public_key_that_is_no_pem_key_is_400(client: httpx.AsyncClient, public_key: str) -> None:
    body = {"vendor": "opentalk", "credential": "https://idp.example", "public_key": public_key}
    response = await client.post("/_omnimeet/principals", json=body)
    assert (response.status_code, response.json()) == (
        400,
        {"error": "invalid_public_key", "message": "public_key is not a PEM public key."},
    )
    assert (await client.get("/_omnimeet/principals")).json() == {"principals": []}


async def test_an_empty_public_key_is_an_invalid_request(client: httpx.AsyncClient) -> None:
    body = {"vendor": "opentalk", "credential": "x", "public_key": ""}
    response = await client.post("/_omnimeet/principals", json=body)
    assert (response.status_code, response.json()["error"]) == (400, "invalid_request")
