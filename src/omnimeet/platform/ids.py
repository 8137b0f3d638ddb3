"""Random ids and secrets.

Seeded, the sequence is reproducible (tests, demos; with one worker process, since each worker has its own
generator). Unseeded, a fast generator is seeded from the OS: emulator ids must be unique and hard to guess
by accident, not secure, and reading the OS's entropy for every character costs a system call each.
"""

from __future__ import annotations

import random
import secrets
import string
import uuid

_ALNUM = string.ascii_letters + string.digits


class RandomIds:
    def __init__(self, seed: int | None = None) -> None:
        self._rng = random.Random(seed if seed is not None else secrets.randbits(128))

    def digits(self, n: int) -> str:
        """``n`` decimal digits, the first never 0 (so the value keeps its length as a number)."""
        if n < 1:
            return ""
        return str(self._rng.randrange(10 ** (n - 1), 10**n))

    def hex(self, n: int) -> str:
        """``n`` lowercase hex digits."""
        return f"{self._rng.getrandbits(4 * n):0{n}x}" if n > 0 else ""

    def alnum(self, n: int) -> str:
        return "".join(self._rng.choices(_ALNUM, k=n))

    def uuid4(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))
