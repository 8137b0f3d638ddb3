"""The pytest plugin, used as a user would: pytester runs test files in a fresh pytest process, where the
plugin is loaded through its ``pytest11`` entry point (nothing imported or configured by hand)."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

TELEMOST_HELPERS = """
import httpx

TOKEN = {"Authorization": "OAuth plugin-token"}


def create(base_url):
    response = httpx.post(f"{base_url}/conferences", headers=TOKEN, json={}, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def read(base_url, conference_id):
    return httpx.get(f"{base_url}/conferences/{conference_id}", headers=TOKEN, timeout=10)
"""


def run(pytester: pytest.Pytester, source: str, passed: int) -> None:
    pytester.makepyfile(helpers=TELEMOST_HELPERS, test_user=source)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=passed)


def test_the_plugin_is_registered_through_its_entry_point(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_fixtures="def test_x(): pass\n")
    result = pytester.runpytest_subprocess("--fixtures", "-q")
    for fixture in ("omnimeet_settings", "omnimeet_app", "omnimeet_server", "omnimeet"):
        result.stdout.re_match_lines(
            [rf"^{fixture}( \[session scope\])? -- .*omnimeet/testing/plugin\.py:\d+$"]
        )


def test_server_fixture_serves_every_api_and_starts_each_test_empty(pytester: pytest.Pytester) -> None:
    source = """
import httpx
from helpers import create, read

CREATED = []


def test_create(omnimeet_server):
    assert omnimeet_server.startswith("http://127.0.0.1:")
    base = omnimeet_server.url("telemost")
    assert base == omnimeet_server + "/telemost/v1/telemost-api"
    CREATED.append(create(base))
    assert read(base, CREATED[0]).status_code == 200


def test_the_next_test_starts_empty(omnimeet_server, omnimeet):
    assert read(omnimeet_server.url("telemost"), CREATED[0]).status_code == 404
    assert omnimeet.health() == {"status": "ok"}
"""
    run(pytester, source, passed=2)


def test_app_fixture_runs_in_process_and_starts_each_test_empty(pytester: pytest.Pytester) -> None:
    source = """
import pytest

pytestmark = pytest.mark.anyio
CREATED = []


@pytest.fixture
def anyio_backend():
    return "asyncio"


async def test_create(omnimeet_app):
    assert omnimeet_app.url("telemost") == "http://omnimeet.test/telemost/v1/telemost-api"
    async with omnimeet_app.client("telemost", headers={"Authorization": "OAuth t"}) as telemost:
        response = await telemost.post("/conferences", json={})
        assert response.status_code == 201
        CREATED.append(response.json()["id"])
        assert (await telemost.get(f"/conferences/{CREATED[0]}")).status_code == 200


async def test_the_next_test_starts_empty(omnimeet_app, omnimeet):
    async with omnimeet_app.client("telemost", headers={"Authorization": "OAuth t"}) as telemost:
        assert (await telemost.get(f"/conferences/{CREATED[0]}")).status_code == 404
    # The sync control client works inside an async test.
    assert omnimeet.health() == {"status": "ok"}
"""
    run(pytester, source, passed=2)


def test_control_errors_raise_with_the_status_and_body(pytester: pytest.Pytester) -> None:
    source = """
import pytest
from omnimeet.testing import OmnimeetControlError


def test_unknown_room(omnimeet):
    with pytest.raises(OmnimeetControlError) as caught:
        omnimeet.simulate.room("telemost", "00000000000000")
    assert caught.value.status == 404
    assert caught.value.body["error"] == "not_found"
"""
    run(pytester, source, passed=1)
