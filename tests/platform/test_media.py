"""Recording media: the MP4 writer (its boxes read back, and ffprobe's view when installed), the store, byte
ranges at their boundaries, and the chunked file response."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from omnimeet.platform import media
from omnimeet.platform.media import (
    ByteRange,
    MalformedRangeError,
    RangeNotSatisfiableError,
    RecordingStore,
    file_response,
    mp4_bytes,
    mp4_size,
    parse_range,
    sample_durations,
)

MiB = 1024 * 1024
CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"dinf"}


def boxes(data: bytes, start: int = 0, end: int | None = None) -> dict[str, Any]:
    """The box tree: {type: payload bytes or sub-tree}; container boxes are descended into."""
    end = len(data) if end is None else end
    found: dict[str, Any] = {}
    at = start
    while at < end:
        size, kind = struct.unpack(">I4s", data[at : at + 8])
        assert size >= 8, (kind, size)
        assert at + size <= end, (kind, size)
        payload_start = at + 8
        name = kind.decode()
        assert name not in found, name
        found[name] = (
            boxes(data, payload_start, at + size) if kind in CONTAINERS else data[payload_start : at + size]
        )
        at += size
    assert at == end
    return found


def header_duration(payload: bytes) -> tuple[int, int]:
    """(timescale, duration) of an mvhd or mdhd payload."""
    version = payload[0]
    if version == 1:
        return struct.unpack(">IQ", payload[20:32])
    return struct.unpack(">II", payload[12:20])


@pytest.mark.parametrize("duration_ms", [0, 1, 999, 1000, 1001, 12_345, 3_600_000, 9_000_001])
def test_the_mp4_lasts_exactly_the_duration(duration_ms: int) -> None:
    data = mp4_bytes(duration_ms)
    tree = boxes(data)
    assert list(tree) == ["ftyp", "moov", "mdat"]
    assert tree["ftyp"][:4] == b"isom"
    assert header_duration(tree["moov"]["mvhd"]) == (1000, duration_ms)
    trak = tree["moov"]["trak"]
    assert header_duration(trak["mdia"]["mdhd"]) == (1000, duration_ms)
    assert trak["mdia"]["hdlr"][8:12] == b"vide"
    stbl = trak["mdia"]["minf"]["stbl"]
    assert set(stbl) == {"stsd", "stts", "stsc", "stsz", "stco"}
    assert b"avc1" in stbl["stsd"]
    assert b"avcC" in stbl["stsd"]
    # stts adds up to the duration; stsz counts as many samples; stco points at mdat's payload.
    (runs,) = struct.unpack(">I", stbl["stts"][4:8])
    entries = [struct.unpack(">II", stbl["stts"][8 + 8 * i : 16 + 8 * i]) for i in range(runs)]
    assert sum(count * delta for count, delta in entries) == duration_ms
    samples = sum(count for count, _ in entries)
    assert samples == len(sample_durations(duration_ms)) <= media.MAX_SAMPLES
    _, count = struct.unpack(">II", stbl["stsz"][4:12])
    sizes = struct.unpack(f">{count}I", stbl["stsz"][12:])
    assert count == samples
    (offset,) = struct.unpack(">I", stbl["stco"][8:12])
    assert data[offset - 4 : offset] == b"mdat"
    assert sum(sizes) == len(tree["mdat"])
    assert mp4_size(duration_ms) == len(data)
    assert mp4_bytes(duration_ms) == data  # deterministic


def test_frames_are_one_second_apart_and_the_last_takes_the_rest() -> None:
    assert sample_durations(0) == [0]
    assert sample_durations(2500) == [1000, 1000, 500]
    assert sample_durations(3000) == [1000, 1000, 1000]
    long = sample_durations(10 * 3_600_000)
    assert len(long) <= media.MAX_SAMPLES
    assert sum(long) == 10 * 3_600_000
    with pytest.raises(ValueError, match="negative"):
        sample_durations(-1)


@pytest.mark.skipif(shutil.which("ffprobe") is None, reason="ffprobe is not installed")
@pytest.mark.parametrize("duration_ms", [1, 4_321, 61_000])
def test_ffprobe_reads_the_file_and_its_duration(tmp_path: Path, duration_ms: int) -> None:
    path = tmp_path / "r.mp4"
    path.write_bytes(mp4_bytes(duration_ms))
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stderr == ""
    info = json.loads(probe.stdout)
    (stream,) = info["streams"]
    assert (stream["codec_name"], stream["width"], stream["height"]) == ("h264", 64, 64)
    assert float(info["format"]["duration"]) == pytest.approx(duration_ms / 1000, abs=0.0005)
    assert int(stream["nb_frames"]) == len(sample_durations(duration_ms))


def test_the_store_writes_once_and_deletes(tmp_path: Path) -> None:
    store = RecordingStore(tmp_path)
    path = store.ensure("tenant-1", "rec.mp4", 5_000)
    assert path == tmp_path / "recordings" / "tenant-1" / "rec.mp4"
    assert path.read_bytes() == mp4_bytes(5_000)
    modified = path.stat().st_mtime_ns
    assert store.ensure("tenant-1", "rec.mp4", 5_000).stat().st_mtime_ns == modified
    path.write_bytes(b"truncated")
    assert store.ensure("tenant-1", "rec.mp4", 5_000).read_bytes() == mp4_bytes(5_000)
    store.ensure("tenant-1", "rec.mp4", 4_500)
    assert mp4_size(4_700) == mp4_size(4_500)  # same size, other bytes: replaced too
    assert store.ensure("tenant-1", "rec.mp4", 4_700).read_bytes() == mp4_bytes(4_700)
    assert [p.name for p in path.parent.iterdir()] == ["rec.mp4"]  # no partial file left behind
    store.delete("tenant-1", "rec.mp4")
    assert not path.exists()
    store.delete("tenant-1", "rec.mp4")  # already gone: no error


def test_names_cannot_leave_the_store(tmp_path: Path) -> None:
    store = RecordingStore(tmp_path)
    for tenant, name in [("../x", "a.mp4"), ("t", "../../etc/passwd"), ("t", ".hidden"), ("t/u", "a b")]:
        path = store.path(tenant, name).resolve()
        assert path.is_relative_to((tmp_path / "recordings").resolve()), path
        assert path.parent.parent == (tmp_path / "recordings").resolve()


# --- ranges --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        ("bytes=0-0", 10, (0, 0)),
        ("bytes=0-9", 10, (0, 9)),
        ("bytes=9-9", 10, (9, 9)),
        ("bytes=3-100", 10, (3, 9)),
        ("bytes=0-", 10, (0, 9)),
        ("bytes=9-", 10, (9, 9)),
        ("bytes=0-", 6 * MiB, (0, 5 * MiB - 1)),
        ("bytes=1-", 5 * MiB + 1, (1, 5 * MiB)),
        ("bytes=2-", 5 * MiB + 1, (2, 5 * MiB)),
        ("bytes=-1", 10, (9, 9)),
        ("bytes=-10", 10, (0, 9)),
        ("bytes=-11", 10, (0, 9)),
        (" bytes = 2 - 4 ", 10, (2, 4)),
    ],
)
def test_ranges(header: str, size: int, expected: tuple[int, int]) -> None:
    found = parse_range(header, size)
    assert (found.start, found.end) == expected
    assert found.length == expected[1] - expected[0] + 1
    assert found.content_range == f"bytes {expected[0]}-{expected[1]}/{size}"


@pytest.mark.parametrize(("header", "size"), [("bytes=10-", 10), ("bytes=10-20", 10), ("bytes=-0", 10)])
def test_unsatisfiable_ranges(header: str, size: int) -> None:
    with pytest.raises(RangeNotSatisfiableError):
        parse_range(header, size)


@pytest.mark.parametrize("header", ["bytes=0-0", "bytes=-5", "bytes=0-"])
def test_nothing_of_an_empty_file_is_satisfiable(header: str) -> None:
    with pytest.raises(RangeNotSatisfiableError):
        parse_range(header, 0)


@pytest.mark.parametrize(
    "header",
    [
        "",
        "bytes",
        "bytes=",
        "bytes=-",
        "bytes=a-b",
        "items=0-1",
        "bytes=0-1,3-4",
        "bytes=5-4",
        "0-1",
        "bytes=1.5-",
    ],
)
def test_malformed_ranges(header: str) -> None:
    with pytest.raises(MalformedRangeError):
        parse_range(header, 10)


# --- the response --------------------------------------------------------------------------------------


def app_serving(path: Path, chunks: list[int]) -> Starlette:
    size = path.stat().st_size

    async def serve(request: Request) -> Response:
        header = request.headers.get("range")
        byte_range = parse_range(header, size) if header else None
        response = file_response(path, size, byte_range, chunk_size=1000)
        original = response.body_iterator

        async def counted() -> Any:
            async for chunk in original:
                chunks.append(len(chunk))
                yield chunk

        response.body_iterator = counted()
        return response

    return Starlette(routes=[Route("/f", serve)])


@pytest.mark.anyio
async def test_the_file_is_served_whole_or_by_range_in_chunks(tmp_path: Path) -> None:
    data = mp4_bytes(600_000)
    assert len(data) > 2600
    path = tmp_path / "f.mp4"
    path.write_bytes(data)
    chunks: list[int] = []
    transport = httpx.ASGITransport(app=app_serving(path, chunks))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        whole = await client.get("/f")
        assert whole.status_code == 200
        assert whole.content == data
        assert whole.headers["content-length"] == str(len(data))
        assert whole.headers["accept-ranges"] == "bytes"
        assert whole.headers["content-type"] == "video/mp4"
        assert "content-range" not in whole.headers
        assert max(chunks) == 1000
        assert len(chunks) == -(-len(data) // 1000)

        chunks.clear()
        part = await client.get("/f", headers={"Range": "bytes=100-2599"})
        assert part.status_code == 206
        assert part.content == data[100:2600]
        assert part.headers["content-range"] == f"bytes 100-2599/{len(data)}"
        assert part.headers["content-length"] == "2500"
        assert chunks == [1000, 1000, 500]

        tail = await client.get("/f", headers={"Range": "bytes=-7"})
        assert tail.status_code == 206
        assert tail.content == data[-7:]


def test_byte_range_is_a_value() -> None:
    assert ByteRange(0, 9, 10).length == 10
    assert media.unsatisfiable_headers(10)["Content-Range"] == "bytes */10"
