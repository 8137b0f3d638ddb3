"""The dashboard (``GET /_omnimeet/ui``) in headless Chromium against a live ``omnimeet serve``: what the
vendors' APIs made shows up on the page, and the page's buttons drive the control API (redeliver a webhook,
move the clock, add and remove a fault, reset), all without reloading. The page is found by the
``data-testid`` hooks of the dashboard's design; every wait has a deadline (Playwright's auto-waiting)."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from tests.platform.browser.support import (
    CONTROL,
    UI_PATH,
    create_room,
    join,
    meet_recording,
    ok,
    populate,
    require_browser,
    wait_for,
)
from tests.platform.receiver import Receiver
from tests.reliability.live import ROOM_APIS, LiveServer

require_browser()

from playwright.sync_api import Locator, Page, expect  # noqa: E402

TOKEN = "dashboard-control-token-6f1d"


def open_dashboard(page: Page, server: LiveServer) -> None:
    """The page, loaded and past its first successful poll."""
    page.goto(server.url(UI_PATH))
    expect(page.get_by_test_id("last-updated")).not_to_have_text("not updated yet")


def room_row(page: Page, vendor: str, room_id: str) -> Locator:
    return page.locator(f'[data-testid="room-row"][data-vendor="{vendor}"][data-room-id="{room_id}"]')


def screenshot(page: Page, artifacts: Path, name: str) -> Path:
    path = artifacts / name
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.strip().replace("Z", "+00:00"))


# --- rooms ---------------------------------------------------------------------------------------------


def test_rooms_of_each_vendor_with_their_participants_and_recordings(
    page: Page, server: LiveServer, api: httpx.Client, artifacts: Path
) -> None:
    telemost = create_room(api, "telemost", "weekly-sync")
    vonage = create_room(api, "vonage", "support-call")
    meet = create_room(api, "openvidu-meet", "standup")
    join(api, "telemost", telemost, "Alice", "host")
    join(api, "telemost", telemost, "Bob")
    recording = meet_recording(api, meet)

    open_dashboard(page, server)

    expect(page.get_by_test_id("room-row")).to_have_count(3)
    for vendor, room_id in (("telemost", telemost), ("vonage", vonage), ("openvidu-meet", meet)):
        expect(room_row(page, vendor, room_id)).to_have_count(1)
    people = room_row(page, "telemost", telemost).get_by_test_id("room-participant")
    expect(people).to_have_count(2)
    expect(people.nth(0)).to_contain_text("Alice")
    expect(people.nth(1)).to_contain_text("Bob")
    expect(room_row(page, "vonage", vonage).get_by_test_id("room-participant")).to_have_count(0)
    # The stopped OpenVidu Meet recording, at the end of its life cycle (stopped -> ready at once).
    recordings = room_row(page, "openvidu-meet", meet).get_by_test_id("recording-row")
    expect(recordings).to_have_count(1)
    status = ok(api.get(f"{CONTROL}/vendors/openvidu-meet/recordings/{recording}"), 200)["status"]
    expect(recordings.first).to_have_attribute("data-status", status)

    screenshot(page, artifacts, "rooms.png")

    # The vendor filter narrows the rooms to one vendor's.
    page.get_by_test_id("filter-vendor").select_option("vonage")
    expect(page.get_by_test_id("room-row")).to_have_count(1)
    expect(room_row(page, "vonage", vonage)).to_have_count(1)
    page.get_by_test_id("filter-vendor").select_option("")
    expect(page.get_by_test_id("room-row")).to_have_count(3)


def test_tenant_filter(page: Page, server: LiveServer, api: httpx.Client) -> None:
    mine = create_room(api, "telemost", "mine", tenant="acme")
    theirs = create_room(api, "telemost", "theirs", tenant="globex")
    tenants = {room["id"]: room["tenant"] for room in ok(api.get(f"{CONTROL}/overview"), 200)["rooms"]}
    assert tenants[mine] != tenants[theirs]

    open_dashboard(page, server)
    expect(page.get_by_test_id("room-row")).to_have_count(2)
    tenant_filter = page.get_by_test_id("filter-tenant")
    if tenant_filter.evaluate("element => element.tagName") == "SELECT":
        tenant_filter.select_option(tenants[mine])
    else:
        tenant_filter.fill(tenants[mine])
    expect(page.get_by_test_id("room-row")).to_have_count(1)
    expect(room_row(page, "telemost", mine)).to_have_count(1)


def test_page_updates_live_without_reloading(page: Page, server: LiveServer, api: httpx.Client) -> None:
    first = create_room(api, "telemost", "before")
    open_dashboard(page, server)
    expect(room_row(page, "telemost", first)).to_have_count(1)
    page.evaluate("window.__omnimeetMarker = 'loaded once'")
    updated = page.get_by_test_id("last-updated").inner_text()

    second = create_room(api, "vonage", "after")
    expect(room_row(page, "vonage", second)).to_have_count(1)
    person = join(api, "vonage", second, "Dana")
    people = room_row(page, "vonage", second).get_by_test_id("room-participant")
    expect(people).to_have_count(1)
    expect(people.first).to_contain_text("Dana")
    api.delete(f"{CONTROL}/vendors/vonage/rooms/{second}/participants/{person}").raise_for_status()
    expect(people).to_have_count(0)

    # The same document all along: the marker survived, and there was exactly one navigation.
    assert page.evaluate("window.__omnimeetMarker") == "loaded once"
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    assert page.evaluate("performance.getEntriesByType('navigation')[0].type") == "navigate"
    expect(page.get_by_test_id("last-updated")).not_to_have_text(updated)


def test_recording_moves_through_its_states_on_the_page(
    page: Page, server: LiveServer, api: httpx.Client
) -> None:
    room = create_room(api, "telemost", "recorded")
    ok(api.put(f"{CONTROL}/progression/telemost/recording", json={"mode": "manual"}), 200)
    join(api, "telemost", room, "Erin", "host")
    open_dashboard(page, server)
    recordings = room_row(page, "telemost", room).get_by_test_id("recording-row")
    expect(recordings).to_have_count(0)

    recording = ok(api.post(f"{CONTROL}/vendors/telemost/rooms/{room}/recordings"), 201)
    seen = [recording["status"]]
    expect(recordings).to_have_count(1)
    expect(recordings.first).to_have_attribute("data-status", recording["status"])
    moves = ["advance", "stop", "advance", "advance"]
    for move in moves:
        answer = ok(api.post(f"{CONTROL}/vendors/telemost/recordings/{recording['id']}/{move}"), 200)
        seen.append(answer["status"])
        expect(recordings.first).to_have_attribute("data-status", answer["status"])
    assert len(set(seen)) >= 4, seen
    assert seen[-1] == "ready", seen


# --- journal -------------------------------------------------------------------------------------------


def test_journal_rows_filters_and_detail(
    page: Page, server: LiveServer, api: httpx.Client, artifacts: Path
) -> None:
    telemost = create_room(api, "telemost", "journal-marker")
    create_room(api, "vonage", "another")
    missing = api.get(
        "/telemost/v1/telemost-api/conferences/00000000000000", headers=ROOM_APIS["telemost"].auth("dash")
    )
    assert missing.status_code == 404, missing.text
    entries = ok(api.get(f"{CONTROL}/requests"), 200)["requests"]
    assert len(entries) == 3

    open_dashboard(page, server)
    page.get_by_test_id("nav-journal").click()
    rows = page.get_by_test_id("journal-row")
    expect(rows).to_have_count(3)
    create_path = ROOM_APIS["telemost"].create_path
    posted = page.locator(f'[data-testid="journal-row"][data-method="POST"][data-path="{create_path}"]')
    expect(posted).to_have_count(1)
    expect(posted).to_have_attribute("data-status", "201")
    not_found = page.locator('[data-testid="journal-row"][data-status="404"]')
    expect(not_found).to_have_count(1)
    expect(not_found).to_have_attribute("data-method", "GET")
    expect(not_found).to_have_attribute("data-path", "/telemost/v1/telemost-api/conferences/00000000000000")

    # Filters narrow the rows, one at a time and together.
    page.get_by_test_id("journal-filter-vendor").select_option("vonage")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-path", ROOM_APIS["vonage"].create_path)
    page.get_by_test_id("journal-filter-vendor").select_option("telemost")
    expect(rows).to_have_count(2)
    page.get_by_test_id("journal-filter-method").select_option("GET")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-status", "404")
    page.get_by_test_id("journal-filter-method").select_option("")
    page.get_by_test_id("journal-filter-status").fill("2xx")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-status", "201")
    page.get_by_test_id("journal-filter-status").fill("")
    page.get_by_test_id("journal-filter-vendor").select_option("")
    page.get_by_test_id("journal-filter-path").fill("*/conferences*")
    expect(rows).to_have_count(2)
    page.get_by_test_id("journal-filter-path").fill("meetings/rooms")  # plain text: anywhere in the path
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-path", ROOM_APIS["vonage"].create_path)
    page.get_by_test_id("journal-filter-path").fill("")
    expect(rows).to_have_count(3)

    # The detail of the create: what the app sent and what came back.
    posted.click()
    detail = page.get_by_test_id("journal-detail")
    expect(detail).to_be_visible()
    expect(detail.get_by_test_id("journal-request-body")).to_contain_text("journal-marker")
    expect(detail.get_by_test_id("journal-response-body")).to_contain_text(telemost)
    screenshot(page, artifacts, "journal.png")


def test_the_view_is_kept_in_the_url(page: Page, server: LiveServer, api: httpx.Client) -> None:
    create_room(api, "vonage", "linked")
    page.goto(server.url(f"{UI_PATH}#journal"))
    expect(page.get_by_test_id("journal-row")).to_have_count(1)
    expect(page.get_by_test_id("journal-filter-vendor")).to_be_visible()
    expect(page.get_by_test_id("filter-vendor")).to_be_hidden()

    page.get_by_test_id("nav-faults").click()
    expect(page.get_by_test_id("fault-form")).to_be_visible()
    assert page.evaluate("location.hash") == "#faults"
    page.reload()
    expect(page.get_by_test_id("fault-form")).to_be_visible()
    expect(page.get_by_test_id("journal-filter-vendor")).to_be_hidden()


# --- webhooks ------------------------------------------------------------------------------------------


def test_failed_delivery_redelivered_from_the_page(
    page: Page, server: LiveServer, api: httpx.Client, receiver: Receiver, artifacts: Path
) -> None:
    ok(api.post(f"{CONTROL}/webhooks/endpoints", json={"vendor": "openvidu-meet", "url": receiver.url}), 201)
    room = create_room(api, "openvidu-meet", "hooks")
    meet_recording(api, room)
    ok(api.post(f"{CONTROL}/webhooks/flush"), 200)

    def all_failed() -> list[dict[str, Any]] | None:
        answer = ok(api.get(f"{CONTROL}/webhooks", params={"limit": 1000}), 200)
        found: list[dict[str, Any]] = answer["deliveries"]
        return found if found and all(delivery["status"] == "failed" for delivery in found) else None

    # Refused, and given up at once (OMNIMEET_WEBHOOK_MAX_AGE_SECONDS): one attempt each, or two for a row
    # whose first attempt came within the same millisecond as its event.
    deliveries = wait_for(all_failed, "every webhook of the recording failed")
    target = deliveries[0]
    tried = len(target["attempts"])
    assert tried >= 1, target
    before = len(receiver.received())

    open_dashboard(page, server)
    page.get_by_test_id("nav-webhooks").click()
    expect(page.get_by_test_id("delivery-row")).to_have_count(len(deliveries))
    row = page.locator(f'[data-testid="delivery-row"][data-delivery-id="{target["id"]}"]')
    expect(row).to_have_attribute("data-status", "failed")
    expect(row.get_by_test_id("delivery-payload")).to_contain_text(room)
    attempts = row.get_by_test_id("delivery-attempts")
    expect(attempts).to_contain_text("503")
    attempts_before = attempts.inner_text()

    row.get_by_test_id("redeliver").click()

    # One more attempt reaches the receiver, is refused again, and the page shows it.
    def redelivered() -> dict[str, Any] | None:
        found: dict[str, Any] = ok(api.get(f"{CONTROL}/webhooks/{target['id']}"), 200)
        return found if len(found["attempts"]) > tried and found["status"] == "failed" else None

    after = wait_for(redelivered, "the redelivery's attempt")
    assert len(after["attempts"]) == tried + 1, after
    assert len(receiver.received()) == before + 1
    expect(attempts).not_to_have_text(attempts_before)
    expect(row).to_have_attribute("data-status", "failed")
    screenshot(page, artifacts, "webhooks.png")


# --- clock, faults, reset ------------------------------------------------------------------------------


def test_clock_freeze_and_advance(page: Page, server: LiveServer, api: httpx.Client) -> None:
    open_dashboard(page, server)
    page.get_by_test_id("nav-clock").click()
    now = page.get_by_test_id("clock-now")
    expect(now).not_to_have_text("…")

    page.get_by_test_id("clock-freeze").click()
    wait_for(lambda: ok(api.get(f"{CONTROL}/clock"), 200)["frozen"], "the clock frozen from the page")
    frozen_at = ok(api.get(f"{CONTROL}/clock"), 200)["now"]
    expect(now).to_have_text(frozen_at)

    page.get_by_test_id("clock-advance-input").fill("3600")
    page.get_by_test_id("clock-advance").click()
    expected = parse_iso(frozen_at) + timedelta(hours=1)
    wait_for(
        lambda: parse_iso(ok(api.get(f"{CONTROL}/clock"), 200)["now"]) == expected, "the clock an hour on"
    )
    expect(now).to_have_text(ok(api.get(f"{CONTROL}/clock"), 200)["now"])
    assert parse_iso(now.inner_text()) == expected

    page.get_by_test_id("clock-freeze").click()
    wait_for(lambda: not ok(api.get(f"{CONTROL}/clock"), 200)["frozen"], "the clock running again")


def test_add_and_remove_a_fault(page: Page, server: LiveServer, api: httpx.Client) -> None:
    room = create_room(api, "telemost", "faulty")
    read = ROOM_APIS["telemost"]
    open_dashboard(page, server)
    page.get_by_test_id("nav-faults").click()
    expect(page.get_by_test_id("fault-row")).to_have_count(0)

    page.get_by_test_id("fault-vendor").select_option("telemost")
    page.get_by_test_id("fault-method").fill("GET")
    page.get_by_test_id("fault-path").fill("*/conferences/*")
    page.get_by_test_id("fault-status").fill("503")
    page.get_by_test_id("fault-add").click()

    expect(page.get_by_test_id("fault-row")).to_have_count(1)
    expect(page.get_by_test_id("fault-row")).to_contain_text("503")
    faults = ok(api.get(f"{CONTROL}/faults"), 200)["faults"]
    assert [(f["vendor"], f["method"], f["path"], f["status"]) for f in faults] == [
        ("telemost", "GET", "*/conferences/*", 503)
    ]
    assert read.read(api, "dash", room).status_code == 503

    page.get_by_test_id("fault-row").get_by_test_id("fault-remove").click()
    expect(page.get_by_test_id("fault-row")).to_have_count(0)
    assert ok(api.get(f"{CONTROL}/faults"), 200)["faults"] == []
    assert read.read(api, "dash", room).status_code == 200


def test_reset_asks_first_then_empties_the_rooms(page: Page, server: LiveServer, api: httpx.Client) -> None:
    create_room(api, "telemost", "doomed")
    create_room(api, "opentalk", "doomed-too")
    open_dashboard(page, server)
    rooms = page.get_by_test_id("room-row")
    expect(rooms).to_have_count(2)

    page.get_by_test_id("reset").click()
    expect(page.get_by_test_id("reset-confirm")).to_be_visible()
    page.get_by_test_id("reset-cancel").click()
    expect(page.get_by_test_id("reset-confirm")).to_be_hidden()
    assert len(ok(api.get(f"{CONTROL}/overview"), 200)["rooms"]) == 2
    expect(rooms).to_have_count(2)

    page.get_by_test_id("reset").click()
    page.get_by_test_id("reset-confirm").click()
    expect(rooms).to_have_count(0)
    assert ok(api.get(f"{CONTROL}/overview"), 200)["rooms"] == []


# --- strict mode ---------------------------------------------------------------------------------------


def test_strict_mode_asks_for_the_control_token(
    page: Page, make_server: Callable[[dict[str, str]], LiveServer], artifacts: Path, tmp_path: Path
) -> None:
    credential = "strict-telemost-credential-9c2e"
    credentials = tmp_path / "credentials.yaml"
    credentials.write_text(
        "organizations:\n  - id: acme\n    plan: business\n"
        f"principals:\n  - api: telemost\n    credential: {credential}\n    organization: acme\n",
        encoding="utf-8",
    )
    server = make_server(
        {
            "OMNIMEET_AUTH_MODE": "strict",
            "OMNIMEET_CREDENTIALS_FILE": str(credentials),
            "OMNIMEET_CONTROL_TOKEN": TOKEN,
        }
    )
    with httpx.Client(base_url=server.base_url, timeout=20) as client:
        assert client.get(f"{CONTROL}/overview").status_code == 401
        created = client.post(
            ROOM_APIS["telemost"].create_path,
            headers={"Authorization": f"OAuth {credential}"},
            json={"access_level": "PUBLIC"},
        )
        room = ok(created, 201)["id"]

    page.goto(server.url(UI_PATH))
    form = page.get_by_test_id("token-form")
    expect(form).to_be_visible()
    expect(page.get_by_test_id("room-row")).to_have_count(0)

    # A wrong token: the control API refuses it, and the page asks again (keeping nothing).
    page.get_by_test_id("token-input").fill("not-the-token")
    with page.expect_response(lambda answer: "/_omnimeet/" in answer.url and answer.status == 401) as refused:
        page.get_by_test_id("token-submit").click()
    assert refused.value.request.headers.get("authorization") == "Bearer not-the-token"
    expect(form).to_be_visible()
    expect(page.get_by_test_id("room-row")).to_have_count(0)
    assert "not-the-token" not in page.evaluate("JSON.stringify(Object.values(sessionStorage))")

    page.get_by_test_id("token-input").fill(TOKEN)
    page.get_by_test_id("token-submit").click()
    expect(form).to_be_hidden()
    expect(room_row(page, "telemost", room)).to_have_count(1)
    assert TOKEN in page.evaluate("JSON.stringify(Object.values(sessionStorage))")
    assert page.evaluate("JSON.stringify(Object.values(localStorage))") == "[]"

    # The journal holds the create with its credential header, masked.
    page.get_by_test_id("nav-journal").click()
    create = page.locator('[data-testid="journal-row"][data-method="POST"][data-status="201"]')
    expect(create).to_have_count(1)
    create.click()
    expect(page.get_by_test_id("journal-response-body")).to_contain_text(room)
    expect(page.get_by_test_id("journal-detail")).to_contain_text(f"authorization: OAuth {credential[:3]}")
    # Nothing on the page (in any of its views) shows the vendor credential or the control token.
    for view in ("journal", "rooms", "webhooks", "faults", "clock"):
        page.get_by_test_id(f"nav-{view}").click()
        html = page.content()
        assert credential not in html
        assert TOKEN not in html
    screenshot(page, artifacts, "strict.png")


# --- the README's picture ------------------------------------------------------------------------------


def test_overview_screenshot(
    page: Page, server: LiveServer, api: httpx.Client, receiver: Receiver, artifacts: Path
) -> None:
    """A bit of everything on the rooms view. With ``OMNIMEET_DASHBOARD_PNG=docs/dashboard.png`` the
    README's picture is written there too (the whole page, 1280 pixels wide)."""
    scene = populate(api, webhook_url=receiver.url)
    open_dashboard(page, server)
    expect(page.get_by_test_id("room-row")).to_have_count(sum(len(rooms) for rooms in scene.rooms.values()))
    for event in scene.events:
        expect(page.locator(f'[data-testid="event-row"][data-event-id="{event}"]')).to_contain_text(
            "Weekly sync"
        )
    path = screenshot(page, artifacts, "dashboard.png")
    assert path.stat().st_size > 10_000
    readme_png = os.environ.get("OMNIMEET_DASHBOARD_PNG")
    if readme_png:
        page.set_viewport_size({"width": 1280, "height": 560})
        expect(page.get_by_test_id("room-row")).to_have_count(
            sum(len(rooms) for rooms in scene.rooms.values())
        )
        page.screenshot(path=readme_png, full_page=True)
        print(f"README screenshot: {readme_png}")
