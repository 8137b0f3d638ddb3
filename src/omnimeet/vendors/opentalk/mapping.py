"""Where OpenTalk's wire vocabulary meets the domain's: times, user profiles, tenant-wide constants.

Area-specific mappings live beside their routes (``room_mapping``, ``event_mapping`` ...); this module holds
what every area shares.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from omnimeet.domain.users import User

AVATAR_BASE = "https://gravatar.com/avatar/"
"""The controller's default avatar service: the URL ends in the MD5 of the user's e-mail address."""


def timestamp(ms: int | None) -> str | None:
    """A time as the controller writes it (chrono's RFC 3339, UTC, ``Z``; fractions only when present)."""
    if ms is None:
        return None
    seconds, millis = divmod(ms, 1000)
    moment = datetime.fromtimestamp(seconds, UTC)
    # %-formatted: strftime is several times slower (and its %Y does not pad years before 1000 on every
    # platform); a list of occurrences writes four of these per entry.
    fields = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
    if millis:
        return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (*fields, millis)  # noqa: UP031 (faster)
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % fields  # noqa: UP031


EARLIEST_MS = -62_135_596_800_000
"""0001-01-01T00:00:00Z: the first instant a date-time can name (and ``timestamp`` write)."""
LATEST_MS = 253_402_300_799_999
"""9999-12-31T23:59:59.999Z: the last one."""


def parse_timestamp(value: str) -> int | None:
    """Milliseconds of an RFC 3339 date-time with an offset, or None when it is not one (or names an instant
    outside years 1-9999 in UTC, which no answer could write back)."""
    try:
        moment = datetime.fromisoformat(value.strip().replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    try:
        ms = round(moment.timestamp() * 1000)
    except (OverflowError, ValueError):
        return None
    return ms if EARLIEST_MS <= ms <= LATEST_MS else None


def gravatar(email: str) -> str:
    """The default avatar of an address: the avatar service's URL of the MD5 of the address in lower case."""
    return AVATAR_BASE + hashlib.md5(email.strip().lower().encode(), usedforsecurity=False).hexdigest()


def avatar_url(user: User) -> str:
    return user.avatar_url or gravatar(user.email or "")


def display_name(user: User) -> str:
    if user.display_name:
        return user.display_name
    names = " ".join(part for part in (user.firstname, user.lastname) if part)
    return names or (user.email or "")


def public_profile(user: User) -> dict[str, Any]:
    """``PublicUserProfile``: what every user of the deployment may see of another."""
    return {
        "id": user.public_id,
        "email": user.email or "",
        "title": user.title or "",
        "firstname": user.firstname or "",
        "lastname": user.lastname or "",
        "display_name": display_name(user),
        "avatar_url": avatar_url(user),
    }
