"""OpenTalk auth over HTTP: the OIDC provider info, login with an id token (created, refreshed, refused),
and strict mode's RS256 checks with keys from the credentials file, a JWKS file and the control plane."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select

from omnimeet.domain.tables import INVITES
from omnimeet.platform.web import PrefixDispatcher
from tests.conftest import client_for
from tests.vendors.opentalk.conftest import MakeClient
from tests.vendors.opentalk.support import (
    CONTROL,
    ISSUER,
    NOW,
    PEOPLE,
    assert_error,
    assert_unauthorized,
    token,
)

pytestmark = pytest.mark.anyio

INVALID_ID_TOKEN = 'Bearer error="invalid_token", error_description="The provided id token is invalid"'
SESSION_EXPIRED = 'Bearer error="invalid_request", error_description="The user session expired"'
EXPIRED = 'Bearer error="invalid_token", error_description="The provided access token expired"'
INVALID_CLAIMS = {"code": "invalid_claims", "message": "some required attributes are missing or malformed"}
LATER = NOW // 1000 + 3600

_KEYS = [rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(3)]
IDP_KEY, JWKS_KEY, OTHER_KEY = _KEYS


def pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def signed(key: rsa.RSAPrivateKey, sub: str = "alice", kid: str | None = None, **claims: Any) -> str:
    payload: dict[str, Any] = {"sub": sub, "iss": ISSUER, "exp": LATER, **PEOPLE.get(sub, {}), **claims}
    headers = {"kid": kid} if kid else None
    payload = {name: value for name, value in payload.items() if value is not None}
    return jwt.encode(payload, key, algorithm="RS256", headers=headers)


async def login(ot_for: MakeClient, app: PrefixDispatcher, id_token: str) -> httpx.Response:
    """``POST /auth/login`` without an access token (the clock frozen at ``NOW``)."""
    return await ot_for(app, bearer=None).post("/auth/login", json={"id_token": id_token})


# --- GET /auth/login ---------------------------------------------------------------------------------------


async def test_get_login_names_the_configured_provider(
    make_app: Callable[..., PrefixDispatcher], ot_for: MakeClient
) -> None:
    default = await ot_for(make_app(), bearer=None).get("/auth/login")
    assert (default.status_code, default.json()) == (
        200,
        {"oidc": {"name": "default", "url": "http://localhost:8080/realms/opentalk"}},
    )
    app = make_app(opentalk_oidc_provider_name="keycloak", opentalk_oidc_provider_url=ISSUER)
    configured = await ot_for(app, bearer=None).get("/auth/login")
    assert configured.json() == {"oidc": {"name": "keycloak", "url": ISSUER}}


# --- POST /auth/login (permissive) -------------------------------------------------------------------------


async def test_login_creates_the_user_once_and_refreshes_their_names(
    app: PrefixDispatcher, ot_for: MakeClient
) -> None:
    client = ot_for(app, bearer=None)
    first = await client.post("/auth/login", json={"id_token": token("alice", name="Ali A.")})
    assert (first.status_code, first.json()) == (200, {"permissions": []})
    me = (await ot_for(app).get("/users/me")).json()
    assert (me["display_name"], me["email"], me["firstname"]) == ("Ali A.", "alice@example.com", "Alice")
    again = await client.post(
        "/auth/login", json={"id_token": token("alice", email="alice@new.example", given_name="Alicia")}
    )
    assert again.json() == {"permissions": []}
    after = (await ot_for(app).get("/users/me")).json()
    assert (after["id"], after["email"], after["firstname"], after["display_name"]) == (
        me["id"],
        "alice@new.example",
        "Alicia",
        "Ali A.",
    )
    users = (await ot_for(app).get("/users")).json()
    assert [user["id"] for user in users] == [me["id"]]


async def test_login_turns_invitations_of_the_users_address_into_their_own(
    app: PrefixDispatcher, ot: httpx.AsyncClient, ot_for: MakeClient
) -> None:
    event = await ot.post("/events", json={"title": "Retro", "description": "", "is_time_independent": True})
    assert event.status_code == 201, event.text
    event_id = event.json()["id"]
    invited = await ot.post(f"/events/{event_id}/invites", json={"email": "Carol@Example.com"})
    assert invited.status_code == 201, invited.text
    ctx = app.state.ctx
    stored = select(INVITES.c.invitee_ref, INVITES.c.email).where(INVITES.c.event_seq.is_not(None))
    with ctx.db.transaction(write=False) as tx:
        assert tx.fetch_all(stored) == [(None, "carol@example.com")]
    assert (await login(ot_for, app, token("carol"))).status_code == 200
    carol = (await ot_for(app, "carol").get("/users/me")).json()["id"]
    with ctx.db.transaction(write=False) as tx:
        assert tx.fetch_all(stored) == [(carol, None)]


async def test_the_session_ends_with_the_id_token_until_the_next_login(
    app: PrefixDispatcher, ot: httpx.AsyncClient, ot_for: MakeClient
) -> None:
    assert (await login(ot_for, app, token("alice", exp=NOW // 1000 + 60))).status_code == 200
    assert (await ot.get("/users/me")).status_code == 200
    app.state.ctx.clock.set(NOW + 60_000)
    ended = await ot.get("/users/me")
    assert_error(ended, 401, {"code": "unauthorized", "message": "The session for this user has expired"})
    assert ended.headers["www-authenticate"] == SESSION_EXPIRED
    assert (await ot_for(app, "bob").get("/users/me")).status_code == 200
    client = ot_for(app, bearer=None)  # freezes the clock at NOW again
    app.state.ctx.clock.set(NOW + 60_000)
    assert (await client.post("/auth/login", json={"id_token": token("alice")})).status_code == 200
    assert (await ot.get("/users/me")).status_code == 200


@pytest.mark.parametrize("id_token", ["opaque-token", "a.b.c", "", "x" * 10])
async def test_login_with_something_that_is_no_id_token_is_401(
    app: PrefixDispatcher, ot_for: MakeClient, id_token: str
) -> None:
    assert_unauthorized(await login(ot_for, app, id_token), INVALID_ID_TOKEN)


async def test_login_with_an_expired_id_token_is_401_session_expired(
    app: PrefixDispatcher, ot_for: MakeClient
) -> None:
    assert_unauthorized(await login(ot_for, app, token("alice", exp=NOW // 1000)), SESSION_EXPIRED)
    assert (await login(ot_for, app, token("alice", exp=NOW // 1000 + 1))).status_code == 200


@pytest.mark.parametrize(
    "claims",
    [
        {"email": None},
        {"email": "not-an-address"},
        {"given_name": None},
        {"family_name": 42},
        {"given_name": "Al\u0000ice"},
        {"email": "alice\u0000@example.com"},
        {"given_name": "A" * 256},
        {"email": "a" * 310 + "@example.com"},
    ],
)
async def test_login_without_the_persons_claims_is_400_invalid_claims(
    app: PrefixDispatcher, ot_for: MakeClient, claims: dict[str, Any]
) -> None:
    response = await ot_for(app, bearer=None).post("/auth/login", json={"id_token": token("alice", **claims)})
    assert_error(response, 400, INVALID_CLAIMS)


async def test_login_without_a_subject_is_400_invalid_claims(
    app: PrefixDispatcher, ot_for: MakeClient
) -> None:
    anonymous = jwt.encode({"iss": ISSUER, **PEOPLE["alice"]}, "k" * 32, algorithm="HS256")
    assert_error(await login(ot_for, app, anonymous), 400, INVALID_CLAIMS)
    assert_error(await login(ot_for, app, token("al\u0000ice")), 400, INVALID_CLAIMS)


async def test_login_with_a_body_that_is_not_json_is_400(app: PrefixDispatcher, ot_for: MakeClient) -> None:
    response = await ot_for(app, bearer=None).post(
        "/auth/login", content=b"id_token=x", headers={"content-type": "application/json"}
    )
    assert_error(response, 400, {"code": "invalid_json", "message": "Payload is not valid json"})


# --- strict mode -------------------------------------------------------------------------------------------


@pytest.fixture
def strict_app(make_app: Callable[..., PrefixDispatcher], tmp_path: Path) -> PrefixDispatcher:
    """Strict mode: ISSUER has a key in the credentials file; "https://jwks.example" is a principal whose
    keys are in the JWKS file; "https://late.example" is a principal without any key yet."""
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(JWKS_KEY.public_key()))
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig"}, {"kty": "oct", "kid": "x"}]}))
    credentials = {
        "organizations": [{"id": "acme"}],
        "principals": [
            {"api": "opentalk", "credential": ISSUER, "organization": "acme", "public_key": pem(IDP_KEY)},
            {"api": "opentalk", "credential": "https://jwks.example", "organization": "acme"},
        ],
    }
    path = tmp_path / "credentials.json"
    path.write_text(json.dumps(credentials))
    return make_app(auth_mode="strict", credentials_file=path, opentalk_jwks_file=jwks)


async def test_strict_accepts_rs256_tokens_signed_with_the_issuers_key(
    strict_app: PrefixDispatcher, ot_for: MakeClient
) -> None:
    response = await ot_for(strict_app, bearer=signed(IDP_KEY)).get("/users/me")
    assert (response.status_code, response.json()["email"]) == (200, "alice@example.com")


@pytest.mark.parametrize(
    "bearer",
    [
        signed(OTHER_KEY),
        signed(OTHER_KEY, kid="k1"),
        token("alice"),
        "opaque-token",
        signed(IDP_KEY, iss="https://unknown.example"),
        signed(IDP_KEY, iss=None),
        signed(JWKS_KEY, iss="https://jwks.example", kid="unknown"),
        signed(JWKS_KEY, iss="https://jwks.example"),
    ],
)
async def test_strict_refuses_other_tokens_with_401_invalid(
    strict_app: PrefixDispatcher, ot_for: MakeClient, bearer: str
) -> None:
    assert_unauthorized(await ot_for(strict_app, bearer=bearer).get("/users/me"))


async def test_strict_checks_expiry_on_the_virtual_clock(
    strict_app: PrefixDispatcher, ot_for: MakeClient
) -> None:
    client = ot_for(strict_app, bearer=signed(IDP_KEY, exp=NOW // 1000 + 60))
    assert (await client.get("/users/me")).status_code == 200
    strict_app.state.ctx.clock.set(NOW + 60_000)
    assert_unauthorized(await client.get("/users/me"), EXPIRED)


async def test_strict_verifies_with_the_jwks_key_the_kid_names(
    strict_app: PrefixDispatcher, ot_for: MakeClient
) -> None:
    client = ot_for(strict_app, bearer=signed(JWKS_KEY, "bob", kid="k1", iss="https://jwks.example"))
    response = await client.get("/users/me")
    assert (response.status_code, response.json()["email"]) == (200, "bob@example.com")
    # The JWKS key names the key, not the tenant: the issuer is the ISSUER principal here, in the same
    # organisation (acme), so Alice sees Bob.
    alice = ot_for(strict_app, bearer=signed(JWKS_KEY, kid="k1"))
    assert [user["email"] for user in (await alice.get("/users")).json()] == [
        "bob@example.com",
        "alice@example.com",
    ]


async def test_strict_uses_keys_registered_through_the_control_plane(
    strict_app: PrefixDispatcher, ot_for: MakeClient
) -> None:
    late = signed(OTHER_KEY, "carol", iss="https://late.example")
    assert_unauthorized(await ot_for(strict_app, bearer=late).get("/users/me"))
    async with client_for(strict_app) as control:
        created = await control.post(
            f"{CONTROL}/principals",
            json={
                "vendor": "opentalk",
                "credential": "https://late.example",
                "organization": "late",
                "public_key": pem(OTHER_KEY),
            },
        )
        assert created.status_code == 201, created.text
        response = await ot_for(strict_app, bearer=late).get("/users/me")
        assert (response.status_code, response.json()["email"]) == (200, "carol@example.com")
        revoked = await control.delete(f"{CONTROL}/principals/{created.json()['id']}")
        assert revoked.status_code == 204
    assert_unauthorized(await ot_for(strict_app, bearer=late).get("/users/me"))


async def test_strict_login_verifies_the_id_token(strict_app: PrefixDispatcher, ot_for: MakeClient) -> None:
    assert (await login(ot_for, strict_app, signed(IDP_KEY))).json() == {"permissions": []}
    assert_unauthorized(await login(ot_for, strict_app, signed(OTHER_KEY)), INVALID_ID_TOKEN)
    assert_unauthorized(await login(ot_for, strict_app, token("alice")), INVALID_ID_TOKEN)
    assert_unauthorized(await login(ot_for, strict_app, signed(IDP_KEY, exp=NOW // 1000)), SESSION_EXPIRED)
