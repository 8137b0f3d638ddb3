"""Vonage themes over HTTP: create, list, read, PATCH, DELETE with and without force, every validation and
conflict answer, other applications, the /beta base."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from omnimeet.platform.web import PrefixDispatcher
from omnimeet.vendors.vonage.auth import account_id_of
from tests.vendors.vonage.conftest import MakeClient
from tests.vendors.vonage.support import APP_A, APP_B, BETA_URL, UNAUTHORIZED, assert_answer, error

pytestmark = pytest.mark.anyio

MAIN_COLOR_PATTERN = "#([a-fA-F0-9]{6}|[a-fA-F0-9]{3})$"
SHORT_URL_PATTERN = "^(?=.*[a-zA-Z_~-])([a-zA-Z0-9_~-]+)$"
NO_LOGOS = {
    "brand_image_colored": None,
    "brand_image_white": None,
    "branded_favicon": None,
    "brand_image_white_url": None,
    "brand_image_colored_url": None,
    "branded_favicon_url": None,
}


def invalid(message: str) -> dict[str, Any]:
    return error(400, "InputValidationError", message)


def theme_not_found(theme_id: str) -> dict[str, Any]:
    return error(404, "NotFoundError", f"could not find theme {theme_id}")


def expected_theme(theme_id: str, application_id: str = APP_A, **fields: Any) -> dict[str, Any]:
    return {
        "theme_id": theme_id,
        "theme_name": fields.get("theme_name", "my_theme"),
        "domain": "VCP",
        "account_id": account_id_of(application_id),
        "application_id": application_id,
        "main_color": fields.get("main_color", "#12f64e"),
        "short_company_url": fields.get("short_company_url", "my-company"),
        "brand_text": fields.get("brand_text", "My Company"),
        **NO_LOGOS,
    }


MY_THEME = {
    "theme_name": "my_theme",
    "main_color": "#12f64e",
    "brand_text": "My Company",
    "short_company_url": "my-company",
}


async def create_theme(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    response = await client.post("/themes", json={**MY_THEME, **fields})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


# --- create, list, read -----------------------------------------------------------------------------------


async def test_create_then_read_and_list(vonage: httpx.AsyncClient) -> None:
    created = await create_theme(vonage)
    assert created == expected_theme(created["theme_id"])
    assert list(created) == list(expected_theme(created["theme_id"]))  # the recorded key order
    assert_answer(await vonage.get(f"/themes/{created['theme_id']}"), 200, created)
    other = await create_theme(
        vonage, theme_name="my_other_theme", main_color="#FF0000", short_company_url="my-other-company"
    )
    assert_answer(await vonage.get("/themes"), 200, [created, other])


async def test_no_themes_is_an_empty_list(vonage: httpx.AsyncClient) -> None:
    assert_answer(await vonage.get("/themes"), 200, [])


async def test_only_the_required_fields(vonage: httpx.AsyncClient) -> None:
    response = await vonage.post("/themes", json={"main_color": "#fff", "brand_text": "Brand"})
    assert response.status_code == 201, response.text
    theme = response.json()
    generated = theme["theme_name"]
    assert len(generated) == 36
    assert generated.count("-") == 4
    assert theme == expected_theme(
        theme["theme_id"], theme_name=generated, main_color="#fff", brand_text="Brand", short_company_url=None
    )


async def test_unknown_keys_are_ignored(vonage: httpx.AsyncClient) -> None:
    theme = await create_theme(vonage, domain="VBC", brand_image_white="x")
    assert theme == expected_theme(theme["theme_id"])


async def test_other_applications_themes_are_not_seen(app: PrefixDispatcher, vonage_for: MakeClient) -> None:
    mine = vonage_for(app, APP_A)
    theirs = vonage_for(app, APP_B)
    theme = await create_theme(mine)
    assert_answer(await theirs.get(f"/themes/{theme['theme_id']}"), 404, theme_not_found(theme["theme_id"]))
    assert_answer(await theirs.get("/themes"), 200, [])
    # Names and short URLs are unique per application only.
    again = await create_theme(theirs)
    assert again == expected_theme(again["theme_id"], APP_B)


async def test_unknown_theme(vonage: httpx.AsyncClient) -> None:
    theme_id = "90a21428-b74a-4221-adc3-783935d654dc"
    assert_answer(await vonage.get(f"/themes/{theme_id}"), 404, theme_not_found(theme_id))
    assert_answer(
        await vonage.patch(f"/themes/{theme_id}", json={"update_details": {"brand_text": "x"}}),
        404,
        theme_not_found(theme_id),
    )
    assert_answer(await vonage.delete(f"/themes/{theme_id}"), 404, theme_not_found(theme_id))


async def test_the_beta_base_and_auth(app: PrefixDispatcher, vonage_for: MakeClient) -> None:
    beta = vonage_for(app, base_url=BETA_URL)
    theme = await create_theme(beta)
    assert_answer(await beta.get(f"/themes/{theme['theme_id']}"), 200, theme)
    anonymous = vonage_for(app, application_id=None)
    assert_answer(await anonymous.get("/themes"), 401, UNAUTHORIZED)
    assert_answer(await anonymous.post("/themes", json=MY_THEME), 401, UNAUTHORIZED)


# --- validation ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"brand_text": "B"}, '"main_color" is required'),
        ({"main_color": "#fff"}, '"brand_text" is required'),
        ({}, '"main_color" is required'),
        (
            {"main_color": "red", "brand_text": "B"},
            f'"main_color" with value "red" fails to match the required pattern: /{MAIN_COLOR_PATTERN}/',
        ),
        (
            {"main_color": "#12f6", "brand_text": "B"},
            f'"main_color" with value "#12f6" fails to match the required pattern: /{MAIN_COLOR_PATTERN}/',
        ),
        (
            {"main_color": "#12f64e0", "brand_text": "B"},
            '"main_color" length must be less than or equal to 7 characters long',
        ),
        ({"main_color": "", "brand_text": "B"}, '"main_color" is not allowed to be empty'),
        ({"main_color": 123, "brand_text": "B"}, '"main_color" must be a string'),
        ({"main_color": "#fff", "brand_text": ""}, '"brand_text" is not allowed to be empty'),
        (
            {"main_color": "#fff", "brand_text": "b" * 201},
            '"brand_text" length must be less than or equal to 200 characters long',
        ),
        ({"theme_name": None, "main_color": "#fff", "brand_text": "B"}, '"theme_name" must be a string'),
        (
            {"theme_name": "", "main_color": "#fff", "brand_text": "B"},
            '"theme_name" is not allowed to be empty',
        ),
        (
            {"theme_name": "t" * 201, "main_color": "#fff", "brand_text": "B"},
            '"theme_name" length must be less than or equal to 200 characters long',
        ),
        (
            {"main_color": "#fff", "brand_text": "B", "short_company_url": "12345"},
            f'"short_company_url" with value "12345" fails to match the required pattern: '
            f"/{SHORT_URL_PATTERN}/",
        ),
        (
            {"main_color": "#fff", "brand_text": "B", "short_company_url": "my company"},
            f'"short_company_url" with value "my company" fails to match the required pattern: '
            f"/{SHORT_URL_PATTERN}/",
        ),
        (
            {"main_color": "#fff", "brand_text": "B", "short_company_url": "a" * 129},
            '"short_company_url" length must be less than or equal to 128 characters long',
        ),
        (
            {"main_color": "#fff", "brand_text": "B", "short_company_url": None},
            '"short_company_url" must be a string',
        ),
        ([], '"value" must be of type object'),
    ],
)
async def test_create_validation(vonage: httpx.AsyncClient, body: Any, message: str) -> None:
    assert_answer(await vonage.post("/themes", json=body), 400, invalid(message))
    assert_answer(await vonage.get("/themes"), 200, [])


async def test_patterns_accept_what_the_spec_accepts(vonage: httpx.AsyncClient) -> None:
    for number, (color, short_url) in enumerate([("#ABCDEF", "a"), ("#abc", "a1_~-"), ("#123456", "-9")]):
        theme = await create_theme(
            vonage, theme_name=f"t{number}", main_color=color, short_company_url=short_url
        )
        assert (theme["main_color"], theme["short_company_url"]) == (color, short_url)


async def test_a_body_that_is_not_json(vonage: httpx.AsyncClient) -> None:
    response = await vonage.post(
        "/themes", content=b"main_color=#fff", headers={"Content-Type": "text/plain"}
    )
    assert_answer(response, 400, invalid('"main_color" is required'))
    response = await vonage.post("/themes", content=b"{", headers={"Content-Type": "application/json"})
    assert_answer(response, 400, error(400, "BadRequestError", "Unexpected token in JSON body"))


# --- conflicts -------------------------------------------------------------------------------------------

NAME_TAKEN = error(409, "ConflictError", "theme_name already exists in application")
URL_TAKEN = error(409, "ConflictError", "short_company_url already exists in application")


async def test_create_conflicts(vonage: httpx.AsyncClient) -> None:
    await create_theme(vonage)
    assert_answer(
        await vonage.post("/themes", json={**MY_THEME, "short_company_url": "free"}), 409, NAME_TAKEN
    )
    assert_answer(await vonage.post("/themes", json={**MY_THEME, "theme_name": "free"}), 409, URL_TAKEN)
    # Both taken: the name is reported.
    assert_answer(await vonage.post("/themes", json=MY_THEME), 409, NAME_TAKEN)
    assert len((await vonage.get("/themes")).json()) == 1


async def test_themes_without_a_short_url_do_not_conflict(vonage: httpx.AsyncClient) -> None:
    for name in ("a", "b"):
        response = await vonage.post(
            "/themes", json={"theme_name": name, "main_color": "#fff", "brand_text": "B"}
        )
        assert response.status_code == 201, response.text


async def test_update_conflicts(vonage: httpx.AsyncClient) -> None:
    await create_theme(vonage)
    other = await create_theme(vonage, theme_name="other", short_company_url="other-company")
    path = f"/themes/{other['theme_id']}"
    assert_answer(
        await vonage.patch(path, json={"update_details": {"theme_name": "my_theme"}}), 409, NAME_TAKEN
    )
    assert_answer(
        await vonage.patch(path, json={"update_details": {"short_company_url": "my-company"}}), 409, URL_TAKEN
    )
    # A theme keeps its own name and URL.
    same = {"theme_name": "other", "short_company_url": "other-company"}
    assert_answer(await vonage.patch(path, json={"update_details": same}), 200, other)


# --- PATCH -----------------------------------------------------------------------------------------------


async def test_update_every_field(vonage: httpx.AsyncClient) -> None:
    theme = await create_theme(vonage)
    changes = {
        "theme_name": "updated_theme",
        "main_color": "#FF0000",
        "brand_text": "My Updated Company Name",
        "short_company_url": "updated_company_url",
    }
    response = await vonage.patch(f"/themes/{theme['theme_id']}", json={"update_details": changes})
    updated = expected_theme(theme["theme_id"], **changes)
    assert_answer(response, 200, updated)
    assert_answer(await vonage.get(f"/themes/{theme['theme_id']}"), 200, updated)


async def test_update_some_fields_with_update_options(vonage: httpx.AsyncClient) -> None:
    theme = await create_theme(vonage)
    response = await vonage.patch(
        f"/themes/{theme['theme_id']}", json={"update_options": {"brand_text": "New"}}
    )
    assert_answer(response, 200, {**theme, "brand_text": "New"})


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, '"update_details" is required'),
        ({"update_details": {}}, '"update_details" must have at least 1 key'),
        ({"update_details": {"unknown": 1}}, '"update_details" must have at least 1 key'),
        ({"update_options": {}}, '"update_options" must have at least 1 key'),
        ({"update_details": "x"}, '"update_details" must be of type object'),
        (
            {"update_details": {"main_color": "blue"}},
            f'"update_details.main_color" with value "blue" fails to match the required pattern: '
            f"/{MAIN_COLOR_PATTERN}/",
        ),
        (
            {"update_details": {"short_company_url": "123"}},
            f'"update_details.short_company_url" with value "123" fails to match the required pattern: '
            f"/{SHORT_URL_PATTERN}/",
        ),
        ({"update_details": {"theme_name": None}}, '"update_details.theme_name" must be a string'),
        ({"update_details": {"brand_text": ""}}, '"update_details.brand_text" is not allowed to be empty'),
    ],
)
async def test_update_validation(vonage: httpx.AsyncClient, body: dict[str, Any], message: str) -> None:
    theme = await create_theme(vonage)
    assert_answer(await vonage.patch(f"/themes/{theme['theme_id']}", json=body), 400, invalid(message))
    assert_answer(await vonage.get(f"/themes/{theme['theme_id']}"), 200, theme)


# --- DELETE ----------------------------------------------------------------------------------------------


async def make_room(client: httpx.AsyncClient, theme_id: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"display_name": "room"}
    if theme_id is not None:
        body["theme_id"] = theme_id
    response = await client.post("/rooms", json=body)
    assert response.status_code == 201, response.text
    room: dict[str, Any] = response.json()
    return room


def in_use(theme_id: str, *reasons: str) -> dict[str, Any]:
    return error(
        400, "BadRequestError", "could not delete theme", [reason.format(theme_id) for reason in reasons]
    )


async def test_delete_an_unused_theme(vonage: httpx.AsyncClient) -> None:
    theme = await create_theme(vonage)
    response = await vonage.delete(f"/themes/{theme['theme_id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert_answer(await vonage.get(f"/themes/{theme['theme_id']}"), 404, theme_not_found(theme["theme_id"]))
    # The name and the URL are free again.
    await create_theme(vonage)


async def test_delete_a_theme_in_use(vonage: httpx.AsyncClient) -> None:
    theme = await create_theme(vonage)
    theme_id = theme["theme_id"]
    room = await make_room(vonage, theme_id)
    assert room["theme_id"] == theme_id
    one_room = in_use(theme_id, "Theme {} is used by 1 room")
    for query in ({}, {"force": "false"}, {"force": "False"}):
        assert_answer(await vonage.delete(f"/themes/{theme_id}", params=query), 400, one_room)
    await make_room(vonage, theme_id)
    assert_answer(
        await vonage.delete(f"/themes/{theme_id}"), 400, in_use(theme_id, "Theme {} is used by 2 rooms")
    )
    response = await vonage.delete(f"/themes/{theme_id}", params={"force": "True"})
    assert response.status_code == 204, response.text
    room_now = (await vonage.get(f"/rooms/{room['id']}")).json()
    assert room_now["theme_id"] is None


async def test_force_true_as_the_node_sdk_sends_it(vonage: httpx.AsyncClient) -> None:
    theme = await create_theme(vonage)
    await make_room(vonage, theme["theme_id"])
    response = await vonage.delete(f"/themes/{theme['theme_id']}", params={"force": "true"})
    assert response.status_code == 204, response.text


@pytest.mark.parametrize("value", ["yes", "1", "", "tru"])
async def test_force_must_be_a_boolean(vonage: httpx.AsyncClient, value: str) -> None:
    theme = await create_theme(vonage)
    response = await vonage.delete(f"/themes/{theme['theme_id']}", params={"force": value})
    assert_answer(response, 400, invalid('"force" must be a boolean'))
    assert_answer(await vonage.get(f"/themes/{theme['theme_id']}"), 200, theme)


async def test_delete_the_default_theme(vonage: httpx.AsyncClient) -> None:
    default = await create_theme(vonage)
    default_id = default["theme_id"]
    other = await create_theme(vonage, theme_name="other", short_company_url="other")
    response = await vonage.patch("/applications", json={"update_details": {"default_theme_id": default_id}})
    assert response.status_code == 200, response.text
    room = await make_room(vonage)
    assert room["theme_id"] == default_id
    assert_answer(
        await vonage.delete(f"/themes/{default_id}"),
        400,
        in_use(default_id, "Theme {} is used by 1 room", "Theme {} is the default theme of the application"),
    )
    # Forcing the deletion of another theme moves its rooms to the default theme.
    moved = await make_room(vonage, other["theme_id"])
    response = await vonage.delete(f"/themes/{other['theme_id']}", params={"force": "true"})
    assert response.status_code == 204, response.text
    assert (await vonage.get(f"/rooms/{moved['id']}")).json()["theme_id"] == default_id
    # Forcing the default's deletion leaves the application without one.
    response = await vonage.delete(f"/themes/{default_id}", params={"force": "true"})
    assert response.status_code == 204, response.text
    assert (await vonage.get(f"/rooms/{room['id']}")).json()["theme_id"] is None
    assert (await make_room(vonage))["theme_id"] is None


async def test_null_characters(vonage: httpx.AsyncClient) -> None:
    """U+0000 cannot be stored (PostgreSQL): refused in bodies, never found in ids."""
    body = {"theme_name": "a\x00b", "main_color": "#fff", "brand_text": "B"}
    assert_answer(
        await vonage.post("/themes", json=body), 400, invalid('"theme_name" must not contain null characters')
    )
    assert_answer(await vonage.get("/themes/a%00b"), 404, theme_not_found("a\x00b"))
    assert_answer(await vonage.delete("/themes/a%00b"), 404, theme_not_found("a\x00b"))
    response = await vonage.put("/themes/a%00b/finalizeLogos", json={"keys": ["k"]})
    assert_answer(response, 404, theme_not_found("a\x00b"))
    theme = await create_theme(vonage)
    response = await vonage.put(f"/themes/{theme['theme_id']}/finalizeLogos", json={"keys": ["k\x00"]})
    errors = [{"logoKey": "k\x00", "code": "key_not_found"}]
    assert_answer(response, 400, error(400, "BadRequestError", "could not finalize logos", errors))
    response = await vonage.patch("/applications", json={"update_details": {"default_theme_id": "a\x00"}})
    message = "Failed to update application because theme id a\x00 not found"
    assert_answer(response, 400, error(400, "BadRequestError", message))
    response = await vonage.get("http://omnimeet.test/vonage/_s3/logos/logos/white/a%00")
    assert response.status_code == 404
    assert "<Key>logos/white/a\ufffd</Key>" in response.text
