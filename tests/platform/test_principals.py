"""Principals at run time: ``POST``/``GET``/``DELETE /_omnimeet/principals``, in both auth modes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from omnimeet.domain.tenancy import credential_hash, principal_id
from omnimeet.main import vendor_mounts
from omnimeet.platform.context import AppContext
from omnimeet.platform.web import PrefixDispatcher
from tests.conftest import client_for

pytestmark = pytest.mark.anyio

TELEMOST = "http://omnimeet.test/telemost/v1/telemost-api"
START_MS = 1_800_000_000_000
START = "2027-01-15T08:00:00.000Z"
UNAUTHORIZED = {
    "error": "UnauthorizedError",
    "message": "Не авторизован.",
    "description": "OAuth token is not valid.",
}


@pytest.fixture
def frozen_app(app: PrefixDispatcher) -> PrefixDispatcher:
    ctx: AppContext = app.state.ctx
    ctx.clock.freeze()
    ctx.clock.set(START_MS)
    return app


async def conferences(
    app: PrefixDispatcher, token: str, body: dict[str, Any] | None = None
) -> httpx.Response:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=TELEMOST, headers={"Authorization": f"OAuth {token}"}
    ) as client:
        return await client.post("/conferences", json=body or {})


async def read(app: PrefixDispatcher, token: str, conference_id: str) -> httpx.Response:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=TELEMOST, headers={"Authorization": f"OAuth {token}"}
    ) as client:
        return await client.get(f"/conferences/{conference_id}")


async def test_create_a_principal_of_an_organisation(frozen_app: PrefixDispatcher) -> None:
    app = frozen_app
    async with client_for(app) as client:
        response = await client.post(
            "/_omnimeet/principals",
            json={"vendor": "telemost", "credential": "acme-admin", "organization": "acme", "label": "Admin"},
        )
        assert response.status_code == 201
        assert response.json() == {
            "id": principal_id("telemost", "acme-admin"),
            "vendor": "telemost",
            "tenant": "org_acme",
            "organization": "acme",
            "label": "Admin",
            "scopes": ["*"],
            "created_at": START,
            "revoked_at": None,
        }
        second = await client.post(
            "/_omnimeet/principals",
            json={"vendor": "telemost", "credential": "acme-other", "organization": "acme"},
        )
        assert second.status_code == 201
        assert (second.json()["tenant"], second.json()["label"]) == ("org_acme", None)

    created = await conferences(app, "acme-admin", {"live_stream": {"title": "x"}})
    assert created.status_code == 201, created.text
    # Same organisation: the other principal sees the conference.
    assert (await read(app, "acme-other", created.json()["id"])).status_code == 200


async def test_a_principal_without_organisation_is_a_personal_account(frozen_app: PrefixDispatcher) -> None:
    async with client_for(frozen_app) as client:
        response = await client.post(
            "/_omnimeet/principals", json={"vendor": "telemost", "credential": "solo"}
        )
    assert response.status_code == 201
    digest = credential_hash("telemost", "solo")
    assert response.json() == {
        "id": f"p_{digest[:24]}",
        "vendor": "telemost",
        "tenant": f"personal_{digest[:24]}",
        "organization": None,
        "label": None,
        "scopes": ["*"],
        "created_at": START,
        "revoked_at": None,
    }
    denied = await conferences(frozen_app, "solo")
    assert denied.status_code == 403
    assert denied.json()["error"] == "ApiRestrictedToOrganizations"


async def test_scopes_plan_and_features(app: PrefixDispatcher) -> None:
    async with client_for(app) as client:
        reader = await client.post(
            "/_omnimeet/principals",
            json={
                "vendor": "telemost",
                "credential": "budget-reader",
                "organization": "budget",
                "scopes": ["telemost-api:conferences.read"],
                "plan": "basic",
                "features": [],
            },
        )
        assert reader.status_code == 201
        assert reader.json()["scopes"] == ["telemost-api:conferences.read"]
        writer = await client.post(
            "/_omnimeet/principals",
            json={"vendor": "telemost", "credential": "budget-writer", "organization": "budget"},
        )
        assert writer.status_code == 201

    forbidden = await conferences(app, "budget-reader")
    assert (forbidden.status_code, forbidden.json()["error"]) == (403, "ForbiddenError")
    # The organisation's plan has no features, and a principal without plan/features leaves it so.
    no_streams = await conferences(app, "budget-writer", {"live_stream": {}})
    assert (no_streams.status_code, no_streams.json()["error"]) == (402, "PaymentRequiredToUseLiveStreams")
    assert (await conferences(app, "budget-writer")).status_code == 201

    async with client_for(app) as client:
        upgrade = await client.post(
            "/_omnimeet/principals",
            json={
                "vendor": "telemost",
                "credential": "budget-owner",
                "organization": "budget",
                "features": ["live_streams"],
            },
        )
        assert upgrade.status_code == 201
    assert (await conferences(app, "budget-writer", {"live_stream": {}})).status_code == 201


async def test_list_filters_by_vendor_and_never_shows_credentials(app: PrefixDispatcher) -> None:
    ctx: AppContext = app.state.ctx
    ctx.clock.freeze()
    async with client_for(app) as client:
        for credential in ("first-secret", "second-secret"):
            ctx.clock.advance(1000)
            response = await client.post(
                "/_omnimeet/principals",
                json={"vendor": "telemost", "credential": credential, "organization": "acme"},
            )
            assert response.status_code == 201
        everything = await client.get("/_omnimeet/principals")
        telemost = await client.get("/_omnimeet/principals", params={"vendor": "telemost"})
        other = await client.get("/_omnimeet/principals", params={"vendor": "zoom"})

    assert everything.status_code == 200
    listed = everything.json()["principals"]
    assert [p["id"] for p in listed] == [
        principal_id("telemost", "first-secret"),
        principal_id("telemost", "second-secret"),
    ]
    assert set(listed[0]) == {
        "id", "vendor", "tenant", "organization", "label", "scopes", "created_at", "revoked_at"
    }  # fmt: skip
    assert "secret" not in everything.text
    assert credential_hash("telemost", "first-secret") not in everything.text
    assert telemost.json() == everything.json()
    assert (other.status_code, other.json()) == (200, {"principals": []})


async def test_self_provisioned_principals_are_listed(app: PrefixDispatcher) -> None:
    assert (await conferences(app, "walk-in")).status_code == 201
    async with client_for(app) as client:
        listed = (await client.get("/_omnimeet/principals")).json()["principals"]
    digest = credential_hash("telemost", "walk-in")
    assert [(p["id"], p["tenant"], p["organization"]) for p in listed] == [
        (f"p_{digest[:24]}", f"t_{digest[:24]}", f"t_{digest[:24]}")
    ]


async def test_revoked_credential_gets_401_and_stays_revoked_in_permissive_mode(
    app: PrefixDispatcher,
) -> None:
    ctx: AppContext = app.state.ctx
    assert (await conferences(app, "walk-in")).status_code == 201
    pid = principal_id("telemost", "walk-in")
    ctx.clock.freeze()
    revoked_at = ctx.clock.now_ms()
    async with client_for(app) as client:
        response = await client.delete(f"/_omnimeet/principals/{pid}")
        assert (response.status_code, response.content) == (204, b"")
        for _ in range(2):  # and not provisioned again by the next request
            denied = await conferences(app, "walk-in")
            assert (denied.status_code, denied.json()) == (401, UNAUTHORIZED)
        ctx.clock.advance(5000)
        assert (await client.delete(f"/_omnimeet/principals/{pid}")).status_code == 204  # idempotent
        listed = (await client.get("/_omnimeet/principals")).json()["principals"]
        shown = await client.get(f"/_omnimeet/principals/{pid}")
    assert len(listed) == 1
    from omnimeet.platform.clock import iso_ms

    assert listed[0]["revoked_at"] == iso_ms(revoked_at)  # the first revocation's time
    assert shown.json() == listed[0]
    # Another credential is unaffected.
    assert (await conferences(app, "someone-else")).status_code == 201


async def test_creating_a_revoked_principal_again_brings_it_back(app: PrefixDispatcher) -> None:
    pid = principal_id("telemost", "returning")
    async with client_for(app) as client:
        body = {"vendor": "telemost", "credential": "returning", "organization": "acme"}
        assert (await client.post("/_omnimeet/principals", json=body)).status_code == 201
        assert (await client.delete(f"/_omnimeet/principals/{pid}")).status_code == 204
        assert (await conferences(app, "returning")).status_code == 401
        again = await client.post("/_omnimeet/principals", json={**body, "organization": "other"})
    assert again.status_code == 201
    assert (again.json()["id"], again.json()["tenant"], again.json()["revoked_at"]) == (
        pid,
        "org_other",
        None,
    )
    assert (await conferences(app, "returning")).status_code == 201


async def test_unknown_principal_is_404(client: httpx.AsyncClient) -> None:
    for response in (
        await client.delete("/_omnimeet/principals/p_nobody"),
        await client.get("/_omnimeet/principals/p_nobody"),
    ):
        assert response.status_code == 404
        assert response.json() == {
            "error": "not_found",
            "message": "principal: not_found (id=p_nobody)",
            "details": {"id": "p_nobody"},
        }


@pytest.mark.parametrize(
    "body",
    [
        {"credential": "x"},
        {"vendor": "telemost"},
        {"vendor": "telemost", "credential": ""},
        {"vendor": "telemost", "credential": "x", "organization": ""},
        {"vendor": "telemost", "credential": "x", "organization": "o" * 41},
        {"vendor": "telemost", "credential": "x", "scopes": "all"},
        {"vendor": "telemost", "credential": "x", "secret": True},
    ],
)
async def test_invalid_principal_is_400(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    response = await client.post("/_omnimeet/principals", json=body)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert (await client.get("/_omnimeet/principals")).json() == {"principals": []}


async def test_unknown_vendor_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post("/_omnimeet/principals", json={"vendor": "skype", "credential": "x"})
    assert response.status_code == 400
    assert response.json() == {
        "error": "unknown_vendor",
        "message": f"No vendor 'skype'; known: {', '.join(sorted(m.name for m in vendor_mounts()))}.",
    }


# --- strict mode -----------------------------------------------------------------------------------------


@pytest.fixture
def strict_app(make_app: Callable[..., PrefixDispatcher], tmp_path: Path) -> PrefixDispatcher:
    credentials = tmp_path / "credentials.yaml"
    credentials.write_text(
        "organizations:\n"
        "  - {id: acme, name: Acme Ltd, plan: business, features: ['*']}\n"
        "principals:\n"
        "  - {api: telemost, credential: from-file, organization: acme}\n",
        encoding="utf-8",
    )
    return make_app(auth_mode="strict", credentials_file=credentials)


async def test_strict_mode_principals_come_and_go_at_run_time(strict_app: PrefixDispatcher) -> None:
    app = strict_app
    assert (await conferences(app, "added-later")).status_code == 401
    async with client_for(app) as client:
        created = await client.post(
            "/_omnimeet/principals",
            json={"vendor": "telemost", "credential": "added-later", "organization": "acme"},
        )
        assert created.status_code == 201
        # The configured organisation keeps its name and plan.
        assert created.json()["tenant"] == "org_acme"
        conference = await conferences(app, "added-later")
        assert conference.status_code == 201, conference.text
        assert (await read(app, "from-file", conference.json()["id"])).status_code == 200

        assert (await client.delete(f"/_omnimeet/principals/{created.json()['id']}")).status_code == 204
        denied = await conferences(app, "added-later")
        assert (denied.status_code, denied.json()) == (401, UNAUTHORIZED)

        # Configured principals can be revoked too; a reset restores the credentials file (only).
        from_file = principal_id("telemost", "from-file")
        assert (await client.delete(f"/_omnimeet/principals/{from_file}")).status_code == 204
        assert (await conferences(app, "from-file")).status_code == 401
        assert (await client.post("/_omnimeet/reset")).status_code == 204
        listed = (await client.get("/_omnimeet/principals")).json()["principals"]
    assert [(p["id"], p["revoked_at"]) for p in listed] == [(from_file, None)]
    assert (await conferences(app, "from-file")).status_code == 201
    assert (await conferences(app, "added-later")).status_code == 401
