"""Telemost conferences: create, read, change, delete, as a client of the real API sees them."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from omnimeet.platform.web import PrefixDispatcher
from tests.vendors.telemost.conftest import MakeTelemostClient
from tests.vendors.telemost.support import (
    NOT_FOUND,
    RID,
    assert_exact_error,
    assert_request_id,
    assert_short,
    create,
    join_url,
    read,
    watch_url_of,
)

pytestmark = pytest.mark.anyio

STREAM = {"access_level": "PUBLIC", "title": "Quarterly all-hands", "description": "Numbers and questions"}


async def test_create_without_live_stream(telemost: httpx.AsyncClient) -> None:
    response = await telemost.post("/conferences", json={})
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json"
    assert_request_id(response)
    body = assert_short(response.json(), stream=False)
    assert set(body) == {"id", "join_url"}


async def test_create_with_live_stream(telemost: httpx.AsyncClient) -> None:
    response = await telemost.post(
        "/conferences", json={"access_level": "ORGANIZATION", "live_stream": STREAM}
    )
    assert response.status_code == 201
    assert_request_id(response)
    assert_short(response.json(), stream=True)


async def test_read_defaults_to_public(telemost: httpx.AsyncClient) -> None:
    created = await create(telemost)
    response = await telemost.get(f"/conferences/{created['id']}")
    assert response.status_code == 200
    assert_request_id(response)
    assert response.json() == {"id": created["id"], "join_url": created["join_url"], "access_level": "PUBLIC"}


async def test_read_with_live_stream(telemost: httpx.AsyncClient) -> None:
    created = await create(telemost, {"access_level": "ORGANIZATION", "live_stream": STREAM})
    assert await read(telemost, created["id"]) == {
        "id": created["id"],
        "join_url": join_url(created["id"]),
        "access_level": "ORGANIZATION",
        "live_stream": {"watch_url": created["live_stream"]["watch_url"], **STREAM},
    }


@pytest.mark.parametrize("level", ["PUBLIC", "ORGANIZATION", "UNKNOWN"])
async def test_access_levels_round_trip(telemost: httpx.AsyncClient, level: str) -> None:
    created = await create(telemost, {"access_level": level, "live_stream": {"access_level": level}})
    got = await read(telemost, created["id"])
    assert got["access_level"] == level
    assert got["live_stream"]["access_level"] == level


async def test_live_stream_without_settings_is_public_and_untitled(telemost: httpx.AsyncClient) -> None:
    created = await create(telemost, {"live_stream": {}})
    got = await read(telemost, created["id"])
    assert got["live_stream"] == {"watch_url": watch_url_of(created), "access_level": "PUBLIC"}


async def test_go_client_body_with_empty_strings(telemost: httpx.AsyncClient) -> None:
    """The Go library sends every LiveStream field (no omitempty): empty strings, and its own watch_url."""
    body = {"live_stream": {"watch_url": "", "access_level": "", "title": "Demo", "description": ""}}
    created = await create(telemost, body)
    got = await read(telemost, created["id"])
    assert got["access_level"] == "PUBLIC"
    assert got["live_stream"] == {
        "watch_url": watch_url_of(created),
        "access_level": "PUBLIC",
        "title": "Demo",
        "description": "",
    }


async def test_unknown_fields_are_ignored(telemost: httpx.AsyncClient) -> None:
    created = await create(
        telemost, {"cohosts": [{"email": "a@example.org"}], "waiting_room_level": "ADMINS"}
    )
    assert await read(telemost, created["id"]) == {
        "id": created["id"],
        "join_url": created["join_url"],
        "access_level": "PUBLIC",
    }


async def test_a_json_body_without_content_type_is_accepted(telemost: httpx.AsyncClient) -> None:
    response = await telemost.post("/conferences", content=b'{"access_level": "ORGANIZATION"}')
    assert response.status_code == 201, response.text
    assert (await read(telemost, response.json()["id"]))["access_level"] == "ORGANIZATION"


async def test_ids_and_links_are_unique(telemost: httpx.AsyncClient) -> None:
    made = [await create(telemost, {"live_stream": {}}) for _ in range(5)]
    assert len({c["id"] for c in made}) == 5
    assert len({c["live_stream"]["watch_url"] for c in made}) == 5


async def test_every_response_has_its_own_request_id(telemost: httpx.AsyncClient) -> None:
    responses = [
        await telemost.post("/conferences", json={}),
        await telemost.get("/conferences/00000000000000"),
        await telemost.get("/conferences/00000000000000"),
    ]
    ids = [assert_request_id(r) for r in responses]
    assert len(set(ids)) == 3


# --- PATCH -------------------------------------------------------------------------------------------------


async def patch(client: httpx.AsyncClient, conference_id: str, body: object, *, stream: bool) -> None:
    response = await client.patch(f"/conferences/{conference_id}", json=body)
    assert response.status_code == 200, response.text
    assert_request_id(response)
    assert assert_short(response.json(), stream=stream)["id"] == conference_id


async def test_patch_access_level_alone_keeps_the_stream(telemost: httpx.AsyncClient) -> None:
    created = await create(telemost, {"live_stream": STREAM})
    before = await read(telemost, created["id"])
    await patch(telemost, created["id"], {"access_level": "ORGANIZATION"}, stream=True)
    assert await read(telemost, created["id"]) == {**before, "access_level": "ORGANIZATION"}


async def test_patch_access_level_alone_adds_no_stream(telemost: httpx.AsyncClient) -> None:
    created = await create(telemost)
    await patch(telemost, created["id"], {"access_level": "ORGANIZATION"}, stream=False)
    assert "live_stream" not in await read(telemost, created["id"])


async def test_patch_empty_body_changes_nothing(telemost: httpx.AsyncClient) -> None:
    created = await create(telemost, {"access_level": "ORGANIZATION", "live_stream": STREAM})
    before = await read(telemost, created["id"])
    await patch(telemost, created["id"], {}, stream=True)
    assert await read(telemost, created["id"]) == before


async def test_patch_adds_a_live_stream(telemost: httpx.AsyncClient) -> None:
    created = await create(telemost, {"access_level": "ORGANIZATION"})
    response = await telemost.patch(f"/conferences/{created['id']}", json={"live_stream": {"title": "Added"}})
    assert response.status_code == 200
    short = assert_short(response.json(), stream=True)
    assert await read(telemost, created["id"]) == {
        "id": created["id"],
        "join_url": created["join_url"],
        "access_level": "ORGANIZATION",
        "live_stream": {"watch_url": watch_url_of(short), "access_level": "PUBLIC", "title": "Added"},
    }


@pytest.mark.parametrize(
    "change",
    [
        {"title": "New title"},
        {"description": "New description"},
        {"access_level": "ORGANIZATION"},
        {"title": "", "description": ""},
        {"access_level": "", "title": "Only the title"},
    ],
)
async def test_patch_updates_only_the_sent_stream_fields(
    telemost: httpx.AsyncClient, change: dict[str, str]
) -> None:
    created = await create(telemost, {"live_stream": STREAM})
    before = await read(telemost, created["id"])
    await patch(telemost, created["id"], {"live_stream": change}, stream=True)
    sent = {key: value for key, value in change.items() if value or key != "access_level"}
    after = await read(telemost, created["id"])
    assert after == {**before, "live_stream": {**before["live_stream"], **sent}}
    assert after["live_stream"]["watch_url"] == created["live_stream"]["watch_url"]


async def test_patch_empty_live_stream_keeps_the_stream(telemost: httpx.AsyncClient) -> None:
    created = await create(telemost, {"live_stream": STREAM})
    before = await read(telemost, created["id"])
    await patch(telemost, created["id"], {"live_stream": {}}, stream=True)
    assert await read(telemost, created["id"]) == before


async def test_patch_conference_and_stream_together(telemost: httpx.AsyncClient) -> None:
    created = await create(telemost, {"live_stream": STREAM})
    body = {"access_level": "ORGANIZATION", "live_stream": {"access_level": "ORGANIZATION"}}
    await patch(telemost, created["id"], body, stream=True)
    got = await read(telemost, created["id"])
    assert got["access_level"] == "ORGANIZATION"
    assert got["live_stream"] == {
        **STREAM,
        "watch_url": watch_url_of(created),
        "access_level": "ORGANIZATION",
    }


async def test_patch_unknown_conference(telemost: httpx.AsyncClient) -> None:
    response = await telemost.patch("/conferences/00000000000000", json={"access_level": "PUBLIC"})
    assert_exact_error(response, 404, NOT_FOUND)


# --- DELETE ------------------------------------------------------------------------------------------------


async def test_delete_then_read_is_not_found(telemost: httpx.AsyncClient) -> None:
    created = await create(telemost, {"live_stream": STREAM})
    response = await telemost.delete(f"/conferences/{created['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert "content-type" not in response.headers
    assert RID in response.headers
    assert_exact_error(await telemost.get(f"/conferences/{created['id']}"), 404, NOT_FOUND)
    assert_exact_error(await telemost.patch(f"/conferences/{created['id']}", json={}), 404, NOT_FOUND)


async def test_delete_twice(telemost: httpx.AsyncClient) -> None:
    created = await create(telemost)
    assert (await telemost.delete(f"/conferences/{created['id']}")).status_code == 204
    assert_exact_error(await telemost.delete(f"/conferences/{created['id']}"), 404, NOT_FOUND)


async def test_delete_leaves_other_conferences(telemost: httpx.AsyncClient) -> None:
    kept, gone = await create(telemost), await create(telemost)
    assert (await telemost.delete(f"/conferences/{gone['id']}")).status_code == 204
    assert (await read(telemost, kept["id"]))["id"] == kept["id"]


@pytest.mark.parametrize("conference_id", ["00000000000000", "12345", "not-a-number"])
async def test_read_unknown_conference(telemost: httpx.AsyncClient, conference_id: str) -> None:
    assert_exact_error(await telemost.get(f"/conferences/{conference_id}"), 404, NOT_FOUND)


# --- configurable hosts ------------------------------------------------------------------------------------


async def test_configured_hosts(
    make_app: Callable[..., PrefixDispatcher], telemost_for: MakeTelemostClient
) -> None:
    join_host, watch_host = "https://meet.example.test", "http://watch.example.test:8080"
    client = telemost_for(make_app(telemost_join_host=join_host, telemost_watch_host=watch_host))
    response = await client.post("/conferences", json={"live_stream": {}})
    assert response.status_code == 201
    created = assert_short(response.json(), stream=True, join_host=join_host, watch_host=watch_host)
    got = await read(client, created["id"])
    assert got["join_url"] == f"{join_host}/j/{created['id']}"
    assert got["live_stream"]["watch_url"] == watch_url_of(created, watch_host)
    patched = await client.patch(f"/conferences/{created['id']}", json={"access_level": "ORGANIZATION"})
    assert patched.json() == created
