"""The emulator's clock: real time plus an offset, optionally frozen. The control API moves it."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def iso_ms(ms: int) -> str:
    """``2026-11-23T18:00:00.000Z``: how the control API and omnimeet's own webhooks write times (exact to
    the millisecond, UTC, with ``Z``)."""
    moment = EPOCH + timedelta(milliseconds=ms)
    return f"{moment.strftime('%Y-%m-%dT%H:%M:%S')}.{ms % 1000:03d}Z"


class VirtualClock:
    """``now_ms`` is wall time shifted by ``offset_ms``; when frozen it stays put until moved."""

    __slots__ = ("_frozen_at_ms", "offset_ms")

    def __init__(self) -> None:
        self.offset_ms = 0
        self._frozen_at_ms: int | None = None

    def now_ms(self) -> int:
        if self._frozen_at_ms is not None:
            return self._frozen_at_ms
        return time.time_ns() // 1_000_000 + self.offset_ms

    @property
    def frozen(self) -> bool:
        return self._frozen_at_ms is not None

    def freeze(self) -> None:
        self._frozen_at_ms = self.now_ms()

    def unfreeze(self) -> None:
        if self._frozen_at_ms is not None:
            self.offset_ms = self._frozen_at_ms - time.time_ns() // 1_000_000
            self._frozen_at_ms = None

    def advance(self, ms: int) -> None:
        if self._frozen_at_ms is not None:
            self._frozen_at_ms += ms
        else:
            self.offset_ms += ms

    def set(self, now_ms: int) -> None:
        if self._frozen_at_ms is not None:
            self._frozen_at_ms = now_ms
        else:
            self.offset_ms = now_ms - time.time_ns() // 1_000_000

    def reset(self) -> None:
        self.offset_ms = 0
        self._frozen_at_ms = None
