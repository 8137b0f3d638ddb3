"""A vendor at the root of a port of its own (``omnimeet serve --vendor-port VENDOR=PORT``)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from omnimeet.main import create_app
from omnimeet.platform.config import Settings
from omnimeet.platform.web import PrefixDispatcher
from tests.platform.test_cli import _free_port, _serving

pytestmark = pytest.mark.anyio

OWN_PORT = 9001
AUTH = {"Authorization": "OAuth own-port-token"}


def client_on(app: PrefixDispatcher, port: int | None) -> httpx.AsyncClient:
    """A client whose requests arrive on ``port`` (the ASGI scope's server port), the default one if None."""
    base = "http://omnimeet.test" if port is None else f"http://omnimeet.test:{port}"
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base, headers=AUTH)


async def test_the_vendor_answers_at_the_root_of_its_port(make_app: Callable[..., PrefixDispatcher]) -> None:
    app = make_app(vendor_ports={"telemost": OWN_PORT})
    async with client_on(app, OWN_PORT) as own, client_on(app, None) as shared:
        created = await own.post("/v1/telemost-api/conferences", json={"live_stream": {"title": "Own"}})
        assert created.status_code == 201, created.text
        conference_id = created.json()["id"]

        on_shared = await shared.get(f"/telemost/v1/telemost-api/conferences/{conference_id}")
        on_own = await own.get(f"/v1/telemost-api/conferences/{conference_id}")
        assert on_shared.status_code == on_own.status_code == 200
        assert on_shared.json() == on_own.json()
        assert on_own.json()["live_stream"]["title"] == "Own"

        # Only the vendor lives there: the prefixed path and the control API are the vendor's 404s.
        for path in (f"/telemost/v1/telemost-api/conferences/{conference_id}", "/_omnimeet/health"):
            missing = await own.get(path)
            assert missing.status_code == 404
            assert set(missing.json()) == {"error", "message", "description"}, missing.text
            assert "Yandex-Cloud-Request-ID" in missing.headers
        # And the unprefixed path on the shared port is nobody's.
        nobody = await shared.get(f"/v1/telemost-api/conferences/{conference_id}")
        assert (nobody.status_code, nobody.json()["error"]) == (404, "not_found")


async def test_other_ports_are_the_shared_dispatcher(make_app: Callable[..., PrefixDispatcher]) -> None:
    app = make_app(vendor_ports={"telemost": OWN_PORT})
    async with client_on(app, OWN_PORT + 1) as other:
        assert (await other.get("/_omnimeet/health")).json() == {"status": "ok"}
        assert (await other.post("/telemost/v1/telemost-api/conferences", json={})).status_code == 201
        assert (await other.post("/v1/telemost-api/conferences", json={})).status_code == 404


def test_the_same_gated_app_serves_both_ports(make_app: Callable[..., PrefixDispatcher]) -> None:
    """The journal and the faults apply on the vendor's own port exactly as under its prefix."""
    app = make_app(vendor_ports={"telemost": OWN_PORT})
    shared = dict(app.mounts)["/telemost"]
    assert app.ports == {OWN_PORT: shared}


def test_an_unknown_vendor_port_is_refused(make_settings: Callable[..., Settings]) -> None:
    with pytest.raises(ValueError, match="vendor_ports: unknown vendor skype"):
        create_app(make_settings(vendor_ports={"skype": OWN_PORT}), migrate=False)


def test_vendor_ports_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMNIMEET_VENDOR_PORTS", '{"telemost": 9005}')
    assert Settings().vendor_ports == {"telemost": 9005}
    monkeypatch.delenv("OMNIMEET_VENDOR_PORTS")
    assert Settings().vendor_ports == {}


# --- a real server ---------------------------------------------------------------------------------------


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("OMNIMEET_"):
            monkeypatch.delenv(name)


@pytest.mark.usefixtures("clean_environment")
@pytest.mark.parametrize("workers", ["1", "2"])
def test_serve_with_a_vendor_port(tmp_path: Path, workers: str) -> None:
    own_port = _free_port()
    with _serving(tmp_path, "--vendor-port", f"telemost={own_port}", "--workers", workers) as (base, out):
        own = f"http://127.0.0.1:{own_port}"
        assert f"  telemost      {own}/v1/telemost-api  (own port)" in out.read_text(encoding="utf-8")
        created = httpx.post(f"{own}/v1/telemost-api/conferences", json={}, headers=AUTH, timeout=10)
        assert created.status_code == 201, created.text
        conference_id = created.json()["id"]
        for _ in range(3):
            shared = httpx.get(
                f"{base}/telemost/v1/telemost-api/conferences/{conference_id}", headers=AUTH, timeout=10
            )
            assert (shared.status_code, shared.json()["id"]) == (200, conference_id)
            again = httpx.get(f"{own}/v1/telemost-api/conferences/{conference_id}", headers=AUTH, timeout=10)
            assert again.json() == shared.json()
