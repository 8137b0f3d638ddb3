"""Checks shared by OpenTalk's request schemas."""

from __future__ import annotations

from pydantic_core import PydanticCustomError


def no_nul(value: str) -> str:
    """Refuses text holding U+0000 (PostgreSQL cannot store it), as a 422 ``invalid_value``."""
    if "\x00" in value:
        raise PydanticCustomError("string_nul", "Value must not contain NUL characters")
    return value
