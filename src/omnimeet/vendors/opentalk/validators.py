"""Checks shared by OpenTalk's request schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic_core import PydanticCustomError


def no_nul(value: str) -> str:
    """Refuses text holding U+0000 (PostgreSQL cannot store it), as a 422 ``invalid_value``."""
    if "\x00" in value:
        raise PydanticCustomError("string_nul", "Value must not contain NUL characters")
    return value


def datetime_text(value: Any) -> Any:
    """Lets only RFC 3339 text (or null) on to a date-time field: serde refuses a number there, where pydantic
    would read it as seconds since the epoch."""
    if value is None or isinstance(value, str | datetime):
        return value
    raise PydanticCustomError("datetime_type", "Input should be a valid datetime")
