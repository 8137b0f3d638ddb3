"""The control API: health and reset."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import anyio
import httpx
import pytest
from sqlalchemy import func, select, text

from omnimeet.domain.tables import metadata
from omnimeet.domain.tenancy import find_principal
from omnimeet.main import create_app
from omnimeet.platform.config import Settings
from omnimeet.platform.context import AppContext
from omnimeet.platform.migrate import upgrade_to_head
from omnimeet.platform.web import PrefixDispatcher
from tests.conftest import client_for
from tests.domain.seed import fill_every_table

pytestmark = pytest.mark.anyio

UNREACHABLE_URL = "postgresql+psycopg://postgres@127.0.0.1:1/x"


def table_counts(ctx: AppContext) -> dict[str, int]:
    counts = {}
    with ctx.db.transaction(write=False) as tx:
        for name, table in metadata.tables.items():
            row = tx.fetch_one(select(func.count()).select_from(table))
            assert row is not None
            counts[name] = int(row[0])
    return counts


async def get_health(app: PrefixDispatcher) -> httpx.Response:
    with anyio.fail_after(60):
        async with client_for(app) as client:
            return await client.get("/_omnimeet/health")


async def test_health_is_ok_on_a_migrated_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/_omnimeet/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_health_is_503_on_an_unmigrated_database_until_it_is_migrated(
    empty_database_url: Callable[[], str], tmp_path: Path
) -> None:
    app = create_app(Settings(database_url=empty_database_url(), data_dir=tmp_path), migrate=False)
    ctx: AppContext = app.state.ctx
    try:
        response = await get_health(app)
        assert response.status_code == 503
        assert response.json() == {"status": "unavailable"}
        upgrade_to_head(ctx.db)
        response = await get_health(app)
        assert (response.status_code, response.json()) == (200, {"status": "ok"})
    finally:
        ctx.db.close()


async def test_health_is_503_when_the_database_is_at_another_revision(app: PrefixDispatcher) -> None:
    ctx: AppContext = app.state.ctx
    assert (await get_health(app)).status_code == 200
    with ctx.db.engine.begin() as conn:
        head = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        conn.execute(text("UPDATE alembic_version SET version_num = 'elsewhere'"))
    try:
        response = await get_health(app)
        assert (response.status_code, response.json()) == (503, {"status": "unavailable"})
    finally:
        with ctx.db.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
    assert (await get_health(app)).status_code == 200


async def test_health_is_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=UNREACHABLE_URL, data_dir=tmp_path), migrate=False)
    try:
        for _ in range(2):  # and stays so: nothing cached from the failed attempt
            response = await get_health(app)
            assert response.status_code == 503
            assert response.json() == {"status": "unavailable"}
    finally:
        app.state.ctx.db.close()


async def test_reset_empties_every_table_and_rewinds_the_clock(app: PrefixDispatcher) -> None:
    ctx: AppContext = app.state.ctx
    with ctx.db.transaction() as tx:
        fill_every_table(tx, "one")
        fill_every_table(tx, "two")
    assert {name for name, n in table_counts(ctx).items() if n > 0} == set(metadata.tables)
    ctx.clock.advance(10 * 86_400_000)
    ctx.clock.freeze()

    async with client_for(app) as client:
        response = await client.post("/_omnimeet/reset")

    assert response.status_code == 204
    assert response.content == b""
    assert table_counts(ctx) == dict.fromkeys(metadata.tables, 0)
    assert not ctx.clock.frozen
    assert ctx.clock.offset_ms == 0
    assert abs(ctx.clock.now_ms() - time.time_ns() // 1_000_000) < 86_400_000


async def test_reset_in_strict_mode_restores_the_configured_principals(
    make_app: Callable[..., PrefixDispatcher], tmp_path: Path
) -> None:
    credentials = tmp_path / "credentials.yaml"
    credentials.write_text(
        "organizations:\n"
        "  - {id: acme, name: Acme, plan: business, features: [live_streams]}\n"
        "principals:\n"
        "  - {api: telemost, credential: acme-token, organization: acme, scopes: [read], label: Acme}\n"
        "  - {api: telemost, credential: solo-token, label: Solo}\n",
        encoding="utf-8",
    )
    app = make_app(auth_mode="strict", credentials_file=credentials)
    ctx: AppContext = app.state.ctx
    with ctx.db.transaction() as tx:
        fill_every_table(tx)
        tx.execute(text("DELETE FROM principals WHERE tenant_id <> 'seeded'"))
    assert ctx.authenticate("telemost", "acme-token") is None

    async with client_for(app) as client:
        response = await client.post("/_omnimeet/reset")
    assert response.status_code == 204

    counts = table_counts(ctx)
    assert {name: n for name, n in counts.items() if n} == {"tenants": 2, "principals": 2}
    with ctx.db.transaction(write=False) as tx:
        acme = find_principal(tx, "telemost", "acme-token")
        solo = find_principal(tx, "telemost", "solo-token")
    assert acme is not None
    assert (acme.tenant_id, acme.scopes, acme.features, acme.is_organization) == (
        "org_acme",
        frozenset({"read"}),
        frozenset({"live_streams"}),
        True,
    )
    assert solo is not None
    assert not solo.is_organization
    # Strict mode never invents principals.
    assert ctx.authenticate("telemost", "not-configured") is None
    assert table_counts(ctx)["principals"] == 2


async def test_a_control_token_guards_every_route_but_health(
    make_app: Callable[..., PrefixDispatcher],
) -> None:
    app = make_app(control_token="s3cret")
    async with client_for(app) as client:
        assert (await client.get("/_omnimeet/health")).status_code == 200
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic s3cret"}):
            response = await client.post("/_omnimeet/reset", headers=headers)
            assert response.status_code == 401
            assert response.json() == {
                "error": "unauthorized",
                "message": "The control API needs 'Authorization: Bearer <token>'.",
            }
        response = await client.post("/_omnimeet/reset", headers={"Authorization": "Bearer s3cret"})
        assert response.status_code == 204


async def test_unknown_control_routes_answer_in_the_control_envelope(client: httpx.AsyncClient) -> None:
    response = await client.get("/_omnimeet/no-such-thing")
    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "message": "Not Found"}
