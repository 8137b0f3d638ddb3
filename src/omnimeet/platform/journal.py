"""The request journal: every vendor request and its answer, in a bounded in-memory ring."""

from __future__ import annotations


class Journal:
    def __init__(self, size: int, body_bytes: int) -> None:
        self.size = size
        self.body_bytes = body_bytes

    def clear(self) -> None:
        pass
