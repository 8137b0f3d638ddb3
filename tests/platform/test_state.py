"""Reset of one tenant, and state export/import (``GET``/``POST /_omnimeet/state``)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from omnimeet.domain.tables import TENANTS, metadata
from omnimeet.main import create_app
from omnimeet.platform.clock import iso_ms
from omnimeet.platform.config import Settings
from omnimeet.platform.context import AppContext
from omnimeet.platform.migrate import SCHEMA_HEAD
from omnimeet.platform.web import PrefixDispatcher
from tests.domain.seed import NOW, fill_every_table

pytestmark = pytest.mark.anyio

TELEMOST = "http://omnimeet.test/telemost/v1/telemost-api"
TOKEN_A = "state-token-a"
TOKEN_B = "state-token-b"
TABLE_ORDER = [table.name for table in metadata.sorted_tables]


def telemost(app: PrefixDispatcher, token: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=TELEMOST, headers={"Authorization": f"OAuth {token}"}
    )


async def create_conference(app: PrefixDispatcher, token: str, body: dict[str, Any] | None = None) -> str:
    async with telemost(app, token) as client:
        response = await client.post("/conferences", json=body or {})
    assert response.status_code == 201, response.text
    conference_id: str = response.json()["id"]
    return conference_id


async def read_conference(app: PrefixDispatcher, token: str, conference_id: str) -> httpx.Response:
    async with telemost(app, token) as client:
        return await client.get(f"/conferences/{conference_id}")


async def tenant_of(client: httpx.AsyncClient, token: str) -> str:
    """The tenant of a (self-provisioned) Telemost token, as the principals list shows it."""
    from omnimeet.domain.tenancy import principal_id

    listed = await client.get("/_omnimeet/principals", params={"vendor": "telemost"})
    assert listed.status_code == 200
    tenants = [p["tenant"] for p in listed.json()["principals"] if p["id"] == principal_id("telemost", token)]
    assert len(tenants) == 1, listed.json()
    tenant: str = tenants[0]
    return tenant


def counts_by_tenant(ctx: AppContext, tenant_id: str) -> dict[str, int]:
    counts = {}
    with ctx.db.transaction(write=False) as tx:
        for table in metadata.sorted_tables:
            stmt = select(func.count()).select_from(table)
            if "tenant_id" in table.c:
                stmt = stmt.where(table.c.tenant_id == tenant_id)
            elif table is not TENANTS:
                continue
            else:
                stmt = stmt.where(table.c.id == tenant_id)
            row = tx.fetch_one(stmt)
            assert row is not None
            counts[table.name] = int(row[0])
    return counts


async def export(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/_omnimeet/state")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    document: dict[str, Any] = response.json()
    return document


def without_time(document: dict[str, Any]) -> dict[str, Any]:
    trimmed = dict(document)
    trimmed.pop("exported_at")
    return trimmed


# --- reset of one tenant ---------------------------------------------------------------------------------


async def test_reset_of_one_tenant_keeps_the_others_and_its_credentials(
    app: PrefixDispatcher, client: httpx.AsyncClient
) -> None:
    a_room = await create_conference(app, TOKEN_A, {"live_stream": {"title": "A"}})
    b_room = await create_conference(app, TOKEN_B, {"live_stream": {"title": "B"}})
    tenant_a = await tenant_of(client, TOKEN_A)
    principals_before = (await client.get("/_omnimeet/principals")).json()

    response = await client.post("/_omnimeet/reset", json={"tenant": tenant_a})
    assert (response.status_code, response.content) == (204, b"")

    assert (await read_conference(app, TOKEN_A, a_room)).status_code == 404
    survivor = await read_conference(app, TOKEN_B, b_room)
    assert (survivor.status_code, survivor.json()["live_stream"]["title"]) == (200, "B")
    # The tenant and its principal are still there: the token works, in the same tenant.
    assert (await client.get("/_omnimeet/principals")).json() == principals_before
    again = await create_conference(app, TOKEN_A)
    assert (await read_conference(app, TOKEN_A, again)).status_code == 200
    assert await tenant_of(client, TOKEN_A) == tenant_a


async def test_reset_of_one_tenant_deletes_its_rows_in_every_table(
    app: PrefixDispatcher, client: httpx.AsyncClient
) -> None:
    ctx: AppContext = app.state.ctx
    with ctx.db.transaction() as tx:
        fill_every_table(tx, "one")
        fill_every_table(tx, "two")
    everything_of_two = counts_by_tenant(ctx, "two")
    assert all(everything_of_two.values()), everything_of_two
    before = await export(client)

    response = await client.post("/_omnimeet/reset", json={"tenant": "one"})
    assert response.status_code == 204

    assert {name: n for name, n in counts_by_tenant(ctx, "one").items() if n} == {
        "tenants": 1,
        "principals": 1,
    }
    assert counts_by_tenant(ctx, "two") == everything_of_two
    after = await export(client)
    # webhook_attempts has no tenant column: the attempt of tenant one's outbox row went with it.
    two_outbox = {row["seq"] for row in before["tables"]["outbox"] if row["tenant_id"] == "two"}
    assert [row["outbox_seq"] for row in after["tables"]["webhook_attempts"]] == sorted(two_outbox)
    for name in TABLE_ORDER:
        kept = [row for row in before["tables"][name] if row.get("tenant_id", "two") != "one"]
        if name in {"tenants", "principals"}:
            kept = before["tables"][name]
        if name == "webhook_attempts":
            kept = [row for row in kept if row["outbox_seq"] in two_outbox]
        assert after["tables"][name] == kept, name


async def test_reset_of_an_unknown_tenant_is_404(client: httpx.AsyncClient) -> None:
    response = await client.post("/_omnimeet/reset", json={"tenant": "nobody"})
    assert response.status_code == 404
    assert response.json() == {
        "error": "not_found",
        "message": "tenant: not_found (tenant=nobody)",
        "details": {"tenant": "nobody"},
    }


@pytest.mark.parametrize("body", [{"tenant": ""}, {"tenant": 5}, {"tenants": "x"}, []])
async def test_reset_with_a_bad_body_is_400(
    app: PrefixDispatcher, client: httpx.AsyncClient, body: Any
) -> None:
    room = await create_conference(app, TOKEN_A)
    response = await client.post("/_omnimeet/reset", json=body)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert (await read_conference(app, TOKEN_A, room)).status_code == 200  # nothing was wiped


async def test_reset_without_a_body_wipes_everything(
    app: PrefixDispatcher, client: httpx.AsyncClient
) -> None:
    room = await create_conference(app, TOKEN_A)
    response = await client.post("/_omnimeet/reset")
    assert response.status_code == 204
    document = await export(client)
    assert {name: rows for name, rows in document["tables"].items() if rows} == {}
    assert (await read_conference(app, TOKEN_A, room)).status_code == 404


# --- export ----------------------------------------------------------------------------------------------


async def test_export_of_an_empty_emulator(app: PrefixDispatcher, client: httpx.AsyncClient) -> None:
    ctx: AppContext = app.state.ctx
    ctx.clock.freeze()
    ctx.clock.set(1_800_000_000_123)
    document = await export(client)
    assert document == {
        "format": "omnimeet-state",
        "version": 1,
        "schema": SCHEMA_HEAD,
        "exported_at": "2027-01-15T08:00:00.123Z",
        "clock": {"now_ms": 1_800_000_000_123, "frozen": True},
        "tables": {name: [] for name in TABLE_ORDER},
    }
    assert list(document["tables"]) == TABLE_ORDER


async def test_export_has_every_column_in_key_order_with_booleans(
    app: PrefixDispatcher, client: httpx.AsyncClient
) -> None:
    ctx: AppContext = app.state.ctx
    with ctx.db.transaction() as tx:
        fill_every_table(tx, "zeta")
        fill_every_table(tx, "alpha")
    document = await export(client)
    assert list(document["tables"]) == TABLE_ORDER
    for table in metadata.sorted_tables:
        rows = document["tables"][table.name]
        assert rows, table.name
        for row in rows:
            assert list(row) == [column.name for column in table.c]
        keys = [[row[c.name] for c in table.primary_key.columns] for row in rows]
        assert keys == sorted(keys), table.name
    assert [row["id"] for row in document["tables"]["tenants"]] == ["alpha", "zeta"]
    tenant = document["tables"]["tenants"][0]
    assert tenant == {
        "id": "alpha",
        "name": "Seeded",
        "is_organization": True,
        "plan": "default",
        "features": '["*"]',
        "created_at_ms": NOW,
    }
    assert {row["is_host"] for row in document["tables"]["participants"]} == {True}
    assert {row["waiting_room"] for row in document["tables"]["rooms"]} == {False}


# --- round trips -----------------------------------------------------------------------------------------


async def test_round_trip_of_telemost_conferences(app: PrefixDispatcher, client: httpx.AsyncClient) -> None:
    ctx: AppContext = app.state.ctx
    a_room = await create_conference(
        app, TOKEN_A, {"access_level": "PUBLIC", "live_stream": {"title": "Town hall", "description": "Q3"}}
    )
    b_room = await create_conference(app, TOKEN_B)
    a_before = (await read_conference(app, TOKEN_A, a_room)).json()
    ctx.clock.advance(3_600_000)
    ctx.clock.freeze()
    frozen_at = ctx.clock.now_ms()
    first = await export(client)
    assert len(first["tables"]["rooms"]) == 2
    assert len(first["tables"]["live_streams"]) == 1

    assert (await client.post("/_omnimeet/reset")).status_code == 204
    assert not ctx.clock.frozen
    assert (await read_conference(app, TOKEN_A, a_room)).status_code == 404
    response = await client.post("/_omnimeet/state", json=first)
    assert (response.status_code, response.content) == (204, b"")

    assert (ctx.clock.frozen, ctx.clock.now_ms()) == (True, frozen_at)
    second = await export(client)
    assert without_time(second) == without_time(first)
    assert (await read_conference(app, TOKEN_A, a_room)).json() == a_before
    assert (await read_conference(app, TOKEN_B, b_room)).status_code == 200
    assert (await read_conference(app, TOKEN_B, a_room)).status_code == 403  # tenants kept apart


async def test_round_trip_of_rows_in_every_table(app: PrefixDispatcher, client: httpx.AsyncClient) -> None:
    ctx: AppContext = app.state.ctx
    ctx.clock.freeze()  # a running clock would move between the two exports
    with ctx.db.transaction() as tx:
        fill_every_table(tx, "one")
        fill_every_table(tx, "two")
        tx.insert(
            metadata.tables["webhook_endpoints"],
            {"tenant_id": None, "api": "telemost", "url": "http://x/", "events": "[]", "created_at_ms": 1},
        )
    first = await export(client)
    assert all(first["tables"][name] for name in TABLE_ORDER)
    assert (await client.post("/_omnimeet/reset")).status_code == 204

    assert (await client.post("/_omnimeet/state", json=first)).status_code == 204
    assert without_time(await export(client)) == without_time(first)
    # Importing over existing data replaces it.
    assert (await client.post("/_omnimeet/state", json=first)).status_code == 204
    assert without_time(await export(client)) == without_time(first)


async def test_import_of_an_empty_document_empties_the_database(
    app: PrefixDispatcher, client: httpx.AsyncClient
) -> None:
    room = await create_conference(app, TOKEN_A)
    document = {"format": "omnimeet-state", "version": 1, "schema": SCHEMA_HEAD}
    assert (await client.post("/_omnimeet/state", json=document)).status_code == 204
    assert all(not rows for rows in (await export(client))["tables"].values())
    assert (await read_conference(app, TOKEN_A, room)).status_code == 404


async def test_new_rows_after_an_import_get_fresh_keys(
    app: PrefixDispatcher, client: httpx.AsyncClient
) -> None:
    """On PostgreSQL the sequences behind ``seq`` are moved past the imported keys."""
    for _ in range(3):
        await create_conference(app, TOKEN_A, {"live_stream": {}})
    document = await export(client)
    # Far above anything the sequences have handed out.
    for name in ("rooms", "live_streams"):
        for row in document["tables"][name]:
            row["seq"] += 1000
    for row in document["tables"]["live_streams"]:
        row["room_seq"] += 1000
    assert (await client.post("/_omnimeet/reset")).status_code == 204
    assert (await client.post("/_omnimeet/state", json=document)).status_code == 204

    new_room = await create_conference(app, TOKEN_A, {"live_stream": {}})
    after = await export(client)
    seqs = [row["seq"] for row in after["tables"]["rooms"]]
    assert len(seqs) == 4
    assert seqs[-1] > max(seqs[:-1]) >= 1000
    assert after["tables"]["rooms"][-1]["public_id"] == new_room
    assert after["tables"]["live_streams"][-1]["room_seq"] == seqs[-1]


async def test_import_fills_defaults_and_seq_when_left_out(
    app: PrefixDispatcher, client: httpx.AsyncClient
) -> None:
    """A hand-written document may leave out defaulted columns and the auto-numbered ``seq``."""
    from omnimeet.domain.tenancy import credential_hash

    ctx: AppContext = app.state.ctx
    ctx.clock.freeze()
    document = {
        "format": "omnimeet-state",
        "version": 1,
        "schema": SCHEMA_HEAD,
        "tables": {
            "tenants": [
                {"id": "org_acme", "name": "Acme", "is_organization": True, "plan": "default",
                 "features": '["*"]', "created_at_ms": NOW}
            ],
            "principals": [
                {"id": "p_acme", "tenant_id": "org_acme", "api": "telemost",
                 "credential_hash": credential_hash("telemost", "acme-token"), "label": "", "scopes": '["*"]',
                 "created_at_ms": NOW}
            ],
            "rooms": [
                {"tenant_id": "org_acme", "api": "telemost", "public_id": "12345678901234",
                 "created_at_ms": NOW, "updated_at_ms": NOW}
            ],
        },
    }  # fmt: skip
    response = await client.post("/_omnimeet/state", json=document)
    assert response.status_code == 204, response.text
    read = await read_conference(app, "acme-token", "12345678901234")
    assert read.status_code == 200, read.text
    room = (await export(client))["tables"]["rooms"][0]
    assert (room["waiting_room"], room["settings"], room["name"]) == (False, "{}", None)
    assert isinstance(room["seq"], int)
    assert ctx.clock.frozen  # no clock in the document: the clock is left alone


# --- bad documents ---------------------------------------------------------------------------------------


def _good() -> dict[str, Any]:
    return {
        "format": "omnimeet-state",
        "version": 1,
        "schema": SCHEMA_HEAD,
        "clock": {"now_ms": NOW, "frozen": False},
        "tables": {
            "tenants": [
                {
                    "id": "t1",
                    "name": "T",
                    "is_organization": True,
                    "plan": "default",
                    "features": "[]",
                    "created_at_ms": NOW,
                }
            ],
            "rooms": [
                {
                    "seq": 7,
                    "tenant_id": "t1",
                    "api": "telemost",
                    "public_id": "r1",
                    "waiting_room": False,
                    "created_at_ms": NOW,
                    "updated_at_ms": NOW,
                    "settings": "{}",
                }
            ],
        },
    }


def _change(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def apply(document: dict[str, Any]) -> None:
        *parents, last = path.split("/")
        target: Any = document
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value

    return apply


def _drop(path: str) -> Callable[[dict[str, Any]], None]:
    def apply(document: dict[str, Any]) -> None:
        *parents, last = path.split("/")
        target: Any = document
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        del target[last]

    return apply


def _duplicate_room(document: dict[str, Any]) -> None:
    document["tables"]["rooms"].append(dict(document["tables"]["rooms"][0]))


BAD = {
    "format": (_change("format", "other"), "format must be 'omnimeet-state'"),
    "no format": (_drop("format"), "format must be 'omnimeet-state'"),
    "version": (_change("version", 2), "version 2 is not supported (expected 1)"),
    "schema": (
        _change("schema", "0001"),
        f"schema '0001' does not match this server's schema '{SCHEMA_HEAD}'",
    ),
    "extra field": (_change("extra", 1), "unknown fields: extra"),
    "clock": (
        _change("clock", {"now_ms": "soon", "frozen": False}),
        "clock must be {now_ms: integer, frozen: boolean}",
    ),
    "tables": (_change("tables", []), "tables must be an object"),
    "table": (_change("tables/nonsense", []), "unknown table 'nonsense'"),
    "rows": (_change("tables/rooms", {}), "rooms: rows must be a list"),
    "row": (_change("tables/rooms/0", 5), "rooms[0]: not an object"),
    "column": (_change("tables/rooms/0/colour", "red"), "rooms[0]: unknown column 'colour'"),
    "integer": (
        _change("tables/rooms/0/created_at_ms", "yesterday"),
        "rooms[0].created_at_ms must be an integer",
    ),
    "bool as integer": (
        _change("tables/rooms/0/created_at_ms", True),
        "rooms[0].created_at_ms must be an integer",
    ),
    "boolean": (_change("tables/rooms/0/waiting_room", 0), "rooms[0].waiting_room must be a boolean"),
    "string": (_change("tables/rooms/0/api", 5), "rooms[0].api must be a string"),
    "null": (_change("tables/rooms/0/api", None), "rooms[0].api must not be null"),
    "missing": (_drop("tables/rooms/0/api"), "rooms[0]: missing column 'api'"),
}


@pytest.mark.parametrize("case", list(BAD))
async def test_import_of_a_bad_document_is_400_and_changes_nothing(
    app: PrefixDispatcher, client: httpx.AsyncClient, case: str
) -> None:
    room = await create_conference(app, TOKEN_A)
    before = await export(client)
    change, message = BAD[case]
    document = _good()
    assert (await client.post("/_omnimeet/state", json=copy.deepcopy(document))).status_code == 204
    assert (await client.post("/_omnimeet/state", json=before)).status_code == 204
    change(document)

    response = await client.post("/_omnimeet/state", json=document)
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_state", "message": message}
    assert (await export(client))["tables"] == before["tables"]
    assert (await read_conference(app, TOKEN_A, room)).status_code == 200


@pytest.mark.parametrize("case", ["dangling reference", "duplicate key"])
async def test_import_of_rows_that_do_not_fit_together_is_400_and_changes_nothing(
    app: PrefixDispatcher, client: httpx.AsyncClient, case: str
) -> None:
    await create_conference(app, TOKEN_A)
    before = await export(client)
    document = _good()
    if case == "dangling reference":
        document["tables"]["rooms"][0]["tenant_id"] = "nobody"
    else:
        _duplicate_room(document)

    response = await client.post("/_omnimeet/state", json=document)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"error", "message"}
    assert body["error"] == "invalid_state"
    assert body["message"].startswith("the rows do not fit together: "), body
    assert (await export(client))["tables"] == before["tables"]


@pytest.mark.parametrize("content", [b"", b"{", b"[1, 2]", b'"text"'])
async def test_import_of_a_body_that_is_not_a_document_is_400(
    client: httpx.AsyncClient, content: bytes
) -> None:
    response = await client.post(
        "/_omnimeet/state", content=content, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_state"
    if content in {b"[1, 2]", b'"text"'}:
        assert body["message"] == "a state document is a JSON object"
    else:
        assert body["message"].startswith("the body is not JSON: ")


# --- the clock a process starts with ---------------------------------------------------------------------


def test_settings_start_the_clock_frozen_or_shifted(make_settings: Callable[..., Settings]) -> None:
    frozen = create_app(make_settings(clock_frozen_at_ms=NOW), migrate=False)
    shifted = create_app(make_settings(clock_offset_ms=-86_400_000), migrate=False)
    plain = create_app(make_settings(), migrate=False)
    try:
        assert (frozen.state.ctx.clock.frozen, frozen.state.ctx.clock.now_ms()) == (True, NOW)
        assert not shifted.state.ctx.clock.frozen
        difference = plain.state.ctx.clock.now_ms() - shifted.state.ctx.clock.now_ms()
        assert 86_400_000 <= difference < 86_400_000 + 60_000
    finally:
        for app in (frozen, shifted, plain):
            app.state.ctx.db.close()


def test_iso_times_have_milliseconds_and_z() -> None:
    assert iso_ms(0) == "1970-01-01T00:00:00.000Z"
    assert iso_ms(NOW + 5) == "2023-11-14T22:13:20.005Z"
    assert json.dumps(iso_ms(1)) == '"1970-01-01T00:00:00.001Z"'
