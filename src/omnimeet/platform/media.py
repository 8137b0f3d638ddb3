"""Recording media, vendor-neutral: a small but valid MP4 of a given duration, where it is stored, and
serving it whole or by byte range in chunks.

**The file.** ``mp4_chunks(duration_ms)`` writes an ISO BMFF file (``ftyp``, ``moov`` with one H.264
video track, ``mdat``) in pure Python, piece by piece: one tiny black 64x64 keyframe repeated at 1 frame per
second (fewer for very long recordings, so a file never holds more than ``MAX_SAMPLES`` frames), the last
frame lasting whatever is left, so that the movie's duration is exactly ``duration_ms`` (timescale 1000).
``mp4_bytes`` is the same file in one ``bytes``.

**Its size.** By default each frame is as small as it gets, so no file is larger than 234,432 bytes. With
a bit rate (``OMNIMEET_RECORDING_BITRATE_KBPS``, kbit/s; ``recording_bitrate_kbps()``), each frame is
padded with an H.264 filler-data NAL unit (type 12, which decoders skip) to ``kbps * ms / 8`` bytes, so a
recording's size follows its duration as a real one's would (1000 kbit/s: 125,000 bytes a second, 450 MB an
hour) and the file is still one that ffprobe reads; ``mdat`` gets a 64-bit size past 4 GiB. The output
depends on the duration and the bit rate alone, so a recording's size is known (``mp4_size``) before its
file exists. Changing the bit rate changes the size of files written afterwards, not the ``size`` a
vendor already stored for a recording.

**Storage.** Files live on the server's disk at ``<data_dir>/recordings/<tenant>/<filename>``
(``RecordingStore``), also when the database is PostgreSQL: the database holds only the recording's row
(size and file name). A server process therefore serves only the files of its own disk; several servers
sharing one PostgreSQL database each write the same bytes for a recording when they first need them
(``RecordingStore.ensure``), since the content follows from the duration (and the bit rate). The file is
written in chunks, so memory stays flat whatever its size.

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
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from functools import lru_cache
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
BITRATE_ENV = "OMNIMEET_RECORDING_BITRATE_KBPS"
"""The environment variable of the bit rate (kbit/s, an integer; unset, empty or 0: the smallest files)."""
MAX_BITRATE_KBPS = 1_000_000
_FILLER_OVERHEAD = 6
"""A filler-data NAL unit's length prefix (4), its header byte (0x0C) and its trailing byte (0x80)."""
_FF = b"\xff" * CHUNK_SIZE

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


def recording_bitrate_kbps() -> int:
    """The bit rate recordings are written at (kbit/s): ``OMNIMEET_RECORDING_BITRATE_KBPS``, read at each
    call (the callers, vendors' rules and ``RecordingStore``, have no ``Settings`` at hand; ``Settings``
    declares the same variable, so ``omnimeet serve`` checks it at start), else 0 (the smallest valid
    file). ``ValueError`` for a value that is not a whole number from 0 to ``MAX_BITRATE_KBPS``."""
    raw = os.environ.get(BITRATE_ENV, "").strip()
    if not raw:
        return 0
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{BITRATE_ENV} must be a whole number of kbit/s, not {raw!r}") from None
    if not 0 <= value <= MAX_BITRATE_KBPS:
        raise ValueError(f"{BITRATE_ENV} must be from 0 to {MAX_BITRATE_KBPS} kbit/s, not {value}")
    return value


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


def _sample(index: int) -> bytes:
    frame = IDR_FRAMES[index % 2]
    return struct.pack(">I", len(frame)) + frame


@dataclass(frozen=True, slots=True)
class _Layout:
    durations: tuple[int, ...]
    sizes: tuple[int, ...]
    """Of each sample in ``mdat``: the frame, then the filler (if any)."""
    head: bytes
    """``ftyp``, ``moov`` and ``mdat``'s header: everything before the first sample."""

    @property
    def size(self) -> int:
        return len(self.head) + sum(self.sizes)


@lru_cache(maxsize=64)
def _layout(duration_ms: int, bitrate_kbps: int) -> _Layout:
    durations = sample_durations(duration_ms)
    sizes = []
    for index, duration in enumerate(durations):
        natural = len(_sample(index))
        target = min(bitrate_kbps * duration // 8, _U32)
        sizes.append(target if target - natural >= _FILLER_OVERHEAD else natural)
    payload = sum(sizes)
    if 8 + payload <= _U32:
        mdat_header = struct.pack(">I4s", 8 + payload, b"mdat")
    else:
        mdat_header = struct.pack(">I4sQ", 1, b"mdat", 16 + payload)  # 64-bit size
    ftyp = _box(b"ftyp", b"isom", struct.pack(">I", 512), b"isomiso2avc1mp41")
    moov_size = len(_moov(durations, sizes, 0))  # the offset's value does not change the size
    moov = _moov(durations, sizes, len(ftyp) + moov_size + len(mdat_header))
    return _Layout(tuple(durations), tuple(sizes), ftyp + moov + mdat_header)


def mp4_chunks(
    duration_ms: int, bitrate_kbps: int | None = None, *, chunk_size: int = CHUNK_SIZE
) -> Iterator[bytes]:
    """A valid MP4 (H.264, 64x64, black) lasting exactly ``duration_ms`` milliseconds, at
    ``bitrate_kbps`` (default: ``recording_bitrate_kbps()``), in pieces of at most ``max(chunk_size,
    header)`` bytes; deterministic."""
    layout = _layout(duration_ms, recording_bitrate_kbps() if bitrate_kbps is None else bitrate_kbps)
    yield layout.head
    for index, size in enumerate(layout.sizes):
        sample = _sample(index)
        extra = size - len(sample)
        if not extra:
            yield sample
            continue
        yield sample + struct.pack(">I", extra - 4) + b"\x0c"
        left = extra - _FILLER_OVERHEAD
        while left > 0:
            n = min(left, chunk_size, len(_FF))
            yield _FF[:n]
            left -= n
        yield b"\x80"


def mp4_bytes(duration_ms: int, bitrate_kbps: int | None = None) -> bytes:
    """``mp4_chunks`` in one piece (for small files and tests)."""
    return b"".join(mp4_chunks(duration_ms, bitrate_kbps))


def mp4_size(duration_ms: int, bitrate_kbps: int | None = None) -> int:
    """The size in bytes of ``mp4_bytes(duration_ms, bitrate_kbps)``, without writing it."""
    return _layout(duration_ms, recording_bitrate_kbps() if bitrate_kbps is None else bitrate_kbps).size


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
        """The recording's file, written first (atomically, in chunks) unless it has the expected size and
        starts with the expected header (``ftyp``, ``moov``: every frame's duration and size), so a file
        left by an earlier recording of the same name, before a reset with seeded ids, say, is replaced.
        The check reads the header only, whatever the file's size."""
        path = self.path(tenant_id, filename)
        kbps = recording_bitrate_kbps()
        layout = _layout(duration_ms, kbps)
        try:
            if path.stat().st_size == layout.size:
                with path.open("rb") as current:
                    if current.read(len(layout.head)) == layout.head:
                        return path
        except FileNotFoundError:
            pass
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".partial-")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in mp4_chunks(duration_ms, kbps):
                    out.write(chunk)
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
