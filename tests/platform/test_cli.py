"""The ``omnimeet`` command: in process for the quick subcommands, as a real server process for ``serve``."""

from __future__ import annotations

import contextlib
import gc
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from omnimeet.cli import collector_paused, main, worker_app
from omnimeet.main import openapi_documents, openapi_yaml, vendor_mounts
from omnimeet.platform.db import Database
from omnimeet.platform.migrate import SCHEMA_HEAD, current_revision, head_revision
from omnimeet.platform.web import PrefixDispatcher
from tests.conftest import client_for

OMNIMEET = Path(sys.executable).with_name("omnimeet")
STARTUP_LIMIT_S = 60


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("OMNIMEET_"):
            monkeypatch.delenv(name)


def _revision(url: str) -> str | None:
    db = Database(url)
    try:
        return current_revision(db)
    finally:
        db.close()


def test_db_upgrade_migrates_a_fresh_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'fresh' / 'x.db'}"
    assert main(["db", "upgrade", "--database-url", url]) == 0
    assert _revision(url) == head_revision()
    assert capsys.readouterr().out == f"database at the newest schema: {url}\n"
    assert "OMNIMEET_DATABASE_URL" not in os.environ  # the command leaves the process environment alone
    assert main(["db", "upgrade", "--database-url", url]) == 0  # and again: nothing to do


def test_db_upgrade_takes_the_url_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'env.db'}"
    monkeypatch.setenv("OMNIMEET_DATABASE_URL", url)
    assert main(["db", "upgrade"]) == 0
    assert _revision(url) == head_revision()


def test_db_upgrade_defaults_to_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMNIMEET_DATA_DIR", str(tmp_path / "data"))
    assert main(["db", "upgrade"]) == 0
    assert _revision(f"sqlite:///{tmp_path / 'data' / 'omnimeet.db'}") == head_revision()


def test_printed_urls_hide_the_password() -> None:
    from omnimeet.cli import _redacted

    assert _redacted("postgresql+psycopg://u:hunter2@h:5432/db") == "postgresql+psycopg://u:***@h:5432/db"


def test_openapi_export_writes_each_vendor_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out" / "openapi"
    assert main(["openapi", "export", str(target)]) == 0
    written = sorted(p.name for p in target.iterdir())
    assert written == sorted(f"{name}.yaml" for name in ["omnimeet", *(m.name for m in vendor_mounts())])
    assert "telemost.yaml" in written
    text = (target / "telemost.yaml").read_text(encoding="utf-8")
    assert text == openapi_yaml(openapi_documents()["telemost"])
    document = yaml.safe_load(text)
    assert document["openapi"].startswith("3.")
    assert any(path.startswith("/v1/telemost-api/") for path in document["paths"])
    names = ["omnimeet", *(mount.name for mount in vendor_mounts())]
    assert capsys.readouterr().out == "".join(f"wrote {target / f'{name}.yaml'}\n" for name in names)


def test_unknown_commands_are_usage_errors() -> None:
    with pytest.raises(SystemExit) as caught:
        main(["frobnicate"])
    assert caught.value.code == 2
    with pytest.raises(SystemExit) as caught:
        main(["db"])
    assert caught.value.code == 2


# --- serve, as a real process --------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def _serving(
    tmp_path: Path,
    *extra: str,
    scheme: str = "http",
    verify: ssl.SSLContext | bool = True,
    database_url: str | None = None,
) -> Iterator[tuple[str, Path]]:
    """Starts ``omnimeet serve`` and yields its base URL once health answers 200; always stops it.
    ``verify``: how the health check verifies the server's certificate (with ``scheme="https"``);
    ``database_url``: default a new SQLite file in ``tmp_path``."""
    port = _free_port()
    out = tmp_path / "serve.out"
    url = database_url or f"sqlite:///{tmp_path}/x.db"
    command = [str(OMNIMEET), "serve", "--port", str(port), "--database-url", url]
    with out.open("wb") as sink:
        process = subprocess.Popen(
            [*command, *extra], stdout=sink, stderr=subprocess.STDOUT, start_new_session=True, cwd=tmp_path
        )
    base = f"{scheme}://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_LIMIT_S
        status = None
        while time.monotonic() < deadline and process.poll() is None:
            with contextlib.suppress(httpx.TransportError):
                status = httpx.get(f"{base}/_omnimeet/health", timeout=5, verify=verify).status_code
                if status == 200:
                    break
            time.sleep(0.2)
        log = out.read_text(encoding="utf-8", errors="replace")
        assert process.poll() is None, f"serve exited with {process.returncode}:\n{log}"
        assert status == 200, f"no healthy answer within {STARTUP_LIMIT_S} s:\n{log}"
        yield base, out
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)
    with contextlib.suppress(ProcessLookupError):  # workers left behind by a killed supervisor
        os.killpg(process.pid, signal.SIGKILL)


def _check_banner(out: Path, base: str) -> None:
    lines = out.read_text(encoding="utf-8").splitlines()
    assert f"omnimeet serving at {base}" in lines
    assert any(f"{base}/_omnimeet/health" in line for line in lines)
    for mount in vendor_mounts():
        url = f"{base}{mount.prefix}{mount.base_path}"
        assert any(line.split() == [mount.name, url] for line in lines), f"{url} not in {lines}"


def _create_and_read_conference(base: str) -> None:
    headers = {"Authorization": "OAuth cli-test-token"}
    created = httpx.post(f"{base}/telemost/v1/telemost-api/conferences", json={}, headers=headers, timeout=10)
    assert created.status_code == 201, created.text
    conference_id = created.json()["id"]
    read = httpx.get(
        f"{base}/telemost/v1/telemost-api/conferences/{conference_id}", headers=headers, timeout=10
    )
    assert read.status_code == 200, read.text
    assert read.json()["id"] == conference_id


def test_serve_prints_the_base_urls_and_answers(tmp_path: Path) -> None:
    with _serving(tmp_path) as (base, out):
        _check_banner(out, base)
        assert httpx.get(f"{base}/_omnimeet/health", timeout=5).json() == {"status": "ok"}
        _create_and_read_conference(base)
    assert _revision(f"sqlite:///{tmp_path}/x.db") == head_revision()


def test_serve_with_two_workers(tmp_path: Path) -> None:
    with _serving(tmp_path, "--workers", "2") as (base, out):
        _check_banner(out, base)
        for _ in range(2):
            response = httpx.get(f"{base}/_omnimeet/health", timeout=5)
            assert (response.status_code, response.json()) == (200, {"status": "ok"})
        _create_and_read_conference(base)
        assert httpx.post(f"{base}/_omnimeet/reset", timeout=10).status_code == 204


# --- serve --seed ----------------------------------------------------------------------------------------


SEED_TOKEN = "seeded-token"
SEED_CLOCK_MS = 1_800_000_000_000


async def _seed_document(make_app: Callable[..., PrefixDispatcher]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A state document with a Telemost conference of ``SEED_TOKEN`` (and a frozen clock), and the
    conference as Telemost shows it."""
    app = make_app()
    app.state.ctx.clock.freeze()
    app.state.ctx.clock.set(SEED_CLOCK_MS)
    headers = {"Authorization": f"OAuth {SEED_TOKEN}"}
    async with client_for(app) as client:
        created = await client.post(
            "/telemost/v1/telemost-api/conferences",
            json={"live_stream": {"title": "Seeded"}},
            headers=headers,
        )
        assert created.status_code == 201
        conference = await client.get(
            f"/telemost/v1/telemost-api/conferences/{created.json()['id']}", headers=headers
        )
        document = (await client.get("/_omnimeet/state")).json()
    return document, conference.json()


def _server_state(base: str) -> dict[str, Any]:
    response = httpx.get(f"{base}/_omnimeet/state", timeout=10)
    assert response.status_code == 200
    state: dict[str, Any] = response.json()
    return state


@pytest.mark.anyio
@pytest.mark.parametrize("suffix", [".json", ".yaml"])
async def test_serve_loads_a_seed_file(
    tmp_path: Path,
    make_app: Callable[..., PrefixDispatcher],
    empty_database_url: Callable[[], str],
    suffix: str,
) -> None:
    """Into a new database of the backend under test (SQLite, or PostgreSQL when configured)."""
    document, conference = await _seed_document(make_app)
    seed = tmp_path / f"seed{suffix}"
    seed.write_text(json.dumps(document) if suffix == ".json" else yaml.safe_dump(document), encoding="utf-8")

    with _serving(tmp_path, "--seed", str(seed), database_url=empty_database_url()) as (base, out):
        assert f"loaded the state in {seed}" in out.read_text(encoding="utf-8").splitlines()
        read = httpx.get(
            f"{base}/telemost/v1/telemost-api/conferences/{conference['id']}",
            headers={"Authorization": f"OAuth {SEED_TOKEN}"},
            timeout=10,
        )
        assert (read.status_code, read.json()) == (200, conference)
        state = _server_state(base)
        assert state["tables"] == document["tables"]
        # The seed's clock, frozen, passed on to the server process.
        assert state["clock"] == {"now_ms": SEED_CLOCK_MS, "frozen": True}


@pytest.mark.anyio
async def test_serve_with_two_workers_loads_the_seed_once(
    tmp_path: Path, make_app: Callable[..., PrefixDispatcher]
) -> None:
    document, conference = await _seed_document(make_app)
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps(document), encoding="utf-8")
    with _serving(tmp_path, "--seed", str(seed), "--workers", "2") as (base, _):
        headers = {"Authorization": f"OAuth {SEED_TOKEN}"}
        created = httpx.post(
            f"{base}/telemost/v1/telemost-api/conferences", json={}, headers=headers, timeout=10
        )
        assert created.status_code == 201
        for _ in range(4):  # whichever worker answers: the seed was not loaded again over the new row
            state = _server_state(base)
            assert len(state["tables"]["rooms"]) == 2
            assert state["clock"] == {"now_ms": SEED_CLOCK_MS, "frozen": True}
        read = httpx.get(
            f"{base}/telemost/v1/telemost-api/conferences/{conference['id']}", headers=headers, timeout=10
        )
        assert read.json() == conference


BAD_SEEDS = {
    "missing.json": (None, "cannot read {path}: "),
    "broken.json": ("{", "{path} is not valid JSON: "),
    "broken.yaml": ("a: [", "{path} is not valid YAML: "),
    "list.yml": ("- 1\n", "a state document is a JSON object"),
    "old.json": (
        '{"format": "omnimeet-state", "version": 1, "schema": "0001"}',
        "schema '0001' does not match",
    ),
    "rows.json": (
        json.dumps({"format": "omnimeet-state", "version": 1, "schema": SCHEMA_HEAD, "tables": {"x": []}}),
        "unknown table 'x'",
    ),
}


@pytest.mark.parametrize("name", list(BAD_SEEDS))
def test_serve_with_a_bad_seed_file_exits_with_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    content, expected = BAD_SEEDS[name]
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'x.db'}"
    monkeypatch.setenv("OMNIMEET_DATABASE_URL", url)  # restored afterwards, whatever serve sets
    assert main(["serve", "--database-url", url, "--port", str(_free_port()), "--seed", str(path)]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"omnimeet: cannot load --seed {path}: {expected.format(path=path)}"), error
    assert error.count("\n") == 1
    assert gc.isenabled()  # the start-up's pause of the collector ends with it


# --- serve: start-up without the cyclic garbage collector ------------------------------------------------


def test_the_collector_is_paused_for_the_block_and_on_again_after_it() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError
    assert gc.isenabled()


def test_the_collector_resumes_early_when_asked() -> None:
    with collector_paused() as resume:
        resume()
        assert gc.isenabled()
        resume()
        assert gc.isenabled()
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    try:
        with collector_paused() as resume:
            resume()
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.anyio
async def test_a_worker_app_is_the_app_from_the_environment_with_its_objects_frozen(
    monkeypatch: pytest.MonkeyPatch, empty_database_url: Callable[[], str]
) -> None:
    url = empty_database_url()
    monkeypatch.setenv("OMNIMEET_DATABASE_URL", url)
    gc.unfreeze()
    app = worker_app()
    try:
        assert isinstance(app, PrefixDispatcher)
        assert gc.isenabled()
        assert gc.get_freeze_count() > 0
        async with client_for(app) as client:
            response = await client.get("/_omnimeet/health")
        assert (response.status_code, response.json()) == (200, {"status": "ok"})
        assert _revision(url) == head_revision()
    finally:
        gc.unfreeze()
        app.state.ctx.db.close()


# --- serve: argument errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--vendor-port", "telemost"], "expected VENDOR=PORT"),
        (["--vendor-port", "telemost=web"], "expected VENDOR=PORT"),
        (["--vendor-port", "telemost=0"], "expected VENDOR=PORT"),
        (["--vendor-port", "telemost=65536"], "expected VENDOR=PORT"),
        (["--vendor-port", "=9001"], "expected VENDOR=PORT"),
        (
            ["--vendor-port", "skype=9001"],
            "--vendor-port: unknown vendor 'skype' (known: "
            + ", ".join(plugin.name for plugin in vendor_mounts())
            + ")",
        ),
        (["--vendor-port", "telemost=9001", "--vendor-port", "telemost=9002"], "a vendor is given twice"),
        (["--port", "9001", "--vendor-port", "telemost=9001"], "must differ from the others and from --port"),
    ],
)
def test_bad_vendor_ports_are_usage_errors(
    capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["serve", *arguments])
    assert caught.value.code == 2
    assert message in capsys.readouterr().err
    assert "OMNIMEET_VENDOR_PORTS" not in os.environ
