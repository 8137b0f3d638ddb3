"""Vonage auth on the room routes: ``Authorization: Bearer <application JWT>``.

Permissive mode takes any well-formed JWT naming an ``application_id`` (each application its own tenant);
strict mode verifies the RS256 signature with the application's public key from the credentials file and
enforces ``exp``. Anything else is the recorded 401 ``{title, detail}``, before any validation.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from omnimeet.platform.web import PrefixDispatcher
from tests.vendors.vonage.conftest import MakeClient
from tests.vendors.vonage.rooms_support import advance, create_long_term, create_room, make_theme
from tests.vendors.vonage.support import APP_A, APP_B, MINUTE_MS, NOW, UNAUTHORIZED, app_jwt, assert_answer

pytestmark = pytest.mark.anyio

ROOM = "b3142c46-d1c1-4405-baa6-85683827ed69"
THEME = "90a21428-b74a-4221-adc3-783935d654db"
ROUTES: list[tuple[str, str, Any]] = [
    ("GET", "/rooms", None),
    ("GET", "/rooms?page_size=x", None),
    ("POST", "/rooms", {"display_name": "x"}),
    ("POST", "/rooms", {}),
    ("GET", f"/rooms/{ROOM}", None),
    ("GET", "/rooms/not-a-uuid", None),
    ("PATCH", f"/rooms/{ROOM}", {"update_details": {"expire_after_use": True}}),
    ("PATCH", f"/rooms/{ROOM}", {"update_details": {}}),
    ("GET", f"/themes/{THEME}/rooms", None),
    ("GET", f"/themes/{THEME}/rooms?start_id=-1", None),
]
"""Every room route, with good and with invalid input: the 401 comes first."""


def unsigned(claims: dict[str, Any]) -> str:
    """A JWT with ``alg: none``-style parts: well formed, signed with nothing in particular."""
    header = base64.urlsafe_b64encode(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()).rstrip(b"=")
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
    return f"{header.decode()}.{payload.decode()}.c2lnbmF0dXJl"


BAD_HEADERS = {
    "no header": None,
    "empty": "",
    "basic": "Basic YWJjOmRlZg==",
    "bearer alone": "Bearer",
    "bearer and spaces": "Bearer    ",
    "not a jwt": "Bearer not-a-jwt",
    "two parts": "Bearer abc.def",
    "no application_id": f"Bearer {unsigned({'iat': NOW // 1000, 'jti': 'x'})}",
    "empty application_id": f"Bearer {unsigned({'application_id': ''})}",
    "numeric application_id": f"Bearer {unsigned({'application_id': 12345})}",
    "too long application_id": f"Bearer {unsigned({'application_id': 'a' * 129})}",
    "payload not json": "Bearer eyJhbGciOiJIUzI1NiJ9.bm90LWpzb24.c2ln",
}


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
@pytest.mark.parametrize("header", list(BAD_HEADERS), ids=list(BAD_HEADERS))
async def test_refused_credentials(
    app: PrefixDispatcher, vonage_for: MakeClient, method: str, path: str, body: Any, header: str
) -> None:
    client = vonage_for(app, None)
    value = BAD_HEADERS[header]
    headers = {} if value is None else {"Authorization": value}
    response = await client.request(method, path, json=body, headers=headers)
    assert_answer(response, 401, UNAUTHORIZED)


async def test_the_scheme_is_case_insensitive(app: PrefixDispatcher, vonage_for: MakeClient) -> None:
    client = vonage_for(app, None)
    response = await client.get("/rooms", headers={"Authorization": f"bearer {app_jwt(APP_A)}"})
    assert response.status_code == 200, response.text


async def test_permissive_mode_takes_any_well_formed_jwt(
    app: PrefixDispatcher, vonage_for: MakeClient
) -> None:
    expired = app_jwt(APP_A, exp=NOW // 1000 - 3600)
    room = await create_room(vonage_for(app, token=expired))
    same_app = vonage_for(app, token=unsigned({"application_id": APP_A}))
    assert_answer(await same_app.get(f"/rooms/{room['id']}"), 200, room)


async def test_each_application_is_its_own_tenant(app: PrefixDispatcher, vonage_for: MakeClient) -> None:
    mine, theirs = vonage_for(app, APP_A), vonage_for(app, APP_B)
    room = await create_long_term(mine)
    theme = await make_theme(app, "t")
    assert (await theirs.get(f"/rooms/{room['id']}")).status_code == 404
    assert (
        await theirs.patch(f"/rooms/{room['id']}", json={"update_details": {"theme_id": None}})
    ).status_code == 404
    assert (await theirs.get(f"/themes/{theme}/rooms")).status_code == 404
    assert (await theirs.get("/rooms")).json()["total_items"] == 0
    assert (await mine.get("/rooms")).json()["total_items"] == 1


# --- strict mode -----------------------------------------------------------------------------------------


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem_public(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def signed(key: rsa.RSAPrivateKey, application_id: str = APP_A, **claims: Any) -> str:
    """An application JWT as the SDKs sign it (RS256 with the application's private key), valid for 15
    minutes of real time (``exp`` is checked against the wall clock, as the SDKs set it)."""
    now = int(time.time())
    payload = {"application_id": application_id, "iat": now, "jti": "jti-1", "exp": now + 900}
    payload.update(claims)
    return jwt.encode(payload, key, algorithm="RS256")


@pytest.fixture(scope="module")
def keys() -> tuple[rsa.RSAPrivateKey, rsa.RSAPrivateKey]:
    """The application's key and another one."""
    return rsa_key(), rsa_key()


@pytest.fixture
def strict(
    make_app: Callable[..., PrefixDispatcher],
    tmp_path: Path,
    keys: tuple[rsa.RSAPrivateKey, rsa.RSAPrivateKey],
) -> PrefixDispatcher:
    indented = "\n".join(f"      {line}" for line in pem_public(keys[0]).splitlines())
    path = tmp_path / "credentials.yaml"
    path.write_text(
        "principals:\n"
        "  - api: vonage\n"
        f"    credential: {APP_A}\n"
        "    label: Application A\n"
        "    public_key: |\n"
        f"{indented}\n"
        "  - api: vonage\n"
        f"    credential: {APP_B}\n"
        "    label: Application B without a key\n",
        encoding="utf-8",
    )
    return make_app(auth_mode="strict", credentials_file=path)


async def test_strict_mode_accepts_a_token_signed_with_the_applications_key(
    strict: PrefixDispatcher, vonage_for: MakeClient, keys: tuple[rsa.RSAPrivateKey, rsa.RSAPrivateKey]
) -> None:
    client = vonage_for(strict, token=signed(keys[0]))
    room = await create_long_term(client)
    assert_answer(await client.get(f"/rooms/{room['id']}"), 200, room)
    page = (await client.get("/rooms")).json()
    assert page["_embedded"] == [room]


@pytest.mark.parametrize(
    "case",
    [
        "other key",
        "expired",
        "no exp",
        "hs256",
        "unknown application",
        "application without a key",
        "application_id changed after signing",
    ],
)
@pytest.mark.parametrize(("method", "path", "body"), ROUTES[::2])
async def test_strict_mode_refuses(
    strict: PrefixDispatcher,
    vonage_for: MakeClient,
    keys: tuple[rsa.RSAPrivateKey, rsa.RSAPrivateKey],
    case: str,
    method: str,
    path: str,
    body: Any,
) -> None:
    good, other = keys
    if case == "other key":
        token = signed(other)
    elif case == "expired":
        token = signed(good, exp=int(time.time()) - 60)
    elif case == "no exp":
        token = jwt.encode({"application_id": APP_A, "iat": int(time.time())}, good, algorithm="RS256")
    elif case == "hs256":
        token = app_jwt(APP_A)
    elif case == "unknown application":
        token = signed(good, application_id="0c7a5a1e-1b1f-4f7e-9b47-cccccccccccc")
    elif case == "application without a key":
        token = signed(good, application_id=APP_B)
    else:
        header, _, signature = signed(good).split(".")
        forged = (
            base64.urlsafe_b64encode(json.dumps({"application_id": APP_B}).encode()).rstrip(b"=").decode()
        )
        token = f"{header}.{forged}.{signature}"
    response = await vonage_for(strict, token=token).request(method, path, json=body)
    assert_answer(response, 401, UNAUTHORIZED)


async def test_strict_mode_checks_expiry_in_real_time(
    strict: PrefixDispatcher, vonage_for: MakeClient, keys: tuple[rsa.RSAPrivateKey, rsa.RSAPrivateKey]
) -> None:
    """The SDKs sign tokens for a few minutes of real time: moving the virtual clock does not expire them."""
    client = vonage_for(strict, token=signed(keys[0]))
    await advance(strict, 24 * 60 * MINUTE_MS)
    assert (await client.get("/rooms")).status_code == 200
