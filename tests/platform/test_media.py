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
    mp4_chunks,
    mp4_size,
    parse_range,
    recording_bitrate_kbps,
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
@pytest.mark.parametrize(
    ("duration_ms", "kbps"), [(1, 0), (4_321, 0), (61_000, 0), (4_321, 8000), (61_500, 1000), (7_201_000, 16)]
)
def test_ffprobe_reads_the_file_and_its_duration(tmp_path: Path, duration_ms: int, kbps: int) -> None:
    path = tmp_path / "r.mp4"
    path.write_bytes(mp4_bytes(duration_ms, kbps))
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
    assert int(info["format"]["size"]) == mp4_size(duration_ms, kbps)
    if kbps:
        assert int(stream["bit_rate"]) == pytest.approx(kbps * 1000, rel=0.001)


def samples_of(data: bytes) -> list[bytes]:
    """The samples of ``mdat``, cut by the sizes in ``stsz`` (a file under 4 GiB)."""
    tree = boxes(data)
    stbl = tree["moov"]["trak"]["mdia"]["minf"]["stbl"]
    _, count = struct.unpack(">II", stbl["stsz"][4:12])
    sizes = struct.unpack(f">{count}I", stbl["stsz"][12:])
    mdat: bytes = tree["mdat"]
    starts = [sum(sizes[:i]) for i in range(count)]
    return [mdat[start : start + size] for start, size in zip(starts, sizes, strict=True)]


def nal_units(sample: bytes) -> list[bytes]:
    units, at = [], 0
    while at < len(sample):
        (length,) = struct.unpack(">I", sample[at : at + 4])
        units.append(sample[at + 4 : at + 4 + length])
        at += 4 + length
    assert at == len(sample)
    return units


def test_a_bit_rate_pads_every_frame_with_filler_data() -> None:
    data = mp4_bytes(61_500, 1000)
    samples = samples_of(data)
    assert [len(sample) for sample in samples] == [125_000] * 61 + [62_500]  # 1000 kbit/s: 125 bytes a ms
    for index, sample in enumerate(samples):
        frame, filler = nal_units(sample)
        assert frame == media.IDR_FRAMES[index % 2]
        assert filler[0] == 0x0C  # filler data
        assert filler[1:-1] == b"\xff" * (len(filler) - 2)
        assert filler[-1] == 0x80  # rbsp trailing bits
    assert len(data) == mp4_size(61_500, 1000)
    assert 0 < len(data) - 7_687_500 < 2000  # the rest is ftyp, moov and mdat's header
    assert mp4_bytes(61_500, 0) == mp4_bytes(61_500)  # 0 is the default: the smallest file


def test_a_frame_is_padded_only_when_a_whole_filler_unit_fits() -> None:
    natural = 4 + len(media.IDR_FRAMES[0])
    # 8 kbit/s is one byte a millisecond: one frame of ``natural + 6`` ms wants ``natural + 6`` bytes.
    (padded,) = samples_of(mp4_bytes(natural + 6, 8))
    assert padded == struct.pack(">I", natural - 4) + media.IDR_FRAMES[0] + b"\x00\x00\x00\x02\x0c\x80"
    (unpadded,) = samples_of(mp4_bytes(natural + 5, 8))
    assert unpadded == struct.pack(">I", natural - 4) + media.IDR_FRAMES[0]


def test_the_file_comes_in_bounded_chunks() -> None:
    chunks = list(mp4_chunks(61_500, 1000, chunk_size=10_000))
    head = chunks[0]
    assert len(head) < 10_000
    assert max(len(chunk) for chunk in chunks) == 10_000
    assert b"".join(chunks) == mp4_bytes(61_500, 1000)


def test_past_4_gib_mdat_has_a_64_bit_size() -> None:
    duration_ms, kbps = 10 * 3_600_000, 1000  # 4.5 GB of frames
    head = next(mp4_chunks(duration_ms, kbps))
    size = mp4_size(duration_ms, kbps)
    assert size > 2**32
    tree = boxes(head, 0, len(head) - 16)
    assert list(tree) == ["ftyp", "moov"]
    assert struct.unpack(">I4sQ", head[-16:]) == (1, b"mdat", size - len(head) + 16)
    stbl = tree["moov"]["trak"]["mdia"]["minf"]["stbl"]
    assert struct.unpack(">I", stbl["stco"][8:12]) == (len(head),)
    _, count = struct.unpack(">II", stbl["stsz"][4:12])
    sizes = struct.unpack(f">{count}I", stbl["stsz"][12:])
    assert len(head) + sum(sizes) == size
    assert sizes[0] == 1000 * 5000 // 8  # 7200 frames at most: one every 5 s, 625,000 bytes each


def test_the_bit_rate_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(media.BITRATE_ENV, raising=False)
    assert recording_bitrate_kbps() == 0
    small = mp4_size(61_500)
    monkeypatch.setenv(media.BITRATE_ENV, " 1000 ")
    assert recording_bitrate_kbps() == 1000
    assert mp4_size(61_500) == mp4_size(61_500, 1000) > 7_500_000 > small
    monkeypatch.setenv(media.BITRATE_ENV, "")
    assert recording_bitrate_kbps() == 0
    monkeypatch.setenv(media.BITRATE_ENV, "1000000")
    assert recording_bitrate_kbps() == media.MAX_BITRATE_KBPS


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("fast", "must be a whole number of kbit/s, not 'fast'"),
        ("1.5", "must be a whole number of kbit/s, not '1.5'"),
        ("-1", "must be from 0 to 1000000 kbit/s, not -1"),
        ("1000001", "must be from 0 to 1000000 kbit/s, not 1000001"),
    ],
)
def test_a_bad_bit_rate_is_refused(monkeypatch: pytest.MonkeyPatch, raw: str, message: str) -> None:
    monkeypatch.setenv(media.BITRATE_ENV, raw)
    with pytest.raises(ValueError, match=f"^OMNIMEET_RECORDING_BITRATE_KBPS {message}$"):
        recording_bitrate_kbps()


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


def test_the_store_writes_at_the_bit_rate_and_rewrites_when_it_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = RecordingStore(tmp_path)
    monkeypatch.setenv(media.BITRATE_ENV, "1000")
    path = store.ensure("t", "big.mp4", 61_500)
    assert path.stat().st_size == mp4_size(61_500, 1000)
    assert path.read_bytes() == mp4_bytes(61_500, 1000)
    monkeypatch.setenv(media.BITRATE_ENV, "0")
    assert store.ensure("t", "big.mp4", 61_500).read_bytes() == mp4_bytes(61_500, 0)


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
