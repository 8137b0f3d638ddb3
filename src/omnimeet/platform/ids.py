"""Random ids and secrets. Seeded, the sequence is reproducible (tests, demos); unseeded, it is the OS's."""

from __future__ import annotations

import random
import secrets
import string
import uuid

_ALNUM = string.ascii_letters + string.digits


class RandomIds:
    def __init__(self, seed: int | None = None) -> None:
        self._rng: random.Random = random.Random(seed) if seed is not None else secrets.SystemRandom()

    def digits(self, n: int) -> str:
        """``n`` decimal digits, the first never 0 (so the value keeps its length as a number)."""
        if n < 1:
            return ""
        return str(self._rng.randint(1, 9)) + "".join(self._rng.choices(string.digits, k=n - 1))

    def hex(self, n: int) -> str:
        """``n`` lowercase hex digits."""
        return f"{self._rng.getrandbits(4 * n):0{n}x}" if n > 0 else ""

    def alnum(self, n: int) -> str:
        return "".join(self._rng.choices(_ALNUM, k=n))

    def uuid4(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))
