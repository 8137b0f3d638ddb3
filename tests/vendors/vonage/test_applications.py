"""Vonage PATCH /applications: the default theme, which rooms created afterwards get."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from omnimeet.platform.web import PrefixDispatcher
from omnimeet.vendors.vonage.auth import account_id_of
from tests.vendors.vonage.conftest import MakeClient
from tests.vendors.vonage.support import APP_A, APP_B, BETA_URL, UNAUTHORIZED, assert_answer, error

pytestmark = pytest.mark.anyio


async def make_theme(client: httpx.AsyncClient, name: str = "my_theme") -> str:
    response = await client.post(
        "/themes", json={"theme_name": name, "main_color": "#12f64e", "brand_text": "B"}
    )
    assert response.status_code == 201, response.text
    theme_id: str = response.json()["theme_id"]
    return theme_id


async def new_room_theme(client: httpx.AsyncClient, **fields: Any) -> str | None:
    response = await client.post("/rooms", json={"display_name": "room", **fields})
    assert response.status_code == 201, response.text
    theme_id: str | None = response.json()["theme_id"]
    return theme_id


def application(theme_id: str | None, application_id: str = APP_A) -> dict[str, Any]:
    return {
        "application_id": application_id,
        "account_id": account_id_of(application_id),
        "default_theme_id": theme_id,
    }


def theme_not_found(theme_id: str) -> dict[str, Any]:
    return error(
        400, "BadRequestError", f"Failed to update application because theme id {theme_id} not found"
    )


async def test_set_the_default_theme(vonage: httpx.AsyncClient) -> None:
    assert await new_room_theme(vonage) is None
    theme_id = await make_theme(vonage)
    response = await vonage.patch("/applications", json={"update_details": {"default_theme_id": theme_id}})
    assert_answer(response, 200, application(theme_id))
    assert list(response.json()) == ["application_id", "account_id", "default_theme_id"]
    assert await new_room_theme(vonage) == theme_id
    # A room naming its own theme keeps it.
    other = await make_theme(vonage, "other")
    assert await new_room_theme(vonage, theme_id=other) == other


async def test_change_and_remove_the_default(vonage: httpx.AsyncClient) -> None:
    first, second = await make_theme(vonage, "first"), await make_theme(vonage, "second")
    for theme_id in (first, second):
        response = await vonage.patch(
            "/applications", json={"update_details": {"default_theme_id": theme_id}}
        )
        assert_answer(response, 200, application(theme_id))
    assert await new_room_theme(vonage) == second
    response = await vonage.patch("/applications", json={"update_options": {"default_theme_id": None}})
    assert_answer(response, 200, application(None))
    assert await new_room_theme(vonage) is None


async def test_unknown_theme(vonage: httpx.AsyncClient) -> None:
    response = await vonage.patch(
        "/applications", json={"update_details": {"default_theme_id": "not-a-real-theme-id"}}
    )
    assert_answer(response, 400, theme_not_found("not-a-real-theme-id"))


async def test_another_applications_theme(app: PrefixDispatcher, vonage_for: MakeClient) -> None:
    theirs = await make_theme(vonage_for(app, APP_B))
    mine = vonage_for(app, APP_A)
    response = await mine.patch("/applications", json={"update_details": {"default_theme_id": theirs}})
    assert_answer(response, 400, theme_not_found(theirs))
    assert await new_room_theme(mine) is None


async def test_applications_have_their_own_defaults(app: PrefixDispatcher, vonage_for: MakeClient) -> None:
    a, b = vonage_for(app, APP_A), vonage_for(app, APP_B)
    theme_a = await make_theme(a)
    response = await a.patch("/applications", json={"update_details": {"default_theme_id": theme_a}})
    assert_answer(response, 200, application(theme_a))
    assert await new_room_theme(b) is None
    theme_b = await make_theme(b)
    response = await b.patch("/applications", json={"update_details": {"default_theme_id": theme_b}})
    assert_answer(response, 200, application(theme_b, APP_B))
    assert await new_room_theme(a) == theme_a


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, '"update_details" is required'),
        ({"update_details": {}}, '"update_details" must have at least 1 key'),
        ({"update_options": {}}, '"update_options" must have at least 1 key'),
        ({"update_details": []}, '"update_details" must be of type object'),
        ({"update_details": {"default_theme_id": 5}}, '"update_details.default_theme_id" must be a string'),
    ],
)
async def test_validation(vonage: httpx.AsyncClient, body: dict[str, Any], message: str) -> None:
    assert_answer(
        await vonage.patch("/applications", json=body), 400, error(400, "InputValidationError", message)
    )


async def test_beta_base_and_auth(app: PrefixDispatcher, vonage_for: MakeClient) -> None:
    beta = vonage_for(app, base_url=BETA_URL)
    theme_id = await make_theme(beta)
    response = await beta.patch("/applications", json={"update_details": {"default_theme_id": theme_id}})
    assert_answer(response, 200, application(theme_id))
    anonymous = vonage_for(app, application_id=None)
    response = await anonymous.patch("/applications", json={"update_details": {"default_theme_id": theme_id}})
    assert_answer(response, 401, UNAUTHORIZED)
