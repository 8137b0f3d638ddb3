"""What the dashboard's browser tests share: where Chromium is, how it is launched, whether the tests may be
skipped without it, and a few vendor requests that fill the emulator with something to look at.

Chromium is Debian's ``chromium`` (``/usr/bin/chromium``, or the executable named by ``OMNIMEET_CHROMIUM``),
driven by the Python ``playwright`` package (the ``test`` extra; its PyPI wheel bundles the driver, and no
browser is ever downloaded: ``playwright install`` is not needed). Without either, the browser tests are
skipped, unless ``OMNIMEET_REQUIRE_BROWSER=1`` (as in ``.ci/run``), where they fail instead.
"""

from __future__ import annotations

import importlib.util
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.reliability.live import ROOM_APIS

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Playwright

DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
"""No sandbox (CI runs as root in a container), no GPU, nothing that reaches the network on its own."""
VIEWPORT = {"width": 1400, "height": 900}
CONTROL = "/_omnimeet"
UI_PATH = "/_omnimeet/ui"


def chromium_executable() -> str:
    return os.environ.get("OMNIMEET_CHROMIUM") or DEFAULT_CHROMIUM


def browser_required() -> bool:
    return os.environ.get("OMNIMEET_REQUIRE_BROWSER", "").strip().lower() in ("1", "true", "yes")


def missing_browser() -> str | None:
    """Why the browser tests cannot run here (None when they can)."""
    executable = chromium_executable()
    if not (os.path.isfile(executable) and os.access(executable, os.X_OK)):
        return (
            f"no Chromium at {executable} (install Debian's 'chromium' package, or set OMNIMEET_CHROMIUM to "
            "a Chromium executable)"
        )
    if importlib.util.find_spec("playwright") is None:
        return "the Python package 'playwright' is not installed (pip install -e '.[test]')"
    return None


def require_browser() -> None:
    """At the top of a browser test module: skips the module when Chromium or Playwright is missing, or
    fails it when ``OMNIMEET_REQUIRE_BROWSER=1``."""
    reason = missing_browser()
    if reason is None:
        return
    if browser_required():
        pytest.fail(f"browser tests are required (OMNIMEET_REQUIRE_BROWSER=1), but {reason}", pytrace=False)
    pytest.skip(f"browser tests skipped: {reason}", allow_module_level=True)


def launch(playwright: Playwright, profile_dir: Path) -> BrowserContext:
    """Chromium, headless, with a fresh profile (user data) directory of its own."""
    profile_dir.mkdir(parents=True, exist_ok=True)
    return playwright.chromium.launch_persistent_context(
        str(profile_dir),
        executable_path=chromium_executable(),
        headless=True,
        args=CHROMIUM_ARGS,
        viewport=VIEWPORT,  # type: ignore[arg-type]
        locale="en-US",
        timezone_id="UTC",
    )


# --- filling the emulator through the vendors' APIs (permissive auth mode) ---------------------------------


def ok(response: httpx.Response, status: int) -> Any:
    assert response.status_code == status, (str(response.request.url), response.status_code, response.text)
    return response.json() if response.content else None


def create_room(client: httpx.Client, vendor: str, marker: str, tenant: str = "dash") -> str:
    """A room made through the vendor's own API (``tests.reliability.live.ROOM_APIS``); its id."""
    api = ROOM_APIS[vendor]
    response = api.create(client, tenant, marker)
    assert response.status_code == api.created_status, (vendor, response.status_code, response.text)
    return api.created_id(response)


def join(client: httpx.Client, vendor: str, room_id: str, name: str, role: str | None = None) -> str:
    body = {"name": name, **({"role": role} if role else {})}
    return str(
        ok(client.post(f"{CONTROL}/vendors/{vendor}/rooms/{room_id}/participants", json=body), 201)["id"]
    )


MEET = "/openvidu/meet/api/v1"
MEET_AUTH = {"X-API-KEY": "reliability-dash"}
"""The credentials ``ROOM_APIS["openvidu-meet"]`` uses for tenant ``dash``."""


def meet_recording(client: httpx.Client, room_name: str) -> str:
    """An OpenVidu Meet recording started and stopped through its API (seven webhooks); its id."""
    recording = ok(client.post(f"{MEET}/recordings", headers=MEET_AUTH, json={"roomName": room_name}), 200)[
        "id"
    ]
    assert client.put(f"{MEET}/recordings/{recording}", headers=MEET_AUTH).status_code == 204
    return str(recording)


@dataclass
class Scene:
    """What ``populate`` made: per vendor the ids of its rooms; recordings' and scheduled events' ids."""

    rooms: dict[str, list[str]] = field(default_factory=dict)
    recordings: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)


WEEKLY = {
    "title": "Weekly sync",
    "description": "Team call",
    "password": "s3cret",
    "waiting_room": False,
    "is_time_independent": False,
    "is_all_day": False,
    "starts_at": {"datetime": "2026-12-07T09:00:00Z", "timezone": "Europe/Berlin"},
    "ends_at": {"datetime": "2026-12-07T09:30:00Z", "timezone": "Europe/Berlin"},
    "recurrence_pattern": ["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=20"],
}
"""An OpenTalk event every Monday (which makes its room)."""


def populate(client: httpx.Client, webhook_url: str | None = None) -> Scene:
    """A little of everything, for the README's screenshot: a room per vendor, people in some, an
    OpenVidu Meet recording (its webhooks to ``webhook_url`` if given), an OpenTalk weekly event, a few
    failed requests."""
    scene = Scene()
    if webhook_url:
        ok(
            client.post(
                f"{CONTROL}/webhooks/endpoints", json={"vendor": "openvidu-meet", "url": webhook_url}
            ),
            201,
        )
    for vendor, marker in (
        ("telemost", "weekly-sync"),
        ("openvidu-meet", "standup"),
        ("vonage", "support-call"),
        ("sourcefuse", "onboarding"),
        ("opentalk", "retro"),
    ):
        scene.rooms.setdefault(vendor, []).append(create_room(client, vendor, marker))
    telemost = scene.rooms["telemost"][0]
    join(client, "telemost", telemost, "Alice", "host")
    join(client, "telemost", telemost, "Bob")
    vonage = scene.rooms["vonage"][0]
    join(client, "vonage", vonage, "Carol")
    scene.recordings.append(meet_recording(client, scene.rooms["openvidu-meet"][0]))
    event = ok(
        client.post("/opentalk/v1/events", headers=ROOM_APIS["opentalk"].auth("dash"), json=WEEKLY), 201
    )
    scene.events.append(str(event["id"]))
    scene.rooms["opentalk"].append(str(event["room"]["id"]))
    # What an app under test gets wrong now and then: an unknown conference, a bad body.
    auth = ROOM_APIS["telemost"].auth("dash")
    client.get("/telemost/v1/telemost-api/conferences/00000000000000", headers=auth)
    client.post("/vonage/v1/meetings/rooms", headers=ROOM_APIS["vonage"].auth("dash"), json={"type": "nope"})
    return scene


def wait_for(check: Any, what: str, timeout_s: float = 20.0) -> Any:
    """Polls ``check()`` until it returns something truthy (a deadline, not a sleep that a test relies on)."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        time.sleep(0.05)
