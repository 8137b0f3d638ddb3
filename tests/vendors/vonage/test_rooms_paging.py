"""Vonage room pages: GET /rooms and GET /themes/{theme_id}/rooms with page_size, start_id and end_id, their
absolute links (followed as the Node SDK does, with ``new URL(next.href)``), totals, other applications."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from omnimeet.platform.web import PrefixDispatcher
from tests.vendors.vonage.conftest import MakeClient
from tests.vendors.vonage.rooms_support import advance, create_room, make_theme
from tests.vendors.vonage.support import APP_B, BASE_URL, BETA_URL, MINUTE_MS, assert_answer, error

pytestmark = pytest.mark.anyio


def invalid(message: str) -> dict[str, Any]:
    return error(400, "InputValidationError", message)


def link(base: str, query: str) -> dict[str, str]:
    return {"href": f"{base}?{query}"}


def start_of(page: dict[str, Any]) -> int:
    """The ``start_id`` of the page's ``self`` link: its first room's internal id."""
    return int(parse_qs(urlsplit(page["_links"]["self"]["href"]).query)["start_id"][0])


def expected_page(
    base: str, size: int, rooms: list[dict[str, Any]], first_seq: int, last_seq: int, total: int
) -> dict[str, Any]:
    return {
        "page_size": size,
        "_embedded": rooms,
        "_links": {
            "first": link(base, f"page_size={size}"),
            "self": link(base, f"page_size={size}&start_id={first_seq}"),
            "prev": link(base, f"page_size={size}&end_id={first_seq - 1}"),
            "next": link(base, f"page_size={size}&start_id={last_seq + 1}"),
        },
        "total_items": total,
    }


async def follow(
    client: httpx.AsyncClient, url: str, params: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Every page from ``url`` on, following ``_links.next`` (absolute) until a page has none."""
    pages = []
    response = await client.get(url, params=params)
    while True:
        assert response.status_code == 200, response.text
        page = response.json()
        pages.append(page)
        following = page["_links"].get("next")
        if following is None:
            return pages
        assert len(pages) < 50, "paging does not end"
        assert urlsplit(following["href"]).scheme == "http"
        response = await client.get(following["href"])


# --- GET /rooms ------------------------------------------------------------------------------------------


async def test_no_rooms(vonage: httpx.AsyncClient) -> None:
    rooms_url = f"{BASE_URL}/rooms"
    expected = {
        "page_size": 20,
        "_embedded": [],
        "_links": {"first": link(rooms_url, "page_size=20"), "self": link(rooms_url, "page_size=20")},
        "total_items": 0,
    }
    assert_answer(await vonage.get("/rooms"), 200, expected)


async def test_one_page_holds_every_room(vonage: httpx.AsyncClient) -> None:
    rooms = [await create_room(vonage, display_name=f"room {i}") for i in range(5)]
    page = (await vonage.get("/rooms", params={"page_size": 20})).json()
    first = start_of(page)
    assert page == expected_page(f"{BASE_URL}/rooms", 20, rooms, first, first + 4, 5)
    assert_answer(await vonage.get("/rooms"), 200, page)


async def test_pages_in_turn(vonage: httpx.AsyncClient) -> None:
    rooms = [await create_room(vonage, display_name=f"room {i}") for i in range(5)]
    url = f"{BASE_URL}/rooms"
    pages = await follow(vonage, "/rooms", {"page_size": 2})
    first = start_of(pages[0])
    assert pages[0] == expected_page(url, 2, rooms[0:2], first, first + 1, 5)
    assert pages[1] == expected_page(url, 2, rooms[2:4], first + 2, first + 3, 5)
    assert pages[2] == expected_page(url, 2, rooms[4:5], first + 4, first + 4, 5)
    past_the_end = {
        "page_size": 2,
        "_embedded": [],
        "_links": {"first": link(url, "page_size=2"), "self": link(url, f"page_size=2&start_id={first + 5}")},
        "total_items": 5,
    }
    assert pages[3] == past_the_end
    assert len(pages) == 4


async def test_prev_and_end_id(vonage: httpx.AsyncClient) -> None:
    rooms = [await create_room(vonage, display_name=f"room {i}") for i in range(5)]
    first = start_of((await vonage.get("/rooms")).json())
    third_page = (await vonage.get("/rooms", params={"page_size": 2, "start_id": first + 4})).json()
    assert third_page["_embedded"] == rooms[4:]
    second = (await vonage.get(third_page["_links"]["prev"]["href"])).json()
    assert second["_embedded"] == rooms[2:4]
    back_to_first = (await vonage.get(second["_links"]["prev"]["href"])).json()
    assert back_to_first["_embedded"] == rooms[0:2]
    before_everything = (await vonage.get(back_to_first["_links"]["prev"]["href"])).json()
    assert before_everything["_embedded"] == []
    assert set(before_everything["_links"]) == {"first", "self"}
    assert before_everything["_links"]["self"] == link(f"{BASE_URL}/rooms", f"page_size=2&end_id={first - 1}")


async def test_start_and_end_id_together(vonage: httpx.AsyncClient) -> None:
    rooms = [await create_room(vonage, display_name=f"room {i}") for i in range(5)]
    first = start_of((await vonage.get("/rooms")).json())
    params = {"start_id": first + 1, "end_id": first + 3}
    assert (await vonage.get("/rooms", params=params)).json()["_embedded"] == rooms[1:4]
    params = {"start_id": first + 1, "end_id": first + 3, "page_size": 1}
    assert (await vonage.get("/rooms", params=params)).json()["_embedded"] == rooms[1:2]


async def test_links_follow_the_request_base(app: PrefixDispatcher, vonage_for: MakeClient) -> None:
    client = vonage_for(app, base_url="http://meetings.example:8080/vonage/v1/meetings")
    await create_room(client)
    page = (await client.get("/rooms", params={"page_size": 3})).json()
    for name, target in page["_links"].items():
        assert target["href"].startswith(
            "http://meetings.example:8080/vonage/v1/meetings/rooms?page_size=3"
        ), name


async def test_pages_through_the_beta_base(app: PrefixDispatcher, vonage_for: MakeClient) -> None:
    client = vonage_for(app, base_url=BETA_URL)
    rooms = [await create_room(client) for _ in range(3)]
    pages = await follow(client, "/rooms", {"page_size": 2})
    assert [room for page in pages for room in page["_embedded"]] == rooms
    for page in pages:
        for target in page["_links"].values():
            assert target["href"].startswith(f"{BETA_URL}/rooms?page_size=2")


async def test_other_applications_rooms_never_appear(
    app: PrefixDispatcher, vonage: httpx.AsyncClient, vonage_for: MakeClient
) -> None:
    theirs = vonage_for(app, APP_B)
    mine = []
    for i in range(3):
        mine.append(await create_room(vonage, display_name=f"mine {i}"))
        await create_room(theirs, display_name=f"theirs {i}")
    pages = await follow(vonage, "/rooms", {"page_size": 1})
    assert [room for page in pages for room in page["_embedded"]] == mine
    assert {page["total_items"] for page in pages} == {3}
    their_pages = await follow(theirs, "/rooms", {"page_size": 10})
    assert [room["display_name"] for room in their_pages[0]["_embedded"]] == [
        "theirs 0",
        "theirs 1",
        "theirs 2",
    ]


async def test_expired_rooms_are_listed_unavailable(app: PrefixDispatcher, vonage: httpx.AsyncClient) -> None:
    instant = await create_room(vonage)
    long_term = await create_room(vonage, type="long_term", expires_at="2027-01-01T00:00:00Z")
    await advance(app, 10 * MINUTE_MS)
    page = (await vonage.get("/rooms")).json()
    assert page["_embedded"] == [{**instant, "is_available": False}, long_term]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"page_size": "x"}, '"page_size" must be a number'),
        ({"page_size": ""}, '"page_size" must be a number'),
        ({"page_size": "1.5"}, '"page_size" must be a number'),
        ({"page_size": 0}, '"page_size" must be greater than or equal to 1'),
        ({"page_size": -3}, '"page_size" must be greater than or equal to 1'),
        ({"page_size": 1001}, '"page_size" must be less than or equal to 1000'),
        ({"start_id": "abc"}, '"start_id" must be a number'),
        ({"start_id": -1}, '"start_id" must be greater than or equal to 0'),
        ({"start_id": 2**53}, '"start_id" must be less than or equal to 9007199254740991'),
        ({"end_id": "1e3"}, '"end_id" must be a number'),
        ({"end_id": 10**30}, '"end_id" must be less than or equal to 9007199254740991'),
    ],
)
async def test_invalid_paging(vonage: httpx.AsyncClient, params: dict[str, Any], message: str) -> None:
    assert_answer(await vonage.get("/rooms", params=params), 400, invalid(message))


async def test_largest_values_are_accepted(vonage: httpx.AsyncClient) -> None:
    await create_room(vonage)
    params = {"page_size": 1000, "start_id": 2**53 - 1, "end_id": 2**53 - 1}
    page = (await vonage.get("/rooms", params=params)).json()
    assert page["_embedded"] == []
    assert page["total_items"] == 1
    page = (await vonage.get("/rooms", params={"start_id": 0, "end_id": 0})).json()
    assert page["_embedded"] == []


# --- GET /themes/{theme_id}/rooms ----------------------------------------------------------------------


async def test_rooms_of_a_theme(app: PrefixDispatcher, vonage: httpx.AsyncClient) -> None:
    blue = await make_theme(app, "blue", short_company_url="blue")
    red = await make_theme(app, "red")
    blue_rooms = []
    for i in range(3):
        await create_room(vonage, display_name=f"plain {i}")
        blue_rooms.append(await create_room(vonage, display_name=f"blue {i}", theme_id=blue))
        await create_room(vonage, display_name=f"red {i}", theme_id=red)
    url = f"{BASE_URL}/themes/{blue}/rooms"
    pages = await follow(vonage, f"/themes/{blue}/rooms", {"page_size": 2})
    assert len(pages) == 3
    first, second = start_of(pages[0]), start_of(pages[1])
    assert pages[0] == {
        "page_size": 2,
        "_embedded": blue_rooms[0:2],
        "_links": {
            "first": link(url, "page_size=2"),
            "self": link(url, f"page_size=2&start_id={first}"),
            "prev": link(url, f"page_size=2&end_id={first - 1}"),
            "next": link(url, f"page_size=2&start_id={first + 4}"),
        },
        "total_items": 3,
    }
    assert second == first + 6
    assert pages[1]["_embedded"] == blue_rooms[2:]
    assert pages[2]["_embedded"] == []
    assert all(
        room["_links"]["guest_url"]["href"].startswith("https://meetings.vonage.com/blue/")
        for room in blue_rooms
    )
    assert (await vonage.get("/rooms")).json()["total_items"] == 9


async def test_a_theme_without_rooms(app: PrefixDispatcher, vonage: httpx.AsyncClient) -> None:
    theme = await make_theme(app, "unused")
    await create_room(vonage)
    url = f"{BASE_URL}/themes/{theme}/rooms"
    expected = {
        "page_size": 5,
        "_embedded": [],
        "_links": {"first": link(url, "page_size=5"), "self": link(url, "page_size=5")},
        "total_items": 0,
    }
    assert_answer(await vonage.get(f"/themes/{theme}/rooms", params={"page_size": 5}), 200, expected)


@pytest.mark.parametrize("theme_id", ["90a21428-b74a-4221-adc3-783935d654dc", "not-a-uuid"])
async def test_rooms_of_an_unknown_theme(vonage: httpx.AsyncClient, theme_id: str) -> None:
    message = f"Failed to get rooms because theme id {theme_id} not found"
    assert_answer(await vonage.get(f"/themes/{theme_id}/rooms"), 404, error(404, "NotFoundError", message))


async def test_rooms_of_another_applications_theme(app: PrefixDispatcher, vonage: httpx.AsyncClient) -> None:
    theirs = await make_theme(app, "theirs", application_id=APP_B)
    message = f"Failed to get rooms because theme id {theirs} not found"
    assert_answer(await vonage.get(f"/themes/{theirs}/rooms"), 404, error(404, "NotFoundError", message))


async def test_theme_rooms_paging_is_validated_first(vonage: httpx.AsyncClient) -> None:
    response = await vonage.get("/themes/not-a-uuid/rooms", params={"page_size": 0})
    assert_answer(response, 400, invalid('"page_size" must be greater than or equal to 1'))
