"""Recording media, vendor-neutral: a small but valid MP4 of a given duration, where it is stored, and
serving it whole or by byte range in chunks.

**The file.** ``mp4_bytes(duration_ms)`` writes an ISO BMFF file (``ftyp``, ``moov`` with one H.264 video
track, ``mdat``) in pure Python: one tiny black 64x64 keyframe repeated at 1 frame per second (fewer for
very long recordings, so a file never holds more than ``MAX_SAMPLES`` frames), the last frame lasting
whatever is left, so that the movie's duration is exactly ``duration_ms`` (timescale 1000). The output
depends on the duration alone, so a recording's size is known (``mp4_size``) before its file exists.

**Storage.** Files live on the server's disk at ``<data_dir>/recordings/<tenant>/<filename>``
(``RecordingStore``), also when the database is PostgreSQL: the database holds only the recording's row
(size and file name). A server process therefore serves only the files of its own disk; several servers
sharing one PostgreSQL database each write the same bytes for a recording when they first need them
(``RecordingStore.ensure``), since the content follows from the duration.

**Ranges.** ``parse_range`` reads a ``Range`` header (``bytes=a-b``, ``bytes=a-`` capped at
``OPEN_RANGE_CAP`` bytes, suffix ``bytes=-n``); ``MalformedRangeError`` and ``RangeNotSatisfiableError``
tell the caller which error to answer. ``file_response`` streams the whole file (200) or the range (206) in
``CHUNK_SIZE`` reads done in a worker thread, so memory stays flat whatever the file's size.
"""

from __future__ import annotations

import math
import os
import re
import struct
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import anyio.to_thread
from starlette.responses import StreamingResponse

MP4 = "video/mp4"
TIMESCALE = 1000
"""Units per second of the movie and of its track: durations are in milliseconds."""
FRAME_INTERVAL_MS = 1000
MAX_SAMPLES = 7200
"""Past two hours a recording's frames are spaced further apart, so no file holds more frames."""
CHUNK_SIZE = 64 * 1024
OPEN_RANGE_CAP = 5 * 1024 * 1024
"""``bytes=a-`` serves at most this many bytes (as the vendor's server does)."""
WIDTH = HEIGHT = 64
_U32 = 0xFFFFFFFF

# The encoded frames: H.264 constrained baseline, level 1.0, 64x64, made once with Debian's ffmpeg 5.1
# (libx264 core 164), which the runtime does not need:
#   ffmpeg -f lavfi -i color=c=black:s=64x64:r=1 -frames:v 2 -c:v libx264 -profile:v baseline \
#       -level 1.0 -pix_fmt yuv420p -x264-params keyint=1:scenecut=0 -bsf:v h264_mp4toannexb -f h264 out
# then split at the Annex B start codes, dropping the SEI (x264's banner). Both frames are IDR pictures
# (black) with different idr_pic_id, alternated so that consecutive keyframes differ as the standard asks.
SPS = bytes.fromhex("6742c00adc426c044000000300400000030083c489e0")
PPS = bytes.fromhex("68ce0f2c80")
IDR_FRAMES = (
    bytes.fromhex("65888404bc98a00038a32727275d75d75d75d75d75d780"),
    bytes.fromhex("658882017fffffc3d1400055e7c9c9c9d75d75d75d75d75d75e0"),
)
_MATRIX = struct.pack(">9I", 0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000)


# --- writing -----------------------------------------------------------------------------------------


def _box(kind: bytes, *parts: bytes) -> bytes:
    payload = b"".join(parts)
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _full_box(kind: bytes, version: int, flags: int, *parts: bytes) -> bytes:
    return _box(kind, struct.pack(">I", (version << 24) | flags), *parts)


def sample_durations(duration_ms: int) -> list[int]:
    """The frames' durations (ms): ``FRAME_INTERVAL_MS`` each (longer past ``MAX_SAMPLES`` frames), the
    last one whatever is left; they add up to ``duration_ms``. At least one frame (of 0 ms for 0)."""
    if duration_ms < 0:
        raise ValueError("duration_ms must not be negative")
    interval = max(FRAME_INTERVAL_MS, math.ceil(duration_ms / MAX_SAMPLES))
    interval = min(interval, _U32)
    count = max(1, math.ceil(duration_ms / interval))
    return [interval] * (count - 1) + [duration_ms - interval * (count - 1)]


def _times(version: int, duration: int, *, track: bool) -> bytes:
    """creation and modification time (0), then the track id (tkhd) or timescale (mvhd, mdhd), then the
    duration; 64-bit fields in version 1."""
    middle = struct.pack(">II", 1, 0) if track else struct.pack(">I", TIMESCALE)
    if version == 1:
        return struct.pack(">QQ", 0, 0) + middle + struct.pack(">Q", duration)
    return struct.pack(">II", 0, 0) + middle + struct.pack(">I", duration)


def _stts(durations: list[int]) -> bytes:
    runs: list[list[int]] = []
    for delta in durations:
        if runs and runs[-1][1] == delta:
            runs[-1][0] += 1
        else:
            runs.append([1, delta])
    entries = b"".join(struct.pack(">II", count, delta) for count, delta in runs)
    return _full_box(b"stts", 0, 0, struct.pack(">I", len(runs)), entries)


def _avc1() -> bytes:
    avcc = _box(
        b"avcC",
        bytes([1, SPS[1], SPS[2], SPS[3], 0xFF, 0xE1]),
        struct.pack(">H", len(SPS)),
        SPS,
        b"\x01",
        struct.pack(">H", len(PPS)),
        PPS,
    )
    return _box(
        b"avc1",
        b"\x00" * 6,
        struct.pack(">H", 1),  # data reference index
        b"\x00" * 16,
        struct.pack(">HH", WIDTH, HEIGHT),
        struct.pack(">II", 0x00480000, 0x00480000),  # 72 dpi
        b"\x00" * 4,
        struct.pack(">H", 1),  # frames per sample
        b"\x00" * 32,  # compressor name
        struct.pack(">Hh", 0x0018, -1),
        avcc,
    )


def _moov(durations: list[int], sizes: list[int], mdat_offset: int) -> bytes:
    total = sum(durations)
    version = 1 if total > _U32 else 0
    mvhd = _full_box(
        b"mvhd",
        version,
        0,
        _times(version, total, track=False),
        struct.pack(">IH", 0x00010000, 0x0100),
        b"\x00" * 10,
        _MATRIX,
        b"\x00" * 24,
        struct.pack(">I", 2),  # next track id
    )
    tkhd = _full_box(
        b"tkhd",
        version,
        0x000003,  # enabled, in movie
        _times(version, total, track=True),
        b"\x00" * 8,
        struct.pack(">hhHH", 0, 0, 0, 0),
        _MATRIX,
        struct.pack(">II", WIDTH << 16, HEIGHT << 16),
    )
    mdhd = _full_box(b"mdhd", version, 0, _times(version, total, track=False), struct.pack(">HH", 0x55C4, 0))
    hdlr = _full_box(b"hdlr", 0, 0, b"\x00" * 4, b"vide", b"\x00" * 12, b"VideoHandler\x00")
    vmhd = _full_box(b"vmhd", 0, 1, b"\x00" * 8)
    dinf = _box(b"dinf", _full_box(b"dref", 0, 0, struct.pack(">I", 1), _full_box(b"url ", 0, 1)))
    stbl = _box(
        b"stbl",
        _full_box(b"stsd", 0, 0, struct.pack(">I", 1), _avc1()),
        _stts(durations),
        _full_box(b"stsc", 0, 0, struct.pack(">IIII", 1, 1, len(sizes), 1)),
        _full_box(b"stsz", 0, 0, struct.pack(">II", 0, len(sizes)), struct.pack(f">{len(sizes)}I", *sizes)),
        _full_box(b"stco", 0, 0, struct.pack(">II", 1, mdat_offset)),
    )
    minf = _box(b"minf", vmhd, dinf, stbl)
    mdia = _box(b"mdia", mdhd, hdlr, minf)
    return _box(b"moov", mvhd, _box(b"trak", tkhd, mdia))


def mp4_bytes(duration_ms: int) -> bytes:
    """A valid MP4 (H.264, 64x64, black) lasting exactly ``duration_ms`` milliseconds; deterministic."""
    durations = sample_durations(duration_ms)
    frames = [IDR_FRAMES[i % 2] for i in range(len(durations))]
    samples = [struct.pack(">I", len(frame)) + frame for frame in frames]
    ftyp = _box(b"ftyp", b"isom", struct.pack(">I", 512), b"isomiso2avc1mp41")
    sizes = [len(sample) for sample in samples]
    moov_size = len(_moov(durations, sizes, 0))  # the offset's value does not change the size
    moov = _moov(durations, sizes, len(ftyp) + moov_size + 8)
    return ftyp + moov + _box(b"mdat", *samples)


def mp4_size(duration_ms: int) -> int:
    """The size in bytes of ``mp4_bytes(duration_ms)``."""
    return len(mp4_bytes(duration_ms))


# --- storage -----------------------------------------------------------------------------------------

_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


def _safe_part(name: str) -> str:
    """``name`` when it is a plain file name, else a stable stand-in (so no name escapes the directory)."""
    if _SAFE.fullmatch(name) and ".." not in name:
        return name
    import hashlib

    return "x-" + hashlib.sha256(name.encode()).hexdigest()[:32]


class RecordingStore:
    """Recording files under ``<data_dir>/recordings/<tenant>/<filename>`` on the server's disk."""

    def __init__(self, data_dir: Path) -> None:
        self.root = Path(data_dir) / "recordings"

    def path(self, tenant_id: str, filename: str) -> Path:
        return self.root / _safe_part(tenant_id) / _safe_part(filename)

    def ensure(self, tenant_id: str, filename: str, duration_ms: int) -> Path:
        """The recording's file, written first (atomically) unless it holds exactly the expected bytes
        (a file left by an earlier recording of the same name, before a reset with seeded ids, say, is
        replaced). Files are small (``MAX_SAMPLES`` frames at most), so the comparison is cheap."""
        path = self.path(tenant_id, filename)
        data = mp4_bytes(duration_ms)
        try:
            current = path.read_bytes() if path.stat().st_size == len(data) else None
        except FileNotFoundError:
            current = None
        if current == data:
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".partial-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return path

    def delete(self, tenant_id: str, filename: str) -> None:
        self.path(tenant_id, filename).unlink(missing_ok=True)

    def clear(self) -> None:
        """Removes every recording file (a full reset: the rows that named them are gone)."""
        import shutil

        shutil.rmtree(self.root, ignore_errors=True)


# --- ranges ------------------------------------------------------------------------------------------


class MalformedRangeError(ValueError):
    """The ``Range`` header cannot be read (the answer is a 400)."""


class RangeNotSatisfiableError(ValueError):
    """The range lies outside the file (the answer is a 416 with ``Content-Range: bytes */<size>``)."""


@dataclass(frozen=True, slots=True)
class ByteRange:
    start: int
    end: int
    """Inclusive."""
    size: int
    """Of the whole file."""

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    @property
    def content_range(self) -> str:
        return f"bytes {self.start}-{self.end}/{self.size}"


_RANGE = re.compile(r"\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*")


def parse_range(header: str, size: int, open_cap: int = OPEN_RANGE_CAP) -> ByteRange:
    """One range of a file of ``size`` bytes: ``bytes=a-b`` (``b`` past the end means the end),
    ``bytes=a-`` (at most ``open_cap`` bytes), ``bytes=-n`` (the last ``n``). ``MalformedRangeError`` for
    anything else (another unit, several ranges, ``a > b``, no numbers); ``RangeNotSatisfiableError`` when
    ``a`` is at or past the end, for ``bytes=-0`` and for any range of an empty file."""
    match = _RANGE.fullmatch(header)
    if match is None:
        raise MalformedRangeError(header)
    first, last = match.groups()
    if not first and not last:
        raise MalformedRangeError(header)
    if not first:
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiableError(header)
        return ByteRange(max(0, size - suffix), size - 1, size)
    start = int(first)
    if last and int(last) < start:
        raise MalformedRangeError(header)
    if start >= size:
        raise RangeNotSatisfiableError(header)
    end = min(int(last), size - 1) if last else min(start + open_cap - 1, size - 1)
    return ByteRange(start, end, size)


async def _read(path: Path, start: int, length: int, chunk_size: int) -> AsyncIterator[bytes]:
    handle = await anyio.to_thread.run_sync(path.open, "rb")
    try:
        await anyio.to_thread.run_sync(handle.seek, start)
        left = length
        while left > 0:
            chunk = await anyio.to_thread.run_sync(handle.read, min(chunk_size, left))
            if not chunk:
                break
            left -= len(chunk)
            yield chunk
    finally:
        await anyio.to_thread.run_sync(handle.close)


def file_response(
    path: Path,
    size: int,
    byte_range: ByteRange | None = None,
    *,
    media_type: str = MP4,
    chunk_size: int = CHUNK_SIZE,
) -> StreamingResponse:
    """200 with the whole file, or 206 with ``byte_range``; ``Accept-Ranges: bytes``, ``Content-Length``
    and (206) ``Content-Range``; the body read ``chunk_size`` bytes at a time."""
    headers = {"Accept-Ranges": "bytes"}
    if byte_range is None:
        start, length, status = 0, size, 200
    else:
        start, length, status = byte_range.start, byte_range.length, 206
        headers["Content-Range"] = byte_range.content_range
    headers["Content-Length"] = str(length)
    return StreamingResponse(
        _read(path, start, length, chunk_size), status_code=status, headers=headers, media_type=media_type
    )


def unsatisfiable_headers(size: int) -> dict[str, str]:
    """The headers of a 416 answer."""
    return {"Content-Range": f"bytes */{size}", "Accept-Ranges": "bytes"}
