"""Where webhooks go: endpoints' event and tenant filters, a vendor's own names, format and room targets,
and the strict-mode allowlist."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from omnimeet.domain.events import DomainEvent, EventType
from omnimeet.domain.outbox import Delivery
from omnimeet.domain.webhooks import Target
from omnimeet.platform.context import AppContext
from omnimeet.platform.vendors import VendorPlugin
from omnimeet.platform.web import PrefixDispatcher
from omnimeet.platform.webhooks import NeutralFormat, Rendered
from tests.conftest import client_for
from tests.platform.receiver import Receiver
from tests.platform.webhook_support import (
    add_endpoint,
    add_tenant,
    ctx_of,
    deliveries,
    flush,
    publish,
    without_durations,
)

pytestmark = pytest.mark.anyio


async def test_endpoints_get_only_the_events_and_tenants_they_asked_for(
    app: PrefixDispatcher, client: httpx.AsyncClient, receiver: Receiver
) -> None:
    ctx = ctx_of(app)
    add_tenant(ctx, "acme")
    add_tenant(ctx, "globex")
    base = receiver.base
    await add_endpoint(client, f"{base}/all")
    await add_endpoint(client, f"{base}/joins", events=["participant.joined"])
    await add_endpoint(client, f"{base}/acme", tenant="acme")
    await add_endpoint(client, f"{base}/all")  # the same URL twice: one webhook per event, not two

    publish(ctx, EventType.SESSION_STARTED, tenant="acme")
    publish(ctx, EventType.PARTICIPANT_JOINED, tenant="globex")
    publish(ctx, EventType.SESSION_STARTED, tenant="zzz-unknown-api", api="zoom")  # no endpoint of that API
    assert (await flush(client))["delivered"] == 4

    got = sorted((r.path, r.json()["event"], r.json()["tenant"]) for r in receiver.received())
    assert got == [
        ("/acme", "session.started", "acme"),
        ("/all", "participant.joined", "globex"),
        ("/all", "session.started", "acme"),
        ("/joins", "participant.joined", "globex"),
    ]


# --- vendors' own formats and targets -------------------------------------------------------------------


class FakeFormat(NeutralFormat):
    """A vendor that renames events, skips one, names a room's own callback URL and renders its own body."""

    def __init__(self, room_url: str) -> None:
        self.room_url = room_url

    def event_name(self, event_type: EventType) -> str | None:
        if event_type is EventType.SESSION_ENDED:
            return None
        return "fake:" + event_type.value.replace(".", "_")

    def room_targets(self, event: DomainEvent) -> Sequence[Target]:
        settings = json.loads(event.room_settings)
        return [(settings["callback"], "room-key")] if "callback" in settings else []

    def render(self, delivery: Delivery) -> Rendered:
        body = json.dumps({"kind": delivery.event, "facts": delivery.payload["data"]}).encode()
        return body, {"Content-Type": "application/json", "X-Fake-Secret": delivery.secret or ""}


def add_fake_vendor(ctx: AppContext, room_url: str) -> None:
    def unused(*_: Any) -> Any:
        raise AssertionError("not served")

    ctx.vendors["fake"] = VendorPlugin("fake", "/fake", "/", unused, unused, webhooks=FakeFormat(room_url))


async def test_a_vendor_format_names_renders_and_adds_room_targets(
    app: PrefixDispatcher, client: httpx.AsyncClient, receiver: Receiver
) -> None:
    ctx = ctx_of(app)
    add_tenant(ctx, "acme")
    add_fake_vendor(ctx, receiver.url)
    response = await client.post(
        "/_omnimeet/webhooks/endpoints",
        json={"vendor": "fake", "url": f"{receiver.base}/control", "events": ["fake:participant_joined"]},
    )
    assert response.status_code == 201
    # The vendor sends no webhook for this one, so it is not a name one can subscribe to.
    refused = await client.post(
        "/_omnimeet/webhooks/endpoints",
        json={"vendor": "fake", "url": receiver.url, "events": ["session.ended"]},
    )
    assert refused.status_code == 400

    for type_ in (EventType.PARTICIPANT_JOINED, EventType.SESSION_ENDED):
        event = DomainEvent(
            type_,
            "acme",
            "fake",
            "r1",
            ctx.clock.now_ms(),
            {"who": "ann"},
            json.dumps({"callback": receiver.url}),
        )
        with ctx.db.transaction() as tx:
            ctx.events.publish(tx, event)

    assert await flush(client) == {"delivered": 2, "failed": 0, "pending": 0}
    got = sorted(receiver.received(), key=lambda r: r.path)
    assert [(r.path, r.json(), r.headers["x-fake-secret"]) for r in got] == [
        ("/control", {"kind": "fake:participant_joined", "facts": {"who": "ann"}}, ""),
        ("/hook", {"kind": "fake:participant_joined", "facts": {"who": "ann"}}, "room-key"),
    ]
    assert {r["event"] for r in await deliveries(client, vendor="fake")} == {"fake:participant_joined"}


# --- strict mode ----------------------------------------------------------------------------------------


def strict_app(
    make_app: Callable[..., PrefixDispatcher], tmp_path: Path, allowed: list[str]
) -> PrefixDispatcher:
    credentials = tmp_path / "credentials.yaml"
    credentials.write_text(
        "organizations: [{id: acme, features: ['*']}]\n"
        "principals: [{api: telemost, credential: acme-token, organization: acme}]\n",
        encoding="utf-8",
    )
    return make_app(auth_mode="strict", credentials_file=credentials, webhook_allowed_targets=allowed)


async def test_strict_mode_allows_only_listed_targets(
    make_app: Callable[..., PrefixDispatcher], tmp_path: Path, receiver: Receiver
) -> None:
    app = strict_app(make_app, tmp_path, [f"{receiver.base}/allowed/*"])
    ctx = ctx_of(app)
    add_fake_vendor(ctx, f"{receiver.base}/internal")
    async with client_for(app) as client:
        refused = await client.post(
            "/_omnimeet/webhooks/endpoints",
            json={"vendor": "telemost", "url": "http://169.254.169.254/latest"},
        )
        assert refused.status_code == 400
        assert refused.json() == {
            "error": "target_not_allowed",
            "message": "Strict mode: the URL matches none of OMNIMEET_WEBHOOK_ALLOWED_TARGETS.",
            "details": {"field": "url"},
        }
        await add_endpoint(client, f"{receiver.base}/allowed/1")
        assert len((await client.get("/_omnimeet/webhooks/endpoints")).json()["endpoints"]) == 1

        publish(ctx, tenant="org_acme")
        # A room's own callback URL is not checked when the room is written, but is never contacted.
        room_settings = json.dumps({"callback": f"{receiver.base}/internal"})
        with ctx.db.transaction() as tx:
            ctx.events.publish(
                tx,
                DomainEvent(
                    EventType.SESSION_STARTED, "org_acme", "fake", "r", ctx.clock.now_ms(), {}, room_settings
                ),
            )
        assert await flush(client) == {"delivered": 1, "failed": 1, "pending": 0}
        assert [r.path for r in receiver.received()] == ["/allowed/1"]
        [refused_row] = await deliveries(client, vendor="fake")
        assert refused_row["status"] == "failed"
        assert without_durations(refused_row)["attempts"] == [
            {"at": refused_row["attempts"][0]["at"], "status_code": None, "error": "target not allowed"}
        ]


async def test_strict_mode_without_an_allowlist_allows_nothing(
    make_app: Callable[..., PrefixDispatcher], tmp_path: Path
) -> None:
    app = strict_app(make_app, tmp_path, [])
    async with client_for(app) as client:
        response = await client.post(
            "/_omnimeet/webhooks/endpoints", json={"vendor": "telemost", "url": "https://hooks.example.com/"}
        )
        assert (response.status_code, response.json()["error"]) == (400, "target_not_allowed")


async def test_permissive_mode_allows_any_target(client: httpx.AsyncClient) -> None:
    for url in ("http://169.254.169.254/latest", "http://localhost:1/x", "https://hooks.example.com/"):
        response = await client.post("/_omnimeet/webhooks/endpoints", json={"vendor": "telemost", "url": url})
        assert response.status_code == 201
