"""OpenVidu Meet recording streams: the whole MP4, byte ranges at their boundaries, errors, the file."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from omnimeet.platform.media import mp4_bytes
from omnimeet.platform.web import PrefixDispatcher
from tests.vendors.openvidu_meet.recording_support import (
    advance_recording,
    pace,
    read,
    recording_conflict,
    recording_not_found,
    start,
)
from tests.vendors.openvidu_meet.support import advance, assert_answer, assert_no_content, create_room

pytestmark = pytest.mark.anyio

DURATION_MS = 42_500
UNSATISFIABLE = {"name": "Recording Error", "message": "Requested range not satisfiable"}
BAD_RANGE = {"name": "Recording Error", "message": "Invalid Range header"}


async def finished(
    ovm: httpx.AsyncClient, client: httpx.AsyncClient, duration_ms: int = DURATION_MS
) -> dict[str, Any]:
    """A READY recording lasting ``duration_ms``."""
    room = await create_room(ovm)
    recording = await start(ovm, room["roomName"])
    await advance(client, duration_ms / 1000)
    assert_no_content(await ovm.put(f"/recordings/{recording['id']}"))
    ready = await read(ovm, recording["id"])
    assert ready["status"] == "READY"
    return ready


def data_dir(app: PrefixDispatcher) -> Path:
    path: Path = app.state.ctx.settings.data_dir
    return path


async def test_the_whole_file(
    app: PrefixDispatcher, ovm: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    recording = await finished(ovm, client)
    response = await ovm.get(f"/recordings/{recording['id']}/stream")
    assert response.status_code == 200
    assert response.content == mp4_bytes(DURATION_MS)
    assert len(response.content) == recording["size"]
    assert response.headers["content-type"] == "video/mp4"
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["content-length"] == str(recording["size"])
    assert "content-range" not in response.headers
    (stored,) = data_dir(app).glob(f"recordings/*/{recording['filename']}")
    assert stored.read_bytes() == response.content


@pytest.mark.skipif(shutil.which("ffprobe") is None, reason="ffprobe is not installed")
async def test_ffprobe_agrees_with_the_duration(
    tmp_path: Path, ovm: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    recording = await finished(ovm, client, 7_250)
    path = tmp_path / recording["filename"]
    path.write_bytes((await ovm.get(f"/recordings/{recording['id']}/stream")).content)
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert float(json.loads(probe.stdout)["format"]["duration"]) == recording["duration"] == 7.25


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-0", 0, 0),
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, None),
        ("bytes=0-99999999", 0, None),
        ("bytes=-1", -1, None),
        ("bytes=-100", -100, None),
        ("bytes=-99999999", 0, None),
    ],
)
async def test_ranges(
    ovm: httpx.AsyncClient, client: httpx.AsyncClient, header: str, first: int, last: int | None
) -> None:
    recording = await finished(ovm, client)
    size = recording["size"]
    data = mp4_bytes(DURATION_MS)
    start_at = first % size if first < 0 else first
    end_at = size - 1 if last is None else last
    response = await ovm.get(f"/recordings/{recording['id']}/stream", headers={"Range": header})
    assert response.status_code == 206
    assert response.content == data[start_at : end_at + 1]
    assert response.headers["content-range"] == f"bytes {start_at}-{end_at}/{size}"
    assert response.headers["content-length"] == str(end_at - start_at + 1)
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["content-type"] == "video/mp4"


async def test_the_last_byte_and_past_it(ovm: httpx.AsyncClient, client: httpx.AsyncClient) -> None:
    recording = await finished(ovm, client)
    size = recording["size"]
    url = f"/recordings/{recording['id']}/stream"
    last = await ovm.get(url, headers={"Range": f"bytes={size - 1}-"})
    assert last.status_code == 206
    assert last.headers["content-range"] == f"bytes {size - 1}-{size - 1}/{size}"
    for header in (f"bytes={size}-", f"bytes={size}-{size + 10}", "bytes=-0"):
        response = await ovm.get(url, headers={"Range": header})
        assert_answer(response, 416, UNSATISFIABLE)
        assert response.headers["content-range"] == f"bytes */{size}"


@pytest.mark.parametrize("header", ["bytes=abc", "bytes=5-1", "pages=0-1", "bytes=0-1,4-5", "bytes=-", ""])
async def test_malformed_ranges(ovm: httpx.AsyncClient, client: httpx.AsyncClient, header: str) -> None:
    recording = await finished(ovm, client)
    response = await ovm.get(f"/recordings/{recording['id']}/stream", headers={"Range": header})
    assert_answer(response, 400, BAD_RANGE)


async def test_no_stream_while_in_progress_or_failed(
    ovm: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    await pace(client, "manual")
    room = await create_room(ovm)
    recording = await start(ovm, room["roomName"])
    rid = recording["id"]
    url = f"/recordings/{rid}/stream"
    not_stopped = recording_conflict(f"Recording '{rid}' is not stopped yet")
    assert_answer(await ovm.get(url), 409, not_stopped)
    await advance_recording(client, rid)
    assert_answer(await ovm.get(url), 409, not_stopped)
    await advance_recording(client, rid, "failed")
    assert_answer(await ovm.get(url), 404, recording_not_found(rid))
    assert_answer(await ovm.get("/recordings/EG_nope/stream"), 404, recording_not_found("EG_nope"))


async def test_a_stopped_recording_streams_and_its_file_goes_with_it(
    app: PrefixDispatcher, ovm: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    await pace(client, "manual")
    room = await create_room(ovm)
    recording = await start(ovm, room["roomName"])
    await advance_recording(client, recording["id"])
    await advance(client, 3)
    assert_no_content(await ovm.put(f"/recordings/{recording['id']}"))
    await advance_recording(client, recording["id"])  # stopped, not yet ready
    stopped = await read(ovm, recording["id"])
    assert stopped["status"] == "STOPPED"
    response = await ovm.get(f"/recordings/{recording['id']}/stream")
    assert response.status_code == 200
    assert response.content == mp4_bytes(3000)
    (stored,) = data_dir(app).glob(f"recordings/*/{stopped['filename']}")
    assert_no_content(await ovm.delete(f"/recordings/{recording['id']}"))
    assert not stored.exists()


async def test_a_reset_removes_the_recording_files(
    app: PrefixDispatcher, ovm: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    recording = await finished(ovm, client)
    assert (await ovm.get(f"/recordings/{recording['id']}/stream")).status_code == 200
    assert list(data_dir(app).glob("recordings/*/*.mp4"))

    assert (await client.post("/_omnimeet/reset")).status_code == 204

    assert not (data_dir(app) / "recordings").exists()
