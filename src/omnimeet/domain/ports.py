"""What the domain needs from its surroundings, injected rather than imported: time and id generation."""

from __future__ import annotations

from typing import Protocol


class Clock(Protocol):
    def now_ms(self) -> int:
        """Milliseconds since the Unix epoch, UTC, on the emulator's (possibly virtual) clock."""
        ...


class Ids(Protocol):
    """Random identifiers and secrets. Vendors compose their wire formats from these."""

    def digits(self, n: int) -> str: ...

    def hex(self, n: int) -> str: ...

    def alnum(self, n: int) -> str: ...

    def uuid4(self) -> str: ...
