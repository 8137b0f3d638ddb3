"""Progression: paces per (vendor, machine), validation, defaults and reset."""

from __future__ import annotations

import math

import pytest

from omnimeet.domain.errors import DomainError, ErrorCode
from omnimeet.domain.progression import MAX_SECONDS, Pace, Progression, ProgressionMode


def test_immediate_unless_set() -> None:
    progression = Progression()
    assert progression.get("telemost", "recording") == Pace(ProgressionMode.IMMEDIATE)
    assert progression.get("telemost", "recording").delay_ms == 0


def test_set_is_per_vendor_and_machine() -> None:
    progression = Progression()
    assert progression.set("telemost", "recording", "after", 2.5) == Pace(ProgressionMode.AFTER, 2.5)
    assert progression.get("telemost", "recording").delay_ms == 2_500
    assert progression.get("vonage", "recording").mode is ProgressionMode.IMMEDIATE
    progression.set("telemost", "recording", ProgressionMode.MANUAL, 9)
    assert progression.get("telemost", "recording") == Pace(ProgressionMode.MANUAL, None)


def test_whole_seconds_stay_whole() -> None:
    pace = Progression().set("telemost", "recording", "after", 5.0)
    assert pace.seconds == 5
    assert isinstance(pace.seconds, int)


@pytest.mark.parametrize("seconds", [None, -1, MAX_SECONDS + 1, math.inf, math.nan])
def test_after_needs_a_sensible_delay(seconds: float | None) -> None:
    with pytest.raises(DomainError) as caught:
        Progression().set("telemost", "recording", "after", seconds)
    assert (caught.value.code, caught.value.details) == (ErrorCode.INVALID, {"field": "seconds"})


def test_unknown_mode_or_machine() -> None:
    with pytest.raises(DomainError) as caught:
        Progression().set("telemost", "recording", "sometimes")
    assert (caught.value.code, caught.value.details) == (ErrorCode.INVALID, {"field": "mode"})
    with pytest.raises(DomainError) as caught:
        Progression().set("telemost", "meeting", "manual")
    assert (caught.value.code, caught.value.entity, caught.value.details) == (
        ErrorCode.NOT_FOUND,
        "machine",
        {"machine": "meeting"},
    )


def test_reset_returns_to_the_defaults() -> None:
    progression = Progression()
    progression.set_default("vonage", "recording", "after", 3)
    progression.set("vonage", "recording", "manual")
    progression.set("telemost", "recording", "manual")
    assert progression.get("vonage", "recording").mode is ProgressionMode.MANUAL
    progression.reset()
    assert progression.get("vonage", "recording") == Pace(ProgressionMode.AFTER, 3)
    assert progression.get("telemost", "recording") == Pace(ProgressionMode.IMMEDIATE)
