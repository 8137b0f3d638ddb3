"""Fault injection: rules that make a vendor route answer an error, slowly, or not at all."""

from __future__ import annotations


class FaultRules:
    def clear(self) -> None:
        pass
