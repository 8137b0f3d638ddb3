"""The dashboard's routes: ``GET /_omnimeet/ui`` (the page) and ``GET /_omnimeet/ui/assets/{name}`` (its
script and style sheet), served from the package, without the control token (they hold no data)."""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser

import httpx
import pytest

from omnimeet.platform.web import PrefixDispatcher
from tests.conftest import client_for

pytestmark = pytest.mark.anyio

UI = "/_omnimeet/ui"

# The hooks the browser tests use (helpers/UI.md): in the page itself ...
PAGE_HOOKS = {
    "nav-rooms",
    "nav-journal",
    "nav-webhooks",
    "nav-faults",
    "nav-clock",
    "filter-vendor",
    "filter-tenant",
    "journal-filter-vendor",
    "journal-filter-method",
    "journal-filter-status",
    "journal-filter-path",
    "journal-detail",
    "journal-request-body",
    "journal-response-body",
    "fault-form",
    "fault-add",
    "clock-now",
    "clock-advance-input",
    "clock-advance",
    "clock-freeze",
    "reset",
    "reset-confirm",
    "reset-cancel",
    "last-updated",
    "token-form",
    "token-input",
    "token-submit",
}
# ... and on the rows the script builds from the data.
ROW_HOOKS = {
    "room-row",
    "room-participant",
    "recording-row",
    "event-row",
    "journal-row",
    "delivery-row",
    "delivery-attempts",
    "delivery-payload",
    "redeliver",
    "fault-row",
    "fault-remove",
}
NOT_FOUND = {"error": "not_found", "message": "No dashboard asset 'app.py'."}


class Page(HTMLParser):
    """The page's data-testid hooks, scripts, style sheets and inline event handlers/styles."""

    def __init__(self) -> None:
        super().__init__()
        self.hooks: list[str] = []
        self.scripts: list[str] = []
        self.sheets: list[str] = []
        self.inline: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("data-testid"):
            self.hooks.append(str(values["data-testid"]))
        if tag == "script":
            self.scripts.append(str(values.get("src")))
        if tag == "link" and values.get("rel") == "stylesheet":
            self.sheets.append(str(values.get("href")))
        self.inline += [name for name in values if name.startswith("on") or name == "style"]


async def test_the_page_is_html_with_every_hook(client: httpx.AsyncClient) -> None:
    response = await client.get(UI)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page = Page()
    page.feed(response.text)
    assert response.text.startswith("<!doctype html>")
    assert set(page.hooks) == PAGE_HOOKS | {
        f"fault-{name}" for name in ("vendor", "method", "path", "status")
    } | {
        "fault-times",
        "fault-delay",
        "fault-drop",
    }
    assert len(page.hooks) == len(set(page.hooks))  # each hook once
    assert page.scripts == ["ui/assets/app.js"]
    assert page.sheets == ["ui/assets/app.css"]
    assert page.inline == []  # no inline handlers or styles: the CSP allows only the page's own files


async def test_the_page_loads_nothing_from_elsewhere(client: httpx.AsyncClient) -> None:
    for path in (UI, f"{UI}/assets/app.js", f"{UI}/assets/app.css"):
        text = (await client.get(path)).text
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text), path
        assert "@import" not in text
        assert 'fetch("http' not in text


async def test_the_script_builds_the_row_hooks_and_never_writes_html(client: httpx.AsyncClient) -> None:
    script = (await client.get(f"{UI}/assets/app.js")).text
    for hook in ROW_HOOKS:
        assert f'testid: "{hook}"' in script, hook
    assert "innerHTML" not in script
    assert "outerHTML" not in script
    assert "insertAdjacentHTML" not in script
    assert "document.write" not in script


async def test_the_assets_have_their_content_types(client: httpx.AsyncClient) -> None:
    script = await client.get(f"{UI}/assets/app.js")
    assert script.status_code == 200
    assert script.headers["content-type"] == "text/javascript; charset=utf-8"
    assert script.headers["x-content-type-options"] == "nosniff"
    assert "setTimeout(loop" in script.text
    sheet = await client.get(f"{UI}/assets/app.css")
    assert sheet.status_code == 200
    assert sheet.headers["content-type"] == "text/css; charset=utf-8"
    assert "[hidden]" in sheet.text


@pytest.mark.parametrize(
    "name",
    # (".." as such never arrives: clients resolve dot segments; encoded, it is only an unknown name)
    [
        "app.py",
        "index.html",
        "%2e%2e",
        "..%2Fui.py",
        "%2e%2e%2f__init__.py",
        "APP.JS",
        "app.js%00",
        "app.js.map",
    ],
)
async def test_only_the_known_assets_are_served(client: httpx.AsyncClient, name: str) -> None:
    response = await client.get(f"{UI}/assets/{name}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["error"] == "not_found"
    assert "import" not in response.text  # never a source file's content


async def test_an_unknown_asset_is_a_404_in_the_control_envelope(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{UI}/assets/app.py")
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


async def test_the_ui_routes_are_not_in_the_control_openapi(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/_omnimeet/openapi.json")).json()
    assert not [path for path in spec["paths"] if path.startswith("/ui")]


async def test_strict_mode_guards_the_data_but_not_the_page(
    make_app: Callable[..., PrefixDispatcher],
) -> None:
    app = make_app(control_token="s3cret")
    async with client_for(app) as client:
        for path in (UI, f"{UI}/assets/app.js", f"{UI}/assets/app.css"):
            assert (await client.get(path)).status_code == 200, path
        assert (await client.get(f"{UI}/assets/app.py")).json() == NOT_FOUND
        assert (await client.get("/_omnimeet/overview")).status_code == 401
        authorized = await client.get("/_omnimeet/overview", headers={"Authorization": "Bearer s3cret"})
        assert authorized.status_code == 200
