"""How asynchronous states move on (a recording becoming ready): immediately, by hand, or after a delay."""

from __future__ import annotations


class Progression:
    def reset(self) -> None:
        pass
