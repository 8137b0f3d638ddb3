"""VirtualClock on a fake wall clock, so every assertion is exact."""

from __future__ import annotations

import time

import pytest

from omnimeet.platform import clock as clock_module
from omnimeet.platform.clock import VirtualClock

START_MS = 1_700_000_000_000


class FakeWall:
    def __init__(self) -> None:
        self.ms = START_MS

    def time_ns(self) -> int:
        return self.ms * 1_000_000


@pytest.fixture
def wall(monkeypatch: pytest.MonkeyPatch) -> FakeWall:
    fake = FakeWall()
    monkeypatch.setattr(clock_module, "time", fake)
    return fake


def test_follows_wall_time_by_default(wall: FakeWall) -> None:
    clock = VirtualClock()
    assert clock.now_ms() == START_MS
    wall.ms += 250
    assert clock.now_ms() == START_MS + 250
    assert not clock.frozen


def test_advance_shifts_time_and_it_keeps_running(wall: FakeWall) -> None:
    clock = VirtualClock()
    clock.advance(3_600_000)
    assert clock.now_ms() == START_MS + 3_600_000
    wall.ms += 10
    assert clock.now_ms() == START_MS + 3_600_010
    clock.advance(-3_600_000)
    assert clock.now_ms() == START_MS + 10


def test_set_jumps_to_an_instant_and_keeps_running(wall: FakeWall) -> None:
    clock = VirtualClock()
    clock.set(2_000_000_000_000)
    assert clock.now_ms() == 2_000_000_000_000
    wall.ms += 5
    assert clock.now_ms() == 2_000_000_000_005


def test_frozen_time_stands_still_until_moved(wall: FakeWall) -> None:
    clock = VirtualClock()
    clock.advance(1000)
    clock.freeze()
    assert clock.frozen
    wall.ms += 60_000
    assert clock.now_ms() == START_MS + 1000
    clock.advance(500)
    assert clock.now_ms() == START_MS + 1500
    clock.set(2_000_000_000_000)
    assert clock.now_ms() == 2_000_000_000_000
    assert clock.frozen


def test_unfreeze_continues_from_the_frozen_instant(wall: FakeWall) -> None:
    clock = VirtualClock()
    clock.freeze()
    wall.ms += 60_000
    clock.advance(1000)
    clock.unfreeze()
    assert not clock.frozen
    assert clock.now_ms() == START_MS + 1000  # no jump: the frozen minute did not pass
    wall.ms += 7
    assert clock.now_ms() == START_MS + 1007


def test_freeze_and_unfreeze_twice_are_harmless(wall: FakeWall) -> None:
    clock = VirtualClock()
    clock.unfreeze()
    assert clock.now_ms() == START_MS
    clock.freeze()
    wall.ms += 100
    clock.freeze()  # freezes at the already frozen instant
    assert clock.now_ms() == START_MS


def test_reset_returns_to_running_wall_time(wall: FakeWall) -> None:
    clock = VirtualClock()
    clock.set(1)
    clock.freeze()
    clock.reset()
    assert not clock.frozen
    assert clock.offset_ms == 0
    assert clock.now_ms() == START_MS
    wall.ms += 1
    assert clock.now_ms() == START_MS + 1


def test_real_wall_clock_is_used_without_the_fake() -> None:
    clock = VirtualClock()
    before = time.time_ns() // 1_000_000
    now = clock.now_ms()
    after = time.time_ns() // 1_000_000
    assert before <= now <= after
