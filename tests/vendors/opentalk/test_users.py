"""OpenTalk users over HTTP: the own profile (with storage use and tariff status), its settings, the
deployment's users, one user, search; the 401s of a missing, invalid or expired access token."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
import pytest

from omnimeet.domain.assets import AssetService
from omnimeet.domain.rooms import RoomService
from omnimeet.platform.web import PrefixDispatcher
from tests.vendors.opentalk.conftest import MakeClient
from tests.vendors.opentalk.support import (
    BAD_REQUEST,
    BASE_URL,
    NOT_FOUND,
    NOW,
    assert_error,
    assert_unauthorized,
    token,
)

pytestmark = pytest.mark.anyio

EXPIRED = 'Bearer error="invalid_token", error_description="The provided access token expired"'


def avatar(email: str) -> str:
    return "https://gravatar.com/avatar/" + hashlib.md5(email.encode(), usedforsecurity=False).hexdigest()


def public(user_id: str, first: str, last: str, email: str, **overrides: str) -> dict[str, Any]:
    profile = {
        "id": user_id,
        "email": email,
        "title": "",
        "firstname": first,
        "lastname": last,
        "display_name": f"{first} {last}",
        "avatar_url": avatar(email),
    }
    return {**profile, **overrides}


def private(user_id: str, used_storage: int = 0, **overrides: str) -> dict[str, Any]:
    profile = {
        **public(user_id, "Alice", "Adams", "alice@example.com"),
        "dashboard_theme": "",
        "conference_theme": "",
        "language": "",
        "tariff_status": "default",
        "used_storage": used_storage,
    }
    return {**profile, **overrides}


async def user_id(client: httpx.AsyncClient) -> str:
    response = await client.get("/users/me")
    assert response.status_code == 200, response.text
    value: str = response.json()["id"]
    return value


async def test_me_is_the_private_profile_made_from_the_tokens_claims(ot: httpx.AsyncClient) -> None:
    response = await ot.get("/users/me")
    assert (response.status_code, response.headers["content-type"]) == (200, "application/json")
    me = response.json()
    assert me == private(me["id"])
    assert await user_id(ot) == me["id"]


async def test_used_storage_is_the_size_of_the_assets_in_the_users_rooms(
    app: PrefixDispatcher, ot: httpx.AsyncClient, ot_bob: httpx.AsyncClient
) -> None:
    alice, bob = await user_id(ot), await user_id(ot_bob)
    ctx = app.state.ctx
    principal = ctx.authenticate("opentalk", "https://keycloak.example/realms/opentalk")
    assets = AssetService(ctx.clock)
    with ctx.db.transaction() as tx:
        for owner, room_id in ((alice, "room-a"), (bob, "room-b")):
            RoomService(ctx.clock).create(tx, principal, room_id, {"owner_id": owner})
        assets.add(
            tx, principal.tenant_id, "opentalk", "a1", b"x" * 1000, owner_ref="room-a", filename="r.webm"
        )
        assets.add(tx, principal.tenant_id, "opentalk", "a2", b"y" * 24, owner_ref="room-a", filename="n.pdf")
        assets.add(tx, principal.tenant_id, "opentalk", "b1", b"z" * 7, owner_ref="room-b", filename="b.webm")
    assert (await ot.get("/users/me")).json() == private(alice, used_storage=1024)
    assert (await ot_bob.get("/users/me")).json()["used_storage"] == 7


async def test_patch_me_changes_the_settings_and_answers_the_profile(ot: httpx.AsyncClient) -> None:
    me = await user_id(ot)
    changes = {
        "title": "Dr.",
        "display_name": "Captain Alice",
        "language": "de-DE",
        "dashboard_theme": "dark",
        "conference_theme": "system",
    }
    response = await ot.patch("/users/me", json=changes)
    assert (response.status_code, response.json()) == (200, private(me, **changes))
    again = await ot.patch("/users/me", json={"title": "Prof.", "language": None})
    assert again.json() == private(me, **{**changes, "title": "Prof."})
    assert (await ot.get("/users/me")).json() == private(me, **{**changes, "title": "Prof."})


@pytest.mark.parametrize("body", [{}, {"title": None, "language": None}, {"nickname": "ignored"}])
async def test_patch_me_with_nothing_to_change_is_204_without_a_body(
    ot: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    me = await user_id(ot)
    response = await ot.patch("/users/me", json=body)
    assert (response.status_code, response.content) == (204, b"")
    assert (await ot.get("/users/me")).json() == private(me)


async def test_patch_me_refuses_too_long_values(ot: httpx.AsyncClient) -> None:
    response = await ot.patch("/users/me", json={"language": "x" * 36, "title": "ok"})
    assert_error(
        response,
        422,
        {
            "code": "validation_failed",
            "message": "Some provided values are invalid",
            "errors": [
                {
                    "field": "language",
                    "code": "invalid_length",
                    "message": "String should have at most 35 characters",
                }
            ],
        },
    )
    assert (await ot.get("/users/me")).json()["title"] == ""


async def test_patch_me_themes_hold_128_characters(ot: httpx.AsyncClient) -> None:
    assert (await ot.patch("/users/me", json={"dashboard_theme": "t" * 128})).status_code == 200
    response = await ot.patch("/users/me", json={"conference_theme": "t" * 129})
    assert (response.status_code, response.json()["errors"][0]["code"]) == (422, "invalid_length")


async def test_patch_me_refuses_nul_characters(ot: httpx.AsyncClient) -> None:
    response = await ot.patch("/users/me", json={"display_name": "A\u0000B"})
    assert_error(
        response,
        422,
        {
            "code": "validation_failed",
            "message": "Some provided values are invalid",
            "errors": [
                {
                    "field": "display_name",
                    "code": "invalid_value",
                    "message": "Value must not contain NUL characters",
                }
            ],
        },
    )


async def test_patch_me_with_a_body_that_is_not_json_is_400(ot: httpx.AsyncClient) -> None:
    response = await ot.patch("/users/me", content=b"{", headers={"content-type": "application/json"})
    assert_error(response, 400, {"code": "invalid_json", "message": "Payload is not valid json"})


async def test_users_lists_the_deployment_in_sign_up_order_with_page_links(
    app: PrefixDispatcher, ot: httpx.AsyncClient, ot_bob: httpx.AsyncClient, ot_for: MakeClient
) -> None:
    alice, bob = await user_id(ot), await user_id(ot_bob)
    carol = await user_id(ot_for(app, "carol"))
    await user_id(ot_for(app, bearer=token("dave", iss="https://other.example")))
    everyone = await ot.get("/users")
    assert everyone.json() == [
        public(alice, "Alice", "Adams", "alice@example.com"),
        public(bob, "Bob", "Baker", "bob@example.com"),
        public(carol, "Carol", "Clark", "carol@example.com"),
    ]
    assert everyone.headers["link"] == f"<{BASE_URL}/users?per_page=30&page=1>; rel='first'"
    middle = await ot_bob.get("/users", params={"per_page": 1, "page": 2})
    assert middle.json() == [public(bob, "Bob", "Baker", "bob@example.com")]
    assert middle.headers["link"] == ", ".join(
        [
            f"<{BASE_URL}/users?per_page=1&page=1>; rel='first'",
            f"<{BASE_URL}/users?per_page=1&page=1>; rel='prev'",
            f"<{BASE_URL}/users?per_page=1&page=3>; rel='next'",
            f"<{BASE_URL}/users?per_page=1&page=3>; rel='last'",
        ]
    )


@pytest.mark.parametrize("query", ["per_page=0", "per_page=101", "page=0", "page=x"])
async def test_users_with_a_bad_page_is_400(ot: httpx.AsyncClient, query: str) -> None:
    assert_error(await ot.get(f"/users?{query}"), 400, BAD_REQUEST)


async def test_user_by_id_is_the_public_profile_of_a_user_of_the_deployment(
    app: PrefixDispatcher, ot: httpx.AsyncClient, ot_bob: httpx.AsyncClient, ot_for: MakeClient
) -> None:
    bob = await user_id(ot_bob)
    dave = await user_id(ot_for(app, bearer=token("dave", iss="https://other.example")))
    response = await ot.get(f"/users/{bob}")
    assert (response.status_code, response.json()) == (200, public(bob, "Bob", "Baker", "bob@example.com"))
    assert (await ot.get(f"/users/{bob.upper()}")).json()["id"] == bob
    assert_error(await ot.get(f"/users/{dave}"), 404, NOT_FOUND)
    assert_error(await ot.get("/users/00000000-0000-4000-8000-000000000000"), 404, NOT_FOUND)
    assert_error(await ot.get("/users/not-a-uuid"), 400, BAD_REQUEST)


async def test_find_matches_names_and_emails_of_the_deployment(
    app: PrefixDispatcher, ot: httpx.AsyncClient, ot_bob: httpx.AsyncClient, ot_for: MakeClient
) -> None:
    bob = await user_id(ot_bob)
    carol = await user_id(ot_for(app, "carol"))
    await user_id(ot_for(app, bearer=token("bobby", iss="https://other.example", given_name="Bobby")))
    found = await ot.get("/users/find", params={"q": "BAKER"})
    assert (found.status_code, found.json()) == (
        200,
        [{"kind": "registered", **public(bob, "Bob", "Baker", "bob@example.com")}],
    )
    by_mail = await ot.get("/users/find", params={"q": "carol@"})
    assert by_mail.json() == [{"kind": "registered", **public(carol, "Carol", "Clark", "carol@example.com")}]
    assert (await ot.get("/users/find", params={"q": "  "})).json() == []
    assert (await ot.get("/users/find", params={"q": "nobody"})).json() == []
    assert (await ot.get("/users/find", params={"q": "baker" + "z" * 50_000})).json() == []
    assert_error(await ot.get("/users/find"), 400, BAD_REQUEST)


@pytest.mark.parametrize(
    "path", ["/users", "/users/me", "/users/find?q=a", "/users/00000000-0000-4000-8000-000000000000"]
)
async def test_without_an_access_token_users_routes_are_401(
    app: PrefixDispatcher, ot_for: MakeClient, path: str
) -> None:
    assert_unauthorized(await ot_for(app, bearer=None).get(path))


async def test_an_expired_access_token_is_401_expired(app: PrefixDispatcher, ot_for: MakeClient) -> None:
    client = ot_for(app, bearer=token("alice", exp=NOW // 1000))
    assert_unauthorized(await client.get("/users/me"), EXPIRED)
    fresh = ot_for(app, bearer=token("alice", exp=NOW // 1000 + 1))
    assert (await fresh.get("/users/me")).status_code == 200


@pytest.mark.parametrize("subject", ["a\u0000b", "s" * 256])
async def test_a_token_whose_subject_cannot_be_kept_is_401(
    app: PrefixDispatcher, ot_for: MakeClient, subject: str
) -> None:
    assert_unauthorized(await ot_for(app, bearer=token(subject)).get("/users/me"))
    long_names = token("alice", given_name="G" * 256, name="N" * 256)
    me = (await ot_for(app, bearer=long_names).get("/users/me")).json()
    assert (me["firstname"], me["display_name"]) == ("", "Adams")


async def test_a_malformed_access_token_is_401_invalid(app: PrefixDispatcher, ot_for: MakeClient) -> None:
    assert_unauthorized(await ot_for(app, bearer="a.b.c").patch("/users/me", json={"title": "x"}))
