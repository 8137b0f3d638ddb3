"""How asynchronous states move on (a recording becoming ready): immediately, by hand, or after a delay.

Each (vendor, machine) pair has a ``Pace``. ``immediate`` chains through the asynchronous steps in the
unit of work that entered them; ``manual`` leaves them until a test advances the object; ``after`` sets the
object's due time ``seconds`` later on the virtual clock, and the due-work sweep moves it once the clock
has passed it. The modes live in process memory (like the clock); ``reset()`` restores the defaults.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from omnimeet.domain.errors import DomainError, ErrorCode

MACHINES: tuple[str, ...] = ("recording",)
"""The state machines whose asynchronous steps are paced here."""

MAX_SECONDS = 366 * 86_400
"""The longest ``after`` delay accepted (a year)."""


class ProgressionMode(StrEnum):
    IMMEDIATE = "immediate"
    MANUAL = "manual"
    AFTER = "after"


@dataclass(frozen=True, slots=True)
class Pace:
    mode: ProgressionMode
    seconds: int | float | None = None
    """The delay of ``after`` (None for the other modes)."""

    @property
    def delay_ms(self) -> int:
        return round((self.seconds or 0) * 1000)


IMMEDIATE = Pace(ProgressionMode.IMMEDIATE)


def make_pace(mode: ProgressionMode | str, seconds: float | None = None) -> Pace:
    """A validated pace: ``after`` needs ``0 <= seconds <= MAX_SECONDS``; other modes drop ``seconds``."""
    try:
        mode = ProgressionMode(mode)
    except ValueError:
        raise DomainError(ErrorCode.INVALID, "progression", field="mode") from None
    if mode is not ProgressionMode.AFTER:
        return Pace(mode)
    if seconds is None or not math.isfinite(seconds) or not 0 <= seconds <= MAX_SECONDS:
        raise DomainError(ErrorCode.INVALID, "progression", field="seconds")
    if isinstance(seconds, float) and seconds.is_integer():
        seconds = int(seconds)
    return Pace(mode, seconds)


def check_machine(machine: str) -> None:
    if machine not in MACHINES:
        raise DomainError(ErrorCode.NOT_FOUND, "machine", machine=machine)


class Progression:
    """The pace of every (vendor, machine); ``immediate`` unless a default or an override says otherwise."""

    def __init__(self) -> None:
        self._defaults: dict[tuple[str, str], Pace] = {}
        self._overrides: dict[tuple[str, str], Pace] = {}

    def get(self, vendor: str, machine: str) -> Pace:
        key = (vendor, machine)
        return self._overrides.get(key) or self._defaults.get(key) or IMMEDIATE

    def set(
        self, vendor: str, machine: str, mode: ProgressionMode | str, seconds: float | None = None
    ) -> Pace:
        """Sets the pace until the next ``reset()``. Unknown machine: ``NOT_FOUND``; bad pace: ``INVALID``."""
        check_machine(machine)
        pace = make_pace(mode, seconds)
        self._overrides[(vendor, machine)] = pace
        return pace

    def set_default(
        self, vendor: str, machine: str, mode: ProgressionMode | str, seconds: float | None = None
    ) -> Pace:
        """A vendor's own default pace (what ``reset()`` returns to)."""
        check_machine(machine)
        pace = make_pace(mode, seconds)
        self._defaults[(vendor, machine)] = pace
        return pace

    def reset(self) -> None:
        self._overrides.clear()
